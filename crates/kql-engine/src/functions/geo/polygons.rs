//! Polygons and multipolygons on the sphere, as the polygon pages define
//! them: GeoJSON rings of at least four positions, closed, of distinct
//! vertices, with edges shorter than 180 degrees that cross no other edge.
//! Every ring is the smaller of the two regions it bounds (whatever its
//! orientation); a polygon is its shell minus its holes.
//!
//! The measures follow S2's loop: the area and the centroid are sums over a
//! fan of triangles from the first vertex (l'Huilier's triangle area, S2's
//! true centroid), containment counts robust edge crossings from a point of
//! known containment, so that a point on a shared border belongs to exactly
//! one of the polygons that share it.

use s2::edge_crossings::{EdgeCrosser, robust_cross_prod};
use s2::edgeutil::distance_from_segment;
use s2::point::{Point, ordered_ccw, point_area, true_centroid};
use s2::predicates::{Direction, robust_sign};
use s2::r3::vector::Vector;
use serde_json::Value as J;

use super::polygon_edges::{Test, edges_cross};
use super::{position, sphere};
use crate::functions::rowwise::V;

/// The most vertices a polygon argument may have (all rings together).
pub const MAX_VERTICES: usize = 1 << 20;
/// Edges longer than this (in radians) are not used as sides of the
/// triangle fan, as S2 does: their triangles are numerically unstable.
const MAX_FAN_EDGE: f64 = std::f64::consts::PI - 1e-5;

/// One ring: its vertices (the closing one dropped) as S2 points, oriented
/// so that its interior is the smaller region, and whether it contains
/// S2's reference point.
#[derive(Debug, Clone)]
pub struct Ring {
    /// The vertices, without the closing one.
    pub pts: Vec<Point>,
    origin_inside: bool,
}

/// One polygon: its shell first, then its holes.
#[derive(Debug, Clone)]
pub struct Polygon {
    /// The shell, then the holes.
    pub rings: Vec<Ring>,
}

/// A polygon or a multipolygon argument.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The polygons, in the order given.
    pub polygons: Vec<Polygon>,
}

/// The polygons of a GeoJSON Polygon or MultiPolygon; `None` if the value
/// or any ring is invalid, or it is larger than [`MAX_VERTICES`].
pub fn shape(v: Option<&V>) -> Option<Shape> {
    let raw = raw_polygons(v)?;
    let total: usize = raw.iter().flatten().map(Vec::len).fold(0, usize::saturating_add);
    if raw.is_empty() || total > MAX_VERTICES {
        return None;
    }
    let polygons = raw
        .into_iter()
        .map(|p| Some(Polygon { rings: p.into_iter().map(|r| Ring::new(&r)).collect::<Option<_>>()? }))
        .collect::<Option<Vec<_>>>()?;
    for p in &polygons {
        if edges_cross(std::slice::from_ref(p), Test::Within)? {
            return None;
        }
    }
    Some(Shape { polygons })
}

/// A polygon's rings as `[longitude, latitude]` positions, shell first.
pub type RawPolygon = Vec<Vec<(f64, f64)>>;

/// The rings of each polygon of a GeoJSON Polygon or MultiPolygon, as
/// positions; `None` if the value is neither or a ring is no ring.
pub fn raw_polygons(v: Option<&V>) -> Option<Vec<RawPolygon>> {
    let V::Dyn(j) = v? else { return None };
    let coords = j.get("coordinates")?;
    match j.get("type")?.as_str()? {
        "Polygon" => Some(vec![rings(coords)?]),
        "MultiPolygon" => coords.as_array()?.iter().map(rings).collect(),
        _ => None,
    }
}

/// The rings of one GeoJSON polygon: at least one, each at least four
/// valid positions, closed; returned without the closing position.
pub fn rings(j: &J) -> Option<Vec<Vec<(f64, f64)>>> {
    let rs = j.as_array()?;
    if rs.is_empty() {
        return None;
    }
    rs.iter()
        .map(|r| {
            let mut pts = r.as_array()?.iter().map(position).collect::<Option<Vec<_>>>()?;
            if pts.len() < 4 || pts.first() != pts.last() {
                return None;
            }
            pts.pop();
            Some(pts)
        })
        .collect()
}

