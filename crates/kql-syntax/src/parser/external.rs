//! `inline_external_table`: a table read from storage, with its columns,
//! kind, partitions, path format and data format in the query itself.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, ExternalKind, InlineExternalTable, Literal, PartitionColumn};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;

/// The data formats of Kusto's ingestion, which external storage shares.
pub(crate) const DATA_FORMATS: &[&str] = &[
    "apacheavro",
    "avro",
    "csv",
    "json",
    "multijson",
    "orc",
    "parquet",
    "psv",
    "raw",
    "scsv",
    "singlejson",
    "sohsv",
    "sstream",
    "tsv",
    "tsve",
    "txt",
    "w3clogfile",
];

const KINDS: &[&str] = &["storage", "delta"];

/// The clauses between the columns and the connection strings.
const CLAUSES: &[&str] = &["kind", "partition", "pathformat", "dataformat"];

impl<'a> Parser<'a> {
    /// After the word `inline_external_table` (at `start`).
    pub(super) fn inline_external_table(&mut self, start: Span) -> PResult<InlineExternalTable> {
        let schema = if self.at(TokenKind::LParen) { self.column_decls()? } else { Vec::new() };
        let mut kind: Option<(ExternalKind, Span)> = None;
        let mut partitions: Option<(Vec<PartitionColumn>, Span)> = None;
        let mut path_format: Option<(Vec<Expr>, Span)> = None;
        let mut data_format = None;
        while let Some(word) = CLAUSES.iter().find(|w| self.at_word(w)).copied() {
            let clause_start = self.tok().span;
            let seen = match word {
                "kind" => kind.is_some(),
                "partition" => partitions.is_some(),
                "pathformat" => path_format.is_some(),
                _ => data_format.is_some(),
            };
            if seen {
                return Err(self.invalid_clause(
                    clause_start,
                    format!("`{word}` is given twice"),
                    "given again",
                    "give it once",
                ));
            }
            self.bump();
            match word {
                "kind" => {
                    self.expect(TokenKind::Eq, "`=` after `kind`")?;
                    let name = self.ident("`storage` or `delta`")?;
                    let k = match name.name.as_str() {
                        "storage" => ExternalKind::Storage,
                        "delta" => ExternalKind::Delta,
                        other => {
                            return Err(self.unknown_word(
                                codes::EXPECTED,
                                name.span,
                                other,
                                "external table kind",
                                KINDS,
                            ));
                        }
                    };
                    kind = Some((k, self.span_from(clause_start)));
                }
                "partition" => {
                    self.expect_by("partition")?;
                    self.expect(TokenKind::LParen, "`(` to open the partition columns")?;
                    let cols = self.comma_list(|p| p.partition_column())?;
                    self.expect(TokenKind::RParen, "`,` or `)` after the partition column")?;
                    partitions = Some((cols, self.span_from(clause_start)));
                }
                "pathformat" => {
                    self.expect(TokenKind::Eq, "`=` after `pathformat`")?;
                    self.expect(TokenKind::LParen, "`(` to open the path format")?;
                    let mut parts = Vec::new();
                    while !self.at(TokenKind::RParen) && !self.at(TokenKind::Eof) {
                        parts.push(self.path_part()?);
                    }
                    self.expect(TokenKind::RParen, "`)` to close the path format")?;
                    if parts.is_empty() {
                        return Err(self.invalid_clause(
                            clause_start,
                            "the path format is empty",
                            "no path elements",
                            "name a partition column, as in `pathformat=('day=' Day)`",
                        ));
                    }
                    path_format = Some((parts, self.span_from(clause_start)));
                }
                _ => {
                    self.expect(TokenKind::Eq, "`=` after `dataformat`")?;
                    let name = self.ident("a data format (csv, json, parquet, ...)")?;
                    if !DATA_FORMATS.contains(&name.name.to_ascii_lowercase().as_str()) {
                        return Err(self.unknown_word(
                            codes::EXPECTED,
                            name.span,
                            &name.name,
                            "data format",
                            DATA_FORMATS,
                        ));
                    }
                    data_format = Some(name);
                }
            }
        }
        let Some((kind, _)) = kind else {
            return Err(self.expected("`kind=storage` or `kind=delta`"));
        };
        self.expect(TokenKind::LParen, "`(` and the storage connection strings")?;
        let uris = self.comma_list(|p| p.expr())?;
        self.expect(TokenKind::RParen, "`,` or `)` after the connection string")?;
        let properties = if self.eat_word("with").is_some() {
            self.expect(TokenKind::LParen, "`(` after `with`")?;
            let props = if self.at(TokenKind::RParen) { Vec::new() } else { self.comma_list(|p| p.free_option())? };
            self.expect(TokenKind::RParen, "`,` or `)` after the property")?;
            props
        } else {
            Vec::new()
        };
        match kind {
            ExternalKind::Storage => {
                if schema.is_empty() {
                    return Err(self.invalid_clause(
                        start,
                        "`kind=storage` needs the columns",
                        "no column list",
                        "declare them: `inline_external_table(Name:string, ...) kind=storage ...`",
                    ));
                }
                if data_format.is_none() {
                    return Err(self.invalid_clause(
                        start,
                        "`kind=storage` needs `dataformat=`",
                        "no `dataformat=`",
                        "name the files' format, as in `dataformat=csv`",
                    ));
                }
            }
            ExternalKind::Delta => {
                let extra = [
                    partitions.as_ref().map(|(_, s)| ("partition by", *s)),
                    path_format.as_ref().map(|(_, s)| ("pathformat", *s)),
                    data_format.as_ref().map(|d| ("dataformat", d.span)),
                ];
                if let Some((name, span)) = extra.into_iter().flatten().next() {
                    return Err(self.invalid_clause(
                        span,
                        format!("`{name}` is not used with `kind=delta`"),
                        "not used with `kind=delta`",
                        "a Delta table's log gives its format and partitions; remove the clause",
                    ));
                }
                if let [first, .., last] = uris.as_slice() {
                    let span = first.span.to(last.span);
                    return Err(self.invalid_clause(
                        span,
                        format!("`kind=delta` reads one table root, not {}", uris.len()),
                        "several connection strings",
                        "name one Delta table root",
                    ));
                }
            }
        }
        Ok(InlineExternalTable {
            schema,
            kind,
            partitions: partitions.map(|(p, _)| p).unwrap_or_default(),
            path_format: path_format.map(|(p, _)| p).unwrap_or_default(),
            data_format,
            uris,
            properties,
        })
    }

