//! The intermediate results of percentiles and distinct counts, and the
//! functions that read them (using-hll-tdigest.md).
//!
//! A `tdigest` is `[[type], [values], [weights]]`: the group's distinct
//! values, ascending, each with its summed weight, and the KQL type they
//! have (datetimes and timespans as nanoseconds). It is exact, so the
//! percentiles read from it are those `percentile`/`percentilew` give for
//! the same values (nearest rank). An `hll` is `[[1024, bits], [hashes],
//! []]`: the XXH64 hashes of the group's distinct values as strings (the
//! sparse form the pages print), `bits` the accuracy's precision; it too is
//! exact, so `dcount_hll` agrees with `dcount` (which counts exactly).
//! Both pages say the representation may change; only what the reading
//! functions return is promised.

use std::collections::BTreeSet;

use serde_json::{Value as J, json};
use twox_hash::XxHash64;

use super::rowwise::{Ctx, V};

/// The precision (bits) of each `hll` accuracy, 0 to 4
/// (estimation-accuracy.md: 2^12 to 2^18 counters).
pub const HLL_BITS: [i64; 5] = [12, 14, 16, 17, 18];

/// A value as JSON, read from a dynamic argument holding it or its text.
fn parsed(v: &V) -> Option<J> {
    match v {
        V::Dyn(J::String(s)) | V::Str(s) => serde_json::from_str(s).ok(),
        V::Dyn(j) => Some(j.clone()),
        _ => None,
    }
}

/// A value of a digest: whole numbers (longs, datetimes and timespans as
/// nanoseconds) exactly, reals as reals.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Whole(i64),
    Real(f64),
}

impl Num {
    fn of(j: &J) -> Option<Num> {
        j.as_i64().map(Num::Whole).or_else(|| j.as_f64().filter(|f| f.is_finite()).map(Num::Real))
    }

    fn f64(self) -> f64 {
        match self {
            Num::Whole(n) => n as f64,
            Num::Real(r) => r,
        }
    }

    fn json(self) -> J {
        match self {
            Num::Whole(n) => J::from(n),
            Num::Real(r) => serde_json::Number::from_f64(r).map_or(J::Null, J::Number),
        }
    }

    fn cmp(self, other: Num) -> std::cmp::Ordering {
        match (self, other) {
            (Num::Whole(a), Num::Whole(b)) => a.cmp(&b),
            (a, b) => a.f64().total_cmp(&b.f64()),
        }
    }
}

/// A digest read back: its type and its (value, weight) pairs, ascending.
struct Digest {
    ty: String,
    pairs: Vec<(Num, u64)>,
}

impl Digest {
    /// The digest in `j`; `None` unless it has our shape.
    fn read(j: &J) -> Option<Digest> {
        let J::Array(parts) = j else { return None };
        let [J::Array(head), J::Array(values), J::Array(weights)] = parts.as_slice() else { return None };
        let ty = head.first()?.as_str()?.to_string();
        if values.len() != weights.len() {
            return None;
        }
        let pairs: Option<Vec<(Num, u64)>> =
            values.iter().zip(weights).map(|(v, w)| Some((Num::of(v)?, w.as_u64()?))).collect();
        let mut d = Digest { ty, pairs: pairs? };
        d.normalise();
        Some(d)
    }

    /// Sorted, equal values merged, zero weights dropped.
    fn normalise(&mut self) {
        self.pairs.sort_by(|a, b| a.0.cmp(b.0));
        let mut out: Vec<(Num, u64)> = Vec::with_capacity(self.pairs.len());
        for (v, w) in self.pairs.drain(..) {
            match out.last_mut() {
                Some(last) if last.0.cmp(v).is_eq() => last.1 = last.1.saturating_add(w),
                _ if w > 0 => out.push((v, w)),
                _ => {}
            }
        }
        self.pairs = out;
    }

    fn to_json(&self) -> J {
        let values: Vec<J> = self.pairs.iter().map(|p| p.0.json()).collect();
        let weights: Vec<J> = self.pairs.iter().map(|p| J::from(p.1)).collect();
        json!([[self.ty], values, weights])
    }

    fn total(&self) -> u128 {
        self.pairs.iter().map(|p| u128::from(p.1)).sum()
    }

    /// The nearest-rank percentile `p`: the smallest value whose cumulative
    /// weight reaches ceil(p/100 * total), at least 1 (as `percentilew`).
    fn percentile(&self, p: f64) -> Option<Num> {
        if !(0.0..=100.0).contains(&p) {
            return None;
        }
        let rank = ((p / 100.0) * self.total() as f64).ceil().max(1.0);
        let mut cum = 0u128;
        for (v, w) in &self.pairs {
            cum = cum.saturating_add(u128::from(*w));
            if cum as f64 >= rank {
                return Some(*v);
            }
        }
        self.pairs.last().map(|p| p.0)
    }

    /// The weight of the values at or below `x`.
    fn rank(&self, x: Num) -> u128 {
        self.pairs.iter().take_while(|(v, _)| v.cmp(x).is_le()).map(|p| u128::from(p.1)).sum()
    }