impl Ring {
    /// A ring from its distinct vertices; `None` if two are equal or two
    /// neighbours antipodal.
    fn new(ll: &[(f64, f64)]) -> Option<Ring> {
        let pts: Vec<Point> = ll.iter().map(|p| sphere::point(*p)).collect();
        let mut sorted: Vec<Point> = pts.clone();
        sorted.sort_by_key(|p| p.0);
        if sorted.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
            return None;
        }
        if ll.iter().zip(ll.iter().cycle().skip(1)).any(|(a, b)| sphere::antipodal(*a, *b)) {
            return None;
        }
        Ring::from_points(pts)
    }

    /// A ring of S2 points, made the smaller region; `None` for fewer than
    /// three vertices.
    pub fn from_points(pts: Vec<Point>) -> Option<Ring> {
        let [v0, v1, v2, ..] = pts.as_slice() else { return None };
        let v1_inside = ordered_ccw(&v1.ortho(), v0, v2, v1);
        let v1 = *v1;
        let mut ring = Ring { pts, origin_inside: false };
        if v1_inside != ring.contains(&v1) {
            ring.origin_inside = true;
        }
        if ring.area() > 2.0 * std::f64::consts::PI {
            ring.pts.reverse();
            ring.origin_inside = !ring.origin_inside;
        }
        Some(ring)
    }

    /// The edges `(a, b)` of the ring, the last one back to the first vertex.
    pub fn edges(&self) -> impl Iterator<Item = (&Point, &Point)> {
        self.pts.iter().zip(self.pts.iter().cycle().skip(1))
    }

    /// Whether the ring's interior contains `p` (semi-open: of two rings
    /// that share an edge, exactly one contains a point on it).
    pub fn contains(&self, p: &Point) -> bool {
        let Some(first) = self.pts.first() else { return self.origin_inside };
        let origin = Point::origin();
        let mut crosser = EdgeCrosser::new_with_c(&origin, p, first);
        let mut inside = self.origin_inside;
        for v in self.pts.iter().skip(1).chain(std::iter::once(first)) {
            inside ^= crosser.chain_edge_or_vertex_crossing(v);
        }
        inside
    }

    /// The area of the ring's interior in steradians, in [0, 4π).
    pub fn area(&self) -> f64 {
        let area = signed_area(&self.pts);
        if area < 0.0 { area + 4.0 * std::f64::consts::PI } else { area }
    }

    /// The integral of position over the interior (S2's loop centroid,
    /// not normalized).
    pub fn centroid(&self) -> Vector {
        centroid_integral(&self.pts)
    }

    /// The length of the ring in radians.
    pub fn length(&self) -> f64 {
        self.edges().map(|(a, b)| a.distance(b).rad()).sum()
    }
}

/// The area left of a closed chain of vertices, in [-2π, 2π]: negative
/// when the chain turns clockwise around a region (the region's area,
/// negated).
pub fn signed_area(pts: &[Point]) -> f64 {
    let signed: f64 = fan(pts)
        .iter()
        .map(|[a, b, c]| match robust_sign(a, b, c) {
            Direction::CounterClockwise => point_area(a, b, c),
            Direction::Clockwise => -point_area(a, b, c),
            Direction::Indeterminate => 0.0,
        })
        .sum();
    libm::remainder(signed, 4.0 * std::f64::consts::PI)
}

/// The integral of position over the region left of a closed chain (S2's
/// loop centroid, not normalized; negated for a clockwise chain).
pub fn centroid_integral(pts: &[Point]) -> Vector {
    fan(pts).iter().fold(Vector { x: 0.0, y: 0.0, z: 0.0 }, |s, [a, b, c]| s + true_centroid(a, b, c).0)
}

/// The oriented triangles whose signed sum is the ring's interior (or its
/// exterior, negated): a fan from the first vertex, moved to a stable
/// origin where a side of the fan would be close to 180 degrees.
fn fan(pts: &[Point]) -> Vec<[Point; 3]> {
    let mut out = Vec::with_capacity(pts.len());
    let (Some(v0), Some(last)) = (pts.first().copied(), pts.last().copied()) else { return out };
    let mut origin = v0;
    for w in pts.windows(2).skip(1) {
        let &[vi, vj] = w else { continue };
        if vj.distance(&origin).rad() > MAX_FAN_EDGE {
            let old = origin;
            if origin == v0 {
                origin = robust_cross_prod(&v0, &vi).normalize();
            } else if vi.distance(&v0).rad() < MAX_FAN_EDGE {
                origin = v0;
            } else {
                origin = v0.cross(&old);
                out.push([v0, old, origin]);
            }
            out.push([old, vi, origin]);
        }
        out.push([origin, vi, vj]);
    }
    if origin != v0 {
        out.push([origin, last, v0]);
    }
    out
}

