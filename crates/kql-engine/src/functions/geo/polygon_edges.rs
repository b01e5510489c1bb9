//! The edge-pair tests of polygons: a sweep over boxes around the edges'
//! arcs (sorted by their lowest x) that tests only pairs whose boxes meet,
//! at most [`MAX_PAIR_TESTS`] of them, for crossing edges within a polygon
//! and for how the borders of different polygons meet.

use s2::edge_crossings::{Crossing, crossing_sign};
use s2::edgeutil::distance_from_segment;
use s2::point::Point;

use super::polygons::Polygon;

/// The most edge pairs the crossing checks test for one value; past it the
/// value counts as invalid (null) rather than taking unbounded time.
pub const MAX_PAIR_TESTS: usize = 50_000_000;
/// How close (radians) a vertex must be to another polygon's edge to count
/// as touching it.
const TOUCH: f64 = 1e-15;

/// An edge with the box around its arc (the chord's box grown by the arc's
/// bulge) and the polygon it belongs to.
struct Boxed {
    a: Point,
    b: Point,
    lo: [f64; 3],
    hi: [f64; 3],
    poly: usize,
}

fn boxed(a: &Point, b: &Point, poly: usize) -> Boxed {
    let half = a.distance(b).rad() / 2.0;
    let grow = (1.0 - half.cos()) + 1e-12;
    let (u, v) = (a.0, b.0);
    Boxed {
        a: *a,
        b: *b,
        lo: [u.x.min(v.x) - grow, u.y.min(v.y) - grow, u.z.min(v.z) - grow],
        hi: [u.x.max(v.x) + grow, u.y.max(v.y) + grow, u.z.max(v.z) + grow],
        poly,
    }
}

/// Whether two edges touch: share a point, cross, or a vertex lies on the
/// other edge.
fn touch(a: &Point, b: &Point, c: &Point, d: &Point) -> bool {
    crossing_sign(a, b, c, d) != Crossing::DoNotCross || on_edge(a, b, c, d)
}

/// Whether a vertex of one edge lies on the other.
fn on_edge(a: &Point, b: &Point, c: &Point, d: &Point) -> bool {
    [(a, c, d), (b, c, d), (c, a, b), (d, a, b)].iter().any(|(p, u, v)| distance_from_segment(p, u, v).rad() <= TOUCH)
}

/// Whether a vertex of one edge lies on the other other than at its ends.
fn on_interior(a: &Point, b: &Point, c: &Point, d: &Point) -> bool {
    [(a, c, d), (b, c, d), (c, a, b), (d, a, b)]
        .iter()
        .any(|(p, u, v)| p != u && p != v && distance_from_segment(p, u, v).rad() <= TOUCH)
}

/// What a sweep over edge pairs looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Two edges of one polygon crossing in their interiors.
    Within,
    /// Edges of two polygons touching at all.
    Touch,
    /// Edges of two polygons meeting other than by crossing in their
    /// interiors: a shared vertex, a vertex on the other edge.
    Degenerate,
    /// Edges of two polygons meeting other than by crossing in their
    /// interiors, at a shared vertex, or as one edge run both ways.
    Unjoinable,
    /// Edges of two polygons meeting other than at a shared vertex: by
    /// crossing, by a vertex on the other edge, or as the same edge.
    NotAtVertex,
}

/// A sweep over the edges' boxes: whether a pair of edges passes `test`.
/// `None` past [`MAX_PAIR_TESTS`].
pub fn edges_cross(polys: &[Polygon], test: Test) -> Option<bool> {
    let mut edges: Vec<Boxed> = Vec::new();
    for (i, p) in polys.iter().enumerate() {
        for r in &p.rings {
            edges.extend(r.edges().map(|(a, b)| boxed(a, b, i)));
        }
    }
    edges.sort_by(|x, y| x.lo[0].total_cmp(&y.lo[0]));
    let mut active: Vec<usize> = Vec::new();
    let mut tests = 0usize;
    for (k, e) in edges.iter().enumerate() {
        active.retain(|&i| edges.get(i).is_some_and(|f| f.hi[0] >= e.lo[0]));
        for &i in &active {
            let Some(f) = edges.get(i) else { continue };
            if (1..3).any(|d| f.hi[d] < e.lo[d] || e.hi[d] < f.lo[d]) || (test != Test::Within && f.poly == e.poly) {
                continue;
            }
            tests += 1;
            if tests > MAX_PAIR_TESTS {
                return None;
            }
            let (a, b, c, d) = (&e.a, &e.b, &f.a, &f.b);
            let hit = match test {
                Test::Within => crossing_sign(a, b, c, d) == Crossing::Cross,
                Test::Touch => touch(a, b, c, d),
                Test::Degenerate => crossing_sign(a, b, c, d) == Crossing::MaybeCross || on_edge(a, b, c, d),
                Test::Unjoinable => !(a == d && b == c) && (a == c && b == d || on_interior(a, b, c, d)),
                Test::NotAtVertex => {
                    crossing_sign(a, b, c, d) == Crossing::Cross
                        || on_interior(a, b, c, d)
                        || (a == c && b == d)
                        || (a == d && b == c)
                }
            };
            if hit {
                return Some(true);
            }
        }
        active.push(k);
    }
    Some(false)
}
