//! Correlations evaluated as events arrive, batch after batch, with the
//! same windows [`evaluate`](super::evaluate) finds over all of them at
//! once when events arrive in time order.
//!
//! Per correlation (by rule id) and group, [`Stream`] keeps the events of
//! the open window: those at most `timespan` before the group's newest, and
//! none at or before the group's last match (the next window starts after
//! it). Each new event is placed in time order, the window is cut to the
//! timespan and measured; when the condition holds, it is a match and the
//! window empties. A group whose newest event is older than the
//! correlation's newest event by more than `timespan` can take part in no
//! window and is forgotten.
//!
//! Bounded: at most [`Limits::max_events`] events per group (the oldest
//! dropped) and [`Limits::max_groups`] groups per correlation (the group
//! with the oldest newest event dropped); each drop is counted
//! ([`Fed::capped`]). An event that arrives after newer ones of its group
//! is measured where it falls in time, in a window that ends at the
//! group's newest event.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::{Correlations, Event, MAX_CHAIN, Match, Ref, chained_events, holds, measure, span_ns};
use crate::pack::RulePack;
use crate::sigma_scan::Captured;

/// The bounds on what a [`Stream`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Events kept per correlation and group.
    pub max_events: usize,
    /// Groups kept per correlation.
    pub max_groups: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_events: 10_000, max_groups: 10_000 }
    }
}

/// One correlation's open windows.
#[derive(Debug, Clone, Default, PartialEq)]
struct Windows {
    /// The newest event time seen.
    newest: Option<i64>,
    /// Per group: the open window's events, oldest first.
    groups: BTreeMap<Vec<String>, Vec<Event>>,
}

/// What one batch gave.
#[derive(Debug, Default)]
pub struct Fed {
    /// Per correlation (in the pack's order): its new matches, or why it
    /// cannot run.
    pub matches: Vec<Result<Vec<Match>, String>>,
    /// Per correlation id: events or groups dropped at the limits.
    pub capped: BTreeMap<String, u64>,
}

/// The open windows of every correlation, by correlation id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stream {
    windows: BTreeMap<String, Windows>,
}

impl Stream {
    /// Feeds the rows one batch's scans matched (`captured`: per pack rule,
    /// as [`Correlations::run`] takes them) to every correlation of `pack`
    /// (resolved in `cors`); returns their new matches. The windows of
    /// correlations no longer in the pack are dropped.
    pub fn feed(
        &mut self,
        cors: &Correlations,
        pack: &RulePack,
        captured: &HashMap<usize, Vec<Captured>>,
        limits: Limits,
    ) -> Fed {
        let list = &pack.sigma.correlations;
        self.windows.retain(|id, _| cors.rules.iter().any(|r| &r.id == id));
        let mut matches: Vec<Option<Result<Vec<Match>, String>>> = vec![None; list.len()];
        let mut capped = BTreeMap::new();
        for _ in 0..=MAX_CHAIN {
            let mut progress = false;
            for (k, c) in list.iter().enumerate() {
                if matches[k].is_some() {
                    continue;
                }
                let refs = match &cors.refs[k] {
                    Ok(l) => l,
                    Err(e) => {
                        matches[k] = Some(Err(e.clone()));
                        progress = true;
                        continue;
                    }
                };
                let mut events = Vec::new();
                let mut ready = true;
                for (source, x) in refs.iter().enumerate() {
                    match *x {
                        Ref::Rule(p, s) => {
                            if let Some(rows) = captured.get(&p) {
                                events.extend(cors.rule_events(pack, c, source, p, s, rows));
                            }
                        }
                        Ref::Correlation(i) => match &matches[i] {
                            None => ready = false,
                            Some(Err(e)) => {
                                matches[k] = Some(Err(format!("{}: {e}", list[i].meta.title)));
                                ready = false;
                                progress = true;
                                break;
                            }
                            Some(Ok(inner)) => events.extend(chained_events(c, &list[i], source, inner)),
                        },
                    }
                }
                if !ready {
                    continue;
                }
                let id = cors.rules.get(k).map(|r| r.id.clone()).unwrap_or_default();
                let windows = self.windows.entry(id.clone()).or_default();
                let mut dropped = 0u64;
                let found = windows.add(c, events, limits, &mut dropped);
                if dropped > 0 {
                    capped.insert(id, dropped);
                }
                matches[k] = Some(Ok(found));
                progress = true;
            }
            if !progress {
                break;
            }
        }
        let matches = matches
            .into_iter()
            .map(|m| {
                m.unwrap_or_else(|| {
                    Err(format!("the correlations it names form a cycle or chain more than {MAX_CHAIN} deep"))
                })
            })
            .collect();
        Fed { matches, capped }
    }

