//! `geo_line_buffer(line, radius [, tolerance])` and
//! `geo_polygon_buffer(polygon, radius [, tolerance])` (their docs pages):
//! the region within `radius` meters of the shape on the sphere, round at
//! the ends and corners, reaching at most `tolerance` further.
//!
//! The buffer is the union of pieces built on the sphere, each containing
//! its part of the true buffer grown by a quarter of the tolerance and
//! reaching at most half the tolerance beyond that: at every vertex the
//! sector of its circle ([`super::buffer::sector`]) on the outer side of
//! the turn (a whole circle at a line's ends), a band around every edge
//! (points offset perpendicular to the edge's great circle, close enough
//! that the geodesic between two of them bulges outward by at most that
//! half), and for a polygon the polygon itself. Neighbouring pieces
//! overlap (each sector reaches past its edges' normals and its apex lies
//! behind the vertex), so that no vertex is only on pieces' borders. The union is taken in
//! an azimuthal equidistant projection around the shape (by the `geo`
//! crate's boolean operations), with the pieces' edges cut until each
//! straight projected edge is within an eighth of the tolerance of its
//! geodesic, and the result's edges likewise on the way back: so the
//! result contains every point within `radius` and none further than
//! `radius + tolerance`. Null past [`MAX_POINTS`] piece vertices, or when
//! the buffer reaches a quarter of the way round the sphere from the
//! shape's center.

use geo::algorithm::bool_ops::unary_union;
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geographiclib_rs::InverseGeodesic;
use s2::latlng::LatLng;
use s2::point::Point;
use s2::r3::vector::Vector;
use s2::s1::angle::{Angle, Rad};
use serde_json::{Value as J, json};

use super::aeqd::{self, Aeqd};
use super::buffer::{circle, radius_tolerance, sector};
use super::lines::lines;
use super::polygons::{RawPolygon, raw_polygons, shape};
use super::simplify::Pos;
use super::{EARTH_RADIUS_M, real, sphere};
use crate::functions::rowwise::{Ctx, V};

/// The most vertices of all pieces together, and of the result.
pub const MAX_POINTS: usize = 4_000_000;
/// How far (degrees) a corner's sector reaches past the normals of its
/// edges, into the bands.
const OVERLAP_DEG: f64 = 1.0;
/// The deepest an edge is halved to follow its geodesic.
const MAX_DEPTH: u32 = 40;

/// `geo_line_buffer(line, radius [, tolerance])`.
pub fn geo_line_buffer(a: &[V], _: &mut Ctx) -> V {
    let (Some(ls), Some((r, t))) = (lines(a.first()), radius_tolerance(a.get(1), a.get(2))) else {
        return V::Null;
    };
    buffer(&ls, &[], r, t).map_or(V::Null, V::Dyn)
}

/// `geo_polygon_buffer(polygon, radius [, tolerance])`.
pub fn geo_polygon_buffer(a: &[V], _: &mut Ctx) -> V {
    let (Some(s), Some(polys), Some((r, t))) =
        (shape(a.first()), raw_polygons(a.first()), radius_tolerance(a.get(1), a.get(2)))
    else {
        return V::Null;
    };
    // The rings as S2 orients them, the polygon on their left (holes
    // reversed), closed.
    let chains: Vec<Vec<Pos>> = s
        .polygons
        .iter()
        .flat_map(|p| {
            p.rings.iter().enumerate().map(|(k, r)| {
                let mut ring: Vec<Pos> = r.pts.iter().map(ll).collect();
                if k > 0 {
                    ring.reverse();
                }
                ring.iter().chain(ring.first()).copied().collect()
            })
        })
        .collect();
    buffer(&chains, &polys, r, t).map_or(V::Null, V::Dyn)
}

fn ll(p: &Point) -> Pos {
    let l = LatLng::from(*p);
    (l.lng.deg(), l.lat.deg())
}

/// The point halfway along the geodesic from `p` to `q`.
fn geodesic_mid(p: Pos, q: Pos) -> Option<Pos> {
    let m = sphere::point(p).0 + sphere::point(q).0;
    let n2 = m.norm2();
    (n2.is_finite() && n2 > 0.0).then(|| ll(&Point(m.normalize())))
}

