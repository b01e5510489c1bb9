//! `evaluate schema_merge([PreserveOrder])` (schema-merge-plugin.md): the
//! schemas `getschema` printed (rows `ColumnName`, `ColumnOrdinal`,
//! `DataType`, `ColumnType`; a schema starts again where the ordinal does
//! not grow) merged into one. A column first seen is placed at its ordinal;
//! one seen again keeps its place. With `PreserveOrder` (the default) a
//! column seen again at another ordinal than where it first appeared is
//! an error row (ordinal -1, the reason in its type columns), as is a
//! column whose types do not reduce to one (`int` and `long` reduce to
//! `long`, those and `real` to `real`).

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use super::rows::{as_i64, ast_name};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

struct Merged {
    name: String,
    first_ordinal: i64,
    ty: String,
    error: Option<&'static str>,
}

const OUT_OF_ORDER: &str = "columns are out of order";
const NO_COMMON_TYPE: &str = "the column's types do not reduce to one";

/// The common type of two `ColumnType` names, if they reduce to one.
fn reduce(a: &str, b: &str) -> Option<String> {
    if a == b {
        return Some(a.to_string());
    }
    let rank = |t: &str| match t {
        "int" => Some(0),
        "long" => Some(1),
        "real" => Some(2),
        _ => None,
    };
    let (ra, rb) = (rank(a)?, rank(b)?);
    Some(if ra >= rb { a } else { b }.to_string())
}

fn text(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)) => Some(s),
        _ => None,
    }
}

/// The .NET name `getschema` gives a type, from its KQL name.
fn clr_name(kql: &str) -> Option<&'static str> {
    let ty = match kql {
        "bool" => KqlType::Bool,
        "int" => KqlType::Int,
        "long" => KqlType::Long,
        "real" => KqlType::Real,
        "decimal" => KqlType::Decimal,
        "string" => KqlType::String,
        "datetime" => KqlType::Datetime,
        "timespan" => KqlType::Timespan,
        "guid" => KqlType::Guid,
        "dynamic" => KqlType::Dynamic,
        _ => return None,
    };
    Some(super::super::clr_type(ty))
}

impl Binder<'_> {
    pub(super) fn schema_merge(&mut self, input: Tab, args: &[Arg], call_span: Span, span: Span) -> BResult<Tab> {
        let mut preserve = true;
        for (i, a) in args.iter().enumerate() {
            let named = a.name.as_ref().map(|n| n.name.as_str());
            if i > 0 || !matches!(named, None | Some("PreserveOrder")) {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    a.value.span,
                    "`schema_merge` takes one argument, `PreserveOrder`",
                ));
            }
            preserve = self.plugin_bool(&a.value, "`PreserveOrder`")?;
        }
        let names = ["ColumnName", "ColumnOrdinal", "ColumnType"];
        let mut exprs = Vec::new();
        for n in names {
            if input.plan.schema().index_of_column_by_name(None, n).is_none() {
                return Err(self.error(
                    error::UNKNOWN_NAME,
                    call_span,
                    format!("`schema_merge` reads schemas as `getschema` prints them: the input has no `{n}`"),
                ));
            }
            exprs.push(ast_name(n, call_span));
        }
        let refs: Vec<_> = exprs.iter().collect();
        let input = self.plugin_rows(input, &refs, span)?;
        let mut merged: Vec<Merged> = Vec::new();
        let mut last_ordinal: Option<i64> = None;
        let mut schema_seen: Vec<String> = Vec::new();
        for r in &input.rows {
            let (Some(name), Some(ordinal), Some(ty)) =
                (r.first().and_then(text), r.get(1).and_then(as_i64), r.get(2).and_then(text))
            else {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    call_span,
                    "`schema_merge`: a schema row without a name, an ordinal or a type",
                ));
            };
            if last_ordinal.is_some_and(|l| ordinal <= l) || schema_seen.iter().any(|n| n == name) {
                schema_seen.clear();
            }
            last_ordinal = Some(ordinal);
            schema_seen.push(name.to_string());
            match merged.iter_mut().find(|m| m.name == name) {
                Some(m) => {
                    if m.error.is_some() {
                        continue;
                    }
                    if preserve && m.first_ordinal != ordinal {
                        m.error = Some(OUT_OF_ORDER);
                    } else {
                        match reduce(&m.ty, ty) {
                            Some(t) => m.ty = t,
                            None => m.error = Some(NO_COMMON_TYPE),
                        }
                    }
                }
                None => {
                    let at = usize::try_from(ordinal).unwrap_or(0).min(merged.len());
                    merged.insert(
                        at,
                        Merged { name: name.to_string(), first_ordinal: ordinal, ty: ty.to_string(), error: None },
                    );
                }
            }
        }
        let mut rows = Vec::new();
        let mut next = 0i32;
        for m in merged {
            let s = |t: String| ScalarValue::Utf8View(Some(t));
            let row = match m.error {
                Some(e) => vec![
                    s(m.name),
                    ScalarValue::Int32(Some(-1)),
                    s(format!("ERROR(unknown CSL type:ERROR({e}))")),
                    s(format!("ERROR({e})")),
                ],
                None => {
                    let clr = clr_name(&m.ty).map(str::to_string).unwrap_or_else(|| m.ty.clone());
                    let row = vec![s(m.name), ScalarValue::Int32(Some(next)), s(clr), s(m.ty)];
                    next = next.saturating_add(1);
                    row
                }
            };
            rows.push(row);
        }
        let cols = [
            ("ColumnName", KqlType::String),
            ("ColumnOrdinal", KqlType::Int),
            ("DataType", KqlType::String),
            ("ColumnType", KqlType::String),
        ]
        .map(|(n, t)| (n.to_string(), t));
        self.values_table(&cols, rows, span)
    }
}
