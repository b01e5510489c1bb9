//! `datetime_utc_to_local` and `datetime_local_to_utc`: datetimes between
//! UTC and the wall clock of an IANA time zone (timezone.md), from the
//! time zone database compiled into the binary, so every host gives the
//! same answer. An unknown zone gives null.

use jiff::Timestamp;
use jiff::tz::{Disambiguation, TimeZone};

use super::rowwise::{Ctx, V};

/// The zone called `name`, from the bundled database (loaded once).
fn zone(name: &str) -> Option<TimeZone> {
    static DB: std::sync::OnceLock<jiff::tz::TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled).get(name.trim()).ok()
}

/// `datetime_utc_to_local(dt, tz)`: the wall-clock time in `tz` at the UTC
/// instant `dt`.
pub fn utc_to_local(a: &[V], _: &mut Ctx) -> V {
    let (Some(V::Dt(n)), Some(tz)) = (a.first(), a.get(1).and_then(|v| zone(&v.text()))) else { return V::Null };
    let Ok(ts) = Timestamp::from_nanosecond(i128::from(*n)) else { return V::Null };
    let offset = tz.to_offset(ts);
    n.checked_add(i64::from(offset.seconds()) * 1_000_000_000).map_or(V::Null, V::Dt)
}

/// `datetime_local_to_utc(dt, tz)`: the UTC instant of the wall-clock time
/// `dt` in `tz`. A time skipped by a change to summer time takes the offset
/// after the change, and a time that happens twice its first occurrence
/// (datetime-local-to-utc-function.md: 02:00 on 2022-03-27 in Brussels is
/// 00:00 UTC).
pub fn local_to_utc(a: &[V], _: &mut Ctx) -> V {
    let (Some(V::Dt(n)), Some(tz)) = (a.first(), a.get(1).and_then(|v| zone(&v.text()))) else { return V::Null };
    let Ok(ts) = Timestamp::from_nanosecond(i128::from(*n)) else { return V::Null };
    let civil = ts.to_zoned(TimeZone::UTC).datetime();
    let Ok(z) = tz.to_ambiguous_zoned(civil).disambiguate(Disambiguation::Earlier) else { return V::Null };
    i64::try_from(z.timestamp().as_nanosecond()).map_or(V::Null, V::Dt)
}
