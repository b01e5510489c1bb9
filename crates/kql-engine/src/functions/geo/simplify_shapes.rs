//! `geo_line_simplify(line [, tolerance])`, `geo_polygon_simplify(polygon
//! [, tolerance])` and `geo_simplify_polygons_array(polygons [,
//! tolerance])` (their docs pages), by [`super::simplify`]. The tolerance
//! is in meters, 10 when not given, in [0, ~7,800,000] as the line and
//! array pages say (the polygon page's [0.1, 10000] contradicts its own
//! example of a 1,000,000-meter tolerance that makes a polygon disappear).
//! A shape that disappears is left out; null when all do. Several lines
//! become their union before simplifying (shared edges once, chains cut at
//! junctions, which stay); several polygons their union too: a
//! multipolygon's before simplifying, an array's after (their shared
//! borders simplified alike). A result that is no
//! valid polygon (a simplified ring crossing another) is null.

use serde_json::{Value as J, json};

use super::line_chains::{chains, union_edges};
use super::lines::lines;
use super::polygon_boolean::geo_union_polygons_array;
use super::polygons::{RawPolygon, raw_polygons, shape};
use super::real;
use super::simplify::{MAX_TOLERANCE_M, Pos, simplify_line, simplify_rings};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The tolerance argument: 10 by default, else in [0, MAX_TOLERANCE_M].
fn tolerance(v: Option<&V>) -> Option<f64> {
    match v {
        None | Some(V::Null) => Some(10.0),
        Some(v) => num(v).filter(|t| (0.0..=MAX_TOLERANCE_M).contains(t)),
    }
}

fn positions(pts: &[Pos]) -> J {
    J::Array(pts.iter().map(|(x, y)| J::Array(vec![real(*x), real(*y)])).collect())
}

fn closed(ring: &[Pos]) -> J {
    let mut pts = ring.to_vec();
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    positions(&pts)
}

/// Polygons as GeoJSON: one a Polygon, more a MultiPolygon.
fn polygons_json(polys: &[RawPolygon]) -> Option<J> {
    let each: Vec<J> = polys.iter().map(|p| J::Array(p.iter().map(|r| closed(r)).collect())).collect();
    match each.as_slice() {
        [] => None,
        [one] => Some(json!({"type": "Polygon", "coordinates": one})),
        _ => Some(json!({"type": "MultiPolygon", "coordinates": each})),
    }
}

/// The polygons simplified together; those whose shell disappears are left
/// out, as are holes that disappear.
fn simplify_polygons(polys: &[RawPolygon], tol: f64) -> Vec<RawPolygon> {
    let rings: Vec<Vec<Pos>> = polys.iter().flatten().cloned().collect();
    let mut simple = simplify_rings(&rings, tol).into_iter();
    let mut out = Vec::new();
    for p in polys {
        let mine: Vec<Option<Vec<Pos>>> = simple.by_ref().take(p.len()).collect();
        let mut it = mine.into_iter();
        if let Some(Some(shell)) = it.next() {
            let mut poly = vec![shell];
            poly.extend(it.flatten());
            out.push(poly);
        }
    }
    out
}

/// A valid polygon result, else null.
fn checked(j: Option<J>) -> V {
    match j.map(V::Dyn) {
        Some(v) if shape(Some(&v)).is_some() => v,
        _ => V::Null,
    }
}

/// `geo_line_simplify(line [, tolerance])`.
pub fn geo_line_simplify(a: &[V], _: &mut Ctx) -> V {
    let (Some(mut ls), Some(tol)) = (lines(a.first()), tolerance(a.get(1))) else { return V::Null };
    if ls.len() > 1 {
        // The lines' union: shared edges once, chains cut at junctions
        // (kept, as chain ends are).
        match union_edges(&ls) {
            Some(union) => ls = chains(&union),
            None => return V::Null,
        }
    }
    let kept: Vec<Vec<Pos>> = ls.iter().filter_map(|l| simplify_line(l, tol)).collect();
    match kept.as_slice() {
        [] => V::Null,
        [one] => V::Dyn(json!({"type": "LineString", "coordinates": positions(one)})),
        _ => V::Dyn(
            json!({"type": "MultiLineString", "coordinates": kept.iter().map(|l| positions(l)).collect::<Vec<_>>()}),
        ),
    }
}

/// `geo_polygon_simplify(polygon [, tolerance])`.
pub fn geo_polygon_simplify(a: &[V], ctx: &mut Ctx) -> V {
    let Some(tol) = tolerance(a.get(1)) else { return V::Null };
    if shape(a.first()).is_none() {
        return V::Null;
    }
    let Some(mut polys) = raw_polygons(a.first()) else { return V::Null };
    if polys.len() > 1 {
        let Some(V::Dyn(input)) = a.first() else { return V::Null };
        let union = geo_union_polygons_array(&[V::Dyn(J::Array(vec![input.clone()]))], ctx);
        match raw_polygons(Some(&union)) {
            Some(u) => polys = u,
            None => return V::Null,
        }
    }
    checked(polygons_json(&simplify_polygons(&polys, tol)))
}