    /// `Name:type [= Expr]`.
    fn partition_column(&mut self) -> PResult<PartitionColumn> {
        let column = self.column_decl()?;
        let value = if self.eat(TokenKind::Eq).is_some() { Some(self.expr()?) } else { None };
        Ok(PartitionColumn { span: self.span_from(column.span), column, value })
    }

    /// One element of a path format: a string, a partition column, or
    /// `datetime_pattern(format, column)`.
    fn path_part(&mut self) -> PResult<Expr> {
        if self.at(TokenKind::String) {
            let t = self.bump();
            let value = self.string_value(self.text_of(t), t.span);
            return Ok(Expr { kind: ExprKind::Literal(Literal::String(value)), span: t.span });
        }
        if self.at_word("datetime_pattern") && self.nth_kind(1) == TokenKind::LParen {
            let name = self.ident("`datetime_pattern`")?;
            let args = self.call_args()?;
            let call = Expr {
                span: self.span_from(name.span),
                kind: ExprKind::Call { func: Box::new(Expr { span: name.span, kind: ExprKind::Name(name) }), args },
            };
            let ok = match &call.kind {
                ExprKind::Call { args, .. } => {
                    args.len() == 2
                        && args.iter().all(|a| a.name.is_none())
                        && matches!(args[0].value.kind, ExprKind::Literal(Literal::String(_)))
                        && matches!(args[1].value.kind, ExprKind::Name(_))
                }
                _ => false,
            };
            if !ok {
                return Err(self.invalid_clause(
                    call.span,
                    "`datetime_pattern` takes a format string and a partition column",
                    "not `datetime_pattern(format, column)`",
                    "write `datetime_pattern('yyyy/MM/dd', Day)`",
                ));
            }
            return Ok(call);
        }
        if self.at_name() {
            let id = self.ident("a partition column")?;
            return Ok(Expr { span: id.span, kind: ExprKind::Name(id) });
        }
        Err(self.expected("a string, a partition column or `datetime_pattern(format, column)`"))
    }

    fn invalid_clause(&mut self, span: Span, message: impl Into<String>, label: &str, help: &str) -> super::Fail {
        self.push(Diagnostic::new(codes::EXPECTED, span, message).with_label(label).with_help(help));
        super::Fail
    }
}