    /// The events held, over every correlation and group.
    pub fn events(&self) -> usize {
        self.windows.values().flat_map(|w| w.groups.values()).map(Vec::len).sum()
    }

    /// The windows as JSON, for keeping across restarts.
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (id, w) in &self.windows {
            let groups: Vec<Value> = w
                .groups
                .iter()
                .map(|(g, evs)| {
                    let evs: Vec<Value> = evs.iter().map(|e| json!([e.time, e.source, e.value])).collect();
                    json!({"group": g, "events": evs})
                })
                .collect();
            out.insert(id.clone(), json!({"newest": w.newest, "groups": groups}));
        }
        Value::Object(out)
    }

    /// Windows written by [`Stream::to_json`]; an error says what is wrong.
    pub fn from_json(v: &Value) -> Result<Stream, String> {
        let bad = |what: &str| format!("correlation state: {what}");
        let map = v.as_object().ok_or_else(|| bad("not an object"))?;
        let mut windows = BTreeMap::new();
        for (id, w) in map {
            let newest = w.get("newest").and_then(Value::as_i64);
            let mut groups = BTreeMap::new();
            for g in w.get("groups").and_then(Value::as_array).ok_or_else(|| bad("no groups"))? {
                let group: Vec<String> = g
                    .get("group")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("a group without its values"))?
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad("a group value is not text")))
                    .collect::<Result<_, _>>()?;
                let mut evs = Vec::new();
                for e in g.get("events").and_then(Value::as_array).ok_or_else(|| bad("a group without events"))? {
                    let time = e.get(0).and_then(Value::as_i64).ok_or_else(|| bad("an event without a time"))?;
                    let source = e
                        .get(1)
                        .and_then(Value::as_u64)
                        .and_then(|s| usize::try_from(s).ok())
                        .ok_or_else(|| bad("an event without its rule"))?;
                    let value = e.get(2).and_then(Value::as_str).unwrap_or_default().to_string();
                    evs.push(Event { time, source, group: group.clone(), value });
                }
                groups.insert(group, evs);
            }
            windows.insert(id.clone(), Windows { newest, groups });
        }
        Ok(Stream { windows })
    }
}

