//! Lines against lines and points on the sphere, edges being great-circle
//! arcs as on their docs pages: `geo_intersects_2lines`,
//! `geo_intersection_2lines`, `geo_closest_point_on_line`,
//! `geo_line_locate_point`, `geo_union_lines_array`.

use std::collections::HashSet;

use s2::edge_crossings::{Crossing, crossing_sign, get_intersection};
use s2::edgeutil::distance_from_segment;
use s2::latlng::LatLng;
use s2::point::Point;
use serde_json::{Value as J, json};

use super::line_chains::{
    Edge, MAX_EDGE_PAIRS, Pos, chains, edges, lines_json, partial_overlap, points_json, union_edges,
};
use super::lines::lines;
use super::sphere::{self, on_circle_of, point};
use super::{coord, point_json};
use crate::functions::rowwise::{Ctx, V};

/// Where two edges meet: nowhere, at a point, or along the whole edge.
enum Meet {
    None,
    Point(Pos),
    Edge,
}

fn lng_lat(p: Point) -> Pos {
    let ll = LatLng::from(p);
    (ll.lng.deg(), ll.lat.deg())
}

/// A vertex of one edge that lies on the other (they touch there).
fn touching(e: &Edge, f: &Edge) -> Option<Pos> {
    [(f.a, &f.pa, e), (f.b, &f.pb, e), (e.a, &e.pa, f), (e.b, &e.pb, f)]
        .into_iter()
        .find(|(_, x, g)| g.holds(x))
        .map(|(p, _, _)| p)
}

/// How the edges `e` and `f` meet; `None` when they share part of a
/// stretch of one great circle without being the same edge. Edges on one
/// great circle are settled here, never by S2's crossing test, whose
/// symbolic tie-breaking could call them crossing.
fn meet(e: &Edge, f: &Edge) -> Option<Meet> {
    if e.same(f) {
        return Some(Meet::Edge);
    }
    let shared = || [(e.a, &e.pa), (e.b, &e.pb)].into_iter().find(|(_, p)| **p == f.pa || **p == f.pb).map(|(v, _)| v);
    if on_circle_of(&e.pa, &e.pb, &f.pa) && on_circle_of(&e.pa, &e.pb, &f.pb) {
        if partial_overlap(e, f) {
            return None;
        }
        return Some(shared().or_else(|| touching(e, f)).map_or(Meet::None, Meet::Point));
    }
    Some(match crossing_sign(&e.pa, &e.pb, &f.pa, &f.pb) {
        Crossing::Cross => Meet::Point(lng_lat(get_intersection(&e.pa, &e.pb, &f.pa, &f.pb))),
        Crossing::MaybeCross => shared().map_or(Meet::None, Meet::Point),
        Crossing::DoNotCross => touching(e, f).map_or(Meet::None, Meet::Point),
    })
}

/// The edges of two line arguments, if both are valid lines and the pairs
/// to compare are within [`MAX_EDGE_PAIRS`].
fn two_lines(a: &[V]) -> Option<(Vec<Edge>, Vec<Edge>)> {
    let (l1, l2) = (lines(a.first())?, lines(a.get(1))?);
    let (e1, e2) = (edges(&l1), edges(&l2));
    (e1.len().checked_mul(e2.len())? <= MAX_EDGE_PAIRS).then_some((e1, e2))
}

/// `geo_intersects_2lines(line1, line2)` (geo-intersects-2lines-function.md):
/// whether the lines share a point. Null for an invalid line and past
/// [`MAX_EDGE_PAIRS`] pairs of edges.
pub fn geo_intersects_2lines(a: &[V], _: &mut Ctx) -> V {
    let Some((e1, e2)) = two_lines(a) else { return V::Null };
    let hit = e1.iter().any(|e| {
        e2.iter().any(|f| crossing_sign(&e.pa, &e.pb, &f.pa, &f.pb) != Crossing::DoNotCross || touching(e, f).is_some())
    });
    V::Bool(hit)
}

/// At most this many points come out of an intersection of lines; past
/// it the result is null.
const MAX_POINTS: usize = 1 << 16;

