//! More functions over dynamic arrays and bags: sorting descending,
//! `array_iff`, `array_reverse`, `array_sum`, `array_split`, rotating and
//! shifting, `zip`, `jaccard_index`, `repeat`, `treepath`, `bag_merge`,
//! `bag_remove_keys` and `bag_set_key`.

use serde_json::{Map, Value as J};

use super::collections::{array, json_order};
use super::rowwise::{Ctx, V};
use super::text_edit::json_path;

/// The most elements `repeat` makes.
const MAX_REPEAT: i64 = 1_048_576;

/// `array_sort_asc(a1, ..., aN, nulls_last)` and `array_sort_desc`: the
/// binder always passes `nulls_last` last (true when the query gives none;
/// a null flag counts as true). One array: it sorted, nulls last unless
/// `nulls_last` is false. Several: an array of them, the first sorted and
/// each other put in the first's new order, null where its length differs
/// from the first's (array-sort-asc-function.md); null if the first is no
/// array.
fn sort(a: &[V], desc: bool) -> V {
    let Some((flag, arrays)) = a.split_last() else { return V::Null };
    let nulls_last = !matches!(flag, V::Bool(false));
    let Some(first) = arrays.first().and_then(array) else { return V::Null };
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by(|&i, &j| {
        let (x, y) = (&first[i], &first[j]);
        match (x.is_null(), y.is_null()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) if nulls_last => std::cmp::Ordering::Greater,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) if nulls_last => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (false, false) if desc => json_order(y, x),
            (false, false) => json_order(x, y),
        }
    });
    let permute = |v: &V| match array(v) {
        Some(items) if items.len() == first.len() => {
            J::Array(order.iter().filter_map(|&i| items.get(i).cloned()).collect())
        }
        _ => J::Null,
    };
    if arrays.len() == 1 {
        return V::Dyn(permute(&arrays[0]));
    }
    V::Dyn(J::Array(arrays.iter().map(permute).collect()))
}

/// `array_sort_asc(a1, ..., aN, nulls_last)`.
pub fn array_sort_asc(a: &[V], _: &mut Ctx) -> V {
    sort(a, false)
}

/// `array_sort_desc(a1, ..., aN, nulls_last)`.
pub fn array_sort_desc(a: &[V], _: &mut Ctx) -> V {
    sort(a, true)
}

/// Whether a condition element counts as true: a true bool or a non-zero
/// number; `None` for anything else (array-iff-function.md).
fn truth(j: &J) -> Option<bool> {
    match j {
        J::Bool(b) => Some(*b),
        J::Number(n) => Some(n.as_f64().is_some_and(|x| x != 0.0)),
        _ => None,
    }
}

/// Element `i` of an array argument, or the value itself for a scalar.
fn element(v: &V, i: usize) -> J {
    match v {
        V::Dyn(J::Array(items)) => items.get(i).cloned().unwrap_or(J::Null),
        other => other.json(),
    }
}

/// `array_iff(conditions, if_true, if_false)`: per element; null where the
/// condition is no bool or number, or the chosen array is too short.
pub fn array_iff(a: &[V], _: &mut Ctx) -> V {
    let Some(cond) = array(&a[0]) else { return V::Null };
    let out = cond
        .iter()
        .enumerate()
        .map(|(i, c)| match truth(c) {
            Some(true) => element(&a[1], i),
            Some(false) => element(&a[2], i),
            None => J::Null,
        })
        .collect();
    V::Dyn(J::Array(out))
}

/// `array_reverse(a)`.
pub fn array_reverse(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Null };
    V::Dyn(J::Array(arr.iter().rev().cloned().collect()))
}

/// `array_sum(a)`: the sum of the numbers, a real; null if any element is
/// not a number.
pub fn array_sum(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Null };
    let mut sum = 0.0;
    for j in arr {
        match j.as_f64() {
            Some(x) => sum += x,
            None => return V::Null,
        }
    }
    V::Real(sum)
}

/// `array_split(a, index)` or `(a, [indexes])`: the array cut before each
/// index (negative from the end), as an array of arrays.
pub fn array_split(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Null };
    let n = arr.len() as i64;
    let cuts: Vec<i64> = match &a[1] {
        V::Dyn(J::Array(items)) => items.iter().filter_map(J::as_i64).collect(),
        other => other.long().into_iter().collect(),
    };
    let mut parts = Vec::new();
    let mut at = 0i64;
    for c in cuts {
        let c = if c < 0 { n.saturating_add(c) } else { c }.clamp(0, n);
        if c < at {
            continue;
        }
        parts.push(J::Array(arr[at as usize..c as usize].to_vec()));
        at = c;
    }
    parts.push(J::Array(arr[at as usize..].to_vec()));
    V::Dyn(J::Array(parts))
}

