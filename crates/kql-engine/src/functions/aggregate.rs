//! The aggregation functions' names, and the row function that finishes
//! `percentile`: `summarize` collects a group's values with `array_agg`, and
//! it turns the list into the KQL result (the collecting aggregations are
//! finished in [`collect`](super::collect)).

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// Aggregation functions and the prefix of their default column name.
pub const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count"),
    ("countif", "countif"),
    ("dcount", "dcount"),
    ("dcountif", "dcountif"),
    ("count_distinct", "count_distinct"),
    ("count_distinctif", "count_distinctif"),
    ("sum", "sum"),
    ("sumif", "sumif"),
    ("avg", "avg"),
    ("avgif", "avgif"),
    ("min", "min"),
    ("max", "max"),
    ("minif", "minif"),
    ("maxif", "maxif"),
    ("make_set", "set"),
    ("make_set_if", "set"),
    ("make_list", "list"),
    ("make_list_if", "list"),
    ("make_list_with_nulls", "list"),
    ("make_bag", "bag"),
    ("make_bag_if", "bag"),
    ("arg_max", "max"),
    ("arg_min", "min"),
    ("take_any", ""),
    ("take_anyif", ""),
    ("any", "any"),
    ("percentile", "percentile"),
    ("percentiles", "percentile"),
    ("percentilew", "percentile"),
    ("buildschema", "schema"),
    ("percentilesw", "percentile"),
    ("percentilesw_array", "percentile"),
    ("stdev", "stdev"),
    ("stdevif", "stdevif"),
    ("stdevp", "stdevp"),
    ("variance", "variance"),
    ("varianceif", "varianceif"),
    ("variancep", "variancep"),
    ("stdevpif", "stdevpif"),
    ("variancepif", "variancepif"),
    ("covariance", "covariance"),
    ("covarianceif", "covarianceif"),
    ("covariancep", "covariancep"),
    ("covariancepif", "covariancepif"),
    ("binary_all_and", "binary_all_and"),
    ("binary_all_or", "binary_all_or"),
    ("binary_all_xor", "binary_all_xor"),
    ("tdigest", "tdigest"),
    ("tdigest_merge", "merge_tdigests"),
    ("hll", "hll"),
    ("hll_if", "hll_if"),
    ("hll_merge", "hll_merge"),
];

/// The index (from 0) of the nearest-rank `p`th percentile among `n > 0`
/// sorted values: rank ceil(p/100 * n), at least 1 and at most `n`.
pub fn rank_index(p: f64, n: usize) -> usize {
    ((((p / 100.0) * n as f64).ceil() as usize).clamp(1, n.max(1))) - 1
}

/// `percentile` by nearest rank over a list of numbers (nulls ignored): the
/// value at rank ceil(p/100 * n), 0 giving the smallest. A list of whole
/// numbers gives a whole number, exactly (datetimes and timespans travel as
/// their nanoseconds).
pub fn nearest_rank(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(items)) = &a[0] else { return V::Null };
    let p = match &a[1] {
        V::Real(r) => *r,
        V::Long(n) => *n as f64,
        _ => return V::Null,
    };
    let rank = |n: usize| rank_index(p, n);
    let whole: Option<Vec<i64>> = items.iter().filter(|j| !j.is_null()).map(J::as_i64).collect();
    match whole {
        Some(mut v) if !v.is_empty() => {
            v.sort_unstable();
            V::Long(v[rank(v.len())])
        }
        Some(_) => V::Null,
        None => {
            let mut v: Vec<f64> = items.iter().filter_map(J::as_f64).collect();
            if v.is_empty() {
                return V::Null;
            }
            v.sort_by(f64::total_cmp);
            V::Real(v[rank(v.len())])
        }
    }
}

