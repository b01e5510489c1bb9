//! The aggregation functions' names, and the row functions that finish an
//! aggregation: `summarize` collects a group's values with `array_agg`, and
//! these turn the list into the KQL result.

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// Aggregation functions and the prefix of their default column name.
pub const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count"),
    ("countif", "countif"),
    ("dcount", "dcount"),
    ("dcountif", "dcountif"),
    ("count_distinct", "count_distinct"),
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
    ("stdev", "stdev"),
    ("stdevif", "stdevif"),
    ("stdevp", "stdevp"),
    ("variance", "variance"),
    ("varianceif", "varianceif"),
    ("variancep", "variancep"),
];

/// `make_list_with_nulls`: the list as a dynamic array, nulls kept; an
/// empty group gives `[]`.
pub fn list_with_nulls(a: &[V], _: &mut Ctx) -> V {
    match &a[0] {
        V::Dyn(J::Array(items)) => V::Dyn(J::Array(items.clone())),
        _ => V::Dyn(J::Array(Vec::new())),
    }
}

/// `make_bag`: the property bags of the list merged into one, at most
/// `a[1]` keys; values that are not bags are skipped. When a key repeats,
/// its first value is kept (Kusto picks an arbitrary one).
pub fn merge_bags(a: &[V], _: &mut Ctx) -> V {
    let limit = a.get(1).and_then(V::long).map(|n| n.max(0) as usize).unwrap_or(usize::MAX);
    let mut out = serde_json::Map::new();
    if let V::Dyn(J::Array(items)) = &a[0] {
        for item in items {
            let J::Object(bag) = item else { continue };
            for (k, v) in bag {
                if out.len() >= limit {
                    break;
                }
                if !out.contains_key(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    V::Dyn(J::Object(out))
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
    let rank = |n: usize| ((((p / 100.0) * n as f64).ceil() as usize).clamp(1, n)) - 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentile_of_no_numbers_is_null() {
        let list = V::Dyn(serde_json::json!(["a", null]));
        assert_eq!(nearest_rank(&[list, V::Long(50)], &mut Ctx::default()), V::Null);
    }

    #[test]
    fn bags_merge_and_skip_other_values() {
        let list: J = serde_json::from_str(r#"[{"a":1},2,{"b":2,"a":3},null]"#).unwrap();
        let got = merge_bags(&[V::Dyn(list)], &mut Ctx::default());
        assert_eq!(got, V::Dyn(serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap()));
        assert_eq!(merge_bags(&[V::Null], &mut Ctx::default()), V::Dyn(J::Object(serde_json::Map::new())));
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

    #[test]
    fn lists_keep_nulls() {
        let list: J = serde_json::from_str("[null,4]").unwrap();
        assert_eq!(list_with_nulls(&[V::Dyn(list.clone())], &mut Ctx::default()), V::Dyn(list));
        assert_eq!(list_with_nulls(&[V::Null], &mut Ctx::default()), V::Dyn(J::Array(Vec::new())));
    }
}
