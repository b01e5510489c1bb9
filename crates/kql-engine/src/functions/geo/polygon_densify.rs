//! `geo_polygon_densify(polygon [, tolerance [, preserve_crossing]])`
//! (geo-polygon-densify-function.md): each edge, read as a straight line in
//! longitude and latitude, is halved at its planar midpoint while that
//! midpoint is further than `tolerance` meters from the great-circle
//! midpoint of the piece, so that the geodesic edges of the result stay
//! within `tolerance` of the planar ones. Input vertices are kept as given.

use serde_json::{Value as J, json};

use super::{position, real, sphere};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The most points the result may have (the page's limit).
const MAX_POINTS: usize = 10_485_760;
/// The deepest an edge is halved (2^40 pieces are far past the limit).
const MAX_DEPTH: u32 = 40;

/// A tolerance argument in [0.1, 10000] meters, 10 by default.
fn tolerance(v: Option<&V>) -> Option<f64> {
    match v {
        None | Some(V::Null) => Some(10.0),
        Some(v) => num(v).filter(|t| (0.1..=10_000.0).contains(t)),
    }
}

/// A coordinate as JSON: a whole number as an integer, as in the input.
fn coordinate(x: f64) -> J {
    if x.fract() == 0.0 && x.abs() <= 1e15 { json!(x as i64) } else { real(x) }
}

/// The great-circle midpoint of `p` and `q` as `(longitude, latitude)`.
fn geodesic_mid(p: (f64, f64), q: (f64, f64)) -> Option<(f64, f64)> {
    let m = sphere::point(p).0 + sphere::point(q).0;
    let n2 = m.norm2();
    if n2.is_nan() || n2 <= 0.0 {
        return None;
    }
    let ll = s2::latlng::LatLng::from(s2::point::Point(m.normalize()));
    Some((ll.lng.deg(), ll.lat.deg()))
}

/// A planar piece of an edge: its ends and how many halvings made it.
type Piece = ((f64, f64), (f64, f64), u32);

/// Appends the points strictly between `p` and `q` to `out`; `None` past
/// [`MAX_POINTS`] or for an edge with no defined geodesic.
fn densify_edge(p: (f64, f64), q: (f64, f64), tol: f64, wrap: bool, out: &mut Vec<J>) -> Option<()> {
    let q = if wrap && (q.0 - p.0).abs() > 180.0 { (q.0 - 360f64.copysign(q.0 - p.0), q.1) } else { q };
    // Pieces still to examine, last first; each is a planar segment.
    let mut stack: Vec<Piece> = vec![(p, q, 0)];
    while let Some((a, b, depth)) = stack.pop() {
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let wrapped = |x: (f64, f64)| {
            if x.0 > 180.0 {
                (x.0 - 360.0, x.1)
            } else if x.0 < -180.0 {
                (x.0 + 360.0, x.1)
            } else {
                x
            }
        };
        let (wa, wb, wm) = (wrapped(a), wrapped(b), wrapped(mid));
        if sphere::antipodal(wa, wb) {
            return None;
        }
        let split = depth < MAX_DEPTH
            && match geodesic_mid(wa, wb) {
                Some(g) => sphere::distance(wm, g) > tol,
                None => false,
            };
        if split {
            stack.push((mid, b, depth + 1));
            stack.push((a, mid, depth + 1));
        } else if b != q {
            if out.len() >= MAX_POINTS {
                return None;
            }
            out.push(json!([coordinate(wb.0), coordinate(wb.1)]));
        }
    }
    Some(())
}

/// One ring densified; `None` if it is not a closed ring of valid positions.
fn ring(j: &J, tol: f64, wrap: bool, budget: &mut usize) -> Option<J> {
    let given = j.as_array()?;
    let pts = given.iter().map(position).collect::<Option<Vec<_>>>()?;
    if pts.len() < 4 || pts.first() != pts.last() {
        return None;
    }
    let mut out: Vec<J> = Vec::with_capacity(given.len());
    for (k, (w, g)) in pts.windows(2).zip(given).enumerate() {
        let &[p, q] = w else { return None };
        out.push(g.clone());
        densify_edge(p, q, tol, wrap, &mut out)?;
        if k + 2 == pts.len() {
            out.push(given.last()?.clone());
        }
    }
    *budget = budget.checked_sub(out.len())?;
    Some(J::Array(out))
}

fn polygon(j: &J, tol: f64, wrap: bool, budget: &mut usize) -> Option<J> {
    let rs = j.as_array()?;
    if rs.is_empty() {
        return None;
    }
    Some(J::Array(rs.iter().map(|r| ring(r, tol, wrap, budget)).collect::<Option<_>>()?))
}

/// `geo_polygon_densify(polygon [, tolerance [, preserve_crossing]])`.
pub fn geo_polygon_densify(a: &[V], _: &mut Ctx) -> V {
    let (Some(V::Dyn(j)), Some(tol)) = (a.first(), tolerance(a.get(1))) else { return V::Null };
    let wrap = match a.get(2) {
        None | Some(V::Null) => false,
        Some(V::Bool(b)) => *b,
        Some(_) => return V::Null,
    };
    let (Some(kind), Some(coords)) = (j.get("type").and_then(J::as_str), j.get("coordinates")) else {
        return V::Null;
    };
    let mut budget = MAX_POINTS;
    let out = match kind {
        "Polygon" => polygon(coords, tol, wrap, &mut budget),
        "MultiPolygon" => coords.as_array().filter(|ps| !ps.is_empty()).and_then(|ps| {
            ps.iter().map(|p| polygon(p, tol, wrap, &mut budget)).collect::<Option<Vec<_>>>().map(J::Array)
        }),
        _ => None,
    };
    match out {
        Some(c) => V::Dyn(json!({"type": kind, "coordinates": c})),
        None => V::Null,
    }
}
