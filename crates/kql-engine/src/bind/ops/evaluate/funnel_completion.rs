//! `evaluate funnel_sequence_completion(IdColumn, TimelineColumn, Start,
//! End, BinSize, StateColumn, Sequence, MaxSequenceStepPeriods)`
//! (funnel-sequence-completion-plugin.md): per window of `BinSize` from
//! `Start` (rows from `Start` up to, not including, `End`; each window
//! analysed alone), per period of `MaxSequenceStepPeriods`, per state of
//! `Sequence`: the distinct ids that went through the sequence's states
//! in order up to that state (other states may come between), the state
//! reached within the period from the first state's time. Columns: the
//! timeline, the state column (the state), `Period`, `dcount`; a row per
//! window that has rows, period and state, in that order.

use std::collections::HashMap;

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use super::rows::{as_i64, timeline_value};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::{KqlType, NANOS_PER_TICK};

/// An id's (time, index of its state in the sequence) rows.
type Events = Vec<(i64, Option<usize>)>;

/// At most this many states and periods each.
const MAX_STEPS: usize = 1_000;
/// At most this many windows.
const MAX_WINDOWS: usize = 100_000;
/// At most this many rows looked at while searching.
const MAX_WORK: usize = 100_000_000;

impl Binder<'_> {
    pub(super) fn funnel_sequence_completion(
        &mut self,
        input: Tab,
        args: &[Arg],
        call: Span,
        span: Span,
    ) -> BResult<Tab> {
        let args = self.positional(args, "funnel_sequence_completion")?;
        let [id, time, start, end, bin, state, sequence, periods] = args.as_slice() else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                "`funnel_sequence_completion` takes an id, a timeline, a start, an end, a bin size, a state column, a sequence and periods",
            ));
        };
        let (ExprKind::Name(time_name), ExprKind::Name(state_name)) = (&time.kind, &state.kind) else {
            return Err(self.error(error::BAD_ARGUMENTS, call, "the timeline and the state are column names"));
        };
        let seq = self.funnel_list(sequence, "the sequence")?;
        let seq: Vec<String> = seq
            .into_iter()
            .filter_map(|v| match v {
                serde_json::Value::String(s) => Some(s),
                _ => None,
            })
            .collect();
        let periods_json = self.funnel_list(periods, "the periods")?;
        let mut periods_n = Vec::new();
        for p in periods_json {
            let n = match &p {
                serde_json::Value::String(s) => {
                    kql_syntax::parse_timespan(s).and_then(|t| t.checked_mul(NANOS_PER_TICK)).filter(|n| *n > 0)
                }
                _ => None,
            };
            match n {
                Some(n) => periods_n.push(n),
                None => {
                    return Err(self.error(error::BAD_ARGUMENTS, periods.span, "each period is a positive timespan"));
                }
            }
        }
        if seq.is_empty() || periods_n.is_empty() || seq.len() > MAX_STEPS || periods_n.len() > MAX_STEPS {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                format!("the sequence (of strings) and the periods have 1 to {MAX_STEPS} elements"),
            ));
        }
        let exprs = [*id, *time, *state];
        let data = self.plugin_rows(input, &exprs, span)?;
        let ty = data.types.get(1).copied().unwrap_or(KqlType::Datetime);
        if ty != KqlType::Datetime {
            return Err(self.error(
                error::TYPE_MISMATCH,
                time.span,
                format!("the timeline is a datetime, found a {ty}"),
            ));
        }
        if data.types.get(2) != Some(&KqlType::String) {
            return Err(self.error(error::TYPE_MISMATCH, state.span, "the state column is a string"));
        }
        let start = self.plugin_point(start, ty, "the start")?;
        let end = self.plugin_point(end, ty, "the end")?;
        let bin = self.plugin_bin(bin, ty)?;
        // Per window, per id, its (time, state index or none) in time order.
        let mut windows: std::collections::BTreeMap<i64, HashMap<ScalarValue, Events>> = Default::default();
        for r in data.rows {
            let (Some(idv), Some(t)) = (r.first().filter(|v| !v.is_null()), r.get(1).and_then(as_i64)) else {
                continue;
            };
            if t < start || t >= end {
                continue;
            }
            let st = match r.get(2) {
                Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s))) => {
                    seq.iter().position(|x| x == s)
                }
                _ => None,
            };
            let Some(w) = bin.of(t, start) else { continue };
            windows.entry(w).or_default().entry(idv.clone()).or_default().push((t, st));
            if windows.len() > MAX_WINDOWS {
                return Err(self.error(error::BAD_ARGUMENTS, call, format!("more than {MAX_WINDOWS} windows")));
            }
        }
        let mut work = 0usize;
        let mut out = Vec::new();
        for (w, ids) in windows.iter_mut() {
            for &p in &periods_n {
                self.check_deadline(call)?;
                let mut counts = vec![0i64; seq.len()];
                for events in ids.values_mut() {
                    events.sort_by_key(|e| e.0);
                    let reached = match deepest(events, seq.len(), p, &mut work) {
                        Some(r) => r,
                        None => {
                            return Err(self.error(
                                error::BAD_ARGUMENTS,
                                call,
                                format!("`funnel_sequence_completion` would look at more than {MAX_WORK} rows"),
                            ));
                        }
                    };
                    for c in counts.iter_mut().take(reached) {
                        *c = c.saturating_add(1);
                    }
                }
                for (s, c) in seq.iter().zip(&counts) {
                    out.push(vec![
                        timeline_value(ty, *w),
                        ScalarValue::Utf8View(Some(s.clone())),
                        crate::bind::literal::timespan(Some(p)),
                        ScalarValue::Int64(Some(*c)),
                    ]);
                }
            }
        }
        let cols = vec![
            (time_name.name.clone(), ty),
            (state_name.name.clone(), KqlType::String),
            ("Period".to_string(), KqlType::Timespan),
            ("dcount".to_string(), KqlType::Long),
        ];
        self.values_table(&cols, out, span)
    }

    /// A constant dynamic array's elements.
    pub(super) fn funnel_list(&mut self, e: &kql_syntax::ast::Expr, what: &str) -> BResult<Vec<serde_json::Value>> {
        let (v, _) = self.plugin_const(e, what)?;
        let text = match v {
            ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s,
            _ => return Err(self.error(error::BAD_ARGUMENTS, e.span, format!("{what} is a dynamic array"))),
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(a)) => Ok(a),
            _ => Err(self.error(error::BAD_ARGUMENTS, e.span, format!("{what} is a dynamic array"))),
        }
    }
}

/// How many of the sequence's states (from the first) one id reached
/// within `period` of a first state; `None` past the work bound.
fn deepest(events: &[(i64, Option<usize>)], n: usize, period: i64, work: &mut usize) -> Option<usize> {
    let mut best = 0usize;
    for (i, (t0, s)) in events.iter().enumerate() {
        if *s != Some(0) {
            continue;
        }
        // The earliest next state each time reaches furthest.
        let mut reached = 1usize;
        for (t, s) in events.iter().skip(i.saturating_add(1)) {
            *work = work.saturating_add(1);
            if *work > MAX_WORK {
                return None;
            }
            if t.saturating_sub(*t0) > period || reached >= n {
                break;
            }
            if *s == Some(reached) {
                reached += 1;
            }
        }
        best = best.max(reached);
        if best >= n {
            break;
        }
    }
    Some(best)
}
