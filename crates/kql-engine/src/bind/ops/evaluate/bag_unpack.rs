//! `evaluate bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict]
//! [, ignoredProperties]) [: OutputSchema]` (bag-unpack-plugin.md): each
//! top-level slot of the property bags in `Column` becomes a column, named
//! after the slot (prefixed), typed as the slot's values when they all have
//! one type and `dynamic` when they differ; null values are ignored. The
//! input's other columns come first. Without an output schema the slots
//! are learned from the data ([`learn_slots`]); with one, the output is the
//! schema's columns (after the input's columns when it starts with `*`).

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, ExprKind, Ident, Literal};

use super::{LearnKind, MAX_LEARNED_COLUMNS};
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

#[derive(Clone, Copy, PartialEq)]
enum Conflict {
    Error,
    ReplaceSource,
    KeepSource,
}

/// The slots of the bags in the one column of `batches` (JSON text), sorted
/// by name, each with the type of its non-null values (`dynamic` when they
/// differ, or when all are null).
pub(super) fn learn_slots(batches: &[RecordBatch]) -> Result<Vec<(String, KqlType)>, String> {
    let mut slots: BTreeMap<String, Option<KqlType>> = BTreeMap::new();
    for b in batches {
        let Some(col) = b.columns().first() else { continue };
        let Some(text) = col.as_string_opt::<i64>() else {
            return Err("bag_unpack: the unpacked column is not dynamic".into());
        };
        for i in 0..text.len() {
            if text.is_null(i) {
                continue;
            }
            let Ok(serde_json::Value::Object(bag)) = serde_json::from_str::<serde_json::Value>(text.value(i)) else {
                continue;
            };
            for (k, v) in bag {
                let ty = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::Bool(_) => Some(KqlType::Bool),
                    serde_json::Value::Number(n) if n.is_i64() => Some(KqlType::Long),
                    serde_json::Value::Number(_) => Some(KqlType::Real),
                    serde_json::Value::String(_) => Some(KqlType::String),
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => Some(KqlType::Dynamic),
                };
                if !slots.contains_key(&k) && slots.len() >= MAX_LEARNED_COLUMNS {
                    return Err(format!("bag_unpack: the bags have more than {MAX_LEARNED_COLUMNS} distinct slots"));
                }
                let e = slots.entry(k).or_insert(ty);
                match (*e, ty) {
                    (_, None) => {}
                    (None, Some(t)) => *e = Some(t),
                    (Some(a), Some(t)) if a != t => *e = Some(KqlType::Dynamic),
                    _ => {}
                }
            }
        }
    }
    Ok(slots.into_iter().map(|(k, t)| (k, t.unwrap_or(KqlType::Dynamic))).collect())
}

