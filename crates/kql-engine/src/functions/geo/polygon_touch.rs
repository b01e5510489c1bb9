//! The intersection of two shapes taken polygon by polygon, for shapes
//! whose borders also meet at shared vertices (which `polygon_union`'s
//! intersection does not handle): two polygons that only touch at
//! vertices meet in those points (geo-intersection-2polygons-function.md
//! prints a Point for two triangles sharing a corner); two whose borders
//! only cross meet in `polygon_union`'s intersection; two whose borders do
//! not meet in the one inside the other, or nothing. Any other contact (a
//! vertex inside an edge, a shared edge, a shared vertex where the
//! interiors also overlap) gives `None` (null), as do shapes whose own
//! polygons are not apart.

use std::collections::HashSet;

use s2::point::Point;

use super::polygon_edges::{Test, edges_cross};
use super::polygon_union::intersection;
use super::polygons::{Polygon, Shape};

/// What two shapes have in common: points and loops of area (the area on
/// their left, holes clockwise).
pub struct Common {
    /// Points where borders touch and nothing else is shared.
    pub points: Vec<Point>,
    /// The borders of the common area.
    pub loops: Vec<Vec<Point>>,
}

/// The rings of a polygon with the polygon on their left.
fn directed(p: &Polygon) -> Vec<Vec<Point>> {
    p.rings
        .iter()
        .enumerate()
        .map(|(k, r)| if k == 0 { r.pts.clone() } else { r.pts.iter().rev().copied().collect() })
        .collect()
}

/// Whether the interiors of two polygons whose borders meet only at shared
/// vertices are apart, and those vertices; `None` if they overlap.
fn touching_points(a: &Polygon, b: &Polygon) -> Option<Vec<Point>> {
    let key = |p: &Point| [p.0.x.to_bits(), p.0.y.to_bits(), p.0.z.to_bits()];
    let vertices = |p: &Polygon| p.rings.iter().flat_map(|r| r.pts.iter().copied()).collect::<Vec<Point>>();
    let (va, vb) = (vertices(a), vertices(b));
    let in_b: HashSet<[u64; 3]> = vb.iter().map(key).collect();
    let shared: Vec<Point> = va.iter().filter(|v| in_b.contains(&key(v))).copied().collect();
    let is_shared: HashSet<[u64; 3]> = shared.iter().map(key).collect();
    let shared_point = |v: &Point| is_shared.contains(&key(v));
    // No edge crosses the other border and no vertex lies inside another
    // edge, so each edge, less its ends, is wholly inside the other polygon
    // or wholly outside: a vertex that is not shared, or the midpoint of
    // an edge between two shared ones, tells which.
    for (p, q, other) in [(a, &va, b), (b, &vb, a)] {
        if q.iter().any(|v| !shared_point(v) && other.contains(v)) {
            return None;
        }
        for ring in &p.rings {
            for (u, v) in ring.edges() {
                if shared_point(u) && shared_point(v) {
                    let mid = u.0 + v.0;
                    if mid.norm2() <= 0.0 || other.contains(&Point(mid.normalize())) {
                        return None;
                    }
                }
            }
        }
    }
    Some(shared)
}

/// The intersection of two shapes, pair of polygons by pair; `None` for a
/// contact not handled (see above) or past the edge-test budget.
pub fn common(s: &Shape, t: &Shape) -> Option<Common> {
    if !s.disjoint()? || !t.disjoint()? {
        return None;
    }
    let mut out = Common { points: Vec::new(), loops: Vec::new() };
    for a in &s.polygons {
        for b in &t.polygons {
            let pair = [a.clone(), b.clone()];
            if !edges_cross(&pair, Test::Touch)? {
                let first = |p: &Polygon| p.rings.first().and_then(|r| r.pts.first()).copied();
                if first(a).is_some_and(|v| b.contains(&v)) {
                    out.loops.extend(directed(a));
                } else if first(b).is_some_and(|v| a.contains(&v)) {
                    out.loops.extend(directed(b));
                }
            } else if !edges_cross(&pair, Test::Degenerate)? {
                let one = |p: &Polygon| Shape { polygons: vec![p.clone()] };
                out.loops.extend(intersection(&one(a), &one(b))?.loops);
            } else if edges_cross(&pair, Test::NotAtVertex)? {
                return None;
            } else {
                for p in touching_points(a, b)? {
                    if !out.points.contains(&p) {
                        out.points.push(p);
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::geo::polygons::shape;
    use crate::functions::rowwise::V;

    fn poly(s: &str) -> Shape {
        shape(Some(&V::Dyn(serde_json::from_str(s).unwrap()))).unwrap()
    }

    #[test]
    fn triangles_touching_at_the_pole_and_across_the_antimeridian() {
        let a = poly(r#"{"type":"Polygon","coordinates":[[[0,80],[10,80],[0,90],[0,80]]]}"#);
        let b = poly(r#"{"type":"Polygon","coordinates":[[[180,80],[170,80],[0,90],[180,80]]]}"#);
        let c = common(&a, &b).unwrap();
        assert_eq!((c.points.len(), c.loops.len()), (1, 0));
        let a = poly(r#"{"type":"Polygon","coordinates":[[[179,0],[180,1],[179,1],[179,0]]]}"#);
        let b = poly(r#"{"type":"Polygon","coordinates":[[[180,1],[-179,2],[-179,1],[180,1]]]}"#);
        let c = common(&a, &b).unwrap();
        assert_eq!((c.points.len(), c.loops.len()), (1, 0));
    }

    #[test]
    fn nested_and_apart_polygons_of_a_multipolygon() {
        let a = poly(r#"{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}"#);
        let b = poly(
            r#"{"type":"MultiPolygon","coordinates":[[[[1,1],[2,1],[2,2],[1,2],[1,1]]],[[[4,4],[5,4],[5,5],[4,5],[4,4]]]]}"#,
        );
        let c = common(&a, &b).unwrap();
        assert_eq!((c.points.len(), c.loops.len()), (1, 1));
    }
}
