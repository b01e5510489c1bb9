//! `geo_polygon_to_h3cells(polygon [, resolution [, radius]])`
//! (geo-polygon-to-h3cells-function.md): the H3 cells of one resolution
//! whose centers the polygon contains, its edges straight lines in
//! longitude and latitude as the page says, through `h3o`'s tiler (H3's
//! polygon filling). More than 61,680 cells (the page's limit) gives null,
//! as does a polygon whose bounding box would hold more than
//! [`MAX_ESTIMATE`] cells (the work is bounded before it starts). A
//! positive radius (the buffered polygon) is not built: null.

use geo::{LineString, Polygon};
use h3o::Resolution;
use h3o::geom::{ContainmentMode, TilerBuilder};

use super::polygons::raw_polygons;
use super::{strings_json, whole};
use crate::functions::math::num;
use crate::functions::rowwise::{Ctx, V};

/// The most cells of a result (the page's limit).
const MAX_CELLS: usize = 61_680;
/// The most cells the tiler's estimate from the bounding boxes may reach.
const MAX_ESTIMATE: usize = 4_000_000;

/// The polygons of a GeoJSON Polygon or MultiPolygon, planar.
fn polygons(v: Option<&V>) -> Option<Vec<Polygon>> {
    let raw = raw_polygons(v)?;
    if raw.is_empty() {
        return None;
    }
    raw.into_iter()
        .map(|p| {
            let mut rs = p.into_iter().map(LineString::from);
            let shell = rs.next()?;
            Some(Polygon::new(shell, rs.collect()))
        })
        .collect()
}

/// `geo_polygon_to_h3cells(polygon [, resolution [, radius]])`: resolution
/// 0..15, default 6; radius 0 by default.
pub fn geo_polygon_to_h3cells(a: &[V], _: &mut Ctx) -> V {
    let res = match a.get(1) {
        None | Some(V::Null) => Some(Resolution::Six),
        v => whole(v).and_then(|n| u8::try_from(n).ok()).and_then(|r| Resolution::try_from(r).ok()),
    };
    let flat = match a.get(2) {
        None | Some(V::Null) => true,
        Some(v) => num(v) == Some(0.0),
    };
    let (Some(res), true, Some(ps)) = (res, flat, polygons(a.first())) else { return V::Null };
    let mut tiler = TilerBuilder::new(res).containment_mode(ContainmentMode::ContainsCentroid).build();
    if tiler.add_batch(ps).is_err() || tiler.coverage_size_hint() > MAX_ESTIMATE {
        return V::Null;
    }
    let cells: Vec<String> = tiler.into_coverage().take(MAX_CELLS + 1).map(|c| c.to_string()).collect();
    if cells.len() > MAX_CELLS {
        return V::Null;
    }
    strings_json(cells)
}
