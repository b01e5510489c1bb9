//! Point functions on the sphere and the WGS-84 ellipsoid:
//! `geo_distance_2points` (geo-distance-2points-function.md) and
//! `geo_point_in_circle` (geo-point-in-circle-function.md).

use geo::{Distance, Geodesic, HaversineMeasure, Point};

use super::{EARTH_RADIUS_M, coord};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

const SPHERE: HaversineMeasure = HaversineMeasure::new(EARTH_RADIUS_M);

/// The great-circle distance in meters between two points on the sphere.
fn sphere_distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    SPHERE.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
}

/// `geo_distance_2points(lng1, lat1, lng2, lat2 [, use_spheroid])`: meters
/// on the sphere, or on the WGS-84 ellipsoid (geodesic) when asked.
pub fn geo_distance_2points(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(q)) = (coord(a.first(), a.get(1)), coord(a.get(2), a.get(3))) else {
        return V::Null;
    };
    let spheroid = match a.get(4) {
        None => false,
        Some(V::Bool(b)) => *b,
        Some(_) => return V::Null,
    };
    let d = if spheroid {
        Geodesic.distance(Point::new(p.0, p.1), Point::new(q.0, q.1))
    } else {
        sphere_distance(p, q)
    };
    if d.is_finite() { V::Real(d) } else { V::Null }
}

/// `geo_point_in_circle(lng, lat, center_lng, center_lat, radius)`: whether
/// the point lies in the spherical cap of `radius` meters.
pub fn geo_point_in_circle(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(c)) = (coord(a.first(), a.get(1)), coord(a.get(2), a.get(3))) else {
        return V::Null;
    };
    match a.get(4).and_then(num) {
        Some(r) if r.is_finite() && r > 0.0 => V::Bool(sphere_distance(p, c) <= r),
        _ => V::Null,
    }
}
