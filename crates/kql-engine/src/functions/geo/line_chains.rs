//! The edges of lines as a graph: the edges lines share, an edge and its
//! reverse counting once, and the chains of those edges written back as a
//! LineString or MultiLineString. Used by the union and the intersection
//! of lines.

use std::collections::{HashMap, HashSet};

use s2::edgeutil::distance_from_segment;
use s2::point::Point;
use serde_json::{Value as J, json};

use super::real;
use super::sphere::{on_circle_of, point};

/// A position `(longitude, latitude)`; `-0.0` is written as `0.0` so that
/// equal positions have equal keys.
pub type Pos = (f64, f64);

/// At most this many pairs of edges are compared by the functions that
/// compare every edge of one set with every edge of another; past it they
/// give null.
pub const MAX_EDGE_PAIRS: usize = 1 << 24;

/// How far (radians) a vertex may be from an edge and count as on it: a few
/// units in the last place of a unit vector.
pub const ON_EDGE: f64 = 1e-15;

fn key(p: Pos) -> (u64, u64) {
    ((p.0 + 0.0).to_bits(), (p.1 + 0.0).to_bits())
}

/// An edge: its ends as written and as S2 points.
#[derive(Clone, Copy)]
pub struct Edge {
    /// The start as written.
    pub a: Pos,
    /// The end as written.
    pub b: Pos,
    /// The start on the sphere.
    pub pa: Point,
    /// The end on the sphere.
    pub pb: Point,
}

impl Edge {
    /// The same edge, either way round.
    pub fn same(&self, f: &Edge) -> bool {
        let k = |p: Pos| key(p);
        (k(self.a) == k(f.a) && k(self.b) == k(f.b)) || (k(self.a) == k(f.b) && k(self.b) == k(f.a))
    }

    /// Whether `x` lies on the edge (within [`ON_EDGE`]).
    pub fn holds(&self, x: &Point) -> bool {
        distance_from_segment(x, &self.pa, &self.pb).rad() < ON_EDGE
    }
}

/// The edges of lines in order, without zero-length edges.
pub fn edges(ls: &[Vec<Pos>]) -> Vec<Edge> {
    ls.iter()
        .flat_map(|l| l.windows(2).filter_map(|w| if let [a, b] = w { Some((*a, *b)) } else { None }))
        .filter(|(a, b)| key(*a) != key(*b))
        .map(|(a, b)| Edge { a, b, pa: point(a), pb: point(b) })
        .collect()
}

/// Whether two edges on one great circle share more than a point without
/// being the same edge: such a stretch would have to be split to be
/// counted once, which is not done here.
pub fn partial_overlap(e: &Edge, f: &Edge) -> bool {
    if e.same(f) || !(on_circle_of(&e.pa, &e.pb, &f.pa) && on_circle_of(&e.pa, &e.pb, &f.pb)) {
        return false;
    }
    let inside = |x: Pos, px: &Point, g: &Edge| key(x) != key(g.a) && key(x) != key(g.b) && g.holds(px);
    inside(f.a, &f.pa, e) || inside(f.b, &f.pb, e) || inside(e.a, &e.pa, f) || inside(e.b, &e.pb, f)
}

/// The edges of the union of lines, each once (either way round); `None`
/// when two edges share part of a stretch without being the same edge
/// (see [`partial_overlap`]) and past [`MAX_EDGE_PAIRS`] pairs of edges.
pub fn union_edges(ls: &[Vec<Pos>]) -> Option<Vec<Edge>> {
    let all = edges(ls);
    if all.len().checked_mul(all.len())? > MAX_EDGE_PAIRS {
        return None;
    }
    let mut unique: Vec<Edge> = Vec::with_capacity(all.len());
    for (i, e) in all.iter().enumerate() {
        if all.iter().skip(i + 1).any(|f| partial_overlap(e, f)) {
            return None;
        }
        if !unique.iter().any(|u| u.same(e)) {
            unique.push(*e);
        }
    }
    Some(unique)
}

/// The chains of a set of edges (an edge and its reverse once, in the
/// order first given): each chain runs on through vertices that join
/// exactly two edges and stops at ends and at junctions.
pub fn chains(edges: &[Edge]) -> Vec<Vec<Pos>> {
    let mut unique: Vec<(Pos, Pos)> = Vec::new();
    let mut seen: HashSet<((u64, u64), (u64, u64))> = HashSet::new();
    for &Edge { a, b, .. } in edges {
        let (ka, kb) = (key(a), key(b));
        let k = if ka <= kb { (ka, kb) } else { (kb, ka) };
        if seen.insert(k) {
            unique.push((a, b));
        }
    }
    let mut at: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, (a, b)) in unique.iter().enumerate() {
        at.entry(key(*a)).or_default().push(i);
        at.entry(key(*b)).or_default().push(i);
    }
    let mut used = vec![false; unique.len()];
    // The unused edge that continues a chain through `v`, if `v` joins two.
    let next = |v: Pos, used: &[bool]| -> Option<usize> {
        let incident = at.get(&key(v))?;
        if incident.len() != 2 {
            return None;
        }
        incident.iter().copied().find(|&i| !used.get(i).copied().unwrap_or(true))
    };
    let other = |i: usize, v: Pos| -> Option<Pos> {
        let (a, b) = *unique.get(i)?;
        Some(if key(a) == key(v) { b } else { a })
    };
    let mut out = Vec::new();
    for (start, &(a, b)) in unique.iter().enumerate() {
        if used.get(start).copied().unwrap_or(true) {
            continue;
        }
        if let Some(u) = used.get_mut(start) {
            *u = true;
        }
        let mut chain = vec![a, b];
        let mut end = b;
        while let Some(i) = next(end, &used) {
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            let Some(v) = other(i, end) else { break };
            chain.push(v);
            end = v;
        }
        let mut head = vec![];
        let mut begin = a;
        while let Some(i) = next(begin, &used) {
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            let Some(v) = other(i, begin) else { break };
            head.push(v);
            begin = v;
        }
        head.reverse();
        head.extend(chain);
        out.push(head);
    }
    out
}

fn coords(l: &[Pos]) -> J {
    J::Array(l.iter().map(|&(x, y)| J::Array(vec![real(x), real(y)])).collect())
}

/// Lines as GeoJSON: one is a LineString, several a MultiLineString.
pub fn lines_json(ls: &[Vec<Pos>]) -> J {
    match ls {
        [l] => json!({"type": "LineString", "coordinates": coords(l)}),
        _ => json!({"type": "MultiLineString", "coordinates": J::Array(ls.iter().map(|l| coords(l)).collect())}),
    }
}

/// Points as GeoJSON: one is a Point, several a MultiPoint.
pub fn points_json(ps: &[Pos]) -> J {
    match ps {
        [(x, y)] => json!({"type": "Point", "coordinates": [real(*x), real(*y)]}),
        _ => json!({"type": "MultiPoint", "coordinates": coords(ps)}),
    }
}