    /// A value of the digest as the KQL value of its type.
    fn value(&self, n: Num) -> V {
        match (self.ty.as_str(), n) {
            ("datetime", Num::Whole(ns)) => V::Dt(ns),
            ("timespan", Num::Whole(ns)) => V::Ts(ns),
            (_, Num::Whole(w)) => V::Long(w),
            (_, Num::Real(r)) => V::Real(r),
        }
    }

    /// A value of the query compared with the digest's values.
    fn key(&self, v: &V) -> Option<Num> {
        match v {
            V::Long(n) | V::Dt(n) | V::Ts(n) => Some(Num::Whole(*n)),
            V::Real(r) if r.is_finite() => Some(Num::Real(*r)),
            V::Dyn(j) => Num::of(j),
            _ => None,
        }
    }
}

/// `tdigest(x [, weight])`'s finisher: the group's values and weights (in
/// step, from `array_agg`) and the values' type name. Pairs with a null
/// value or a weight below 1 are left out; null when none is left.
pub fn tdigest_build(a: &[V], _: &mut Ctx) -> V {
    let (Some(V::Dyn(J::Array(xs))), Some(V::Dyn(J::Array(ws))), Some(ty)) = (a.first(), a.get(1), a.get(2)) else {
        return V::Null;
    };
    let pairs = xs
        .iter()
        .zip(ws)
        .filter_map(|(x, w)| Some((Num::of(x)?, w.as_i64().and_then(|w| u64::try_from(w).ok())?)))
        .collect();
    let mut d = Digest { ty: ty.str().to_string(), pairs };
    d.normalise();
    if d.pairs.is_empty() { V::Null } else { V::Dyn(d.to_json()) }
}

/// The digests of `items`, merged; `None` when one is no digest or their
/// types differ (tdigest-merge-aggregation-function.md: one type per group).
fn merge_digests<'a>(items: impl Iterator<Item = &'a V>) -> Option<Option<Digest>> {
    let mut merged: Option<Digest> = None;
    for item in items {
        if matches!(item, V::Null | V::Dyn(J::Null)) {
            continue;
        }
        let d = Digest::read(&parsed(item)?)?;
        match &mut merged {
            None => merged = Some(d),
            Some(m) if m.ty == d.ty => m.pairs.extend(d.pairs),
            Some(_) => return None,
        }
    }
    if let Some(m) = &mut merged {
        m.normalise();
    }
    Some(merged)
}

/// `merge_tdigest(d1, d2, ...)`: one digest of them all; null when one is
/// no digest, their types differ, or all are null.
pub fn merge_tdigest(a: &[V], _: &mut Ctx) -> V {
    match merge_digests(a.iter()) {
        Some(Some(d)) => V::Dyn(d.to_json()),
        _ => V::Null,
    }
}

/// `tdigest_merge(d)`'s finisher: the group's digests (from `array_agg`).
pub fn tdigest_merge_list(a: &[V], ctx: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    let items: Vec<V> = items.iter().map(|j| V::Dyn(j.clone())).collect();
    merge_tdigest(&items, ctx)
}

/// A percentile argument: a number from 0 to 100.
fn percent(v: &V) -> Option<f64> {
    match v {
        V::Real(r) => Some(*r),
        V::Long(n) => Some(*n as f64),
        V::Dyn(j) => j.as_f64(),
        _ => None,
    }
}

/// `percentile_tdigest(d, p)`: the nearest-rank percentile of the digest's
/// values, as a dynamic value (the binder converts it for `typeof(T)`).
pub fn percentile_tdigest(a: &[V], _: &mut Ctx) -> V {
    let (Some(d), Some(p)) = (a.first().and_then(parsed).as_ref().and_then(Digest::read), a.get(1).and_then(percent))
    else {
        return V::Null;
    };
    match d.percentile(p) {
        Some(n) => V::Dyn(d.value(n).json()),
        None => V::Null,
    }
}

/// `percentiles_array_tdigest(d, p1, ...)` or `(d, dynamic([p1, ...]))`:
/// the percentiles as one array.
pub fn percentiles_array_tdigest(a: &[V], _: &mut Ctx) -> V {
    let Some(d) = a.first().and_then(parsed).as_ref().and_then(Digest::read) else { return V::Null };
    let ps: Option<Vec<f64>> = match a.get(1..).unwrap_or_default() {
        [V::Dyn(J::Array(items))] => items.iter().map(J::as_f64).collect(),
        rest => rest.iter().map(percent).collect(),
    };
    let Some(ps) = ps.filter(|ps| !ps.is_empty()) else { return V::Null };
    let out: Option<Vec<J>> = ps.into_iter().map(|p| d.percentile(p).map(|n| d.value(n).json())).collect();
    out.map_or(V::Null, |o| V::Dyn(J::Array(o)))
}

/// `rank_tdigest(d, x)`: the weight of the values at or below `x`.
pub fn rank_tdigest(a: &[V], _: &mut Ctx) -> V {
    let Some(d) = a.first().and_then(parsed).as_ref().and_then(Digest::read) else { return V::Null };
    match a.get(1).and_then(|v| d.key(v)) {
        Some(x) => i64::try_from(d.rank(x)).map_or(V::Null, V::Long),
        None => V::Null,
    }
}