/// The band around the edge `a`–`b`: points `inner` meters either side of
/// its great circle, spaced so that the geodesic between two neighbours
/// is at most `slack` further out. Counterclockwise or not; oriented later.
fn band(a: Pos, b: Pos, inner: f64, slack: f64) -> Option<Vec<Pos>> {
    let (pa, pb) = (sphere::point(a), sphere::point(b));
    let len = pa.distance(&pb).rad();
    let (rho, outer) = (inner / EARTH_RADIUS_M, (inner + slack) / EARTH_RADIUS_M);
    if !(len > 0.0 && rho > 0.0 && outer > rho && outer < std::f64::consts::FRAC_PI_2) {
        return None;
    }
    let half = (rho.tan() / outer.tan()).acos();
    let m = (len / (2.0 * half)).ceil();
    if !(m.is_finite() && m >= 1.0 && m <= MAX_POINTS as f64) {
        return None;
    }
    let m = m as usize;
    let normal = pa.0.cross(&pb.0);
    if normal.norm2() <= 0.0 {
        return None;
    }
    let normal = normal.normalize();
    let (sin, cos) = rho.sin_cos();
    let along: Vec<Vector> = (0..=m)
        .map(|i| s2::edgeutil::interpolate_at_distance(&Angle::from(Rad(len * i as f64 / m as f64)), &pa, &pb).0)
        .collect();
    let left = along.iter().map(|p| ll(&Point((*p * cos + normal * sin).normalize())));
    let right = along.iter().rev().map(|p| ll(&Point((*p * cos - normal * sin).normalize())));
    Some(left.chain(right).collect())
}

/// A ring of the sphere in the plane, each geodesic edge cut until its
/// straight image is within `e` meters of it.
fn to_plane(ring: &[Pos], proj: &Aeqd, e: f64, budget: &mut usize) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.len() + 1);
    let planar = |p: Pos| proj.forward(p).map(|(x, y)| Coord { x, y });
    for (i, p) in ring.iter().enumerate() {
        let q = *ring.get(i + 1).or(ring.first())?;
        let mut stack = vec![(*p, q, 0u32)];
        out.push(planar(*p)?);
        while let Some((u, v, depth)) = stack.pop() {
            let (Some(mid), Some(pu), Some(pv)) = (geodesic_mid(u, v), planar(u), planar(v)) else { return None };
            let pm = planar(mid)?;
            let chord = Coord { x: (pu.x + pv.x) / 2.0, y: (pu.y + pv.y) / 2.0 };
            if depth < MAX_DEPTH && (pm.x - chord.x).hypot(pm.y - chord.y) > e {
                stack.push((mid, v, depth + 1));
                stack.push((u, mid, depth + 1));
            } else if v != q {
                out.push(pv);
            }
            if out.len() > *budget {
                return None;
            }
        }
    }
    *budget -= out.len();
    Some(LineString::new(out))
}

/// A ring of the plane back on the sphere (not closed), each straight edge
/// cut until the geodesic between its ends' images is within `e` meters of
/// the image of its midpoint. `None` past the budget; fewer than three
/// positions for a ring that collapses.
fn from_plane(ring: &LineString<f64>, proj: &Aeqd, e: f64, budget: &mut usize) -> Option<Vec<Pos>> {
    let mut out: Vec<Pos> = Vec::with_capacity(ring.0.len());
    for w in ring.0.windows(2) {
        let &[u, v] = w else { continue };
        let mut stack = vec![(u, v, 0u32)];
        while let Some((p, q, depth)) = stack.pop() {
            let (sp, sq) = (proj.inverse((p.x, p.y))?, proj.inverse((q.x, q.y))?);
            let mid = Coord { x: (p.x + q.x) / 2.0, y: (p.y + q.y) / 2.0 };
            let image = proj.inverse((mid.x, mid.y))?;
            let far = geodesic_mid(sp, sq).is_none_or(|g| sphere::distance(g, image) > e);
            if depth < MAX_DEPTH && far {
                stack.push((mid, q, depth + 1));
                stack.push((p, mid, depth + 1));
            } else if out.last() != Some(&sp) {
                out.push(sp);
            }
            if out.len() > *budget {
                return None;
            }
        }
    }
    *budget -= out.len();
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    Some(out)
}

