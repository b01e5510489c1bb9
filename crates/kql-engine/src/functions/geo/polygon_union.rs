//! The border of the union of a multipolygon's polygons when they overlap
//! (and of the intersection of two shapes, alike):
//! each ring (shells as given, holes reversed, so that the polygon lies on
//! the left) is cut where it crosses another polygon's border (S2's robust
//! crossing test and intersection point); a piece stays when no other
//! polygon contains its midpoint; the pieces that stay join end to end into
//! the union's loops, regions on their left. Only borders that meet by
//! crossing in edge interiors, at shared vertices or along shared sides
//! (run both ways, as by neighbouring cells) are handled, the shared sides
//! left out of the union's border: a vertex inside another polygon's edge,
//! a side run the same way twice, or a point where the union's border
//! passes twice gives `None` (null), as does more work than
//! [`MAX_EDGE_TESTS`]. Intersections take crossing borders only.

use std::collections::HashMap;

use s2::edge_crossings::{Crossing, EdgeCrosser, get_intersection};
use s2::point::Point;

use super::polygons::Shape;

/// The most edge pairs one union tests.
const MAX_EDGE_TESTS: usize = 50_000_000;

/// The union's border.
pub struct Union {
    /// Closed chains of vertices (the first not repeated), the union on
    /// their left: its outer borders counterclockwise, its holes clockwise.
    pub loops: Vec<Vec<Point>>,
}

/// A point as a key of exact equality.
fn key(p: &Point) -> [u64; 3] {
    [p.0.x.to_bits(), p.0.y.to_bits(), p.0.z.to_bits()]
}

/// The rings of each polygon, the polygon on their left.
fn directed(s: &Shape) -> Vec<Vec<Vec<Point>>> {
    s.polygons
        .iter()
        .map(|p| {
            p.rings
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let mut pts = r.pts.clone();
                    if k > 0 {
                        pts.reverse();
                    }
                    pts
                })
                .collect()
        })
        .collect()
}

/// The union's border, if the polygons' borders can be joined (see above).
pub fn union(s: &Shape) -> Option<Union> {
    let rings = directed(s);
    if s.polygons.len() < 2 || s.disjoint()? {
        return Some(Union { loops: rings.into_iter().flatten().collect() });
    }
    if !s.joinable()? {
        return None;
    }
    // Sides two polygons share (run both ways) are inside the union.
    let mut owner: HashMap<([u64; 3], [u64; 3]), usize> = HashMap::new();
    for (i, poly) in rings.iter().enumerate() {
        for ring in poly {
            for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
                owner.insert((key(a), key(b)), i);
            }
        }
    }
    let shared = |i: usize, u: &Point, v: &Point| owner.get(&(key(v), key(u))).is_some_and(|j| *j != i);
    let covered = |i: usize, mid: &Point| s.polygons.iter().enumerate().any(|(j, other)| j != i && other.contains(mid));
    chain(&pieces(&rings, covered, false, shared)?).map(|loops| Union { loops })
}

/// The border of the intersection of two shapes whose own polygons are
/// apart, if their borders meet only by crossing: each one's border
/// pieces that the other contains.
pub fn intersection(s: &Shape, t: &Shape) -> Option<Union> {
    if !s.disjoint()? || !t.disjoint()? {
        return None;
    }
    let both = Shape { polygons: s.polygons.iter().chain(&t.polygons).cloned().collect() };
    if !both.crossings_only()? {
        return None;
    }
    let owners = vec![directed(s).into_iter().flatten().collect(), directed(t).into_iter().flatten().collect()];
    let inside = |i: usize, mid: &Point| if i == 0 { t.contains(mid) } else { s.contains(mid) };
    chain(&pieces(&owners, inside, true, |_, _, _| false)?).map(|loops| Union { loops })
}

/// The border pieces of each owner's rings, cut where they cross another
/// owner's rings, that pass `test` at their midpoint (`keep` true) or fail
/// it (`keep` false); edges `skip` names are left out whole.
fn pieces(
    owners: &[Vec<Vec<Point>>],
    test: impl Fn(usize, &Point) -> bool,
    keep: bool,
    skip: impl Fn(usize, &Point, &Point) -> bool,
) -> Option<Vec<(Point, Point)>> {
    let edges_of = |ring: &Vec<Point>| -> Vec<(Point, Point)> {
        ring.iter().zip(ring.iter().cycle().skip(1)).map(|(a, b)| (*a, *b)).collect()
    };
    let all: Vec<Vec<(Point, Point)>> = owners.iter().map(|p| p.iter().flat_map(edges_of).collect()).collect();
    let mut tests = 0usize;
    let mut out: Vec<(Point, Point)> = Vec::new();
    for (i, rings) in owners.iter().enumerate() {
        for ring in rings {
            for (u, v) in edges_of(ring) {
                if skip(i, &u, &v) {
                    continue;
                }
                let mut crosser = EdgeCrosser::new(&u, &v);
                let mut cuts: Vec<(f64, Point)> = Vec::new();
                for (j, other) in all.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    tests = tests.checked_add(other.len())?;
                    if tests > MAX_EDGE_TESTS {
                        return None;
                    }
                    for (a, b) in other {
                        if crosser.crossing_sign(a, b) == Crossing::Cross {
                            // The same point from either owner's side.
                            let x = if i < j { get_intersection(&u, &v, a, b) } else { get_intersection(a, b, &u, &v) };
                            cuts.push((u.distance(&x).rad(), x));
                        }
                    }
                }
                cuts.sort_by(|p, q| p.0.total_cmp(&q.0));
                let stops: Vec<Point> =
                    std::iter::once(u).chain(cuts.into_iter().map(|(_, x)| x)).chain(std::iter::once(v)).collect();
                for w in stops.windows(2) {
                    let [p, q] = w else { continue };
                    if p != q && test(i, &Point((p.0 + q.0).normalize())) == keep {
                        out.push((*p, *q));
                    }
                }
            }
        }
    }
    Some(out)
}

/// The pieces joined end to end into closed loops; `None` if a point
/// starts two pieces or a piece's end starts none.
fn chain(pieces: &[(Point, Point)]) -> Option<Vec<Vec<Point>>> {
    let mut next: HashMap<[u64; 3], usize> = HashMap::with_capacity(pieces.len());
    for (k, (p, _)) in pieces.iter().enumerate() {
        if next.insert(key(p), k).is_some() {
            return None;
        }
    }
    let mut used = vec![false; pieces.len()];
    let mut loops = Vec::new();
    for start in 0..pieces.len() {
        if used.get(start).copied().unwrap_or(true) {
            continue;
        }
        let mut ring = Vec::new();
        let mut k = start;
        loop {
            let seen = used.get_mut(k)?;
            if *seen {
                break;
            }
            *seen = true;
            let (p, q) = pieces.get(k)?;
            ring.push(*p);
            k = *next.get(&key(q))?;
        }
        if k != start || ring.len() < 3 {
            return None;
        }
        loops.push(ring);
    }
    Some(loops)
}
