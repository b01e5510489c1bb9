//! Geohash cells: `geo_point_to_geohash`, `geo_geohash_to_central_point`,
//! `geo_geohash_to_polygon`, `geo_geohash_neighbors` (their docs pages).
//!
//! A geohash interleaves the bits of a binary subdivision of longitude and
//! latitude, five bits a base-32 character. Kusto allows 1 to 18 characters
//! (90 bits), more than a `u64` holds, so the subdivision is carried out on
//! the interval bounds themselves, which halving keeps exact in `f64`.

use super::{coord, point_json, polygon_json, strings_json, whole};
use crate::functions::rowwise::{Ctx, V};

const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
const MAX_LEN: usize = 18;

/// A cell: its longitude and latitude intervals.
#[derive(Clone, Copy)]
struct Cell {
    lng: (f64, f64),
    lat: (f64, f64),
}

/// Halves `iv` toward `bit`.
fn halve(iv: &mut (f64, f64), bit: bool) {
    let mid = (iv.0 + iv.1) / 2.0;
    if bit {
        iv.0 = mid;
    } else {
        iv.1 = mid;
    }
}

/// The geohash of `len` characters holding `(lng, lat)`.
fn encode(lng: f64, lat: f64, len: usize) -> String {
    let mut cell = Cell { lng: (-180.0, 180.0), lat: (-90.0, 90.0) };
    let mut out = String::with_capacity(len);
    let mut even = true;
    for _ in 0..len {
        let mut ch = 0usize;
        for _ in 0..5 {
            let (iv, v) = if even { (&mut cell.lng, lng) } else { (&mut cell.lat, lat) };
            let bit = v >= (iv.0 + iv.1) / 2.0;
            halve(iv, bit);
            ch = (ch << 1) | usize::from(bit);
            even = !even;
        }
        out.push(char::from(ALPHABET.get(ch).copied().unwrap_or(b'0')));
    }
    out
}

/// The cell of a geohash of 1 to 18 valid characters (case-insensitive).
fn decode(hash: &str) -> Option<Cell> {
    if hash.is_empty() || hash.len() > MAX_LEN {
        return None;
    }
    let mut cell = Cell { lng: (-180.0, 180.0), lat: (-90.0, 90.0) };
    let mut even = true;
    for c in hash.bytes() {
        let c = c.to_ascii_lowercase();
        let v = ALPHABET.iter().position(|&a| a == c)?;
        for shift in (0..5).rev() {
            let bit = (v >> shift) & 1 == 1;
            halve(if even { &mut cell.lng } else { &mut cell.lat }, bit);
            even = !even;
        }
    }
    Some(cell)
}

fn center(c: &Cell) -> (f64, f64) {
    ((c.lng.0 + c.lng.1) / 2.0, (c.lat.0 + c.lat.1) / 2.0)
}

/// `geo_point_to_geohash(lng, lat [, accuracy])`: accuracy 1..18, default 5;
/// empty for an invalid coordinate or accuracy.
pub fn geo_point_to_geohash(a: &[V], _: &mut Ctx) -> V {
    let Some((x, y)) = coord(a.first(), a.get(1)) else { return V::Str(String::new()) };
    let len = match a.get(2) {
        None => Some(5),
        v => whole(v),
    };
    match len.and_then(|n| usize::try_from(n).ok()) {
        Some(n) if (1..=MAX_LEN).contains(&n) => V::Str(encode(x, y, n)),
        _ => V::Str(String::new()),
    }
}

/// `geo_geohash_to_central_point(geohash)`: the center as a GeoJSON point.
pub fn geo_geohash_to_central_point(a: &[V], _: &mut Ctx) -> V {
    match decode(a.first().map(V::str).unwrap_or("")) {
        Some(c) => {
            let (x, y) = center(&c);
            point_json(x, y)
        }
        None => V::Null,
    }
}

/// `geo_geohash_to_polygon(geohash)`: the cell's rectangle, counterclockwise
/// from its south-west corner.
pub fn geo_geohash_to_polygon(a: &[V], _: &mut Ctx) -> V {
    match decode(a.first().map(V::str).unwrap_or("")) {
        Some(c) => {
            let (w, e, s, n) = (c.lng.0, c.lng.1, c.lat.0, c.lat.1);
            polygon_json([(w, s), (e, s), (e, n), (w, n), (w, s)])
        }
        None => V::Null,
    }
}

/// `geo_geohash_neighbors(geohash)`: the up to eight cells of the same
/// length around it (none beyond a pole; longitudes wrap at 180).
pub fn geo_geohash_neighbors(a: &[V], _: &mut Ctx) -> V {
    let hash = a.first().map(V::str).unwrap_or("");
    let Some(c) = decode(hash) else { return V::Null };
    let (cx, cy) = center(&c);
    let (w, h) = (c.lng.1 - c.lng.0, c.lat.1 - c.lat.0);
    let mut out = Vec::with_capacity(8);
    for (dx, dy) in NEIGHBOR_ORDER {
        let y = cy + dy * h;
        if !(-90.0..=90.0).contains(&y) {
            continue;
        }
        let mut x = cx + dx * w;
        if x >= 180.0 {
            x -= 360.0;
        } else if x < -180.0 {
            x += 360.0;
        }
        out.push(encode(x, y, hash.len()));
    }
    strings_json(out)
}

/// The order Kusto lists neighbors in (geo-geohash-neighbors-function.md).
const NEIGHBOR_ORDER: [(f64, f64); 8] =
    [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (0.0, 1.0), (-1.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, -1.0)];
