//! Predicates and measures over polygons (their docs pages):
//! `geo_point_in_polygon`, `geo_polygon_area`, `geo_polygon_perimeter`,
//! `geo_polygon_centroid`, `geo_distance_point_to_polygon`,
//! `geo_closest_point_on_polygon`, `geo_intersects_2polygons`,
//! `geo_intersects_line_with_polygon`.
//!
//! A multipolygon's measures are those of the union of its polygons: the
//! sums over its polygons when those are apart, else measured on the
//! union's border (`polygon_union`), null where that is not built (borders
//! that share a vertex or touch without crossing).

use s2::edge_crossings::{Crossing, EdgeCrosser, robust_cross_prod};
use s2::latlng::LatLng;
use s2::point::Point;
use s2::r3::vector::Vector;

use super::lines::lines;
use super::polygon_edges::MAX_PAIR_TESTS;
use super::polygon_union::union;
use super::polygons::{Shape, centroid_integral, shape, signed_area};
use super::{EARTH_RADIUS_M, coord, point_json, sphere};
use crate::functions::rowwise::{Ctx, V};

fn real(x: f64) -> V {
    if x.is_finite() { V::Real(x) } else { V::Null }
}

/// `geo_point_in_polygon(lng, lat, polygon)`.
pub fn geo_point_in_polygon(a: &[V], _: &mut Ctx) -> V {
    match (coord(a.first(), a.get(1)), shape(a.get(2))) {
        (Some(p), Some(s)) => V::Bool(s.contains(&sphere::point(p))),
        _ => V::Null,
    }
}

/// `geo_polygon_area(polygon)`: square meters on the sphere.
pub fn geo_polygon_area(a: &[V], _: &mut Ctx) -> V {
    let Some(s) = shape(a.first()) else { return V::Null };
    let sr: f64 = if s.disjoint() == Some(true) {
        s.polygons.iter().map(|p| p.area()).sum()
    } else {
        match union(&s) {
            Some(u) => u.loops.iter().map(|l| signed_area(l)).sum(),
            None => return V::Null,
        }
    };
    real(sr * EARTH_RADIUS_M * EARTH_RADIUS_M)
}

/// `geo_polygon_perimeter(polygon)`: meters, every ring of the union
/// counted.
pub fn geo_polygon_perimeter(a: &[V], _: &mut Ctx) -> V {
    let Some(s) = shape(a.first()) else { return V::Null };
    let rad: f64 = if s.disjoint() == Some(true) {
        s.polygons.iter().flat_map(|p| p.rings.iter()).map(|r| r.length()).sum()
    } else {
        match union(&s) {
            Some(u) => u.loops.iter().map(|l| loop_length(l)).sum(),
            None => return V::Null,
        }
    };
    real(rad * EARTH_RADIUS_M)
}

fn loop_length(l: &[Point]) -> f64 {
    l.iter().zip(l.iter().cycle().skip(1)).map(|(a, b)| a.distance(b).rad()).sum()
}

/// The GeoJSON point of a direction.
fn point_of(v: Vector) -> V {
    let n2 = v.norm2();
    if !n2.is_finite() || n2 <= 0.0 {
        return V::Null;
    }
    let ll = LatLng::from(Point(v.normalize()));
    point_json(ll.lng.deg(), ll.lat.deg())
}

/// `geo_polygon_centroid(polygon)`: S2's true centroid of the area (of the
/// union for a multipolygon).
pub fn geo_polygon_centroid(a: &[V], _: &mut Ctx) -> V {
    let Some(s) = shape(a.first()) else { return V::Null };
    let zero = Vector { x: 0.0, y: 0.0, z: 0.0 };
    if s.disjoint() == Some(true) {
        return point_of(s.polygons.iter().fold(zero, |acc, p| acc + p.centroid()));
    }
    match union(&s) {
        Some(u) => point_of(u.loops.iter().fold(zero, |acc, l| acc + centroid_integral(l))),
        None => V::Null,
    }
}

