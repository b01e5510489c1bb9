//! Operators that read storage: `externaldata` and `inline_external_table`.
//! The engine does no network IO: a remote URL is refused by name, or read
//! as empty under [`RemoteData::EmptyForBinding`]; local files are not read
//! yet (not implemented).

use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, ExternalKind, Literal};

use super::source::empty_plan;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::catalog::RemoteData;
use crate::error;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// The storage URIs, each a constant string. A remote one is refused
    /// with an error naming it, unless the catalog reads remote data as
    /// empty; returns how many are remote.
    fn storage_uris(&mut self, uris: &[ast::Expr]) -> BResult<usize> {
        let mut remote = 0;
        for u in uris {
            let url = self.constant_string(Some(u), u.span)?;
            if let Some((scheme, _)) = url.split_once("://")
                && !scheme.eq_ignore_ascii_case("file")
            {
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
        }
        Ok(remote)
    }

    /// The table of declared columns, when every URI is remote and read as
    /// empty; otherwise local files, which are not read yet.
    fn storage_table(&mut self, op: &str, cols: &[(String, KqlType)], uris: &[ast::Expr], span: Span) -> BResult<Tab> {
        let remote = self.storage_uris(uris)?;
        if remote > 0 && remote == uris.len() {
            if cols.is_empty() {
                return Err(self.error(error::BAD_ARGUMENTS, span, format!("`{op}` needs at least one column")));
            }
            return Ok(Tab { plan: empty_plan(cols), source: None });
        }
        Err(self.not_implemented(span, &format!("`{op}` over local files")))
    }

    /// `externaldata (Schema) [Uris]`.
    pub(super) fn externaldata(&mut self, schema: &[ast::ColumnDecl], uris: &[ast::Expr], span: Span) -> BResult<Tab> {
        let cols: Vec<(String, KqlType)> =
            schema.iter().map(|c| (c.name.name.clone(), KqlType::from_syntax(c.ty.ty))).collect();
        self.storage_table("externaldata", &cols, uris, span)
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
        self.storage_table("inline_external_table", &cols, &t.uris, span)
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