/// The round parts of the buffer at the vertices of a chain: at each
/// vertex, the sector of the circle between the normals of its two edges
/// on the outer side of the turn (points nearer the vertex than to either
/// edge lie there); at the ends of a line, the whole circle. Near a pole,
/// where azimuths turn fast, whole circles too.
fn corners(c: &[Pos], inner: f64, slack: f64) -> Vec<Option<Vec<Pos>>> {
    let g = aeqd::sphere();
    let closed = c.len() > 2 && c.first() == c.last();
    let pts = if closed { c.get(..c.len() - 1).unwrap_or(c) } else { c };
    let m = pts.len();
    let mut out = Vec::with_capacity(m);
    for (i, v) in pts.iter().enumerate() {
        let (p, s) = if closed {
            (pts.get((i + m - 1) % m), pts.get((i + 1) % m))
        } else {
            (i.checked_sub(1).and_then(|k| pts.get(k)), pts.get(i + 1))
        };
        let (Some(p), Some(s)) = (p, s) else {
            out.push(circle(*v, inner, slack));
            continue;
        };
        if p == v || s == v || v.1.abs() > 89.9 {
            out.push(circle(*v, inner, slack));
            continue;
        }
        let (_, az_in, _): (f64, f64, f64) = g.inverse(p.1, p.0, v.1, v.0);
        let (az_out, _, _): (f64, f64, f64) = g.inverse(v.1, v.0, s.1, s.0);
        // Positive: a right turn (azimuths grow clockwise).
        let turn = libm::remainder(az_out - az_in, 360.0);
        if !turn.is_finite() {
            out.push(None);
        } else {
            // The sector reaches a little past both normals and its apex
            // lies behind the vertex (inside the turn, within the circle),
            // so that it overlaps both bands and the vertex is inside it.
            let (side, dir) = if turn <= 0.0 { (90.0, -1.0) } else { (-90.0, 1.0) };
            let from = az_in + side - dir * OVERLAP_DEG;
            let apex = aeqd::destination(&g, *v, az_in + side + turn / 2.0 + 180.0, inner / 2.0);
            out.push(apex.and_then(|a| sector(*v, a, inner, slack, from, turn + dir * 2.0 * OVERLAP_DEG)));
        }
    }
    out
}

