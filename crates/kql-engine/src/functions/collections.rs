//! Functions over dynamic arrays and property bags.

use serde_json::{Map, Value as J};

use super::rowwise::{Ctx, V};

/// The elements of a dynamic array.
pub(crate) fn array(v: &V) -> Option<&Vec<J>> {
    match v {
        V::Dyn(J::Array(a)) => Some(a),
        _ => None,
    }
}

/// Whether a JSON element equals a KQL value (numbers numerically, strings exactly).
fn same(j: &J, v: &V) -> bool {
    match (j, v) {
        (J::String(s), V::Str(t)) => s == t,
        (J::Number(n), V::Long(m)) => n.as_i64() == Some(*m) || n.as_f64() == Some(*m as f64),
        (J::Number(n), V::Real(r)) => n.as_f64() == Some(*r),
        (J::Bool(b), V::Bool(c)) => b == c,
        (j, V::Dyn(d)) => j == d,
        (J::String(s), other) => *s == other.text(),
        _ => false,
    }
}

/// `array_length(a)`: null when `a` is not an array.
pub fn array_length(a: &[V], _: &mut Ctx) -> V {
    array(&a[0]).map(|x| V::Long(x.len() as i64)).unwrap_or(V::Null)
}

/// `array_index_of(a, value [, start [, length [, occurrence]]])`.
pub fn array_index_of(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Null };
    let n = arr.len() as i64;
    let mut start = a.get(2).and_then(V::long).unwrap_or(0);
    if start < 0 {
        start = (n + start).max(0);
    }
    let length = a.get(3).and_then(V::long).unwrap_or(-1);
    let occurrence = a.get(4).and_then(V::long).unwrap_or(1);
    if length < -1 || occurrence < 0 {
        return V::Null;
    }
    let end = if length == -1 { n } else { start.saturating_add(length).min(n) };
    let mut seen = 0;
    for i in start..end.max(start) {
        if same(&arr[i as usize], &a[1]) {
            seen += 1;
            if seen == occurrence.max(1) {
                return V::Long(i);
            }
        }
    }
    V::Long(-1)
}

/// `strcat_array(a, delimiter)`: the elements as text (strings without
/// quotes, other values as JSON, null as empty) joined by `delimiter`; ""
/// when `a` is not an array (strings are never null in KQL).
pub fn strcat_array(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Str(String::new()) };
    let delim = a[1].text();
    let parts: Vec<String> = arr.iter().map(|j| V::Dyn(j.clone()).text()).collect();
    V::Str(parts.join(&delim))
}

/// `array_concat(a1, a2, ...)`.
pub fn array_concat(a: &[V], _: &mut Ctx) -> V {
    let mut out = Vec::new();
    for v in a {
        match array(v) {
            Some(x) => out.extend(x.iter().cloned()),
            None => return V::Null,
        }
    }
    V::Dyn(J::Array(out))
}

/// `array_slice(a, start, end)`: inclusive `end`; negatives count from the end.
pub fn array_slice(a: &[V], _: &mut Ctx) -> V {
    let Some(arr) = array(&a[0]) else { return V::Null };
    let n = arr.len() as i64;
    let fix = |i: i64| if i < 0 { n + i } else { i };
    let (Some(s), Some(e)) = (a.get(1).and_then(V::long), a.get(2).and_then(V::long)) else { return V::Null };
    let (s, e) = (fix(s).max(0), fix(e).min(n - 1));
    if s > e {
        return V::Dyn(J::Array(vec![]));
    }
    V::Dyn(J::Array(arr[s as usize..=e as usize].to_vec()))
}

/// `set_has_element(set, value)`.
pub fn set_has_element(a: &[V], _: &mut Ctx) -> V {
    match array(&a[0]) {
        Some(arr) => V::Bool(arr.iter().any(|j| same(j, &a[1]))),
        None => V::Null,
    }
}

