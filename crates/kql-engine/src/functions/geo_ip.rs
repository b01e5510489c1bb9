//! `geo_info_from_ip_address` (geo-info-from-ip-address-function.md).
//!
//! Kusto answers from MaxMind's GeoLite2-City database, which it ships. No
//! such database is built into dragnet, so every address is one the function
//! has no information about, and the answer is null, as Kusto's is for an
//! address its database does not hold. Never a guessed location.

use super::rowwise::{Ctx, V};

/// `geo_info_from_ip_address(ip)`: null (no location database is built in).
pub fn geo_info_from_ip_address(_: &[V], _: &mut Ctx) -> V {
    V::Null
}
