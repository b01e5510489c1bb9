//! `geo_from_wkt` (geo-from-wkt-function.md): well-known text, parsed by the
//! `wkt` crate, as GeoJSON. Invalid or unsupported text (empty shapes, Z or
//! M coordinates, coordinates out of range) gives null.

use std::str::FromStr;

use serde_json::{Value as J, json};
use wkt::Wkt;
use wkt::types::{Coord, Dimension, LineString, Polygon};

use super::real;
use crate::functions::rowwise::{Ctx, V};

/// The deepest nesting of parentheses accepted (the parser and the
/// conversion below recurse once per level of nested collections).
const MAX_NESTING: usize = 32;

/// Whether the parentheses of `s` nest at most [`MAX_NESTING`] deep.
fn shallow(s: &str) -> bool {
    let mut depth = 0usize;
    for b in s.bytes() {
        match b {
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return false;
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

fn coord(c: &Coord<f64>) -> Option<J> {
    let ok = c.z.is_none() && c.m.is_none() && (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
    ok.then(|| J::Array(vec![real(c.x), real(c.y)]))
}

fn line(l: &LineString<f64>) -> Option<J> {
    if l.coords().is_empty() {
        return None;
    }
    l.coords().iter().map(coord).collect::<Option<Vec<_>>>().map(J::Array)
}

fn polygon(p: &Polygon<f64>) -> Option<J> {
    if p.rings().is_empty() {
        return None;
    }
    p.rings().iter().map(line).collect::<Option<Vec<_>>>().map(J::Array)
}

/// Non-empty lists only.
fn non_empty(v: Vec<J>) -> Option<J> {
    (!v.is_empty()).then_some(J::Array(v))
}

/// The GeoJSON of one geometry (`depth` bounded by [`MAX_NESTING`]).
fn geojson(w: &Wkt<f64>, depth: usize) -> Option<J> {
    if w.dimension() != Dimension::XY || depth > MAX_NESTING {
        return None;
    }
    Some(match w {
        Wkt::Point(p) => json!({"type": "Point", "coordinates": coord(p.coord()?)?}),
        Wkt::LineString(l) => json!({"type": "LineString", "coordinates": line(l)?}),
        Wkt::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p)?}),
        Wkt::MultiPoint(m) => {
            let pts = m.points().iter().map(|p| coord(p.coord()?)).collect::<Option<Vec<_>>>()?;
            json!({"type": "MultiPoint", "coordinates": non_empty(pts)?})
        }
        Wkt::MultiLineString(m) => {
            let ls = m.line_strings().iter().map(line).collect::<Option<Vec<_>>>()?;
            json!({"type": "MultiLineString", "coordinates": non_empty(ls)?})
        }
        Wkt::MultiPolygon(m) => {
            let ps = m.polygons().iter().map(polygon).collect::<Option<Vec<_>>>()?;
            json!({"type": "MultiPolygon", "coordinates": non_empty(ps)?})
        }
        Wkt::GeometryCollection(g) => {
            let gs = g.geometries().iter().map(|w| geojson(w, depth + 1)).collect::<Option<Vec<_>>>()?;
            json!({"type": "GeometryCollection", "geometries": non_empty(gs)?})
        }
    })
}

/// `geo_from_wkt(wkt)`: the shape as GeoJSON, or null.
pub fn geo_from_wkt(a: &[V], _: &mut Ctx) -> V {
    let s = a.first().map(V::str).unwrap_or("");
    if !shallow(s) {
        return V::Null;
    }
    match Wkt::<f64>::from_str(s).ok().and_then(|w| geojson(&w, 0)) {
        Some(j) => V::Dyn(j),
        None => V::Null,
    }
}
