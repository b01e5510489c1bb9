//! Point functions on the sphere (S2's distance) and the WGS-84 ellipsoid:
//! `geo_distance_2points` (geo-distance-2points-function.md) and
//! `geo_point_in_circle` (geo-point-in-circle-function.md), `geo_azimuth`
//! and `geo_angle` (their pages).

use geo::{Bearing, Distance, Geodesic, Haversine, Point};

use super::coord;
use super::sphere::{self, distance as sphere_distance};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

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
    let d =
        if spheroid { Geodesic.distance(Point::new(p.0, p.1), Point::new(q.0, q.1)) } else { sphere_distance(p, q) };
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

/// The initial bearing from `p` to `q` along the great circle, in radians
/// clockwise from north in [0, 2π); `None` for equal or antipodal points.
fn azimuth(p: (f64, f64), q: (f64, f64)) -> Option<f64> {
    if sphere::degenerate(p, q) {
        return None;
    }
    let deg: f64 = Haversine.bearing(Point::new(p.0, p.1), Point::new(q.0, q.1));
    let rad = deg.to_radians();
    rad.is_finite().then_some(rad)
}

/// `geo_azimuth(lng1, lat1, lng2, lat2)` (geo-azimuth-function.md).
pub fn geo_azimuth(a: &[V], _: &mut Ctx) -> V {
    match (coord(a.first(), a.get(1)), coord(a.get(2), a.get(3))) {
        (Some(p), Some(q)) => azimuth(p, q).map_or(V::Null, V::Real),
        _ => V::Null,
    }
}

/// `geo_angle(lng1, lat1, lng2, lat2, lng3, lat3)` (geo-angle-function.md):
/// the angle at p2 from line [p2, p1] clockwise to line [p2, p3], in [0, 2π).
pub fn geo_angle(a: &[V], _: &mut Ctx) -> V {
    let (Some(p1), Some(p2), Some(p3)) =
        (coord(a.first(), a.get(1)), coord(a.get(2), a.get(3)), coord(a.get(4), a.get(5)))
    else {
        return V::Null;
    };
    let (Some(back), Some(ahead)) = (azimuth(p2, p1), azimuth(p2, p3)) else { return V::Null };
    let tau = std::f64::consts::TAU;
    let angle = (ahead - back).rem_euclid(tau);
    V::Real(if angle >= tau { 0.0 } else { angle })
}