impl Windows {
    /// Adds `events` (in time order, then rule), returning the matches.
    fn add(
        &mut self,
        c: &sigma::model::Correlation,
        mut events: Vec<Event>,
        limits: Limits,
        dropped: &mut u64,
    ) -> Vec<Match> {
        let span = span_ns(c);
        events.sort_by(|a, b| (a.time, a.source, &a.group, &a.value).cmp(&(b.time, b.source, &b.group, &b.value)));
        let mut out = Vec::new();
        for e in events {
            self.newest = Some(self.newest.map_or(e.time, |n| n.max(e.time)));
            if !self.groups.contains_key(&e.group) && self.groups.len() >= limits.max_groups.max(1) {
                let oldest = self
                    .groups
                    .iter()
                    .min_by_key(|(_, evs)| evs.last().map_or(i64::MIN, |e| e.time))
                    .map(|(g, _)| g.clone());
                if let Some(g) = oldest {
                    self.groups.remove(&g);
                    *dropped = dropped.saturating_add(1);
                }
            }
            let group = e.group.clone();
            let window = self.groups.entry(group.clone()).or_default();
            let at = window.partition_point(|x| (x.time, x.source) <= (e.time, e.source));
            window.insert(at, e);
            let newest = window.last().map_or(i64::MIN, |x| x.time);
            let cut = window.partition_point(|x| newest.saturating_sub(x.time) > span);
            window.drain(..cut);
            if window.len() > limits.max_events.max(1) {
                let over = window.len() - limits.max_events.max(1);
                window.drain(..over);
                *dropped = dropped.saturating_add(over as u64);
            }
            let refs: Vec<&Event> = window.iter().collect();
            if let Some(m) = measure(c, &refs)
                && holds(c, m)
                && let (Some(first), Some(last)) = (window.first(), window.last())
            {
                out.push(Match { start: first.time, end: last.time, group, events: window.len(), measure: m });
                window.clear();
            }
        }
        if let Some(newest) = self.newest {
            self.groups.retain(|_, evs| evs.last().is_some_and(|e| newest.saturating_sub(e.time) <= span));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use sigma::model::{Correlation, Document};

    use super::*;
    use crate::sigma_correlate::evaluate;

    fn corr(body: &str) -> Correlation {
        let text = format!("title: c\nid: c1\ncorrelation:\n{body}");
        let (docs, diags) = sigma::load(&text, "c.yml", &Default::default());
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        match docs.into_iter().next() {
            Some(Document::Correlation(c)) => *c,
            other => panic!("{other:?}"),
        }
    }

    fn ev(secs: i64, group: &str, value: &str) -> Event {
        Event { time: secs * 1_000_000_000, source: 0, group: vec![group.to_string()], value: value.to_string() }
    }

    /// Events in time order, fed in batches of every size, give the
    /// matches `evaluate` finds over all of them; the windows survive a
    /// round trip through JSON.
    #[test]
    fn batches_in_time_order_match_evaluate() {
        let cases = [
            "  type: event_count\n  rules: [r]\n  group-by: [U]\n  timespan: 1m\n  condition:\n    gte: 3\n",
            "  type: value_count\n  rules: [r]\n  group-by: [U]\n  timespan: 2m\n  condition:\n    field: F\n    gte: 2\n",
            "  type: value_percentile\n  rules: [r]\n  group-by: [U]\n  timespan: 5m\n  condition:\n    field: F\n    lte: 40\n",
        ];
        let times = [0, 10, 20, 25, 100, 110, 111, 300, 301, 302, 303, 500];
        let events: Vec<Event> = times
            .iter()
            .enumerate()
            .map(|(i, t)| ev(*t, if i % 3 == 0 { "b" } else { "a" }, ["x", "y", "x", "z"][i % 4]))
            .collect();
        for body in cases {
            let c = corr(body);
            let mut want = evaluate(&c, &events);
            want.sort_by_key(|m| (m.end, m.group.clone()));
            assert!(!want.is_empty(), "{body}");
            for size in 1..=events.len() {
                let mut w = Windows::default();
                let mut got = Vec::new();
                let mut dropped = 0;
                for chunk in events.chunks(size) {
                    got.extend(w.add(&c, chunk.to_vec(), Limits::default(), &mut dropped));
                    let mut s = Stream::default();
                    s.windows.insert("c1".into(), w.clone());
                    assert_eq!(Stream::from_json(&s.to_json()).unwrap(), s);
                }
                got.sort_by_key(|m| (m.end, m.group.clone()));
                assert_eq!(got, want, "{body} in batches of {size}");
                assert_eq!(dropped, 0);
            }
        }
    }

    /// Past the bounds, the oldest events and groups go, counted.
    #[test]
    fn the_windows_are_bounded() {
        let c =
            corr("  type: event_count\n  rules: [r]\n  group-by: [U]\n  timespan: 1h\n  condition:\n    gte: 100\n");
        let limits = Limits { max_events: 3, max_groups: 2 };
        let mut w = Windows::default();
        let mut dropped = 0;
        let events: Vec<Event> = (0..5).map(|i| ev(i, "a", "")).chain([ev(10, "b", ""), ev(11, "c", "")]).collect();
        assert!(w.add(&c, events, limits, &mut dropped).is_empty());
        // Two events of `a` past its bound, then `a` itself for `c`.
        assert_eq!(dropped, 3);
        assert_eq!(w.groups.keys().map(|g| g[0].as_str()).collect::<Vec<_>>(), vec!["b", "c"]);
    }
}
