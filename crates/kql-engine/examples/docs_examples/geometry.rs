//! Geometry outputs of the buffer and simplification functions, compared
//! as shapes. These functions are defined only up to the tolerance the
//! call gives (meters, 10 when not given): Kusto's polygon is one of many
//! valid answers. A result is accepted when it is a geometry of the type
//! printed and the Hausdorff distance between the two borders, measured
//! on the sphere, is within:
//! - the tolerance, for a buffer: both borders lie between the radius and
//!   the radius plus the tolerance from the shape;
//! - twice the tolerance, for a simplification: each result is within the
//!   tolerance of the input shape, so of each other within twice it.
//!
//! A wrong radius or a missing part puts some border further away, and
//! fails. Only an example whose query calls one of [`FUNCTIONS`] once, with
//! a literal tolerance or none, is compared so.

use s2::edgeutil::distance_from_segment;
use s2::latlng::LatLng;
use s2::point::Point;
use serde_json::Value as J;

/// The sphere the pages measure on (meters).
const EARTH_RADIUS_M: f64 = 6_371_010.0;
/// The most points sampled along one border.
const MAX_SAMPLES: usize = 200_000;

/// The functions, the argument their tolerance is (from 0), and how many
/// tolerances apart two valid results may be.
pub const FUNCTIONS: [(&str, usize, f64); 6] = [
    ("geo_point_buffer", 3, 1.0),
    ("geo_line_buffer", 2, 1.0),
    ("geo_polygon_buffer", 2, 1.0),
    ("geo_line_simplify", 1, 2.0),
    ("geo_polygon_simplify", 1, 2.0),
    ("geo_simplify_polygons_array", 1, 2.0),
];

/// How far apart (meters) two geometry results of `query` may be, if the
/// query calls one of [`FUNCTIONS`] once with a literal or no tolerance.
pub fn allowance(query: &str) -> Option<f64> {
    let lower = query.to_ascii_lowercase();
    let mut found = FUNCTIONS.iter().filter_map(|(f, i, k)| {
        let call = format!("{f}(");
        let at = lower.find(&call)?;
        (lower.matches(&call).count() == 1).then_some((at + call.len(), *i, *k))
    });
    let (start, index, factor) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let args = arguments(query.get(start..)?)?;
    let tol = match args.get(index) {
        None => 10.0,
        Some(a) => a.trim().parse::<f64>().ok().filter(|t| t.is_finite() && *t > 0.0)?,
    };
    Some(tol * factor)
}