/// The distinct elements of the arrays `a` (in the order first seen) that
/// `keep` accepts, given whether each other array holds the element; for a
/// union, every array's elements, else the first array's.
fn set_op(a: &[V], union: bool, keep: fn(&[bool]) -> bool) -> V {
    let arrays: Option<Vec<&Vec<J>>> = a.iter().map(array).collect();
    let Some(arrays) = arrays else { return V::Null };
    let Some((first, rest)) = arrays.split_first() else { return V::Null };
    let mut out: Vec<J> = Vec::new();
    let candidates: Vec<&J> =
        if union { arrays.iter().flat_map(|x| x.iter()).collect() } else { first.iter().collect() };
    for j in candidates {
        if !out.contains(j) && keep(&rest.iter().map(|x| x.contains(j)).collect::<Vec<bool>>()) {
            out.push(j.clone());
        }
    }
    V::Dyn(J::Array(out))
}

/// `set_union(a1, a2, ...)`: distinct elements of all.
pub fn set_union(a: &[V], _: &mut Ctx) -> V {
    set_op(a, true, |_| true)
}
/// `set_intersect(a1, a2, ...)`: distinct elements of `a1` in every other.
pub fn set_intersect(a: &[V], _: &mut Ctx) -> V {
    set_op(a, false, |held| held.iter().all(|h| *h))
}
/// `set_difference(a1, a2, ...)`: distinct elements of `a1` in none of the others.
pub fn set_difference(a: &[V], _: &mut Ctx) -> V {
    set_op(a, false, |held| !held.iter().any(|h| *h))
}

/// `bag_keys(bag)`: null when not a bag.
pub fn bag_keys(a: &[V], _: &mut Ctx) -> V {
    match &a[0] {
        V::Dyn(J::Object(m)) => V::Dyn(J::Array(m.keys().map(|k| J::String(k.clone())).collect())),
        _ => V::Null,
    }
}

/// `bag_has_key(bag, key)`: the key is a plain key or a JSONPath of keys
/// into inner bags (`$.a.b`); a path with an array index, which the page
/// says is not supported, or that does not parse, gives null.
pub fn bag_has_key(a: &[V], _: &mut Ctx) -> V {
    use super::dynamic::PathElem;
    let V::Dyn(bag @ J::Object(_)) = &a[0] else { return V::Null };
    match super::array_ops::key_path(&a[1].text()) {
        Some(path) if path.iter().all(|p| matches!(p, PathElem::Key(_))) => {
            V::Bool(super::dynamic::walk(bag, &path).is_some())
        }
        _ => V::Null,
    }
}

/// `bag_pack(k1, v1, ...)` / `pack(...)`.
pub fn bag_pack(a: &[V], _: &mut Ctx) -> V {
    let mut m = Map::new();
    for pair in a.chunks(2) {
        if let [k, v] = pair {
            m.insert(k.text(), v.json());
        }
    }
    V::Dyn(J::Object(m))
}

/// `pack_array(v1, ...)`.
pub fn pack_array(a: &[V], _: &mut Ctx) -> V {
    V::Dyn(J::Array(a.iter().map(V::json).collect()))
}

/// The order `array_sort_asc` sorts in: numbers, strings, then other values
/// by their JSON, nulls last.
pub(crate) fn json_order(x: &J, y: &J) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (x, y) {
        (J::Null, J::Null) => Ordering::Equal,
        (J::Null, _) => Ordering::Greater,
        (_, J::Null) => Ordering::Less,
        (J::Number(a), J::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()).unwrap_or(Ordering::Equal),
        (J::String(a), J::String(b)) => a.cmp(b),
        (a, b) => a.to_string().cmp(&b.to_string()),
    }
}

/// `d[k]` with `k` computed per row: an index into an array (negative from
/// the end) or a key of a bag.
pub fn dynamic_index(a: &[V], _: &mut Ctx) -> V {
    let key = match &a[1] {
        V::Long(n) => super::dynamic::PathElem::Index(*n),
        V::Str(s) => super::dynamic::PathElem::Key(s.clone()),
        V::Dyn(J::String(s)) => super::dynamic::PathElem::Key(s.clone()),
        V::Dyn(J::Number(n)) if n.is_i64() => super::dynamic::PathElem::Index(n.as_i64().unwrap_or(0)),
        _ => return V::Null,
    };
    match &a[0] {
        V::Dyn(j) => match super::dynamic::walk(j, std::slice::from_ref(&key)) {
            Some(v) if !v.is_null() => V::Dyn(v.clone()),
            _ => V::Null,
        },
        _ => V::Null,
    }
}