/// `geo_intersection_2lines(line1, line2)`
/// (geo-intersection-2lines-function.md): the shared edges as a line or
/// multiline, the crossing and touching points as a point or multipoint,
/// both as a GeometryCollection (points first), or an empty
/// GeometryCollection. Null for an invalid line, past [`MAX_EDGE_PAIRS`]
/// pairs of edges or [`MAX_POINTS`] points, and when two edges share only
/// part of a stretch (that stretch is not split out).
pub fn geo_intersection_2lines(a: &[V], _: &mut Ctx) -> V {
    let Some((e1, e2)) = two_lines(a) else { return V::Null };
    let mut shared: Vec<Edge> = Vec::new();
    let mut points: Vec<Pos> = Vec::new();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    for e in &e1 {
        for f in &e2 {
            match meet(e, f) {
                None => return V::Null,
                Some(Meet::Edge) => shared.push(*e),
                Some(Meet::Point(p)) => {
                    if seen.insert(((p.0 + 0.0).to_bits(), (p.1 + 0.0).to_bits())) {
                        points.push(p);
                    }
                    if points.len() > MAX_POINTS {
                        return V::Null;
                    }
                }
                Some(Meet::None) => {}
            }
        }
    }
    if points.len().saturating_mul(shared.len()) > MAX_EDGE_PAIRS {
        return V::Null;
    }
    // A point on a shared edge is part of that line.
    points.retain(|&p| {
        let x = point(p);
        !shared.iter().any(|e| p == e.a || p == e.b || e.holds(&x))
    });
    let ls = chains(&shared);
    let j = match (points.is_empty(), ls.is_empty()) {
        (true, true) => json!({"type": "GeometryCollection", "geometries": []}),
        (false, true) => points_json(&points),
        (true, false) => lines_json(&ls),
        (false, false) => json!({"type": "GeometryCollection", "geometries": [points_json(&points), lines_json(&ls)]}),
    };
    V::Dyn(j)
}

/// The closest point to `x` on lines: the index of its line, of the edge
/// in that line, and the point (the first edge at the least distance).
fn closest(x: &Point, ls: &[Vec<Pos>]) -> Option<(usize, usize, Point)> {
    let mut best: Option<(f64, usize, usize)> = None;
    for (li, l) in ls.iter().enumerate() {
        for (ei, w) in l.windows(2).enumerate() {
            if let [u, v] = w {
                let d = distance_from_segment(x, &point(*u), &point(*v)).rad();
                if best.is_none_or(|(b, _, _)| d < b) {
                    best = Some((d, li, ei));
                }
            }
        }
    }
    let (_, li, ei) = best?;
    let l = ls.get(li)?;
    let (u, v) = (point(*l.get(ei)?), point(*l.get(ei + 1)?));
    Some((li, ei, sphere::project(x, &u, &v)))
}

/// `geo_closest_point_on_line(lng, lat, line)`
/// (geo-closest-point-on-line-function.md): the point of a line or
/// multiline nearest to the point, by S2's projection onto the nearest
/// edge; a vertex is given as written.
pub fn geo_closest_point_on_line(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(ls)) = (coord(a.first(), a.get(1)), lines(a.get(2))) else { return V::Null };
    let Some((li, ei, c)) = closest(&point(p), &ls) else { return V::Null };
    let vertex = ls.get(li).and_then(|l| l.get(ei..ei + 2)).and_then(|w| w.iter().find(|v| point(**v) == c));
    let (x, y) = vertex.copied().unwrap_or_else(|| lng_lat(c));
    point_json(x, y)
}

/// `geo_line_locate_point(line, lng, lat [, use_spheroid])`
/// (geo-line-locate-point-function.md): the fraction of a LineString's
/// length from its start to the point of it nearest to the given point,
/// on the sphere. Binding refuses `use_spheroid` other than a constant
/// `false` (the spheroid's geodesics are not built).
pub fn geo_line_locate_point(a: &[V], _: &mut Ctx) -> V {
    let is_line = matches!(a.first(), Some(V::Dyn(j)) if j.get("type").and_then(J::as_str) == Some("LineString"));
    let (Some(ls), Some(p), true) = (lines(a.first()), coord(a.get(1), a.get(2)), is_line) else { return V::Null };
    match a.get(3) {
        None | Some(V::Bool(false)) => {}
        _ => return V::Null,
    }
    let Some((_, ei, c)) = closest(&point(p), &ls) else { return V::Null };
    let Some(l) = ls.first() else { return V::Null };
    let pts: Vec<Point> = l.iter().map(|v| point(*v)).collect();
    let len = |w: &[Point]| if let [u, v] = w { u.distance(v).rad() } else { 0.0 };
    let total: f64 = pts.windows(2).map(len).sum();
    let before: f64 = pts.windows(2).take(ei).map(len).sum();
    let Some(start) = pts.get(ei) else { return V::Null };
    let along = before + start.distance(&c).rad();
    if total.is_nan() || total <= 0.0 {
        return V::Null;
    }
    V::Real((along / total).min(1.0))
}

/// `geo_union_lines_array(lines)` (geo-union-lines-array-function.md): the
/// union of an array of lines and multilines, each edge once (an edge and
/// its reverse are one), as a LineString or MultiLineString of the chains
/// of those edges. Null for an invalid or empty array, an invalid line,
/// when edges share part of a stretch without being the same edge (not
/// split out), and past [`MAX_EDGE_PAIRS`] pairs of edges.
pub fn geo_union_lines_array(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    let mut all = Vec::new();
    for item in items {
        let Some(ls) = lines(Some(&V::Dyn(item.clone()))) else { return V::Null };
        all.extend(ls);
    }
    match union_edges(&all) {
        Some(union) if !union.is_empty() => V::Dyn(lines_json(&chains(&union))),
        _ => V::Null,
    }
}
