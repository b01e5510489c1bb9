//! The `geo_*` functions: points, geohash and H3 cells (one file per
//! group). Geo values are dynamic GeoJSON with longitude first; an invalid
//! coordinate, cell or parameter gives null (or an empty string where the
//! function returns a string), as each docs page says.

pub mod aeqd;
pub mod buffer;
pub mod buffer_shape;
pub mod cells_geohash;
pub mod cells_h3;
pub mod cells_s2;
pub mod densify;
pub mod from_wkt;
pub mod line_cells;
pub mod line_chains;
pub mod line_ops;
pub mod lines;
pub mod points;
pub mod polygon_boolean;
pub mod polygon_cells;
pub mod polygon_clip;
pub mod polygon_densify;
pub mod polygon_edges;
pub mod polygon_h3;
pub mod polygon_measures;
pub mod polygon_touch;
pub mod polygon_union;
pub mod polygons;
pub mod simplify;
pub mod simplify_shapes;
pub mod sphere;

use serde_json::{Value as J, json};

use super::math::num;
use super::rowwise::V;

/// The sphere Kusto measures on (the S2 library's Earth radius, in meters):
/// geo-distance-2points-function.md prints distances that match it exactly.
pub const EARTH_RADIUS_M: f64 = 6_371_010.0;

/// `(longitude, latitude)` from two arguments, if both are finite numbers
/// in range ([-180, 180] and [-90, 90]).
pub fn coord(lng: Option<&V>, lat: Option<&V>) -> Option<(f64, f64)> {
    let (x, y) = (num(lng?)?, num(lat?)?);
    ((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)).then_some((x, y))
}

/// One `[longitude, latitude]` position of GeoJSON.
pub fn position(j: &J) -> Option<(f64, f64)> {
    match j.as_array()?.as_slice() {
        [x, y] => coord(Some(&V::Dyn(x.clone())), Some(&V::Dyn(y.clone()))),
        _ => None,
    }
}

/// A whole-number argument (an `int` or `long`; null and others are `None`).
pub fn whole(v: Option<&V>) -> Option<i64> {
    match v? {
        V::Long(n) => Some(*n),
        V::Dyn(J::Number(n)) => n.as_i64(),
        _ => None,
    }
}

/// A real as JSON (a non-finite one is null).
pub fn real(x: f64) -> J {
    serde_json::Number::from_f64(x).map(J::Number).unwrap_or(J::Null)
}

/// A GeoJSON point.
pub fn point_json(lng: f64, lat: f64) -> V {
    V::Dyn(json!({"type": "Point", "coordinates": [real(lng), real(lat)]}))
}

/// A GeoJSON polygon of one ring, given as `(longitude, latitude)` pairs
/// (closed by the caller).
pub fn polygon_json(ring: impl IntoIterator<Item = (f64, f64)>) -> V {
    let ring: Vec<J> = ring.into_iter().map(|(x, y)| J::Array(vec![real(x), real(y)])).collect();
    V::Dyn(json!({"type": "Polygon", "coordinates": [ring]}))
}

/// A JSON array of strings.
pub fn strings_json(items: impl IntoIterator<Item = String>) -> V {
    V::Dyn(J::Array(items.into_iter().map(J::String).collect()))
}
