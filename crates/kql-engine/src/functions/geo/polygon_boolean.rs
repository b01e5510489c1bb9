//! `geo_union_polygons_array(polygons)` (geo-union-polygons-array-function.md)
//! and `geo_intersection_2polygons(polygon1, polygon2)`
//! (geo-intersection-2polygons-function.md), from the borders
//! `polygon_union` builds: loops around the region (counterclockwise) are
//! shells, loops around a hole (clockwise) go with the shell that contains
//! them. One shell is a Polygon, several a MultiPolygon; an empty
//! intersection is an empty GeometryCollection. An intersection whose
//! borders also meet at shared vertices is taken polygon by polygon
//! (`polygon_touch`); other contacts (a vertex on an edge) are not built:
//! null.

use std::collections::HashMap;

use s2::latlng::LatLng;
use s2::point::Point;
use serde_json::{Value as J, json};

use super::polygon_touch::common;
use super::polygon_union::{Union, intersection, union};
use super::polygons::{Ring, Shape, raw_polygons, shape, signed_area};
use super::{real, sphere};
use crate::functions::rowwise::{Ctx, V};

/// The most polygons `geo_union_polygons_array` takes.
const MAX_POLYGONS: usize = 10_000;

fn ring_json(pts: &[Point]) -> J {
    let mut out: Vec<J> = pts
        .iter()
        .map(|p| {
            let ll = LatLng::from(*p);
            json!([real(ll.lng.deg()), real(ll.lat.deg())])
        })
        .collect();
    if let Some(first) = out.first().cloned() {
        out.push(first);
    }
    J::Array(out)
}

/// The GeoJSON of a border: shells with their holes; `None` for a hole
/// no shell contains.
fn geometry(u: Union) -> Option<J> {
    let (shells, holes): (Vec<Vec<Point>>, Vec<Vec<Point>>) = u.loops.into_iter().partition(|l| signed_area(l) > 0.0);
    let regions: Vec<Ring> = shells.iter().map(|l| Ring::from_points(l.clone())).collect::<Option<_>>()?;
    let mut polygons: Vec<Vec<J>> = shells.iter().map(|l| vec![ring_json(l)]).collect();
    for h in &holes {
        let v = h.first()?;
        let k = regions.iter().position(|r| r.contains(v))?;
        polygons.get_mut(k)?.push(ring_json(h));
    }
    Some(match polygons.len() {
        0 => json!({"type": "GeometryCollection", "geometries": []}),
        1 => json!({"type": "Polygon", "coordinates": polygons.pop()?}),
        _ => json!({"type": "MultiPolygon", "coordinates": polygons}),
    })
}

/// `geo_union_polygons_array(polygons)`: an array of polygons and
/// multipolygons; null if any is invalid.
pub fn geo_union_polygons_array(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    if items.is_empty() || items.len() > MAX_POLYGONS {
        return V::Null;
    }
    let mut all = Shape { polygons: Vec::new() };
    for item in items {
        match shape(Some(&V::Dyn(item.clone()))) {
            Some(s) => all.polygons.extend(s.polygons),
            None => return V::Null,
        }
    }
    union(&all).and_then(geometry).map_or(V::Null, V::Dyn)
}

/// `geo_intersection_2polygons(polygon1, polygon2)`: where borders meet
/// at shared vertices too, taken pair of polygons by pair
/// ([`common`]): the points where polygons only touch, with the common
/// area, as a Point or MultiPoint, or a GeometryCollection of those points
/// and the area's Polygon or MultiPolygon.
pub fn geo_intersection_2polygons(a: &[V], _: &mut Ctx) -> V {
    let (Some(s), Some(t)) = (shape(a.first()), shape(a.get(1))) else { return V::Null };
    if let Some(u) = intersection(&s, &t) {
        return geometry(u).map_or(V::Null, V::Dyn);
    }
    let Some(c) = common(&s, &t) else { return V::Null };
    let Some(area) = geometry(Union { loops: c.loops }) else { return V::Null };
    // The shared vertices as the input wrote them.
    let given: HashMap<[u64; 3], (f64, f64)> = [a.first(), a.get(1)]
        .into_iter()
        .filter_map(raw_polygons)
        .flatten()
        .flatten()
        .flatten()
        .map(|p| (key(&sphere::point(p)), p))
        .collect();
    let points: Vec<J> = c
        .points
        .iter()
        .map(|p| {
            let (x, y) = given.get(&key(p)).copied().unwrap_or_else(|| {
                let ll = LatLng::from(*p);
                (ll.lng.deg(), ll.lat.deg())
            });
            json!([real(x), real(y)])
        })
        .collect();
    let points = match points.as_slice() {
        [] => None,
        [one] => Some(json!({"type": "Point", "coordinates": one})),
        _ => Some(json!({"type": "MultiPoint", "coordinates": points})),
    };
    let empty = area.get("type").and_then(J::as_str) == Some("GeometryCollection");
    V::Dyn(match (points, empty) {
        (None, _) => area,
        (Some(p), true) => p,
        (Some(p), false) => json!({"type": "GeometryCollection", "geometries": [p, area]}),
    })
}

fn key(p: &Point) -> [u64; 3] {
    [p.0.x.to_bits(), p.0.y.to_bits(), p.0.z.to_bits()]
}
