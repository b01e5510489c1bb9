//! Operators that read storage: `externaldata` and `inline_external_table`.
//! The engine does no IO: a remote URL is refused by name, or read as empty
//! under [`RemoteData::EmptyForBinding`]; local files (a path, or a `file://`
//! URL) are read through the catalog's [`crate::catalog::ExternalFiles`],
//! each declared column converted from the files' to its declared type.

use std::path::PathBuf;

use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, ExternalKind, Literal};

use super::source::empty_plan;
use crate::bind::{BResult, Binder, Row, Tab, Typed};
use crate::catalog::{ExternalRequest, RemoteData};
use crate::error;
use crate::functions::dynamic::parse_json;
use crate::types::KqlType;

/// How the files of an external table are read: the `format` (or
/// `dataformat`) and `ignoreFirstRecord` properties.
struct Props {
    format: Option<String>,
    ignore_first_record: bool,
    /// Whether the table has partition columns (from the files' paths).
    partitioned: bool,
    /// Whether it is a Delta table (whose log says which files to read).
    delta: bool,
}

impl<'a> Binder<'a> {
    /// The storage URIs, each a constant string: the local paths (`file://`
    /// removed), and how many are remote. A remote one is refused with an
    /// error naming it, unless the catalog reads remote data as empty.
    fn storage_uris(&mut self, uris: &[ast::Expr]) -> BResult<(Vec<PathBuf>, usize)> {
        let (mut local, mut remote) = (Vec::new(), 0);
        for u in uris {
            let url = self.constant_string(Some(u), u.span)?;
            if url.trim().is_empty() {
                return Err(self.error(error::BAD_ARGUMENTS, u.span, "an empty storage URI names no file"));
            }
            match url.split_once("://") {
                Some((scheme, path)) if scheme.eq_ignore_ascii_case("file") => local.push(PathBuf::from(path)),
                Some(_) => {
                    if self.catalog.remote_data() == RemoteData::EmptyForBinding {
                        remote += 1;
                        continue;
                    }
                    // Named without its query string or `;` key, which may hold a secret.
                    let shown = url.split(['?', ';']).next().unwrap_or_default();
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        u.span,
                        format!("remote data is not read; `{shown}` is not fetched"),
                        "download it and name the local file, or load it as a dataset",
                    ));
                }
                None => local.push(PathBuf::from(url)),
            }
        }
        Ok((local, remote))
    }

    /// The `with (...)` properties that say how files are read.
    fn storage_props(&mut self, properties: &[ast::OptionArg]) -> BResult<Props> {
        let mut props = Props { format: None, ignore_first_record: false, partitioned: false, delta: false };
        for p in properties {
            let name = p.name.name.to_ascii_lowercase();
            match name.as_str() {
                "format" => props.format = Some(self.constant_string(Some(&p.value), p.value.span)?),
                "ignorefirstrecord" => match &p.value.kind {
                    ExprKind::Literal(Literal::Bool(b)) => props.ignore_first_record = *b,
                    ExprKind::Literal(Literal::String(t)) if t.eq_ignore_ascii_case("true") => {
                        props.ignore_first_record = true
                    }
                    ExprKind::Literal(Literal::String(t)) if t.eq_ignore_ascii_case("false") => {}
                    // A property value, not an expression: `True` and `False`
                    // as the ingestion properties write them, as published
                    // queries do (`ignoreFirstRecord=False`).
                    ExprKind::Name(n) if n.name.eq_ignore_ascii_case("true") => props.ignore_first_record = true,
                    ExprKind::Name(n) if n.name.eq_ignore_ascii_case("false") => {}
                    _ => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            p.value.span,
                            "`ignoreFirstRecord` is `true` or `false`",
                        ));
                    }
                },
                _ => {}
            }
        }
        Ok(props)
    }

    /// The table of declared columns: no rows when every URI is remote and
    /// read as empty; otherwise the local files, through the catalog's
    /// [`crate::catalog::ExternalFiles`].
    fn storage_table(
        &mut self,
        op: &str,
        cols: &[(String, KqlType)],
        uris: &[ast::Expr],
        props: Props,
        span: Span,
    ) -> BResult<Tab> {
        let (local, remote) = self.storage_uris(uris)?;
        if cols.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, format!("`{op}` needs at least one column")));
        }
        if local.is_empty() && remote > 0 {
            return Ok(Tab { plan: empty_plan(cols), source: None });
        }
        let Some(files) = self.catalog.external_files().cloned() else {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                span,
                format!("`{op}` reads no local files here"),
                "local files are read by `dragnet query` and `dragnet hunt`; a server reads none of its host's files",
            ));
        };
        if props.delta {
            return Err(self.not_implemented(span, "a Delta table over local files (its log is not read)"));
        }
        if props.partitioned {
            return Err(self.not_implemented(span, &format!("partition columns of `{op}` over local files")));
        }
        let request = ExternalRequest {
            paths: local,
            format: props.format,
            columns: cols.iter().map(|(n, _)| n.clone()).collect(),
            ignore_first_record: props.ignore_first_record,
        };
        let provider =
            files.open(&request).map_err(|m| self.error(error::BAD_ARGUMENTS, span, format!("`{op}`: {m}")))?;
        let scan = LogicalPlanBuilder::scan(op, provider_as_source(provider), None).and_then(|b| b.build());
        let scan = self.df(span, scan)?;
        // Each declared column: the file's, converted to the declared type
        // as KQL converts (text by `tolong`, `todatetime`, `parse_json`...),
        // or null when the files have none of that name.
        let mut exprs = Vec::with_capacity(cols.len());
        for (name, ty) in cols {
            let found = scan
                .schema()
                .iter()
                .find(|(_, f)| f.name() == name)
                .map(|(q, f)| (Expr::Column(Column::new(q.cloned(), f.name())), KqlType::of(f.data_type())));
            let e = match found {
                None => cast(lit(ScalarValue::Null), ty.arrow()),
                Some((c, KqlType::String)) if *ty == KqlType::Dynamic => parse_json().call(vec![c]),
                Some((c, have)) => self.convert(Typed { expr: c, ty: have }, *ty).expr,
            };
            let e = if *ty == KqlType::String { coalesce(vec![e, lit("")]) } else { e };
            exprs.push(e.alias(name));
        }
        let plan = self.df(span, LogicalPlanBuilder::from(scan).project(exprs).and_then(|b| b.build()))?;
        Ok(Tab { plan, source: None })
    }

    /// `externaldata (Schema) [Uris] [with (props)]`.
    pub(super) fn externaldata(
        &mut self,
        schema: &[ast::ColumnDecl],
        uris: &[ast::Expr],
        properties: &[ast::OptionArg],
        span: Span,
    ) -> BResult<Tab> {
        let cols: Vec<(String, KqlType)> =
            schema.iter().map(|c| (c.name.name.clone(), KqlType::from_syntax(c.ty.ty))).collect();
        let props = self.storage_props(properties)?;
        self.storage_table("externaldata", &cols, uris, props, span)
    }

    /// `inline_external_table`: the declared columns, then the partition
    /// columns, checked against each other and the path format before the
    /// storage is named.
    pub(super) fn inline_external_table(&mut self, t: &ast::InlineExternalTable, span: Span) -> BResult<Tab> {
        let mut cols: Vec<(String, KqlType)> = Vec::new();
        for c in &t.schema {
            if cols.iter().any(|(n, _)| *n == c.name.name) {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    c.name.span,
                    format!("column `{}` is declared twice", c.name.name),
                ));
            }
            cols.push((c.name.name.clone(), KqlType::from_syntax(c.ty.ty)));
        }
        let data = empty_plan(&cols);
        for p in &t.partitions {
            let (name, ty) = (&p.column.name, KqlType::from_syntax(p.column.ty.ty));
            if !matches!(ty, KqlType::String | KqlType::Datetime | KqlType::Long) {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    p.column.ty.span,
                    format!("partition column `{}` is a {ty}; partitions are string, datetime or long", name.name),
                ));
            }
            if cols.iter().any(|(n, _)| *n == name.name) {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    name.span,
                    format!("partition column `{}` has the name of a column", name.name),
                ));
            }
            if let Some(v) = &p.value {
                let row = Row { schema: data.schema(), source: None };
                let bound = self.scalar(v, row)?;
                if bound.ty != ty {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        v.span,
                        format!("partition column `{}` is a {ty}, but its expression is a {}", name.name, bound.ty),
                    ));
                }
            }
            cols.push((name.name.clone(), ty));
        }
        for part in &t.path_format {
            self.path_format_part(t, part)?;
        }
        if t.kind == ExternalKind::Delta && cols.is_empty() && self.catalog.remote_data() == RemoteData::EmptyForBinding
        {
            // The columns would come from the table's log, which is not read.
            self.storage_uris(&t.uris)?;
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                span,
                "the columns of a Delta table come from its log, which is not read",
                "declare the columns: `inline_external_table(Name:type, ...) kind=delta (...)`",
            ));
        }
        let mut props = self.storage_props(&t.properties)?;
        props.partitioned = !t.partitions.is_empty();
        props.delta = t.kind == ExternalKind::Delta;
        if let Some(f) = &t.data_format {
            props.format = Some(f.name.clone());
        }
        self.storage_table("inline_external_table", &cols, &t.uris, props, span)
    }

    /// A path format element names a partition column; `datetime_pattern`
    /// names a datetime one.
    fn path_format_part(&mut self, t: &ast::InlineExternalTable, part: &ast::Expr) -> BResult<()> {
        let partition = |name: &str| {
            t.partitions.iter().find(|p| p.column.name.name == name).map(|p| KqlType::from_syntax(p.column.ty.ty))
        };
        let (column, datetime) = match &part.kind {
            ExprKind::Literal(Literal::String(_)) => return Ok(()),
            ExprKind::Name(id) => (id, false),
            ExprKind::Call { args, .. } => match args.get(1).map(|a| &a.value.kind) {
                Some(ExprKind::Name(id)) => (id, true),
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        part.span,
                        "expected `datetime_pattern(format, column)`",
                    ));
                }
            },
            _ => return Err(self.error(error::BAD_ARGUMENTS, part.span, "expected a string or a partition column")),
        };
        match partition(&column.name) {
            None => Err(self.error(
                error::BAD_ARGUMENTS,
                column.span,
                format!("the path format names `{}`, which is not a partition column", column.name),
            )),
            Some(ty) if datetime && ty != KqlType::Datetime => Err(self.error(
                error::TYPE_MISMATCH,
                column.span,
                format!("`datetime_pattern` formats a datetime; partition column `{}` is a {ty}", column.name),
            )),
            Some(_) => Ok(()),
        }
    }
}