/// The buffer of the edges of `chains` (consecutive positions) and of the
/// polygons `areas`, as GeoJSON.
fn buffer(chains: &[Vec<Pos>], areas: &[RawPolygon], r: f64, t: f64) -> Option<J> {
    let sum = chains.iter().flatten().fold(Vector { x: 0.0, y: 0.0, z: 0.0 }, |s, p| s + sphere::point(*p).0);
    if sum.norm2().is_nan() || sum.norm2() <= 1e-12 {
        return None;
    }
    let center = ll(&Point(sum.normalize()));
    let furthest = chains.iter().flatten().map(|p| sphere::distance(center, *p)).fold(0.0, f64::max);
    let reach = furthest + r + t;
    if reach.is_nan() || reach >= std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_M {
        return None;
    }
    let proj = Aeqd::new(center);
    let (inner, slack, e) = (r + t / 4.0, t / 2.0, t / 8.0);
    let mut budget = MAX_POINTS;
    let mut pieces: Vec<Polygon<f64>> = Vec::new();
    let mut piece = |rings: &[Vec<Pos>], budget: &mut usize| -> Option<()> {
        let mut planar = rings.iter().map(|r| to_plane(r, &proj, e, budget)).collect::<Option<Vec<_>>>()?.into_iter();
        let shell = planar.next()?;
        pieces.push(Polygon::new(shell, planar.collect()).orient(Direction::Default));
        Some(())
    };
    for c in chains {
        for corner in corners(c, inner, slack) {
            piece(&[corner?], &mut budget)?;
        }
    }
    for c in chains {
        for w in c.windows(2) {
            if let [a, b] = w
                && a != b
            {
                piece(&[band(*a, *b, inner, slack)?], &mut budget)?;
            }
        }
    }
    for p in areas {
        piece(p, &mut budget)?;
    }
    let union: MultiPolygon<f64> = unary_union(pieces.iter());
    let mut budget = MAX_POINTS;
    let mut polys: Vec<J> = Vec::with_capacity(union.0.len());
    for p in union.0.iter().map(|p| p.orient(Direction::Default)) {
        let mut out: Vec<J> = Vec::new();
        for (i, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            let mut pts = from_plane(ring, &proj, e, &mut budget)?;
            match pts.first().copied() {
                Some(first) if pts.len() >= 3 => pts.push(first),
                // A shell that collapses takes its holes with it.
                _ if i == 0 => break,
                _ => continue,
            }
            out.push(J::Array(pts.iter().map(|(x, y)| J::Array(vec![real(*x), real(*y)])).collect()));
        }
        if !out.is_empty() {
            polys.push(J::Array(out));
        }
    }
    let j = match polys.len() {
        0 => return None,
        1 => json!({"type": "Polygon", "coordinates": polys.pop()?}),
        _ => json!({"type": "MultiPolygon", "coordinates": polys}),
    };
    shape(Some(&V::Dyn(j.clone())))?;
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use s2::edgeutil::distance_from_segment;

    fn dynamic(s: &str) -> V {
        V::Dyn(serde_json::from_str(s).unwrap())
    }

    fn call(f: fn(&[V], &mut Ctx) -> V, args: &[V]) -> V {
        f(args, &mut Ctx::default())
    }

    /// Every ring of a Polygon or MultiPolygon result.
    fn rings(v: &V) -> Vec<Vec<Pos>> {
        let raw = raw_polygons(Some(v)).unwrap_or_else(|| panic!("not a polygon: {v:?}"));
        raw.into_iter().flatten().collect()
    }

    /// The distance (meters) from `x` to the nearest edge of `chains`.
    fn to_edges(x: Pos, chains: &[Vec<Pos>]) -> f64 {
        let p = sphere::point(x);
        chains
            .iter()
            .flat_map(|c| c.windows(2))
            .map(|w| distance_from_segment(&p, &sphere::point(w[0]), &sphere::point(w[1])).rad() * EARTH_RADIUS_M)
            .fold(f64::INFINITY, f64::min)
    }

    /// Checks that the border of `v` (its vertices and the midpoints of its
    /// geodesic edges; about 500 of them for a large result) lies between
    /// `r` and `r + t` of the edges `chains`.
    fn check(v: &V, chains: &[Vec<Pos>], r: f64, t: f64) {
        let all = rings(v);
        let total: usize = all.iter().map(Vec::len).sum();
        for ring in all {
            let closed: Vec<Pos> = ring.iter().chain(ring.first()).copied().collect();
            for w in closed.windows(2).step_by(total.div_ceil(500).max(1)) {
                let d = to_edges(w[0], chains);
                assert!(d <= r + t * 1.001 && d >= r * (1.0 - 1e-9), "vertex {:?} at {d} (r {r}, t {t})", w[0]);
                if let Some(m) = geodesic_mid(w[0], w[1]) {
                    let d = to_edges(m, chains);
                    assert!(d >= r * (1.0 - 1e-9), "edge midpoint {m:?} at {d} (r {r})");
                }
            }
        }
    }

    #[test]
    fn a_line_buffer_is_within_the_tolerance() {
        let cases = [
            (vec![(-80.66634997047466, 24.894526340592122), (-80.67373241820246, 24.890808090321286)], 4.0, 0.1),
            (vec![(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.005)], 100.0, 1.0),
            (vec![(179.999, 10.0), (-179.999, 10.001)], 50.0, 0.5),
            (vec![(0.0, 89.9999), (90.0, 89.9999)], 20.0, 1.0),
        ];
        for (line, r, t) in cases {
            let coords: Vec<String> = line.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            let j = dynamic(&format!(r#"{{"type":"LineString","coordinates":[{}]}}"#, coords.join(",")));
            let v = call(geo_line_buffer, &[j, V::Real(r), V::Real(t)]);
            check(&v, &[line], r, t);
        }
    }

    #[test]
    fn a_polygon_buffer_grows_the_shell_and_shrinks_the_hole() {
        let shell = vec![(0.0, 0.0), (0.02, 0.0), (0.02, 0.02), (0.0, 0.02), (0.0, 0.0)];
        let hole = vec![(0.005, 0.005), (0.005, 0.015), (0.015, 0.015), (0.015, 0.005), (0.005, 0.005)];
        let j = dynamic(
            r#"{"type":"Polygon","coordinates":[[[0,0],[0.02,0],[0.02,0.02],[0,0.02],[0,0]],[[0.005,0.005],[0.005,0.015],[0.015,0.015],[0.015,0.005],[0.005,0.005]]]}"#,
        );
        let v = call(geo_polygon_buffer, &[j, V::Real(100.0), V::Real(1.0)]);
        let all = rings(&v);
        assert_eq!(all.len(), 2, "a shell and the smaller hole");
        check(&v, &[shell, hole], 100.0, 1.0);
    }

    #[test]
    fn pieces_apart_stay_apart_and_a_multi_line_is_one_buffer() {
        let j = dynamic(r#"{"type":"MultiLineString","coordinates":[[[0,0],[0.001,0]],[[1,1],[1.001,1]]]}"#);
        let V::Dyn(out) = call(geo_line_buffer, &[j, V::Real(10.0)]) else { panic!() };
        assert_eq!(out["type"], "MultiPolygon");
        let j = dynamic(
            r#"{"type":"MultiLineString","coordinates":[[[0,0],[0.001,0]],[[0.0005,-0.0005],[0.0005,0.0005]]]}"#,
        );
        let V::Dyn(out) = call(geo_line_buffer, &[j, V::Real(10.0)]) else { panic!() };
        assert_eq!(out["type"], "Polygon");
    }

    #[test]
    fn hostile_input_is_null() {
        let line = dynamic(r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#);
        let poly = dynamic(r#"{"type":"Polygon","coordinates":[[[10,10],[0,10],[0,0],[10,10]]]}"#);
        for (f, shape) in [(geo_line_buffer as fn(&[V], &mut Ctx) -> V, &line), (geo_polygon_buffer, &poly)] {
            for args in [
                vec![V::Null, V::Real(5.0)],
                vec![dynamic(r#"{"type":"LineString"}"#), V::Real(5.0)],
                vec![dynamic(r#"{"type":"p"}"#), V::Real(5.0)],
                vec![shape.clone(), V::Real(0.0)],
                vec![shape.clone(), V::Real(-1.0)],
                vec![shape.clone(), V::Real(f64::NAN)],
                vec![shape.clone(), V::Real(1e7)],
                vec![shape.clone(), V::Real(1e5), V::Real(1e-3)],
                vec![shape.clone(), V::Real(100.0), V::Real(f64::NAN)],
            ] {
                assert!(matches!(call(f, &args), V::Null), "{args:?}");
            }
        }
        let antipodal = dynamic(r#"{"type":"LineString","coordinates":[[0,0],[180,0]]}"#);
        assert!(matches!(call(geo_line_buffer, &[antipodal, V::Real(5.0)]), V::Null));
    }

    #[test]
    fn large_shapes_and_radii_stay_within_the_tolerance() {
        let square = vec![(0.0, 40.0), (10.0, 40.0), (10.0, 50.0), (0.0, 50.0), (0.0, 40.0)];
        let j = dynamic(r#"{"type":"Polygon","coordinates":[[[0,40],[10,40],[10,50],[0,50],[0,40]]]}"#);
        let v = call(geo_polygon_buffer, &[j, V::Real(10_000.0), V::Real(10.0)]);
        check(&v, &[square], 10_000.0, 10.0);
        let line = vec![(-5.0, 0.0), (5.0, 3.0)];
        let j = dynamic(r#"{"type":"LineString","coordinates":[[-5,0],[5,3]]}"#);
        let v = call(geo_line_buffer, &[j, V::Real(300_000.0), V::Real(10.0)]);
        check(&v, &[line], 300_000.0, 10.0);
    }

    #[test]
    fn polygons_around_the_pole_across_the_antimeridian_and_of_many_vertices() {
        let ring = |pts: &[Pos]| -> (V, Vec<Pos>) {
            let closed: Vec<Pos> = pts.iter().chain(pts.first()).copied().collect();
            let text: Vec<String> = closed.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            (dynamic(&format!(r#"{{"type":"Polygon","coordinates":[[{}]]}}"#, text.join(","))), closed)
        };
        let pole: Vec<Pos> = (0..6).map(|i| (-180.0 + 60.0 * i as f64, 89.0)).collect();
        let across = [(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)];
        let many: Vec<Pos> = (0..10_000)
            .map(|i| {
                let a = i as f64 / 10_000.0 * std::f64::consts::TAU;
                (a.cos() * 0.1, a.sin() * 0.1 + ((i % 5) as f64) * 1e-6)
            })
            .collect();
        for (pts, r, t) in [(pole, 1000.0, 5.0), (across.to_vec(), 500.0, 1.0), (many, 100.0, 10.0)] {
            let (j, closed) = ring(&pts);
            let v = call(geo_polygon_buffer, &[j, V::Real(r), V::Real(t)]);
            check(&v, &[closed], r, t);
        }
    }

    #[test]
    fn ten_thousand_vertices() {
        let coords: Vec<String> =
            (0..10_000).map(|i| format!("[{},{}]", i as f64 * 1e-4, ((i % 7) as f64) * 1e-5)).collect();
        let j = dynamic(&format!(r#"{{"type":"LineString","coordinates":[{}]}}"#, coords.join(",")));
        let v = call(geo_line_buffer, &[j, V::Real(50.0), V::Real(5.0)]);
        assert!(matches!(&v, V::Dyn(_)), "{v:?}");
    }
}
