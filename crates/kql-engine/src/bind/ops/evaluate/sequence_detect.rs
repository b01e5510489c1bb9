//! `evaluate sequence_detect(TimelineColumn, MaxSequenceStepWindow,
//! MaxSequenceSpan, name1 = Expr1, name2 = Expr2, ..., Dim1, Dim2, ...)`
//! (sequence-detect-plugin.md): every occurrence of the steps in order
//! among rows with the same dimensions: rows `r1, r2, ...` (each later
//! than the one before in time, then in input order), `ri` satisfying
//! `Expri`, each within `MaxSequenceStepWindow` of the one before and the
//! last within `MaxSequenceSpan` of the first. As the page's output shows,
//! one row may take part in several occurrences (a step followed by two
//! later candidates gives two rows). Columns: the dimensions,
//! `<name>_<TimelineColumn>` per step, and `Duration` (last minus first).
//! Steps are named (`name = predicate`); dimensions are column names.
//! Rows with a null time are left out; at most [`MAX_OUTPUT`] occurrences
//! and [`MAX_WORK`] steps of the search.

use std::collections::HashMap;

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, ExprKind};

use super::rows::{as_i64, timeline_value};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// At most this many occurrences.
const MAX_OUTPUT: usize = 100_000;
/// At most this many rows looked at while searching.
const MAX_WORK: usize = 50_000_000;

/// One input row of a group: its time, and which steps it satisfies.
struct Event {
    t: i64,
    steps: Vec<bool>,
}

impl Binder<'_> {
    pub(super) fn sequence_detect(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let (Some(time), Some(step_win), Some(max_span)) = (args.first(), args.get(1), args.get(2)) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                "`sequence_detect` takes a timeline column, a step window, a sequence span, the steps and the dimensions",
            ));
        };
        if let Some(a) = [time, step_win, max_span].iter().find(|a| a.name.is_some()) {
            return Err(self.error(error::BAD_ARGUMENTS, a.value.span, "the first three arguments are not named"));
        }
        let ExprKind::Name(timeline) = &time.value.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, time.value.span, "the timeline is a column name"));
        };
        let mut steps: Vec<(String, &ast::Expr)> = Vec::new();
        let mut dims: Vec<(String, &ast::Expr)> = Vec::new();
        for a in args.get(3..).unwrap_or_default() {
            match (&a.name, &a.value.kind) {
                (Some(n), _) if dims.is_empty() => steps.push((n.name.clone(), &a.value)),
                (Some(_), _) => {
                    return Err(self.error(error::BAD_ARGUMENTS, a.value.span, "the steps come before the dimensions"));
                }
                (None, ExprKind::Name(n)) => dims.push((n.name.clone(), &a.value)),
                (None, _) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        a.value.span,
                        "name each step (`name = predicate`); a dimension is a column name",
                    ));
                }
            }
        }
        if steps.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, call, "`sequence_detect` needs at least one step"));
        }
        let mut exprs: Vec<&ast::Expr> = vec![&time.value];
        exprs.extend(steps.iter().map(|(_, e)| *e));
        exprs.extend(dims.iter().map(|(_, e)| *e));
        let data = self.plugin_rows(input, &exprs, span)?;
        let ty = data.types.first().copied().unwrap_or(KqlType::Datetime);
        if !matches!(ty, KqlType::Datetime | KqlType::Timespan | KqlType::Long | KqlType::Int) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                time.value.span,
                format!("the timeline is a datetime, a timespan or a whole number, found a {ty}"),
            ));
        }
        let step_win = self.plugin_span(&step_win.value, ty, "the step window")?;
        let max_span = self.plugin_span(&max_span.value, ty, "the sequence span")?;
        for ((_, e), t) in steps.iter().zip(data.types.iter().skip(1)) {
            if *t != KqlType::Bool {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    e.span,
                    format!("a step is a bool predicate, found a {t}"),
                ));
            }
        }
        let n = steps.len();
        let mut order: Vec<Vec<ScalarValue>> = Vec::new();
        let mut groups: HashMap<Vec<ScalarValue>, Vec<Event>> = HashMap::new();
        for r in data.rows {
            let Some(t) = r.first().and_then(as_i64) else { continue };
            let flags: Vec<bool> =
                r.iter().skip(1).take(n).map(|v| matches!(v, ScalarValue::Boolean(Some(true)))).collect();
            let key: Vec<ScalarValue> = r.into_iter().skip(n.saturating_add(1)).collect();
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(Event { t, steps: flags });
        }
        let mut out = Vec::new();
        let mut work = 0usize;
        for key in &order {
            let Some(events) = groups.get_mut(key) else { continue };
            // A stable sort: equal times keep the input's order.
            events.sort_by_key(|e| e.t);
            let found = match occurrences(events, n, step_win, max_span, &mut work, out.len()) {
                Ok(f) => f,
                Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
            };
            for times in found {
                let mut row: Vec<ScalarValue> = key.clone();
                let first = times.first().copied().unwrap_or(0);
                let last = times.last().copied().unwrap_or(0);
                row.extend(times.iter().map(|t| timeline_value(ty, *t)));
                let d = last.saturating_sub(first);
                row.push(match ty {
                    KqlType::Datetime | KqlType::Timespan => crate::bind::literal::timespan(Some(d)),
                    _ => timeline_value(ty, d),
                });
                out.push(row);
            }
        }
        let mut cols: Vec<(String, KqlType)> =
            dims.iter().zip(data.types.iter().skip(n.saturating_add(1))).map(|((d, _), t)| (d.clone(), *t)).collect();
        cols.extend(steps.iter().map(|(s, _)| (format!("{s}_{}", timeline.name), ty)));
        let dty = if matches!(ty, KqlType::Datetime | KqlType::Timespan) { KqlType::Timespan } else { ty };
        cols.push(("Duration".to_string(), dty));
        self.values_table(&cols, out, span)
    }
}

/// The step times of every occurrence among `events` (sorted by time).
fn occurrences(
    events: &[Event],
    n: usize,
    step_win: i64,
    max_span: i64,
    work: &mut usize,
    already: usize,
) -> Result<Vec<Vec<i64>>, String> {
    let mut out = Vec::new();
    // (the event indices chosen so far).
    let mut stack: Vec<Vec<usize>> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.steps.first() == Some(&true) {
            stack.push(vec![i]);
        }
        while let Some(chain) = stack.pop() {
            let Some(&at) = chain.last() else { continue };
            if chain.len() == n {
                out.push(chain.iter().filter_map(|k| events.get(*k).map(|e| e.t)).collect());
                if out.len().saturating_add(already) > MAX_OUTPUT {
                    return Err(format!("`sequence_detect` finds more than {MAX_OUTPUT} occurrences"));
                }
                continue;
            }
            let (Some(first), Some(prev)) = (chain.first().and_then(|k| events.get(*k)), events.get(at)) else {
                continue;
            };
            let step = chain.len();
            // Later candidates first on the stack, so occurrences come out in time order.
            let mut next = Vec::new();
            for (j, e) in events.iter().enumerate().skip(at.saturating_add(1)) {
                *work = work.saturating_add(1);
                if *work > MAX_WORK {
                    return Err(format!("`sequence_detect` would look at more than {MAX_WORK} rows"));
                }
                if e.t.saturating_sub(prev.t) > step_win || e.t.saturating_sub(first.t) > max_span {
                    break;
                }
                if e.steps.get(step) == Some(&true) {
                    let mut c = chain.clone();
                    c.push(j);
                    next.push(c);
                }
            }
            stack.extend(next.into_iter().rev());
        }
    }
    Ok(out)
}
