//! `evaluate funnel_sequence(IdColumn, TimelineColumn, Start, End,
//! MaxSequenceStepWindow, Step, StateColumn, Sequence)`
//! (funnel-sequence-plugin.md): where ids went before and after a sequence
//! of states. Per id, its rows from `Start` up to, not including, `End` in
//! time order; an occurrence is a run of consecutive rows with the
//! sequence's states, each within `MaxSequenceStepWindow` of the one
//! before, in the window (`Step` from `Start`) of its first row. Its `prev`
//! is the state of the row just before it and its `next` that of the row
//! just after it, when within `MaxSequenceStepWindow`, else empty.
//!
//! Three tables, as the page describes: (timeline, `prev`, `next`,
//! `dcount`, `samples`), (timeline, `prev`, `dcount`, `samples`) and
//! (timeline, `next`, `dcount`, `samples`): the distinct ids per group and
//! up to 128 of them, larger counts first. The first is the operator's
//! output; the other two are further results of the query, so the plugin
//! ends its statement.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use super::rows::{as_i64, timeline_value};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// At most this many ids in a group's `samples`.
const MAX_SAMPLES: usize = 128;
/// At most this many rows looked at while matching the sequence.
const MAX_WORK: usize = 100_000_000;

/// A window, a `prev` and a `next`.
type GroupKey = (i64, String, String);
/// The ids of each (window, prev, next).
type Groups = BTreeMap<GroupKey, BTreeSet<String>>;
/// A window and the states a table groups by.
type OutKey = (i64, Vec<String>);

impl Binder<'_> {
    pub(super) fn funnel_sequence(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let args = self.positional(args, "funnel_sequence")?;
        let [id, time, start, end, step_win, bin, state, sequence] = args.as_slice() else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                "`funnel_sequence` takes an id, a timeline, a start, an end, a step window, a step, a state column and a sequence",
            ));
        };
        let ExprKind::Name(time_name) = &time.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, time.span, "the timeline is a column name"));
        };
        let seq: Vec<String> = self
            .funnel_list(sequence, "the sequence")?
            .into_iter()
            .filter_map(|v| match v {
                serde_json::Value::String(s) => Some(s),
                _ => None,
            })
            .collect();
        if seq.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, sequence.span, "the sequence is an array of states"));
        }
        let exprs = [*id, *time, *state];
        let data = self.plugin_rows(input, &exprs, span)?;
        let ty = data.types.get(1).copied().unwrap_or(KqlType::Datetime);
        if !super::rows::is_timeline(ty) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                time.span,
                format!("the timeline is a datetime, a timespan or a whole number, found a {ty}"),
            ));
        }
        if data.types.get(2) != Some(&KqlType::String) {
            return Err(self.error(error::TYPE_MISMATCH, state.span, "the state column is a string"));
        }
        let start = self.plugin_point(start, ty, "the start")?;
        let end = self.plugin_point(end, ty, "the end")?;
        let step_win = self.plugin_span(step_win, ty, "the step window")?;
        let bin = self.plugin_bin(bin, ty)?;
        // Per id (as text, for the samples), its (time, state) rows.
        let mut ids: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for r in data.rows {
            let (Some(idv), Some(t)) = (r.first().filter(|v| !v.is_null()), r.get(1).and_then(as_i64)) else {
                continue;
            };
            if t < start || t >= end {
                continue;
            }
            let s = match r.get(2) {
                Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s))) => {
                    s.clone()
                }
                _ => String::new(),
            };
            let key = match idv {
                ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)) => {
                    s.clone()
                }
                other => other.to_string(),
            };
            ids.entry(key).or_default().push((t, s));
        }
        let mut groups: Groups = BTreeMap::new();
        let mut work = 0usize;
        for (idk, events) in ids.iter_mut() {
            self.check_deadline(call)?;
            events.sort_by_key(|e| e.0);
            let n = seq.len();
            for i in 0..events.len() {
                work = work.saturating_add(n);
                if work > MAX_WORK {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        call,
                        format!("`funnel_sequence` would look at more than {MAX_WORK} rows"),
                    ));
                }
                let Some(run) = events.get(i..i.saturating_add(n)) else { break };
                let states_match = run.iter().zip(&seq).all(|((_, s), want)| s == want);
                let close = run.windows(2).all(|w| match w {
                    [a, b] => b.0.saturating_sub(a.0) <= step_win,
                    _ => true,
                });
                if !states_match || !close || run.len() < n {
                    continue;
                }
                let (Some(first), Some(last)) = (run.first(), run.last()) else { continue };
                let prev = i
                    .checked_sub(1)
                    .and_then(|p| events.get(p))
                    .filter(|p| first.0.saturating_sub(p.0) <= step_win)
                    .map(|p| p.1.clone())
                    .unwrap_or_default();
                let next = events
                    .get(i.saturating_add(n))
                    .filter(|x| x.0.saturating_sub(last.0) <= step_win)
                    .map(|x| x.1.clone())
                    .unwrap_or_default();
                let Some(w) = bin.of(first.0, start) else { continue };
                groups.entry((w, prev, next)).or_default().insert(idk.clone());
            }
        }
        let by = |pick: &dyn Fn(&GroupKey) -> OutKey| {
            let mut m: BTreeMap<OutKey, BTreeSet<String>> = BTreeMap::new();
            for (k, v) in &groups {
                m.entry(pick(k)).or_default().extend(v.iter().cloned());
            }
            let mut rows: Vec<(OutKey, BTreeSet<String>)> = m.into_iter().collect();
            rows.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
            rows.into_iter()
                .map(|((w, keys), ids)| {
                    let mut row = vec![timeline_value(ty, w)];
                    row.extend(keys.into_iter().map(|k| ScalarValue::Utf8View(Some(k))));
                    row.push(ScalarValue::Int64(Some(i64::try_from(ids.len()).unwrap_or(i64::MAX))));
                    let samples: Vec<serde_json::Value> =
                        ids.into_iter().take(MAX_SAMPLES).map(serde_json::Value::String).collect();
                    row.push(crate::bind::literal::dynamic(Some(serde_json::Value::Array(samples).to_string())));
                    row
                })
                .collect::<Vec<_>>()
        };
        let both = by(&|k| (k.0, vec![k.1.clone(), k.2.clone()]));
        let prev = by(&|k| (k.0, vec![k.1.clone()]));
        let next = by(&|k| (k.0, vec![k.2.clone()]));
        let t = (time_name.name.clone(), ty);
        let s = |n: &str| (n.to_string(), KqlType::String);
        let tail = [("dcount".to_string(), KqlType::Long), ("samples".to_string(), KqlType::Dynamic)];
        let cols_both: Vec<_> = [t.clone(), s("prev"), s("next")].into_iter().chain(tail.clone()).collect();
        let cols_prev: Vec<_> = [t.clone(), s("prev")].into_iter().chain(tail.clone()).collect();
        let cols_next: Vec<_> = [t, s("next")].into_iter().chain(tail).collect();
        let second = self.values_table(&cols_prev, prev, span)?;
        let third = self.values_table(&cols_next, next, span)?;
        self.extra_results.push((span, vec![second.plan, third.plan]));
        self.values_table(&cols_both, both, span)
    }
}
