//! Simplification of lines and rings on the sphere, for
//! `geo_line_simplify` and the polygon simplifications: Douglas–Peucker
//! with S2's point-to-geodesic-edge distance (a vertex is kept when it is
//! further than the tolerance from the edge that would replace it), then
//! vertices closer than the tolerance to the vertex kept before them are
//! dropped, as the pages say ("no two vertices with distance less than
//! tolerance"). Result vertices are input vertices, unmoved.
//!
//! Rings are cut into chains at their anchors: vertices where the rings
//! sharing the edge before differ from those sharing the edge after (or
//! that other rings touch), so that a border two rings share is one chain,
//! simplified the same way for both (each chain is simplified in the one
//! direction its vertices order first). A ring with no anchor is one closed
//! chain from its least vertex.

use std::collections::{BTreeSet, HashMap};

use s2::edgeutil::distance_from_segment;
use s2::point::Point;

use super::{EARTH_RADIUS_M, sphere};

/// A `(longitude, latitude)` position.
pub type Pos = (f64, f64);

/// The largest tolerance the pages allow, "~7,800,000 meters": S2's
/// largest snap radius, 70 degrees of arc.
pub const MAX_TOLERANCE_M: f64 = 70.0 * std::f64::consts::PI / 180.0 * EARTH_RADIUS_M;

/// The indices Douglas–Peucker keeps of a chain (both ends always).
fn douglas_peucker(pts: &[Pos], tol_rad: f64) -> Vec<bool> {
    let mut keep = vec![false; pts.len()];
    let (Some(first), Some(last)) = (keep.first_mut(), pts.len().checked_sub(1)) else { return keep };
    *first = true;
    if let Some(k) = keep.get_mut(last) {
        *k = true;
    }
    let s2: Vec<Point> = pts.iter().map(|p| sphere::point(*p)).collect();
    let mut stack = vec![(0usize, last)];
    while let Some((i, j)) = stack.pop() {
        let (Some(a), Some(b)) = (s2.get(i), s2.get(j)) else { continue };
        let mut best: Option<(usize, f64)> = None;
        for (k, x) in s2.iter().enumerate().take(j).skip(i + 1) {
            let d = distance_from_segment(x, a, b).rad();
            if best.is_none_or(|(_, bd)| d > bd) {
                best = Some((k, d));
            }
        }
        if let Some((k, d)) = best
            && d > tol_rad
        {
            if let Some(f) = keep.get_mut(k) {
                *f = true;
            }
            stack.push((k, j));
            stack.push((i, k));
        }
    }
    keep
}

/// A chain simplified in the given direction: Douglas–Peucker, then
/// inner vertices within `tol` meters of the vertex kept before them (or
/// of the chain's end) dropped. Both ends are kept.
fn simplify_forward(pts: &[Pos], tol: f64) -> Vec<Pos> {
    let keep = douglas_peucker(pts, tol / EARTH_RADIUS_M);
    let (Some(&first), Some(&last)) = (pts.first(), pts.last()) else { return Vec::new() };
    let mut out = vec![first];
    let inner = pts.iter().zip(&keep).skip(1).take(pts.len().saturating_sub(2));
    for (p, _) in inner.filter(|(_, k)| **k) {
        if out.last().is_some_and(|q| sphere::distance(*q, *p) >= tol) {
            out.push(*p);
        }
    }
    if out.len() > 1 && out.last().is_some_and(|q| sphere::distance(*q, last) < tol) {
        out.pop();
    }
    if pts.len() > 1 {
        out.push(last);
    }
    out
}

/// Whether the chain read backwards orders before it read forwards.
fn backwards_first(pts: &[Pos]) -> bool {
    let key = |p: &Pos| (p.0.to_bits() as i64, p.1.to_bits() as i64);
    pts.iter().zip(pts.iter().rev()).map(|(a, b)| (key(a), key(b))).find(|(a, b)| a != b).is_some_and(|(a, b)| b < a)
}

/// A chain simplified the same whichever way it is given.
pub fn simplify_chain(pts: &[Pos], tol: f64) -> Vec<Pos> {
    if backwards_first(pts) {
        let rev: Vec<Pos> = pts.iter().rev().copied().collect();
        let mut out = simplify_forward(&rev, tol);
        out.reverse();
        out
    } else {
        simplify_forward(pts, tol)
    }
}

/// A line simplified; `None` when it shrinks below the tolerance (two
/// vertices left, closer than it) and disappears.
pub fn simplify_line(pts: &[Pos], tol: f64) -> Option<Vec<Pos>> {
    let out = simplify_chain(pts, tol);
    match out.as_slice() {
        [a, b] if sphere::distance(*a, *b) < tol || a == b => None,
        [_, _, ..] => Some(out),
        _ => None,
    }
}

/// A position's exact key.
fn key(p: &Pos) -> (u64, u64) {
    (p.0.to_bits(), p.1.to_bits())
}

/// The key of an edge, either way round.
fn edge_key(a: &Pos, b: &Pos) -> ((u64, u64), (u64, u64)) {
    let (ka, kb) = (key(a), key(b));
    if ka <= kb { (ka, kb) } else { (kb, ka) }
}

