//! H3 cells through the `h3o` crate: `geo_point_to_h3cell`,
//! `geo_h3cell_to_central_point`, `geo_h3cell_to_polygon`,
//! `geo_h3cell_level`, `geo_h3cell_parent`, `geo_h3cell_children`,
//! `geo_h3cell_neighbors`, `geo_h3cell_rings` (their docs pages).

use h3o::{CellIndex, LatLng, Resolution};

use super::{coord, point_json, polygon_json, strings_json, whole};
use crate::functions::rowwise::{Ctx, V};

/// The furthest ring `geo_h3cell_rings` computes (its docs page).
const MAX_RING: u32 = 142;
/// The most levels `geo_h3cell_children` descends (at most 7^5 cells).
const MAX_CHILD_DEPTH: u8 = 5;

/// A cell token argument.
fn cell(v: Option<&V>) -> Option<CellIndex> {
    v.map(V::str)?.parse().ok()
}

/// A resolution argument in 0..=15.
fn resolution(v: Option<&V>) -> Option<Resolution> {
    u8::try_from(whole(v)?).ok().and_then(|r| Resolution::try_from(r).ok())
}

fn token(c: CellIndex) -> String {
    c.to_string()
}

/// `geo_point_to_h3cell(lng, lat [, resolution])`: default resolution 6;
/// empty for an invalid coordinate or resolution.
pub fn geo_point_to_h3cell(a: &[V], _: &mut Ctx) -> V {
    let res = match a.get(2) {
        None => Some(Resolution::Six),
        v => resolution(v),
    };
    let (Some((x, y)), Some(res)) = (coord(a.first(), a.get(1)), res) else {
        return V::Str(String::new());
    };
    match LatLng::new(y, x) {
        Ok(ll) => V::Str(token(ll.to_cell(res))),
        Err(_) => V::Str(String::new()),
    }
}

/// `geo_h3cell_to_central_point(h3cell)`: the center as a GeoJSON point.
pub fn geo_h3cell_to_central_point(a: &[V], _: &mut Ctx) -> V {
    match cell(a.first()) {
        Some(c) => {
            let ll = LatLng::from(c);
            point_json(ll.lng(), ll.lat())
        }
        None => V::Null,
    }
}

/// `geo_h3cell_to_polygon(h3cell)`: the cell's boundary as a closed ring.
pub fn geo_h3cell_to_polygon(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    let boundary = c.boundary();
    let mut ring: Vec<(f64, f64)> = boundary.iter().map(|ll| (ll.lng(), ll.lat())).collect();
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    polygon_json(ring)
}

/// `geo_h3cell_level(h3cell)`: its resolution.
pub fn geo_h3cell_level(a: &[V], _: &mut Ctx) -> V {
    match cell(a.first()) {
        Some(c) => V::Long(i64::from(u8::from(c.resolution()))),
        None => V::Null,
    }
}

/// `geo_h3cell_parent(h3cell [, resolution])`: the parent one level up by
/// default; empty for an invalid cell or a resolution not above the cell's.
pub fn geo_h3cell_parent(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Str(String::new()) };
    let res = match a.get(1) {
        None => c.resolution().pred(),
        v => resolution(v).filter(|r| *r < c.resolution()),
    };
    match res.and_then(|r| c.parent(r)) {
        Some(p) => V::Str(token(p)),
        None => V::Str(String::new()),
    }
}

/// `geo_h3cell_children(h3cell [, resolution])`: the children one level
/// down by default; null for an invalid cell, a resolution not below the
/// cell's or more than five levels below it.
pub fn geo_h3cell_children(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    let level = u8::from(c.resolution());
    let res = match a.get(1) {
        None => c.resolution().succ(),
        v => resolution(v).filter(|r| {
            let r = u8::from(*r);
            r > level && r - level <= MAX_CHILD_DEPTH
        }),
    };
    match res {
        Some(r) => strings_json(c.children(r).map(token)),
        None => V::Null,
    }
}

/// The cells at grid distance 0..=k from `c`, grouped by distance.
fn rings(c: CellIndex, k: u32) -> Vec<Vec<String>> {
    let len = usize::try_from(k).unwrap_or(0).saturating_add(1);
    let mut out: Vec<Vec<String>> = vec![Vec::new(); len];
    for (cell, d) in c.grid_disk_distances::<Vec<_>>(k) {
        if let Some(ring) = usize::try_from(d).ok().and_then(|d| out.get_mut(d)) {
            ring.push(token(cell));
        }
    }
    out
}

/// `geo_h3cell_neighbors(h3cell)`: the cells around it.
pub fn geo_h3cell_neighbors(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    strings_json(rings(c, 1).into_iter().nth(1).unwrap_or_default())
}

/// `geo_h3cell_rings(h3cell, distance)`: rings 0..=distance (0..=142).
pub fn geo_h3cell_rings(a: &[V], _: &mut Ctx) -> V {
    let Some(c) = cell(a.first()) else { return V::Null };
    let Some(k) = whole(a.get(1)).and_then(|k| u32::try_from(k).ok()).filter(|k| *k <= MAX_RING) else {
        return V::Null;
    };
    let rings = rings(c, k)
        .into_iter()
        .map(|r| serde_json::Value::Array(r.into_iter().map(serde_json::Value::String).collect()));
    V::Dyn(serde_json::Value::Array(rings.collect()))
}
