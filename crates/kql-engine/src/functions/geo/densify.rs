//! `geo_line_densify` (geo-line-densify-function.md): a line whose edges
//! are straight in longitude and latitude (plate carrée, as GeoJSON draws
//! them) turned into a chain of great-circle edges that stays within a
//! tolerance of it, as S2's edge tessellator does: an edge is halved in
//! the plane until the estimated distance between the planar edge and the
//! great-circle arc between its ends is within the tolerance. The estimate
//! compares the two at fractions t and 1 − t of their length (t ≈ 0.312,
//! where a parabola-shaped and a cubic-shaped error curve of equal peak
//! meet) and scales the tolerance by the value of those curves there, so
//! that the larger of the two distances bounds the peak; an arc longer
//! than 90 degrees is always halved.

use s2::edgeutil::interpolate;
use s2::latlng::LatLng;
use s2::point::Point;
use s2::s1::angle::{Angle, Rad};
use s2::s1::chordangle::ChordAngle;
use serde_json::{Value as J, json};

use super::line_chains::Pos;
use super::lines::lines;
use super::{EARTH_RADIUS_M, real};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The fraction of an edge's length at which (and at one minus which) the
/// planar and the great-circle edge are compared.
const FRACTION: f64 = 0.312_156_910_822_483_12;

/// The height at [`FRACTION`] of the error curves of peak 1: the tolerance
/// is scaled by it, so a distance there within the scaled tolerance means
/// a peak within the tolerance.
const SCALE: f64 = 0.838_299_925_698_885_1;

/// At most this many vertices come out (Kusto's limit is 10,485,760; past
/// this one the result is null rather than a value of tens of megabytes).
pub const MAX_POINTS: usize = 1 << 20;

/// The S2 point of a plate carrée position (degrees).
fn unproject(p: Pos) -> Point {
    Point::from(LatLng::from_degrees(p.1, p.0))
}

/// The estimated distance, as a squared chord, between the planar edge
/// `pa`–`pb` and the great-circle edge between their points `a` and `b`.
fn error(pa: Pos, a: &Point, pb: Pos, b: &Point) -> f64 {
    if a.0.dot(&b.0) < -1e-14 {
        return f64::INFINITY;
    }
    let at = |t: f64| {
        let planar = unproject((pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1)));
        let arc = interpolate(t, a, b);
        (planar.0 - arc.0).norm2()
    };
    at(FRACTION).max(at(1.0 - FRACTION))
}

/// Appends the vertices of the densified edge `pa`–`pb` after `pa`, the
/// added ones as positions and `pb` as `written`; false when more than
/// [`MAX_POINTS`] would be in `out`.
fn densify_edge(pa: Pos, pb: Pos, written: &J, tolerance: f64, out: &mut Vec<J>) -> bool {
    let mut stack = vec![(pa, unproject(pa), pb, unproject(pb))];
    while let Some((p, a, q, b)) = stack.pop() {
        if error(p, &a, q, &b) <= tolerance {
            if out.len() >= MAX_POINTS {
                return false;
            }
            // The last piece ends at the edge's end, given as written.
            out.push(if stack.is_empty() { written.clone() } else { J::Array(vec![real(q.0), real(q.1)]) });
        } else {
            let m = ((p.0 + q.0) * 0.5, (p.1 + q.1) * 0.5);
            let mid = unproject(m);
            // The first half is taken first.
            stack.push((m, mid, q, b));
            stack.push((p, a, m, mid));
        }
    }
    true
}

/// `geo_line_densify(line [, tolerance [, preserve_crossing]])`: tolerance
/// in meters from 0.1 to 10,000, default 10; null for an invalid line or
/// tolerance and past [`MAX_POINTS`] vertices. The line's own vertices are
/// given as written. Binding refuses `preserve_crossing` other than a
/// constant `false`.
pub fn geo_line_densify(a: &[V], _: &mut Ctx) -> V {
    let tolerance = match a.get(1) {
        None => Some(10.0),
        Some(v) => num(v).filter(|t| (0.1..=10_000.0).contains(t)),
    };
    let (Some(ls), Some(tolerance), Some(V::Dyn(j))) = (lines(a.first()), tolerance, a.first()) else {
        return V::Null;
    };
    let (ty, Some(written)) = (j.get("type").and_then(J::as_str), j.get("coordinates")) else { return V::Null };
    let written: Vec<&J> = match ty {
        Some("LineString") => vec![written],
        _ => written.as_array().map(|a| a.iter().collect()).unwrap_or_default(),
    };
    let scaled = ChordAngle::from(Angle::from(Rad(SCALE * tolerance / EARTH_RADIUS_M))).0;
    let mut total = 0usize;
    let mut out = Vec::with_capacity(ls.len());
    for (l, w) in ls.iter().zip(&written) {
        let (Some(w), Some(first)) = (w.as_array(), w.as_array().and_then(|w| w.first())) else { return V::Null };
        let mut pts = vec![first.clone()];
        for (e, end) in l.windows(2).zip(w.iter().skip(1)) {
            if let [p, q] = e
                && !densify_edge(*p, *q, end, scaled, &mut pts)
            {
                return V::Null;
            }
        }
        total = match total.checked_add(pts.len()) {
            Some(n) if n <= MAX_POINTS => n,
            _ => return V::Null,
        };
        out.push(J::Array(pts));
    }
    V::Dyn(match (ty, out.pop()) {
        (Some("LineString"), Some(line)) if out.is_empty() => json!({"type": "LineString", "coordinates": line}),
        (_, Some(last)) => {
            out.push(last);
            json!({"type": "MultiLineString", "coordinates": out})
        }
        (_, None) => J::Null,
    })
}
