//! Lines on the sphere: `geo_line_length`, `geo_distance_point_to_line`,
//! `geo_line_interpolate_point`, `geo_line_centroid` (their docs pages).
//! Edges are great-circle arcs; a line needs two vertices and no edge of
//! 180 degrees.

use s2::edgeutil::{distance_from_segment, interpolate_at_distance};
use s2::latlng::LatLng;
use s2::point::Point;
use s2::r3::vector::Vector;
use s2::s1::angle::{Angle, Rad};
use serde_json::Value as J;

use super::line_chains::{edges, union_edges};
use super::sphere::distance as sphere_distance;
use super::{EARTH_RADIUS_M, coord, point_json, position, sphere};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The vertices of a line: at least two valid positions, no antipodal edge.
fn line(j: &J) -> Option<Vec<(f64, f64)>> {
    let pts = j.as_array()?.iter().map(position).collect::<Option<Vec<_>>>()?;
    let ok = pts.len() >= 2 && pts.windows(2).all(|w| matches!(w, [a, b] if !sphere::antipodal(*a, *b)));
    ok.then_some(pts)
}

/// The lines of a GeoJSON LineString or MultiLineString.
pub fn lines(v: Option<&V>) -> Option<Vec<Vec<(f64, f64)>>> {
    let V::Dyn(j) = v? else { return None };
    let coords = j.get("coordinates")?;
    match j.get("type")?.as_str()? {
        "LineString" => Some(vec![line(coords)?]),
        "MultiLineString" => {
            let ls = coords.as_array()?.iter().map(line).collect::<Option<Vec<_>>>()?;
            (!ls.is_empty()).then_some(ls)
        }
        _ => None,
    }
}

fn length(l: &[(f64, f64)]) -> f64 {
    l.windows(2).map(|w| if let [a, b] = w { sphere_distance(*a, *b) } else { 0.0 }).sum()
}

/// `geo_line_length(line)`: meters on the sphere. The length of a
/// MultiLineString of several lines is that of their union: an edge
/// repeated (either way round) counts once; edges that share only part of
/// a stretch are not split here, so that case is null rather than a sum
/// that counts the shared stretch twice (as past `MAX_EDGE_PAIRS` pairs of
/// edges).
pub fn geo_line_length(a: &[V], _: &mut Ctx) -> V {
    let Some(ls) = lines(a.first()) else { return V::Null };
    let total: f64 = if ls.len() > 1 {
        let Some(union) = union_edges(&ls) else { return V::Null };
        if union.len() < edges(&ls).len() {
            union.iter().map(|e| sphere_distance(e.a, e.b)).sum()
        } else {
            ls.iter().map(|l| length(l)).sum()
        }
    } else {
        ls.iter().map(|l| length(l)).sum()
    };
    if total.is_finite() { V::Real(total) } else { V::Null }
}

/// `geo_distance_point_to_line(lng, lat, line)`
/// (geo-distance-point-to-line-function.md): meters from the point to the
/// nearest edge of a line or multiline, by S2's point-to-edge distance.
pub fn geo_distance_point_to_line(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(ls)) = (coord(a.first(), a.get(1)), lines(a.get(2))) else { return V::Null };
    let x = sphere::point(p);
    let mut best = f64::INFINITY;
    for l in &ls {
        for w in l.windows(2) {
            if let [u, v] = w {
                let d = distance_from_segment(&x, &sphere::point(*u), &sphere::point(*v)).rad();
                best = best.min(d);
            }
        }
    }
    let meters = best * EARTH_RADIUS_M;
    if meters.is_finite() { V::Real(meters) } else { V::Null }
}

/// `geo_line_interpolate_point(line, fraction)`
/// (geo-line-interpolate-point-function.md): the point at `fraction`, from
/// 0 to 1, of a LineString's length, walked as S2's polyline interpolation
/// does: whole edges while the remaining distance exceeds them, then the
/// point at that distance along the next edge.
pub fn geo_line_interpolate_point(a: &[V], _: &mut Ctx) -> V {
    let line = match lines(a.first()) {
        Some(mut ls)
            if ls.len() == 1
                && matches!(a.first(), Some(V::Dyn(j)) if j.get("type").and_then(J::as_str) == Some("LineString")) =>
        {
            ls.pop()
        }
        _ => None,
    };
    let (Some(line), Some(f)) = (line, a.get(1).and_then(num)) else { return V::Null };
    if !(0.0..=1.0).contains(&f) {
        return V::Null;
    }
    let pts: Vec<Point> = line.iter().map(|p| sphere::point(*p)).collect();
    let total: f64 = pts.windows(2).map(|w| if let [u, v] = w { u.distance(v).rad() } else { 0.0 }).sum();
    let mut target = f * total;
    let mut at = pts.last().copied();
    if f > 0.0 {
        for w in pts.windows(2) {
            if let [u, v] = w {
                let len = u.distance(v).rad();
                if target < len {
                    at = Some(interpolate_at_distance(&Angle::from(Rad(target)), u, v));
                    break;
                }
                target -= len;
            }
        }
    } else {
        at = pts.first().copied();
    }
    match at {
        Some(p) => {
            let ll = LatLng::from(p);
            point_json(ll.lng.deg(), ll.lat.deg())
        }
        None => V::Null,
    }
}

/// `geo_line_centroid(line)` (geo-line-centroid-function.md): the centroid of
/// a line or multiline on the sphere, as S2 defines it: the sum over the
/// edges of each edge's true centroid (a vector toward the edge's midpoint
/// of length 2·sin of half its angle, so weighted by the edge's length),
/// normalized. A multiline of several lines is taken as their union, as
/// for the length (null where edges share part of a stretch). Null for
/// lines of zero length.
pub fn geo_line_centroid(a: &[V], _: &mut Ctx) -> V {
    let Some(ls) = lines(a.first()) else { return V::Null };
    let edge_list: Vec<(Point, Point)> = if ls.len() > 1 {
        let Some(union) = union_edges(&ls) else { return V::Null };
        union.iter().map(|e| (e.pa, e.pb)).collect()
    } else {
        edges(&ls).iter().map(|e| (e.pa, e.pb)).collect()
    };
    let mut sum = Vector { x: 0.0, y: 0.0, z: 0.0 };
    for (u, v) in &edge_list {
        let (p, q) = (u.0, v.0);
        let (diff, vsum) = (p - q, p + q);
        let cos2 = vsum.norm2();
        if cos2 > 0.0 {
            sum = sum + vsum * (diff.norm2() / cos2).sqrt();
        }
    }
    let n2 = sum.norm2();
    if n2.is_nan() || n2 <= 0.0 {
        return V::Null;
    }
    let ll = LatLng::from(Point(sum.normalize()));
    point_json(ll.lng.deg(), ll.lat.deg())
}
