//! Geodesics on the sphere the `geo_*` pages measure on, through
//! `geographiclib-rs` (a flattening of zero is the sphere): the point at a
//! distance and azimuth from another, and the azimuthal equidistant
//! projection around a center, where distances and azimuths from the
//! center are exact and east is `+x`, north `+y` (so a counterclockwise
//! ring stays counterclockwise).

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};

use super::EARTH_RADIUS_M;

/// The sphere of radius [`EARTH_RADIUS_M`].
pub fn sphere() -> Geodesic {
    Geodesic::new(EARTH_RADIUS_M, 0.0)
}

/// A longitude in [-180, 180].
fn wrap(lng: f64) -> f64 {
    if lng > 180.0 {
        lng - 360.0
    } else if lng < -180.0 {
        lng + 360.0
    } else {
        lng
    }
}

/// The `(longitude, latitude)` reached from `from` going `meters` along the
/// geodesic of azimuth `azimuth` (degrees clockwise from north).
pub fn destination(g: &Geodesic, from: (f64, f64), azimuth: f64, meters: f64) -> Option<(f64, f64)> {
    let (lat, lng): (f64, f64) = g.direct(from.1, from.0, azimuth, meters);
    (lat.is_finite() && lng.is_finite()).then(|| (wrap(lng), lat.clamp(-90.0, 90.0)))
}

/// An azimuthal equidistant projection around a center.
pub struct Aeqd {
    g: Geodesic,
    center: (f64, f64),
}

impl Aeqd {
    /// The projection around `center` (`(longitude, latitude)`).
    pub fn new(center: (f64, f64)) -> Aeqd {
        Aeqd { g: sphere(), center }
    }

    /// The plane point of `p`: the distance from the center in meters along
    /// the azimuth. `None` for a non-finite result.
    pub fn forward(&self, p: (f64, f64)) -> Option<(f64, f64)> {
        let (s, azi, _, _): (f64, f64, f64, f64) = self.g.inverse(self.center.1, self.center.0, p.1, p.0);
        let (sin, cos) = azi.to_radians().sin_cos();
        let (x, y) = (s * sin, s * cos);
        (x.is_finite() && y.is_finite()).then_some((x, y))
    }

    /// The point of the sphere at the plane point `(x, y)`.
    pub fn inverse(&self, (x, y): (f64, f64)) -> Option<(f64, f64)> {
        let s = x.hypot(y);
        let azi = if s == 0.0 { 0.0 } else { x.atan2(y).to_degrees() };
        destination(&self.g, self.center, azi, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::geo::sphere::distance;

    #[test]
    fn round_trip_and_exact_distance_from_the_center() {
        for center in [(0.0, 0.0), (179.9, 10.0), (-73.9, 40.8), (10.0, 89.999)] {
            let p = Aeqd::new(center);
            for q in [(center.0 * 0.5, 5.0), (-179.95, 12.0), (0.0, -89.0), (25.0, 89.5)] {
                let xy = p.forward(q).unwrap();
                let back = p.inverse(xy).unwrap();
                assert!(distance(q, back) < 1e-6, "{center:?} {q:?} {back:?}");
                let d = distance(center, q);
                assert!((xy.0.hypot(xy.1) - d).abs() < 1e-6 * d.max(1.0), "{center:?} {q:?}");
            }
        }
    }

    #[test]
    fn east_is_x_and_north_is_y() {
        let p = Aeqd::new((0.0, 0.0));
        let (x, y) = p.forward((1.0, 0.0)).unwrap();
        assert!(x > 100_000.0 && y.abs() < 1e-6);
        let (x, y) = p.forward((0.0, 1.0)).unwrap();
        assert!(y > 100_000.0 && x.abs() < 1e-6);
    }
}
