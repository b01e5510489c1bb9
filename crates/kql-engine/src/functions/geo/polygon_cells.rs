//! `geo_polygon_to_s2cells(polygon [, level [, radius]])`
//! (geo-polygon-to-s2cells-function.md): the S2 cells of one level that
//! intersect the polygon, in cell order. A cell intersects it when an edge
//! of the polygon meets the cell (S2 cell edges are great-circle arcs, so
//! robust crossings decide it) or, failing that, when the polygon contains
//! the cell's center. Cells are found from the six faces down, each child
//! tested only against the edges that meet its parent.
//!
//! More than 65,536 cells at any level (the page's limit) gives null, as
//! does more work than [`MAX_EDGE_TESTS`]. A positive radius (a covering of
//! the buffered polygon) is not built: null.

use s2::cell::Cell;
use s2::cellid::CellID;
use s2::edge_crossings::{Crossing, crossing_sign};
use s2::point::Point;

use super::polygons::{Shape, shape};
use super::{strings_json, whole};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The most cells of a covering (the page's limit).
const MAX_CELLS: usize = 65_536;
/// The most edge-against-cell tests one covering may take.
const MAX_EDGE_TESTS: usize = 200_000_000;
/// The deepest S2 level.
const MAX_LEVEL: u8 = 30;

/// Whether edge `ab` meets the closed cell.
fn meets(a: &Point, b: &Point, cell: &Cell, corners: &[Point; 4]) -> bool {
    cell.contains_point(a)
        || cell.contains_point(b)
        || corners
            .iter()
            .zip(corners.iter().cycle().skip(1))
            .any(|(c, d)| crossing_sign(a, b, c, d) != Crossing::DoNotCross)
}

/// The cells of `level` that intersect the shape; `None` past the limits.
pub fn covering(s: &Shape, level: u8) -> Option<Vec<CellID>> {
    let edges: Vec<(Point, Point)> = s.edges().map(|(a, b)| (*a, *b)).collect();
    let all: Vec<u32> = (0..u32::try_from(edges.len()).ok()?).collect();
    let mut tests = 0usize;
    let mut keep = |cell: Cell, parent: &[u32]| -> Option<Option<(Cell, Vec<u32>)>> {
        tests = tests.checked_add(parent.len())?;
        if tests > MAX_EDGE_TESTS {
            return None;
        }
        let corners = cell.vertices();
        let near: Vec<u32> = parent
            .iter()
            .copied()
            .filter(|&i| edges.get(i as usize).is_some_and(|(a, b)| meets(a, b, &cell, &corners)))
            .collect();
        Some((!near.is_empty() || s.contains(&cell.center())).then_some((cell, near)))
    };
    let mut cells: Vec<(Cell, Vec<u32>)> = Vec::new();
    for face in 0..6 {
        if let Some(c) = keep(Cell::from(CellID::from_face(face)), &all)? {
            cells.push(c);
        }
    }
    for _ in 0..level {
        let mut next: Vec<(Cell, Vec<u32>)> = Vec::with_capacity(cells.len().saturating_mul(4));
        for (cell, near) in &cells {
            for child in cell.children().into_iter().flatten() {
                if let Some(c) = keep(child, near)? {
                    next.push(c);
                }
            }
            if next.len() > MAX_CELLS {
                return None;
            }
        }
        cells = next;
    }
    Some(cells.into_iter().map(|(c, _)| c.id).collect())
}

/// `geo_polygon_to_s2cells(polygon [, level [, radius]])`: level 0..30,
/// default 11; radius 0 by default.
pub fn geo_polygon_to_s2cells(a: &[V], _: &mut Ctx) -> V {
    let level = match a.get(1) {
        None | Some(V::Null) => Some(11),
        v => whole(v).and_then(|n| u8::try_from(n).ok()).filter(|n| *n <= MAX_LEVEL),
    };
    let flat = match a.get(2) {
        None | Some(V::Null) => true,
        Some(v) => num(v) == Some(0.0),
    };
    let (Some(level), true, Some(s)) = (level, flat, shape(a.first())) else { return V::Null };
    match covering(&s, level) {
        Some(ids) => strings_json(ids.into_iter().map(|c| c.to_token())),
        None => V::Null,
    }
}