/// A group's values and weights, in step (`array_agg` of each); pairs with a
/// null or non-numeric part or a weight below 1 are left out.
fn weighted(a: &[V]) -> Option<(Vec<(J, f64)>, u128)> {
    let (Some(V::Dyn(J::Array(xs))), Some(V::Dyn(J::Array(ws)))) = (a.first(), a.get(1)) else { return None };
    let mut pairs: Vec<(J, f64, u64)> = xs
        .iter()
        .zip(ws)
        .filter_map(|(x, w)| {
            let w = w.as_i64().filter(|w| *w >= 1)?;
            let key = x.as_f64()?;
            Some((x.clone(), key, u64::try_from(w).ok()?))
        })
        .collect();
    pairs.sort_by(|p, q| p.1.total_cmp(&q.1));
    let total: u128 = pairs.iter().map(|p| u128::from(p.2)).sum();
    let mut cum = 0u128;
    let cumulative = pairs
        .into_iter()
        .map(|(x, _, w)| {
            cum += u128::from(w);
            (x, cum as f64)
        })
        .collect();
    Some((cumulative, total))
}

/// The weighted nearest rank: the smallest value whose cumulative weight
/// reaches ceil(p/100 * total weight) (at least 1).
fn weighted_rank(pairs: &[(J, f64)], total: u128, p: f64) -> J {
    let rank = ((p / 100.0) * total as f64).ceil().max(1.0);
    pairs.iter().find(|(_, c)| *c >= rank).or(pairs.last()).map_or(J::Null, |(x, _)| x.clone())
}

fn percent(v: &V) -> Option<f64> {
    match v {
        V::Real(r) => Some(*r),
        V::Long(n) => Some(*n as f64),
        _ => None,
    }
}

fn json_to_v(j: J) -> V {
    match j {
        J::Number(n) => n.as_i64().map(V::Long).or_else(|| n.as_f64().map(V::Real)).unwrap_or(V::Null),
        _ => V::Null,
    }
}

/// `percentilew(x, weight, p)`: one weighted percentile
/// (percentilesw-aggregation-function.md).
pub fn weighted_percentile(a: &[V], _: &mut Ctx) -> V {
    let (Some((pairs, total)), Some(p)) = (weighted(a), a.get(2).and_then(percent)) else { return V::Null };
    json_to_v(weighted_rank(&pairs, total, p))
}

/// `percentilesw_array(x, weight, p...)`: the weighted percentiles as one
/// array, null where the group has no weighted value.
pub fn weighted_percentiles_array(a: &[V], _: &mut Ctx) -> V {
    let Some((pairs, total)) = weighted(a) else { return V::Null };
    let ps: Option<Vec<f64>> = a.iter().skip(2).map(percent).collect();
    let Some(ps) = ps else { return V::Null };
    V::Dyn(J::Array(ps.into_iter().map(|p| weighted_rank(&pairs, total, p)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentile_of_no_numbers_is_null() {
        let list = V::Dyn(serde_json::json!(["a", null]));
        assert_eq!(nearest_rank(&[list, V::Long(50)], &mut Ctx::default()), V::Null);
    }

    #[test]
    fn nearest_rank_is_exact_for_whole_numbers() {
        let big: J = serde_json::from_str("[1795176000000000001,1795176000000000003,null]").unwrap();
        let got = nearest_rank(&[V::Dyn(big), V::Long(100)], &mut Ctx::default());
        assert_eq!(got, V::Long(1_795_176_000_000_000_003));
        let reals: J = serde_json::from_str("[2.5,0.5,1.5]").unwrap();
        assert_eq!(nearest_rank(&[V::Dyn(reals.clone()), V::Long(0)], &mut Ctx::default()), V::Real(0.5));
        assert_eq!(nearest_rank(&[V::Dyn(reals), V::Real(50.0)], &mut Ctx::default()), V::Real(1.5));
        assert_eq!(nearest_rank(&[V::Dyn(J::Array(Vec::new())), V::Long(50)], &mut Ctx::default()), V::Null);
    }
}