/// The top-level arguments of a call whose text starts after its `(`.
fn arguments(text: &str) -> Option<Vec<&str>> {
    let (mut depth, mut from, mut quote) = (0usize, 0usize, None::<char>);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')') if depth == 0 => {
                out.push(text.get(from..i)?);
                return Some(out);
            }
            (None, ')' | ']' | '}') => depth = depth.checked_sub(1)?,
            (None, ',') if depth == 0 => {
                out.push(text.get(from..i)?);
                from = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The borders of a GeoJSON Polygon, MultiPolygon, LineString or
/// MultiLineString, as chains of S2 points; `None` for anything else.
fn borders(j: &J) -> Option<(String, Vec<Vec<Point>>)> {
    let kind = j.get("type")?.as_str()?.to_string();
    let coords = j.get("coordinates")?;
    let chain = |c: &J| -> Option<Vec<Point>> {
        c.as_array()?
            .iter()
            .map(|p| match p.as_array()?.as_slice() {
                [x, y] => Some(Point::from(LatLng::from_degrees(y.as_f64()?, x.as_f64()?))),
                _ => None,
            })
            .collect()
    };
    let chains: Vec<Vec<Point>> = match kind.as_str() {
        "LineString" => vec![chain(coords)?],
        "MultiLineString" | "Polygon" => coords.as_array()?.iter().map(chain).collect::<Option<_>>()?,
        "MultiPolygon" => coords
            .as_array()?
            .iter()
            .flat_map(|p| p.as_array().into_iter().flatten())
            .map(chain)
            .collect::<Option<_>>()?,
        _ => return None,
    };
    (!chains.is_empty() && chains.iter().all(|c| !c.is_empty())).then_some((kind, chains))
}

/// Points along the chains, no further apart than `step` radians (the
/// vertices and, on long edges, points between), within [`MAX_SAMPLES`].
fn samples(chains: &[Vec<Point>], step: f64) -> Option<Vec<Point>> {
    let mut out = Vec::new();
    for c in chains {
        out.extend(c.first().copied());
        for w in c.windows(2) {
            let [a, b] = w else { continue };
            let len = a.distance(b).rad();
            let n = (len / step).ceil();
            if !(n.is_finite() && n as usize <= MAX_SAMPLES) {
                return None;
            }
            for i in 1..=n as usize {
                let at = s2::s1::angle::Angle::from(s2::s1::angle::Rad(len * i as f64 / n));
                out.push(s2::edgeutil::interpolate_at_distance(&at, a, b));
            }
            if out.len() > MAX_SAMPLES {
                return None;
            }
        }
    }
    Some(out)
}

/// The furthest (radians) any sample of `from` is from the chains `to`.
fn directed(from: &[Point], to: &[Vec<Point>]) -> f64 {
    from.iter()
        .map(|x| {
            to.iter()
                .flat_map(|c| {
                    let single = (c.len() == 1).then(|| c.first().map(|p| x.distance(p).rad())).flatten();
                    c.windows(2)
                        .filter_map(|w| match w {
                            [a, b] => Some(distance_from_segment(x, a, b).rad()),
                            _ => None,
                        })
                        .chain(single)
                })
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

/// Whether two GeoJSON texts are geometries of one type whose borders are
/// within `allowed` meters of each other (Hausdorff, on the sphere).
/// `None` when either is not such a geometry (then compare as values).
pub fn within(got: &str, want: &str, allowed: f64) -> Option<bool> {
    let (g, w) = (serde_json::from_str::<J>(got).ok()?, serde_json::from_str::<J>(want).ok()?);
    let ((gk, gb), (wk, wb)) = (borders(&g)?, borders(&w)?);
    if gk != wk {
        return Some(false);
    }
    let step = (allowed / 4.0) / EARTH_RADIUS_M;
    let (gs, ws) = (samples(&gb, step)?, samples(&wb, step)?);
    let d = directed(&gs, &wb).max(directed(&ws, &gb)) * EARTH_RADIUS_M;
    Some(d <= allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_comes_from_the_call() {
        assert_eq!(allowance("print s = geo_line_simplify(line, 10)"), Some(20.0));
        assert_eq!(allowance("print s = geo_polygon_simplify(polygon)"), Some(20.0));
        assert_eq!(allowance("print b = geo_point_buffer(1, 2, 300, 0.1)"), Some(0.1));
        assert_eq!(allowance("print b = geo_line_buffer(dynamic({\"a\":[1,2]}), 4, 0.5)"), Some(0.5));
        assert_eq!(allowance("print b = geo_point_buffer(1, 2, 300, t)"), None);
        assert_eq!(allowance("print x = 1"), None);
    }

    #[test]
    fn shapes_within_the_allowance_match_and_others_do_not() {
        let sq = |d: f64| format!(r#"{{"type":"Polygon","coordinates":[[[0,0],[{d},0],[{d},{d}],[0,{d}],[0,0]]]}}"#);
        // 0.001 degrees of latitude is about 111 meters.
        assert_eq!(within(&sq(1.0), &sq(1.0), 100.0), Some(true));
        assert_eq!(within(&sq(1.0), &sq(1.0005), 100.0), Some(true));
        assert_eq!(within(&sq(1.0), &sq(1.002), 100.0), Some(false));
        let line = r#"{"type":"LineString","coordinates":[[0,0],[1,0]]}"#;
        assert_eq!(within(&sq(1.0), line, 1e9), Some(false));
        let two = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]}"#;
        let one = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}"#;
        assert_eq!(within(one, two, 1000.0), Some(false));
        assert_eq!(within("1", &sq(1.0), 1.0), None);
    }
}