/// `geo_simplify_polygons_array(polygons [, tolerance])`: the polygons and
/// multipolygons of the array simplified together, then their union.
pub fn geo_simplify_polygons_array(a: &[V], ctx: &mut Ctx) -> V {
    let (Some(V::Dyn(J::Array(items))), Some(tol)) = (a.first(), tolerance(a.get(1))) else { return V::Null };
    let mut polys: Vec<RawPolygon> = Vec::new();
    for item in items {
        let v = V::Dyn(item.clone());
        match (shape(Some(&v)), raw_polygons(Some(&v))) {
            (Some(_), Some(p)) => polys.extend(p),
            _ => return V::Null,
        }
    }
    let simple = simplify_polygons(&polys, tol);
    if simple.is_empty() {
        return V::Null;
    }
    let mut each = Vec::with_capacity(simple.len());
    for p in &simple {
        match polygons_json(std::slice::from_ref(p)) {
            Some(j) if shape(Some(&V::Dyn(j.clone()))).is_some() => each.push(j),
            _ => return V::Null,
        }
    }
    geo_union_polygons_array(&[V::Dyn(J::Array(each))], ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dynamic(s: &str) -> V {
        V::Dyn(serde_json::from_str(s).unwrap())
    }

    fn call(f: fn(&[V], &mut Ctx) -> V, args: &[V]) -> V {
        f(args, &mut Ctx::default())
    }

    #[test]
    fn hostile_input_is_null() {
        for f in [geo_line_simplify as fn(&[V], &mut Ctx) -> V, geo_polygon_simplify, geo_simplify_polygons_array] {
            for arg in [
                V::Null,
                dynamic("{}"),
                dynamic(r#"{"type":"LineString","coordinates":[[1,1]]}"#),
                dynamic(r#"{"type":"Polygon","coordinates":[[[5,48],[5,48]]]}"#),
                dynamic(r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[0,1],[0,0]]]}"#),
                dynamic("[]"),
                V::Real(f64::NAN),
            ] {
                assert!(matches!(call(f, std::slice::from_ref(&arg)), V::Null), "{arg:?}");
            }
        }
        let line = dynamic(r#"{"type":"LineString","coordinates":[[1,1],[2,2]]}"#);
        for tol in [V::Real(-1.0), V::Real(f64::NAN), V::Real(1e9), V::Str("x".into())] {
            assert!(matches!(call(geo_line_simplify, &[line.clone(), tol.clone()]), V::Null), "{tol:?}");
        }
    }

    #[test]
    fn a_multiline_is_simplified_as_its_union() {
        // Two lines sharing their first edge: once in the union, so the
        // result is the shared stretch and the two branches from its end.
        let ml = dynamic(
            r#"{"type":"MultiLineString","coordinates":[[[0,0],[0.001,0],[0.002,0.000001],[0.003,0]],[[0,0],[0.001,0],[0.001,0.003]]]}"#,
        );
        let V::Dyn(j) = call(geo_line_simplify, &[ml, V::Real(10.0)]) else { panic!() };
        assert_eq!(j["type"], "MultiLineString");
        let lines = j["coordinates"].as_array().unwrap();
        assert_eq!(lines.len(), 3, "{j}");
        assert!(lines.iter().all(|l| l.as_array().map(Vec::len) == Some(2)), "{j}");
    }

    #[test]
    fn a_square_with_a_bump_loses_the_bump() {
        let sq = dynamic(
            r#"{"type":"Polygon","coordinates":[[[0,0],[0.5,0.000001],[1,0],[1,1],[0,1],[0,0]],[[0.2,0.2],[0.2,0.4],[0.4,0.4],[0.4,0.2],[0.2,0.2]]]}"#,
        );
        let V::Dyn(j) = call(geo_polygon_simplify, &[sq, V::Real(100.0)]) else { panic!() };
        assert_eq!(j["coordinates"][0].as_array().map(Vec::len), Some(5));
        assert_eq!(j["coordinates"][1].as_array().map(Vec::len), Some(5));
    }

    #[test]
    fn ten_thousand_vertices_and_the_antimeridian() {
        let coords: Vec<String> = (0..10_000)
            .map(|i| {
                let x = 179.0 + i as f64 * 0.0002;
                let x = if x > 180.0 { x - 360.0 } else { x };
                format!("[{x},{}]", (i % 3) as f64 * 1e-7)
            })
            .collect();
        let line = dynamic(&format!(r#"{{"type":"LineString","coordinates":[{}]}}"#, coords.join(",")));
        let V::Dyn(j) = call(geo_line_simplify, &[line, V::Real(10.0)]) else { panic!() };
        assert_eq!(j["coordinates"].as_array().map(Vec::len), Some(2));
    }
}
