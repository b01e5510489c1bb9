//! `geo_point_buffer(longitude, latitude, radius [, tolerance])`
//! (geo-point-buffer-function.md), and the radius, tolerance and circle the
//! other buffers share. A buffer holds every point within `radius` meters
//! of the shape (on the sphere) and reaches at most `tolerance` meters
//! further: the circle is a polygon of geodesic edges tangent to the true
//! circle, with as few vertices as keep its corners within the tolerance.

use super::aeqd::{destination, sphere};
use super::{EARTH_RADIUS_M, coord, polygon_json};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The most vertices of one circle (the tolerance's lower bound, a
/// millionth of the radius, needs about 2,300).
pub const MAX_CIRCLE_VERTICES: usize = 1 << 16;

/// A radius and tolerance, in meters, as the buffer pages define them: the
/// radius positive; the tolerance 10 when not given, at least 0.0001% of
/// the radius, and lowered to just below the radius when larger. `None` if
/// either is invalid.
pub fn radius_tolerance(radius: Option<&V>, tolerance: Option<&V>) -> Option<(f64, f64)> {
    let r = num(radius?).filter(|r| r.is_finite() && *r > 0.0)?;
    let t = match tolerance {
        None | Some(V::Null) => 10.0,
        Some(v) => num(v).filter(|t| t.is_finite() && *t > 0.0)?,
    };
    if t < r * 1e-6 {
        return None;
    }
    Some((r, if t >= r { r.next_down() } else { t }))
}

/// The ring (counterclockwise, not closed) of a polygon around `center`
/// that contains every point within `inner` meters of it, with vertices at
/// most `inner + slack` meters away: `n` vertices at the distance where the
/// geodesic edge between two neighbours touches the circle of `inner`,
/// `n` the fewest for which that distance is within the slack. `None` when
/// the circle (with its slack) is not smaller than a hemisphere, or needs
/// more than [`MAX_CIRCLE_VERTICES`].
pub fn circle(center: (f64, f64), inner: f64, slack: f64) -> Option<Vec<(f64, f64)>> {
    // Each edge subtends less than 180 degrees, so there are at least three.
    let (n, at) = spacing(inner, slack, 360.0)?;
    let g = sphere();
    // Azimuths decrease (clockwise from north) to go counterclockwise.
    (0..n).map(|i| destination(&g, center, -360.0 * i as f64 / n as f64, at)).collect()
}

/// How many vertices an arc of `sweep` degrees of the circle of `inner`
/// meters needs so that the geodesic edges between them, at their
/// distance (the second value, meters), touch the circle while the
/// vertices are at most `slack` further out. An edge subtending 2α at the
/// center touches the circle of radius ρ when its ends are at ρ' with
/// tan ρ = tan ρ' cos α. `None` when the circle with its slack is not
/// smaller than a hemisphere, or needs more than [`MAX_CIRCLE_VERTICES`].
fn spacing(inner: f64, slack: f64, sweep: f64) -> Option<(usize, f64)> {
    let (rho, outer) = (inner / EARTH_RADIUS_M, (inner + slack) / EARTH_RADIUS_M);
    if !(rho > 0.0 && outer > rho && outer < std::f64::consts::FRAC_PI_2) {
        return None;
    }
    let half = (rho.tan() / outer.tan()).acos();
    let sweep = sweep.abs().to_radians();
    let n = (sweep / (2.0 * half)).ceil();
    if !(n.is_finite() && n <= MAX_CIRCLE_VERTICES as f64) {
        return None;
    }
    let n = (n as usize).max(1);
    let at = (rho.tan() / (sweep / n as f64 / 2.0).cos()).atan() * EARTH_RADIUS_M;
    Some((n, at))
}

/// A sector of the circle of `inner` meters around `center` from the
/// azimuth `from` over `sweep` degrees (positive clockwise): `apex` (a
/// point within the circle), then points on the arc as [`circle`] spaces
/// them, the first and last on the two bounding azimuths. `None` as for
/// [`circle`].
pub fn sector(
    center: (f64, f64),
    apex: (f64, f64),
    inner: f64,
    slack: f64,
    from: f64,
    sweep: f64,
) -> Option<Vec<(f64, f64)>> {
    let (n, at) = spacing(inner, slack, sweep)?;
    let g = sphere();
    let arc = (0..=n).map(|i| destination(&g, center, from + sweep * i as f64 / n as f64, at));
    std::iter::once(Some(apex)).chain(arc).collect()
}

/// `geo_point_buffer(longitude, latitude, radius [, tolerance])`.
pub fn geo_point_buffer(a: &[V], _: &mut Ctx) -> V {
    let (Some(c), Some((r, t))) = (coord(a.first(), a.get(1)), radius_tolerance(a.get(2), a.get(3))) else {
        return V::Null;
    };
    match circle(c, r, t) {
        Some(mut ring) => {
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            polygon_json(ring)
        }
        None => V::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::geo::polygons::shape;
    use crate::functions::geo::sphere::{distance, point};
    use s2::edgeutil::distance_from_segment;

    fn ctx() -> Ctx {
        Ctx::default()
    }

    /// The ring of a polygon result, closed.
    fn ring_of(v: &V) -> Vec<(f64, f64)> {
        let V::Dyn(j) = v else { panic!("not a polygon: {v:?}") };
        j["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    }

    /// The nearest and furthest distances (meters) of the ring's border
    /// from `c`: vertices and a sample of each geodesic edge.
    fn extent(c: (f64, f64), ring: &[(f64, f64)]) -> (f64, f64) {
        let x = point(c);
        let near = ring
            .windows(2)
            .map(|w| distance_from_segment(&x, &point(w[0]), &point(w[1])).rad() * EARTH_RADIUS_M)
            .fold(f64::INFINITY, f64::min);
        let far = ring.iter().map(|p| distance(c, *p)).fold(0.0, f64::max);
        (near, far)
    }

    #[test]
    fn within_radius_and_tolerance_everywhere() {
        for (c, r, t) in [
            ((-115.1745008278, 36.1497251277), 20_000.0, 10.0),
            ((0.0, 90.0), 1000.0, 0.5),
            ((179.99, -10.0), 50_000.0, 1.0),
            ((10.0, 10.0), 4.0, 0.1),
            ((0.0, 0.0), 5_000_000.0, 10.0),
        ] {
            let v = geo_point_buffer(&[V::Real(c.0), V::Real(c.1), V::Real(r), V::Real(t)], &mut ctx());
            let ring = ring_of(&v);
            let (near, far) = extent(c, &ring);
            assert!(near >= r * (1.0 - 1e-9), "{c:?} {r}: border at {near}");
            assert!(far <= r + t + 1e-6 * r, "{c:?} {r}: vertex at {far}");
            assert!(shape(Some(&v)).is_some(), "{c:?} {r}: not a valid polygon");
        }
    }

    #[test]
    fn fewer_vertices_for_a_looser_tolerance() {
        let n = |t: f64| {
            ring_of(&geo_point_buffer(&[V::Real(0.0), V::Real(0.0), V::Real(1000.0), V::Real(t)], &mut ctx())).len()
        };
        assert!(n(100.0) < n(10.0) && n(10.0) < n(0.1));
        // A tolerance above the radius is lowered to just below it.
        assert_eq!(n(5000.0), n(999.999_999));
    }

    #[test]
    fn invalid_arguments_are_null() {
        let call = |args: &[V]| geo_point_buffer(args, &mut ctx());
        for args in [
            vec![V::Real(200.0), V::Real(1.0), V::Real(0.1)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(-1.0)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(0.0)],
            vec![V::Real(f64::NAN), V::Real(10.0), V::Real(10.0)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(f64::INFINITY)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(1e6), V::Real(0.1)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(100.0), V::Real(-1.0)],
            vec![V::Real(10.0), V::Real(10.0), V::Real(1e12)],
            vec![V::Null, V::Real(10.0), V::Real(100.0)],
        ] {
            assert!(matches!(call(&args), V::Null), "{args:?}");
        }
    }
}
