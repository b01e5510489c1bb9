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
    ("stdevpif", "stdevpif"),
    ("variancepif", "variancepif"),
    ("covariance", "covariance"),
    ("covarianceif", "covarianceif"),
    ("covariancep", "covariancep"),
    ("covariancepif", "covariancepif"),
    ("binary_all_and", "binary_all_and"),
    ("binary_all_or", "binary_all_or"),
    ("binary_all_xor", "binary_all_xor"),
];

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