/// Rings (each without its closing vertex) simplified together: a border
/// that several rings share stays shared. A ring left with fewer than
/// three vertices is `None` (it disappears).
pub fn simplify_rings(rings: &[Vec<Pos>], tol: f64) -> Vec<Option<Vec<Pos>>> {
    let mut edge_rings: HashMap<_, BTreeSet<usize>> = HashMap::new();
    let mut vertex_rings: HashMap<_, BTreeSet<usize>> = HashMap::new();
    for (r, ring) in rings.iter().enumerate() {
        for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
            edge_rings.entry(edge_key(a, b)).or_default().insert(r);
            vertex_rings.entry(key(a)).or_default().insert(r);
        }
    }
    let empty = BTreeSet::new();
    rings
        .iter()
        .map(|ring| {
            let n = ring.len();
            let anchors: Vec<usize> = (0..n)
                .filter(|&i| {
                    let (Some(p), Some(v), Some(s)) = (ring.get((i + n - 1) % n), ring.get(i), ring.get((i + 1) % n))
                    else {
                        return false;
                    };
                    let before = edge_rings.get(&edge_key(p, v)).unwrap_or(&empty);
                    let after = edge_rings.get(&edge_key(v, s)).unwrap_or(&empty);
                    before != after || vertex_rings.get(&key(v)).unwrap_or(&empty) != before
                })
                .collect();
            let anchors = if anchors.is_empty() {
                let least = (0..n).min_by(|&i, &j| {
                    let (a, b) = (ring.get(i).copied().unwrap_or_default(), ring.get(j).copied().unwrap_or_default());
                    a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
                });
                least.into_iter().collect()
            } else {
                anchors
            };
            let mut out: Vec<Pos> = Vec::with_capacity(n);
            for (k, &start) in anchors.iter().enumerate() {
                let end = anchors.get(k + 1).copied().unwrap_or(anchors.first().copied().unwrap_or(0) + n);
                let chain: Vec<Pos> = (start..=end).filter_map(|i| ring.get(i % n).copied()).collect();
                let simple = simplify_chain(&chain, tol);
                out.extend(simple.iter().take(simple.len().saturating_sub(1)));
            }
            (out.len() >= 3).then_some(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nearly_straight_line_keeps_its_ends() {
        let line = [(0.0, 0.0), (0.001, 0.00001), (0.002, -0.00001), (0.003, 0.0)];
        assert_eq!(simplify_line(&line, 10.0), Some(vec![(0.0, 0.0), (0.003, 0.0)]));
        // A corner further than the tolerance stays.
        let corner = [(0.0, 0.0), (0.001, 0.001), (0.002, 0.0)];
        assert_eq!(simplify_line(&corner, 10.0).map(|l| l.len()), Some(3));
    }

    #[test]
    fn a_line_shorter_than_the_tolerance_disappears() {
        assert_eq!(simplify_line(&[(1.1, 1.1), (1.2, 1.2)], 100_000.0), None);
        assert!(simplify_line(&[(1.1, 1.1), (1.2, 1.2)], 1000.0).is_some());
    }

    #[test]
    fn the_same_chain_either_way_round() {
        let pts: Vec<Pos> = (0..200).map(|i| (i as f64 * 0.0001, ((i * 7919) % 13) as f64 * 1e-5)).collect();
        let fwd = simplify_chain(&pts, 3.0);
        let rev: Vec<Pos> = pts.iter().rev().copied().collect();
        let mut back = simplify_chain(&rev, 3.0);
        back.reverse();
        assert_eq!(fwd, back);
        assert!(fwd.len() < pts.len());
    }

    #[test]
    fn a_shared_border_stays_shared() {
        // Two squares side by side sharing a wiggly border from (1,0) to (1,1).
        let wiggle: Vec<Pos> = (0..=10).map(|i| (1.0 + if i % 2 == 1 { 1e-6 } else { 0.0 }, i as f64 * 0.1)).collect();
        let mut left = vec![(0.0, 0.0)];
        left.extend(wiggle.iter().copied());
        left.push((0.0, 1.0));
        let mut right: Vec<Pos> = wiggle.iter().rev().copied().collect();
        right.extend([(2.0, 0.0), (2.0, 1.0)]);
        right.rotate_right(2);
        let out = simplify_rings(&[left, right], 10.0);
        let (Some(l), Some(r)) = (&out[0], &out[1]) else { panic!("{out:?}") };
        let on_border = |ring: &Vec<Pos>| -> BTreeSet<(u64, u64)> {
            ring.iter().filter(|p| (p.0 - 1.0).abs() < 1e-3).map(key).collect()
        };
        assert_eq!(on_border(l), on_border(r));
        assert_eq!(l.len(), 4, "{l:?}");
    }

    #[test]
    fn a_small_ring_disappears_and_many_vertices_are_fine() {
        let tri = vec![(0.0, 0.0), (0.001, 0.0), (0.0, 0.001)];
        assert_eq!(simplify_rings(&[tri], 1000.0), vec![None]);
        let circle: Vec<Pos> = (0..10_000)
            .map(|i| {
                let a = i as f64 / 10_000.0 * std::f64::consts::TAU;
                (a.cos(), a.sin())
            })
            .collect();
        let out = simplify_rings(&[circle], 100.0);
        assert!(out[0].as_ref().is_some_and(|r| r.len() > 8 && r.len() < 200), "{:?}", out[0].as_ref().map(Vec::len));
    }
}
