//! Points on the sphere as S2 points (unit vectors), the distance between
//! them as S2 measures it (the angle `atan2(|a×b|, a·b)`, which reproduces
//! the distances and lengths the docs pages print to the last digit), and
//! the relations the `geo_*` pages make invalid (equal or antipodal points).

use s2::latlng::LatLng;
use s2::point::Point;
use s2::predicates::sign;

use super::EARTH_RADIUS_M;

/// How close to zero the cross product of two unit vectors must be for
/// them to count as the same or opposite directions (a few units in the
/// last place, as at a pole, where every longitude is the same point).
const PARALLEL: f64 = 1e-15;

/// The S2 point of `(longitude, latitude)` in degrees.
pub fn point(p: (f64, f64)) -> Point {
    Point::from(LatLng::from_degrees(p.1, p.0))
}

/// The great-circle distance in meters between two points.
pub fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    point(a).distance(&point(b)).rad() * EARTH_RADIUS_M
}

/// Whether `a` and `b` are the same point or antipodal (no single great
/// circle, so no direction, joins them).
pub fn degenerate(a: (f64, f64), b: (f64, f64)) -> bool {
    point(a).0.cross(&point(b).0).norm() < PARALLEL
}

/// Whether `a` and `b` are antipodal.
pub fn antipodal(a: (f64, f64), b: (f64, f64)) -> bool {
    let (u, v) = (point(a).0, point(b).0);
    u.cross(&v).norm() < PARALLEL && u.dot(&v) < 0.0
}

/// Whether the point `p` lies on the great circle through `a` and `b`.
pub fn on_circle(a: (f64, f64), b: (f64, f64), p: (f64, f64)) -> bool {
    on_circle_of(&point(a), &point(b), &point(p))
}

/// [`on_circle`] of S2 points.
pub fn on_circle_of(a: &Point, b: &Point, p: &Point) -> bool {
    let n = a.0.cross(&b.0);
    let len = n.norm();
    len >= PARALLEL && (n.dot(&p.0) / len).abs() < PARALLEL * 16.0
}

/// The point of the edge `ab` closest to `x` (S2's projection onto an
/// edge): the foot of the perpendicular from `x` to the great circle of
/// `ab`, as `(n × x) × n` with `n` the circle's unit normal, when it lies
/// between `a` and `b`, else the nearer endpoint. (This form reproduces
/// the fractions geo-line-locate-point-function.md prints to the last
/// digit; subtracting the normal component does not.)
pub fn project(x: &Point, a: &Point, b: &Point) -> Point {
    let n = a.cross(b).normalize();
    let foot = Point(n.0.cross(&x.0).cross(&n.0)).normalize();
    if sign(&n, a, &foot) && sign(&foot, b, &n) {
        return foot;
    }
    if (*x - *a).0.norm2() <= (*x - *b).0.norm2() { *a } else { *b }
}