/// `percentrank_tdigest(d, x)`: that weight as a percentage of the total.
pub fn percentrank_tdigest(a: &[V], _: &mut Ctx) -> V {
    let Some(d) = a.first().and_then(parsed).as_ref().and_then(Digest::read) else { return V::Null };
    let (Some(x), total) = (a.get(1).and_then(|v| d.key(v)), d.total()) else { return V::Null };
    if total == 0 {
        return V::Null;
    }
    V::Real(d.rank(x) as f64 * 100.0 / total as f64)
}

/// The bytes an `hll` hashes for one distinct value (as `array_agg` gives
/// it): a whole number its 8 little-endian bytes, a real its bits (zero
/// without its sign), text its UTF-8.
fn hll_hash(j: &J) -> Option<i64> {
    let bytes = match j {
        J::Null => return None,
        J::Number(n) => match n.as_i64() {
            Some(w) => w.to_le_bytes().to_vec(),
            None => {
                let r = n.as_f64()?;
                let r = if r == 0.0 { 0.0 } else { r };
                r.to_bits().to_le_bytes().to_vec()
            }
        },
        J::String(s) => s.as_bytes().to_vec(),
        J::Bool(b) => vec![u8::from(*b)],
        other => other.to_string().into_bytes(),
    };
    Some(XxHash64::oneshot(0, &bytes) as i64)
}

/// An hll read back: its precision and its hashes.
fn read_hll(v: &V) -> Option<(i64, BTreeSet<i64>)> {
    let J::Array(parts) = parsed(v)? else { return None };
    let [J::Array(head), J::Array(hashes), J::Array(dense)] = parts.as_slice() else { return None };
    if !dense.is_empty() {
        return None;
    }
    let bits = head.get(1)?.as_i64()?;
    let set: Option<BTreeSet<i64>> =
        hashes.iter().map(|h| h.as_str().and_then(|s| s.parse().ok()).or_else(|| h.as_i64())).collect();
    Some((bits, set?))
}

fn hll_json(bits: i64, set: &BTreeSet<i64>) -> V {
    let hashes: Vec<J> = set.iter().map(|h| J::String(h.to_string())).collect();
    V::Dyn(json!([[1024, bits], hashes, []]))
}

/// `hll(x [, accuracy])`'s finisher: the group's distinct values (from
/// `array_agg(distinct)`) and the precision; null for a group with no
/// value, as summarize-operator.md prints `hll` of an empty table.
pub fn hll_build(a: &[V], _: &mut Ctx) -> V {
    let (Some(V::Dyn(J::Array(values))), Some(V::Long(bits))) = (a.first(), a.get(1)) else { return V::Null };
    if values.is_empty() {
        return V::Null;
    }
    let set: BTreeSet<i64> = values.iter().filter_map(hll_hash).collect();
    hll_json(*bits, &set)
}

/// The hlls of `items` merged; null when one is no hll or their accuracies
/// differ (hll-merge-aggregation-function.md).
fn merge_hlls<'a>(items: impl Iterator<Item = &'a V>) -> V {
    let mut merged: Option<(i64, BTreeSet<i64>)> = None;
    for item in items {
        if matches!(item, V::Null | V::Dyn(J::Null)) {
            continue;
        }
        let Some((bits, set)) = read_hll(item) else { return V::Null };
        match &mut merged {
            None => merged = Some((bits, set)),
            Some((b, m)) if *b == bits => m.extend(set),
            Some(_) => return V::Null,
        }
    }
    merged.map_or(V::Null, |(bits, set)| hll_json(bits, &set))
}

/// `hll_merge(h1, h2, ...)`.
pub fn hll_merge(a: &[V], _: &mut Ctx) -> V {
    merge_hlls(a.iter())
}

/// `hll_merge(h)`'s finisher in `summarize`: the group's hlls.
pub fn hll_merge_list(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    let items: Vec<V> = items.iter().map(|j| V::Dyn(j.clone())).collect();
    merge_hlls(items.iter())
}

/// The number of distinct values every one of the hlls `a` holds (the
/// `dcount_intersect` plugin's columns); null when one is no hll or their
/// accuracies differ.
pub fn hll_intersect_count(a: &[V], _: &mut Ctx) -> V {
    let mut common: Option<(i64, BTreeSet<i64>)> = None;
    for item in a {
        let Some((bits, set)) = read_hll(item) else { return V::Null };
        common = match common {
            None => Some((bits, set)),
            Some((b, c)) if b == bits => Some((b, c.intersection(&set).copied().collect())),
            Some(_) => return V::Null,
        };
    }
    common.and_then(|(_, c)| i64::try_from(c.len()).ok()).map_or(V::Null, V::Long)
}

/// `dcount_hll(h)`: the number of distinct values the hll holds.
pub fn dcount_hll(a: &[V], _: &mut Ctx) -> V {
    match a.first().and_then(read_hll) {
        Some((_, set)) => i64::try_from(set.len()).map_or(V::Null, V::Long),
        None => V::Null,
    }
}
