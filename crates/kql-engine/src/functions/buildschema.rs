//! `buildschema(DynamicExpr)` (buildschema-aggregation-function.md): the
//! smallest schema admitting every value of a group. A property bag's
//! schema is a bag of its keys' schemas, an array's is `{"`indexer`": ...}`
//! of its elements', a number is `long` or `double`, a string `string`, a
//! bool `bool`; where a place holds values of several kinds its schema is
//! the list of them, in the order first seen. Nulls add nothing.

use serde_json::{Map, Value as J};

use super::rowwise::{Ctx, V};

/// The deepest nesting followed (serde_json parses at most 128 levels).
const MAX_DEPTH: usize = 128;

/// One kind of value a place holds.
enum Alt {
    Prim(&'static str),
    Bag(Vec<(String, Vec<Alt>)>),
    Array(Vec<Alt>),
}

/// Adds `v` to the alternatives `alts`; `false` past the depth budget.
fn add(alts: &mut Vec<Alt>, v: &J, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        J::Null => true,
        J::Bool(_) => prim(alts, "bool"),
        J::Number(n) => prim(alts, if n.is_f64() { "double" } else { "long" }),
        J::String(_) => prim(alts, "string"),
        J::Object(map) => {
            let bag = match alts.iter().position(|a| matches!(a, Alt::Bag(_))) {
                Some(i) => i,
                None => {
                    alts.push(Alt::Bag(Vec::new()));
                    alts.len() - 1
                }
            };
            let Some(Alt::Bag(keys)) = alts.get_mut(bag) else { return false };
            map.iter().all(|(k, item)| {
                let slot = match keys.iter().position(|(name, _)| name == k) {
                    Some(i) => i,
                    None => {
                        keys.push((k.clone(), Vec::new()));
                        keys.len() - 1
                    }
                };
                keys.get_mut(slot).is_some_and(|(_, inner)| add(inner, item, depth + 1))
            })
        }
        J::Array(items) => {
            let arr = match alts.iter().position(|a| matches!(a, Alt::Array(_))) {
                Some(i) => i,
                None => {
                    alts.push(Alt::Array(Vec::new()));
                    alts.len() - 1
                }
            };
            let Some(Alt::Array(inner)) = alts.get_mut(arr) else { return false };
            items.iter().all(|item| add(inner, item, depth + 1))
        }
    }
}

fn prim(alts: &mut Vec<Alt>, name: &'static str) -> bool {
    if !alts.iter().any(|a| matches!(a, Alt::Prim(p) if *p == name)) {
        alts.push(Alt::Prim(name));
    }
    true
}

fn render(alts: &[Alt]) -> J {
    let one = |a: &Alt| match a {
        Alt::Prim(p) => J::String((*p).to_string()),
        Alt::Bag(keys) => J::Object(keys.iter().map(|(k, inner)| (k.clone(), render(inner))).collect::<Map<_, _>>()),
        Alt::Array(inner) => {
            let mut m = Map::new();
            m.insert("`indexer`".to_string(), render(inner));
            J::Object(m)
        }
    };
    match alts {
        [] => J::Null,
        [a] => one(a),
        _ => J::Array(alts.iter().map(one).collect()),
    }
}

/// Finishes `buildschema` over a group's collected values (`array_agg`).
pub fn buildschema(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(values))) = a.first() else { return V::Null };
    let mut alts = Vec::new();
    if !values.iter().all(|v| add(&mut alts, v, 0)) {
        return V::Null;
    }
    match render(&alts) {
        J::Null => V::Null,
        j => V::Dyn(j),
    }
}
