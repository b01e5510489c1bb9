//! `geo_line_to_s2cells(line [, level [, radius]])`
//! (geo-line-to-s2cells-function.md): the tokens of the S2 cells of one
//! level that a line or multiline touches, or that come within `radius`
//! meters of it, sorted by cell id. A cell touches an edge when it holds a
//! vertex or one of its four sides meets the edge (S2's robust crossing
//! test, as S2's polyline does for a covering); its distance to an edge it
//! does not touch is the least distance between a corner of the cell and
//! the edge or an end of the edge and a side of the cell. The cells are
//! found by walking outward from the cell of each edge's first vertex
//! through the neighbors that pass the test.

use std::collections::HashSet;

use s2::cell::Cell;
use s2::cellid::CellID;
use s2::edge_crossings::{Crossing, crossing_sign};
use s2::edgeutil::distance_from_segment;
use s2::point::Point;

use super::lines::lines;
use super::sphere::point;
use super::{EARTH_RADIUS_M, strings_json, whole};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// At most this many cells cover one line (as Kusto documents); past it
/// the result is null.
pub const MAX_CELLS: usize = 65_536;

/// At most this many cell tests are made for one line; past it the result
/// is null (many edges crowded into few cells).
const MAX_TESTS: usize = 1 << 22;

/// The deepest S2 level.
const MAX_LEVEL: i64 = 30;

/// Whether the cell holds `a` or `b` or one of its sides meets the edge.
fn touches(cell: &Cell, a: &Point, b: &Point) -> bool {
    if cell.contains_point(a) || cell.contains_point(b) {
        return true;
    }
    let v = cell.vertices();
    (0..4).any(|k| match (v.get(k), v.get((k + 1) % 4)) {
        (Some(c), Some(d)) => crossing_sign(c, d, a, b) != Crossing::DoNotCross,
        _ => false,
    })
}

/// Whether the cell is within `radius` (radians) of the edge `ab`.
fn near(cell: &Cell, a: &Point, b: &Point, radius: f64) -> bool {
    if touches(cell, a, b) {
        return true;
    }
    if radius <= 0.0 {
        return false;
    }
    let v = cell.vertices();
    let corner = v.iter().any(|c| distance_from_segment(c, a, b).rad() <= radius);
    corner
        || (0..4).any(|k| match (v.get(k), v.get((k + 1) % 4)) {
            (Some(c), Some(d)) => [a, b].iter().any(|x| distance_from_segment(x, c, d).rad() <= radius),
            _ => false,
        })
}

/// `geo_line_to_s2cells`: level 0..30 (default 11), radius in meters, 0 or
/// more (default 0); null for an invalid line, level or radius, and past
/// [`MAX_CELLS`] cells or [`MAX_TESTS`] tests.
pub fn geo_line_to_s2cells(a: &[V], _: &mut Ctx) -> V {
    let level = match a.get(1) {
        None => Some(11),
        v => whole(v).filter(|n| (0..=MAX_LEVEL).contains(n)),
    };
    let radius = match a.get(2) {
        None => Some(0.0),
        Some(v) => num(v).filter(|r| r.is_finite() && *r >= 0.0),
    };
    let (Some(ls), Some(level), Some(radius)) = (lines(a.first()), level, radius) else { return V::Null };
    let Ok(level) = u64::try_from(level) else { return V::Null };
    let radius = radius / EARTH_RADIUS_M;
    let mut found: HashSet<CellID> = HashSet::new();
    let mut tests = 0usize;
    for l in &ls {
        for w in l.windows(2) {
            let [p, q] = w else { continue };
            let (pa, pb) = (point(*p), point(*q));
            let start = CellID::from(pa).parent(level);
            let mut seen: HashSet<CellID> = HashSet::from([start]);
            let mut todo = vec![start];
            while let Some(id) = todo.pop() {
                tests += 1;
                if tests > MAX_TESTS {
                    return V::Null;
                }
                if !near(&Cell::from(id), &pa, &pb, radius) {
                    continue;
                }
                found.insert(id);
                if found.len() > MAX_CELLS {
                    return V::Null;
                }
                for n in id.all_neighbors(level) {
                    if seen.insert(n) {
                        todo.push(n);
                    }
                }
            }
        }
    }
    let mut cells: Vec<CellID> = found.into_iter().collect();
    cells.sort_unstable();
    strings_json(cells.iter().map(CellID::to_token))
}