/// The array rotated left by `k` (right for a negative `k`).
fn rotate(a: &[V], right: bool) -> V {
    let (Some(arr), Some(k)) = (array(&a[0]), a.get(1).and_then(V::long)) else { return V::Null };
    let mut v = arr.clone();
    if v.is_empty() {
        return V::Dyn(J::Array(v));
    }
    let k = k.rem_euclid(v.len() as i64) as usize;
    if right {
        v.rotate_right(k);
    } else {
        v.rotate_left(k);
    }
    V::Dyn(J::Array(v))
}

/// `array_rotate_left(a, k)`.
pub fn array_rotate_left(a: &[V], _: &mut Ctx) -> V {
    rotate(a, false)
}

/// `array_rotate_right(a, k)`.
pub fn array_rotate_right(a: &[V], _: &mut Ctx) -> V {
    rotate(a, true)
}

/// The array shifted left by `k` (right for a negative `k`), the emptied
/// places filled with `fill` (null by default).
fn shift(a: &[V], right: bool) -> V {
    let (Some(arr), Some(k)) = (array(&a[0]), a.get(1).and_then(V::long)) else { return V::Null };
    let fill = a.get(2).map_or(J::Null, V::json);
    let n = arr.len();
    let k = if right { k.checked_neg().unwrap_or(i64::MAX) } else { k };
    let m = usize::try_from(k.unsigned_abs()).unwrap_or(usize::MAX).min(n);
    let out: Vec<J> = if k >= 0 {
        arr[m..].iter().cloned().chain(std::iter::repeat_n(fill, m)).collect()
    } else {
        std::iter::repeat_n(fill, m).chain(arr[..n - m].iter().cloned()).collect()
    };
    V::Dyn(J::Array(out))
}

/// `array_shift_left(a, k [, fill])`.
pub fn array_shift_left(a: &[V], _: &mut Ctx) -> V {
    shift(a, false)
}

/// `array_shift_right(a, k [, fill])`.
pub fn array_shift_right(a: &[V], _: &mut Ctx) -> V {
    shift(a, true)
}

/// `zip(a1, a2, ...)`: arrays of the i-th elements, as long as the longest
/// array, nulls where one is shorter.
pub fn zip(a: &[V], _: &mut Ctx) -> V {
    let arrays: Option<Vec<&Vec<J>>> = a.iter().map(array).collect();
    let Some(arrays) = arrays else { return V::Null };
    let n = arrays.iter().map(|x| x.len()).max().unwrap_or(0);
    let out = (0..n).map(|i| J::Array(arrays.iter().map(|x| x.get(i).cloned().unwrap_or(J::Null)).collect())).collect();
    V::Dyn(J::Array(out))
}

/// `jaccard_index(s1, s2)`: |s1 ∩ s2| / |s1 ∪ s2| over the distinct
/// elements; null when both are empty.
pub fn jaccard_index(a: &[V], _: &mut Ctx) -> V {
    let (Some(x), Some(y)) = (array(&a[0]), array(&a[1])) else { return V::Null };
    let mut union: Vec<&J> = Vec::new();
    for j in x.iter().chain(y.iter()) {
        if !union.contains(&j) {
            union.push(j);
        }
    }
    let both = union.iter().filter(|j| x.contains(j) && y.contains(j)).count();
    if union.is_empty() {
        return V::Null;
    }
    V::Real(both as f64 / union.len() as f64)
}

/// `repeat(value, count)`: an array of `count` copies (none for a count
/// below 1; at most 1,048,576).
pub fn repeat(a: &[V], _: &mut Ctx) -> V {
    let Some(n) = a.get(1).and_then(V::long) else { return V::Null };
    let n = n.clamp(0, MAX_REPEAT) as usize;
    V::Dyn(J::Array(vec![a[0].json(); n]))
}

/// `treepath(d)`: the paths of every bag key in `d`, arrays represented by
/// their first element as `[0]` (treepath-function.md).
pub fn treepath(a: &[V], _: &mut Ctx) -> V {
    fn walk(j: &J, prefix: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        match j {
            J::Object(m) => {
                for (k, v) in m {
                    let p = format!("{prefix}['{k}']");
                    out.push(p.clone());
                    walk(v, &p, out, depth + 1);
                }
            }
            J::Array(items) => {
                let p = format!("{prefix}[0]");
                out.push(p.clone());
                for x in items.iter().filter(|x| x.is_object() || x.is_array()) {
                    walk(x, &p, out, depth + 1);
                }
            }
            _ => {}
        }
    }
    let V::Dyn(j) = &a[0] else { return V::Null };
    let mut out = Vec::new();
    walk(j, "", &mut out, 0);
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    V::Dyn(J::Array(out.into_iter().map(J::String).collect()))
}