impl Binder<'_> {
    pub(super) fn bag_unpack(
        &mut self,
        input: Tab,
        args: &[Arg],
        schema: Option<&ast::TableSchema>,
        call_span: Span,
        span: Span,
    ) -> BResult<Tab> {
        let (column, prefix, conflict, ignored) = self.bag_unpack_args(args, call_span)?;
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let bag = self.scalar(column, row)?;
        if bag.ty != KqlType::Dynamic {
            return Err(self.error(
                error::TYPE_MISMATCH,
                column.span,
                format!("bag_unpack unpacks a dynamic column, not a {}", bag.ty.name()),
            ));
        }
        let source_name = match &column.kind {
            ExprKind::Name(n) => Some(n.name.clone()),
            _ => None,
        };
        // (output name, slot key, type)
        let mut slots: Vec<(String, String, KqlType)> = Vec::new();
        let keep_input = match schema {
            Some(s) => {
                for c in &s.columns {
                    let key = c.name.name.strip_prefix(prefix.as_str()).unwrap_or(&c.name.name).to_string();
                    slots.push((c.name.name.clone(), key, KqlType::from_syntax(c.ty.ty)));
                }
                s.open
            }
            None => {
                let plan = self.projection(span, input.plan.clone(), vec![bag.expr.clone().alias("bag")])?;
                for (key, ty) in self.learned_or_request(span, plan, LearnKind::BagSlots)? {
                    if !ignored.contains(&key) {
                        slots.push((format!("{prefix}{key}"), key, ty));
                    }
                }
                true
            }
        };
        let input_names: Vec<String> = input
            .plan
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| Some(n) != source_name.as_ref())
            .collect();
        // Input columns kept, in order; `true` where a slot replaces one
        // in its place (the `replace_source` example of bag-unpack-plugin.md
        // keeps `Name` before `Age`).
        let mut out_input: Vec<(String, bool)> = Vec::new();
        if keep_input {
            for name in &input_names {
                let clash = slots.iter().any(|(o, _, _)| o == name);
                match (clash, conflict) {
                    (true, Conflict::Error) => {
                        return Err(self.error_help(
                            error::AMBIGUOUS,
                            call_span,
                            format!("the slot `{name}` is also a column of the input"),
                            "pass columnsConflict='replace_source' or 'keep_source', or an OutputColumnPrefix",
                        ));
                    }
                    (true, Conflict::ReplaceSource) => out_input.push((name.clone(), true)),
                    _ => out_input.push((name.clone(), false)),
                }
            }
        } else if let Some((name, _, _)) = slots.iter().find(|(o, _, _)| input_names.contains(o)) {
            let name = name.clone();
            return Err(self.not_implemented(call_span, &format!("an output schema naming the input column `{name}`")));
        }
        let mut exprs: Vec<Expr> = Vec::with_capacity(out_input.len() + slots.len());
        let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (name, replaced) in &out_input {
            if !replaced {
                exprs.push(Self::column(name));
                placed.insert(name.clone());
                continue;
            }
            if let Some((_, key, ty)) = slots.iter().find(|(o, _, _)| o == name) {
                let value = self.slot_value(column, key, *ty, row)?;
                exprs.push(value.alias(name));
                placed.insert(name.clone());
            }
        }
        for (name, key, ty) in slots {
            if placed.contains(&name) {
                continue;
            }
            let value = self.slot_value(column, &key, ty, row)?;
            exprs.push(value.alias(&name));
        }
        let plan = self.projection(span, input.plan, exprs)?;
        Ok(Tab { plan, source: None })
    }

    /// `tolong(Column["key"])` and the like, bound over `row`.
    fn slot_value(&mut self, column: &ast::Expr, key: &str, ty: KqlType, row: Row<'_>) -> BResult<Expr> {
        let sp = column.span;
        let mk = |kind| ast::Expr { kind, span: sp };
        let index = mk(ExprKind::Index {
            target: Box::new(column.clone()),
            index: Box::new(mk(ExprKind::Literal(Literal::String(key.to_string())))),
        });
        let convert = match ty {
            KqlType::Dynamic => None,
            KqlType::Bool => Some("tobool"),
            KqlType::Int => Some("toint"),
            KqlType::Long => Some("tolong"),
            KqlType::Real => Some("toreal"),
            KqlType::Decimal => Some("todecimal"),
            KqlType::String => Some("tostring"),
            KqlType::Datetime => Some("todatetime"),
            KqlType::Timespan => Some("totimespan"),
            KqlType::Guid => Some("toguid"),
        };
        let e = match convert {
            None => index,
            Some(f) => mk(ExprKind::Call {
                func: Box::new(mk(ExprKind::Name(Ident { name: f.to_string(), span: sp }))),
                args: vec![Arg { name: None, value: index }],
            }),
        };
        Ok(self.scalar(&e, row)?.expr)
    }

    /// The column, prefix, conflict rule and ignored slots, by position or
    /// by the names the docs give them.
    #[allow(clippy::type_complexity)]
    fn bag_unpack_args<'e>(
        &mut self,
        args: &'e [Arg],
        call_span: Span,
    ) -> BResult<(&'e ast::Expr, String, Conflict, Vec<String>)> {
        const NAMES: [&str; 4] = ["Column", "OutputColumnPrefix", "columnsConflict", "ignoredProperties"];
        let mut slots: [Option<&ast::Expr>; 4] = [None; 4];
        for (i, a) in args.iter().enumerate() {
            let at = match &a.name {
                None => i,
                Some(n) => match NAMES.iter().position(|x| x.eq_ignore_ascii_case(&n.name)) {
                    Some(p) => p,
                    None => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            n.span,
                            format!("bag_unpack has no parameter `{}` (it takes {})", n.name, NAMES.join(", ")),
                        ));
                    }
                },
            };
            let Some(slot) = slots.get_mut(at) else {
                return Err(self.error(error::BAD_ARGUMENTS, a.value.span, "bag_unpack takes at most 4 arguments"));
            };
            if slot.is_some() {
                return Err(self.error(error::BAD_ARGUMENTS, a.value.span, format!("`{}` is given twice", NAMES[at])));
            }
            *slot = Some(&a.value);
        }
        let [column, prefix, conflict, ignored] = slots;
        let Some(column) = column else {
            return Err(self.error(error::BAD_ARGUMENTS, call_span, "bag_unpack needs the dynamic column to unpack"));
        };
        let prefix = match prefix {
            Some(p) => self.constant_string(Some(p), p.span)?,
            None => String::new(),
        };
        let conflict = match conflict {
            None => Conflict::Error,
            Some(c) => match self.constant_string(Some(c), c.span)?.as_str() {
                "error" => Conflict::Error,
                "replace_source" => Conflict::ReplaceSource,
                "keep_source" => Conflict::KeepSource,
                other => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        c.span,
                        format!("columnsConflict is 'error', 'replace_source' or 'keep_source', not '{other}'"),
                    ));
                }
            },
        };
        let ignored = match ignored {
            None => Vec::new(),
            Some(e) => {
                let t = self.constant(e)?;
                let text = match (&t.ty, &t.expr) {
                    (
                        KqlType::Dynamic,
                        Expr::Literal(ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8(Some(s)), _),
                    ) => s.clone(),
                    _ => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            e.span,
                            "ignoredProperties is a constant dynamic array of slot names",
                        ));
                    }
                };
                match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
                    Ok(items) => items
                        .into_iter()
                        .map(|v| match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                    Err(_) => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            e.span,
                            "ignoredProperties is a constant dynamic array of slot names",
                        ));
                    }
                }
            }
        };
        Ok((column, prefix, conflict, ignored))
    }
}
