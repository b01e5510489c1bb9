//! S2 cells through the `s2` crate: `geo_point_to_s2cell`,
//! `geo_s2cell_to_central_point`, `geo_s2cell_to_polygon`,
//! `geo_s2cell_neighbors` (their docs pages). A token is the cell id in hex
//! without its trailing zeros, at most 16 characters.

use s2::cellid::CellID;
use s2::latlng::LatLng;

use super::{coord, point_json, polygon_json, strings_json, whole};
use crate::functions::rowwise::{Ctx, V};

/// The deepest S2 level.
const MAX_LEVEL: u64 = 30;

/// A valid cell from its token.
fn cell(v: Option<&V>) -> Option<CellID> {
    let s = v.map(V::str)?;
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = CellID::from_token(s);
    id.is_valid().then_some(id)
}

/// `(longitude, latitude)` in degrees of an S2 point.
fn lng_lat(ll: LatLng) -> (f64, f64) {
    (ll.lng.deg(), ll.lat.deg())
}

/// `geo_point_to_s2cell(lng, lat [, level])`: level 0..30, default 11; empty
/// for an invalid coordinate or level.
pub fn geo_point_to_s2cell(a: &[V], _: &mut Ctx) -> V {
    let level = match a.get(2) {
        None => Some(11),
        v => whole(v).and_then(|n| u64::try_from(n).ok()).filter(|n| *n <= MAX_LEVEL),
    };
    let (Some((x, y)), Some(level)) = (coord(a.first(), a.get(1)), level) else {
        return V::Str(String::new());
    };
    let leaf = CellID::from(LatLng::from_degrees(y, x));
    V::Str(leaf.parent(level).to_token())
}

/// `geo_s2cell_to_central_point(s2cell)`: the center as a GeoJSON point.
pub fn geo_s2cell_to_central_point(a: &[V], _: &mut Ctx) -> V {
    match cell(a.first()) {
        Some(c) => {
            let (x, y) = lng_lat(LatLng::from(c));
            point_json(x, y)
        }
        None => V::Null,
    }
}

/// `geo_s2cell_to_polygon(s2cell)`: the four corners, closed.
pub fn geo_s2cell_to_polygon(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    let vertices = s2::cell::Cell::from(c).vertices();
    let mut ring: Vec<(f64, f64)> = vertices.iter().map(|p| lng_lat(LatLng::from(p))).collect();
    ring.rotate_left(RING_START);
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    polygon_json(ring)
}

/// The corner Kusto's rings start at (geo-s2cell-to-polygon-function.md).
const RING_START: usize = 0;

/// `geo_s2cell_neighbors(s2cell)`: the cells of its level that touch it,
/// each once.
pub fn geo_s2cell_neighbors(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    let mut out: Vec<String> = Vec::with_capacity(8);
    for n in c.all_neighbors(c.level()) {
        let t = n.to_token();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    strings_json(out)
}