/// `bag_merge(b1, b2, ...)`: the keys of every bag; where two share a key,
/// the earlier bag's value.
pub fn bag_merge(a: &[V], _: &mut Ctx) -> V {
    let mut out = Map::new();
    for v in a {
        let V::Dyn(J::Object(m)) = v else { return V::Null };
        for (k, x) in m {
            out.entry(k.clone()).or_insert_with(|| x.clone());
        }
    }
    V::Dyn(J::Object(out))
}

/// The path of a key argument: a JSONPath (`$.a.b`) or a plain key.
pub(crate) fn key_path(k: &str) -> Option<Vec<super::dynamic::PathElem>> {
    if k.starts_with('$') { json_path(k) } else { Some(vec![super::dynamic::PathElem::Key(k.to_string())]) }
}

/// `dynamic_to_json(v)` (dynamic-to-json-function.md): a dynamic value as
/// JSON with every bag's keys sorted; any other value as `tostring()`
/// gives it. Null past 512 levels of nesting.
pub fn dynamic_to_json(a: &[V], _: &mut Ctx) -> V {
    fn write(j: &J, out: &mut String, depth: usize) -> bool {
        if depth > 512 {
            return false;
        }
        match j {
            J::Array(items) => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !write(x, out, depth + 1) {
                        return false;
                    }
                }
                out.push(']');
            }
            J::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&J::String(k.clone()).to_string());
                    out.push(':');
                    if !m.get(k).is_some_and(|v| write(v, out, depth + 1)) {
                        return false;
                    }
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
        true
    }
    match &a[0] {
        V::Null => V::Null,
        V::Dyn(j) => {
            let mut out = String::new();
            if write(j, &mut out, 0) { V::Str(out) } else { V::Null }
        }
        other => V::Str(other.text()),
    }
}

/// `bag_zip(keys, values)`: a bag of each string key with the value at its
/// index (null past the values' end, or for every key when the values are
/// no array); keys that are not strings are left out; null when the keys
/// are no array.
pub fn bag_zip(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(keys)) = &a[0] else { return V::Null };
    let values: &[J] = match &a[1] {
        V::Dyn(J::Array(values)) => values,
        _ => &[],
    };
    let mut out = serde_json::Map::new();
    for (i, k) in keys.iter().enumerate() {
        if let J::String(k) = k {
            out.insert(k.clone(), values.get(i).cloned().unwrap_or(J::Null));
        }
    }
    V::Dyn(J::Object(out))
}

/// `bag_remove_keys(bag, keys)`: the bag without those keys (plain keys or
/// JSONPaths into inner bags).
pub fn bag_remove_keys(a: &[V], _: &mut Ctx) -> V {
    use super::dynamic::PathElem;
    fn remove(j: &mut J, path: &[PathElem]) {
        let (Some(PathElem::Key(k)), J::Object(m)) = (path.first(), j) else { return };
        match path.get(1..) {
            Some([]) | None => {
                m.shift_remove(k);
            }
            Some(rest) => {
                if let Some(inner) = m.get_mut(k) {
                    remove(inner, rest);
                }
            }
        }
    }
    let V::Dyn(J::Object(m)) = &a[0] else { return V::Null };
    let V::Dyn(J::Array(keys)) = &a[1] else { return V::Null };
    let mut bag = J::Object(m.clone());
    for path in keys.iter().filter_map(J::as_str).filter_map(key_path) {
        remove(&mut bag, &path);
    }
    V::Dyn(bag)
}

/// `bag_set_key(bag, key, value)`: the bag with `key` (a plain key or a
/// JSONPath, inner bags made as needed) set to `value`.
pub fn bag_set_key(a: &[V], _: &mut Ctx) -> V {
    use super::dynamic::PathElem;
    let V::Dyn(J::Object(m)) = &a[0] else { return V::Null };
    let Some(path) = key_path(&a[1].text()) else { return V::Null };
    let mut bag = J::Object(m.clone());
    let mut at = &mut bag;
    for p in &path {
        let PathElem::Key(k) = p else { return V::Null };
        if !at.is_object() {
            *at = J::Object(Map::new());
        }
        let J::Object(m) = at else { return V::Null };
        at = m.entry(k.clone()).or_insert(J::Null);
    }
    *at = a.get(2).map_or(J::Null, V::json);
    V::Dyn(bag)
}

/// `bag_pack` that leaves out null and empty values: `pack_all(true)`.
pub fn bag_pack_nonempty(a: &[V], _: &mut Ctx) -> V {
    let mut m = Map::new();
    for pair in a.chunks(2) {
        if let [k, v] = pair {
            let empty = match v {
                V::Null | V::Dyn(J::Null) => true,
                V::Str(s) => s.is_empty(),
                _ => false,
            };
            if !empty {
                m.insert(k.text(), v.json());
            }
        }
    }
    V::Dyn(J::Object(m))
}