/// `geo_distance_point_to_polygon(lng, lat, polygon)`: 0 inside, else
/// meters to the nearest edge.
pub fn geo_distance_point_to_polygon(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(s)) = (coord(a.first(), a.get(1)), shape(a.get(2))) else { return V::Null };
    let x = sphere::point(p);
    if s.contains(&x) {
        return V::Real(0.0);
    }
    match s.nearest_edge(&x) {
        Some((_, u, v)) => real(x.distance(&project(&x, &u, &v)).rad() * EARTH_RADIUS_M),
        None => V::Null,
    }
}

/// The point of edge `ab` closest to `x` (S2's projection onto an edge).
fn project(x: &Point, a: &Point, b: &Point) -> Point {
    let n = robust_cross_prod(a, b).0;
    let n2 = n.norm2();
    if n2 > 0.0 {
        let p = x.0 - n * (x.0.dot(&n) / n2);
        let ccw = |u: &Vector, v: &Vector, w: &Vector| w.cross(u).dot(v) > 0.0;
        if ccw(&n, &a.0, &p) && ccw(&p, &b.0, &n) {
            return Point(p.normalize());
        }
    }
    if (x.0 - a.0).norm2() <= (x.0 - b.0).norm2() { *a } else { *b }
}

/// `geo_closest_point_on_polygon(lng, lat, polygon)`: the point itself when
/// inside, else the nearest point of the boundary.
pub fn geo_closest_point_on_polygon(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(s)) = (coord(a.first(), a.get(1)), shape(a.get(2))) else { return V::Null };
    let x = sphere::point(p);
    if s.contains(&x) {
        return point_json(p.0, p.1);
    }
    match s.nearest_edge(&x) {
        Some((_, u, v)) => point_of(project(&x, &u, &v).0),
        None => V::Null,
    }
}

/// Whether any vertex of `a` lies in `b` (one vertex of each ring of `a`
/// suffices once no edges touch).
fn vertex_inside(a: &Shape, b: &Shape) -> bool {
    a.polygons.iter().flat_map(|p| p.rings.iter()).filter_map(|r| r.pts.first()).any(|v| b.contains(v))
}

/// `geo_intersects_2polygons(polygon1, polygon2)`: whether they share any
/// point, borders included.
pub fn geo_intersects_2polygons(a: &[V], _: &mut Ctx) -> V {
    let (Some(s), Some(t)) = (shape(a.first()), shape(a.get(1))) else { return V::Null };
    match s.border_touches(&t) {
        Some(touching) => V::Bool(touching || vertex_inside(&s, &t) || vertex_inside(&t, &s)),
        None => V::Null,
    }
}

/// Whether testing every edge of the lines against every edge of the
/// shape stays within [`MAX_PAIR_TESTS`] (past it: null).
pub fn within_budget(ls: &[Vec<(f64, f64)>], s: &Shape) -> bool {
    let line_edges = ls.iter().map(|l| l.len().saturating_sub(1)).fold(0, usize::saturating_add);
    line_edges.saturating_mul(s.edge_count()) <= MAX_PAIR_TESTS
}

/// `geo_intersects_line_with_polygon(line, polygon)`: whether an edge of
/// the line crosses the polygon's border or a vertex of the line lies in
/// the polygon.
pub fn geo_intersects_line_with_polygon(a: &[V], _: &mut Ctx) -> V {
    let (Some(ls), Some(s)) = (lines(a.first()), shape(a.get(1))) else { return V::Null };
    if !within_budget(&ls, &s) {
        return V::Null;
    }
    let pts: Vec<Vec<Point>> = ls.iter().map(|l| l.iter().map(|p| sphere::point(*p)).collect()).collect();
    let inside = pts.iter().flatten().any(|p| s.contains(p));
    let crossing = pts.iter().any(|l| {
        l.windows(2).any(|w| match w {
            [p, q] => {
                let mut crosser = EdgeCrosser::new(p, q);
                s.edges().any(|(u, v)| crosser.crossing_sign(u, v) == Crossing::Cross)
            }
            _ => false,
        })
    });
    V::Bool(inside || crossing)
}