impl Polygon {
    /// Whether the polygon contains `p`: in the shell and in no hole.
    pub fn contains(&self, p: &Point) -> bool {
        let mut rings = self.rings.iter();
        rings.next().is_some_and(|s| s.contains(p)) && !rings.any(|h| h.contains(p))
    }

    /// The area (steradians) of the shell minus the holes.
    pub fn area(&self) -> f64 {
        self.signed(|r| r.area())
    }

    fn signed(&self, f: impl Fn(&Ring) -> f64) -> f64 {
        self.rings.iter().enumerate().map(|(i, r)| if i == 0 { f(r) } else { -f(r) }).sum()
    }

    /// The centroid integral of the shell minus the holes'.
    pub fn centroid(&self) -> Vector {
        let zero = Vector { x: 0.0, y: 0.0, z: 0.0 };
        self.rings.iter().enumerate().fold(zero, |s, (i, r)| {
            let c = r.centroid();
            if i == 0 { s + c } else { s - c }
        })
    }
}

impl Shape {
    /// Whether any polygon contains `p`.
    pub fn contains(&self, p: &Point) -> bool {
        self.polygons.iter().any(|poly| poly.contains(p))
    }

    /// Every edge of every ring.
    pub fn edges(&self) -> impl Iterator<Item = (&Point, &Point)> {
        self.polygons.iter().flat_map(|p| p.rings.iter().flat_map(Ring::edges))
    }

    /// Whether the polygons are pairwise apart (no shared or touching
    /// border, none inside another), so that the union's measures are the
    /// sums of theirs. `None` when too large to check.
    pub fn disjoint(&self) -> Option<bool> {
        if self.polygons.len() < 2 {
            return Some(true);
        }
        if edges_cross(&self.polygons, Test::Touch)? {
            return Some(false);
        }
        let inside = self.polygons.iter().enumerate().any(|(i, a)| {
            self.polygons
                .iter()
                .enumerate()
                .any(|(j, b)| i != j && a.rings.first().and_then(|r| r.pts.first()).is_some_and(|v| b.contains(v)))
        });
        Some(!inside)
    }

    /// Whether the border of this shape touches that of `other` (borders
    /// included: a shared point counts). `None` when too large to check.
    pub fn border_touches(&self, other: &Shape) -> Option<bool> {
        let whole = |s: &Shape| Polygon { rings: s.polygons.iter().flat_map(|p| p.rings.iter().cloned()).collect() };
        edges_cross(&[whole(self), whole(other)], Test::Touch)
    }

    /// The number of edges of all rings.
    pub fn edge_count(&self) -> usize {
        self.polygons.iter().flat_map(|p| p.rings.iter()).map(|r| r.pts.len()).fold(0, usize::saturating_add)
    }

    /// Whether the borders of different polygons meet only where edges
    /// cross in their interiors (no shared vertex, no vertex on another
    /// polygon's edge), so that the union's border is made of pieces cut at
    /// those crossings. `None` when too large to check.
    pub fn crossings_only(&self) -> Option<bool> {
        edges_cross(&self.polygons, Test::Degenerate).map(|d| !d)
    }

    /// Whether the borders of different polygons meet only where edges
    /// cross in their interiors, at shared vertices, or along edges that
    /// one polygon runs one way and another the other (neighbours sharing a
    /// side), so that the union's border is made of pieces cut at the
    /// crossings, less the shared sides. `None` when too large to check.
    pub fn joinable(&self) -> Option<bool> {
        edges_cross(&self.polygons, Test::Unjoinable).map(|d| !d)
    }

    /// The shortest distance (radians) from `x` to the boundary, and the
    /// edge it is reached on.
    pub fn nearest_edge(&self, x: &Point) -> Option<(f64, Point, Point)> {
        let mut best: Option<(f64, Point, Point)> = None;
        for (a, b) in self.edges() {
            let d = distance_from_segment(x, a, b).rad();
            if best.as_ref().is_none_or(|(bd, _, _)| d < *bd) {
                best = Some((d, *a, *b));
            }
        }
        best
    }
}
