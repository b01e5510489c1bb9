//! `geo_intersection_line_with_polygon(line, polygon)`
//! (geo-intersection-line-with-polygon-function.md): the parts of a line
//! or multiline inside a polygon or multipolygon. Each edge of the line is
//! cut where it crosses the polygon's border (S2's robust crossing test and
//! its intersection point); a piece is kept when the polygon contains its
//! midpoint, and kept pieces that follow each other join into one line.
//! One line comes out as a LineString, several as a MultiLineString, none
//! as an empty GeometryCollection.

use s2::edge_crossings::{Crossing, EdgeCrosser, get_intersection};
use s2::latlng::LatLng;
use s2::point::Point;
use serde_json::{Value as J, json};

use super::lines::lines;
use super::polygon_measures::within_budget;
use super::polygons::{Shape, shape};
use super::{real, sphere};
use crate::functions::rowwise::{Ctx, V};

/// The most crossing points one call computes.
const MAX_CUTS: usize = 1_000_000;

/// The points where edge `uv` crosses the border, ordered from `u`.
fn cuts(u: &Point, v: &Point, s: &Shape, budget: &mut usize) -> Option<Vec<Point>> {
    let mut crosser = EdgeCrosser::new(u, v);
    let mut out: Vec<(f64, Point)> = Vec::new();
    for (a, b) in s.edges() {
        if crosser.crossing_sign(a, b) == Crossing::Cross {
            *budget = budget.checked_sub(1)?;
            let x = get_intersection(u, v, a, b);
            out.push((u.distance(&x).rad(), x));
        }
    }
    out.sort_by(|p, q| p.0.total_cmp(&q.0));
    Some(out.into_iter().map(|(_, x)| x).collect())
}

/// The pieces of one line inside the shape.
fn clip(line: &[Point], s: &Shape, budget: &mut usize, out: &mut Vec<Vec<Point>>) -> Option<()> {
    let mut current: Vec<Point> = Vec::new();
    for w in line.windows(2) {
        let [u, v] = w else { continue };
        let mut stops = vec![*u];
        stops.extend(cuts(u, v, s, budget)?);
        stops.push(*v);
        for piece in stops.windows(2) {
            let [p, q] = piece else { continue };
            if p == q {
                continue;
            }
            let mid = Point((p.0 + q.0).normalize());
            if s.contains(&mid) {
                if current.is_empty() {
                    current.push(*p);
                }
                current.push(*q);
            } else if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if current.len() >= 2 {
        out.push(current);
    }
    Some(())
}

fn coords(line: &[Point]) -> J {
    J::Array(
        line.iter()
            .map(|p| {
                let ll = LatLng::from(*p);
                json!([real(ll.lng.deg()), real(ll.lat.deg())])
            })
            .collect(),
    )
}

/// `geo_intersection_line_with_polygon(line, polygon)`.
pub fn geo_intersection_line_with_polygon(a: &[V], _: &mut Ctx) -> V {
    let (Some(ls), Some(s)) = (lines(a.first()), shape(a.get(1))) else { return V::Null };
    if !within_budget(&ls, &s) {
        return V::Null;
    }
    let mut budget = MAX_CUTS;
    let mut pieces: Vec<Vec<Point>> = Vec::new();
    for l in &ls {
        let pts: Vec<Point> = l.iter().map(|p| sphere::point(*p)).collect();
        if clip(&pts, &s, &mut budget, &mut pieces).is_none() {
            return V::Null;
        }
    }
    V::Dyn(match pieces.as_slice() {
        [] => json!({"type": "GeometryCollection", "geometries": []}),
        [one] => json!({"type": "LineString", "coordinates": coords(one)}),
        many => json!({"type": "MultiLineString", "coordinates": many.iter().map(|l| coords(l)).collect::<Vec<_>>()}),
    })
}
