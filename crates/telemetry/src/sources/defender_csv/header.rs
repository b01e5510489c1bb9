//! Which table a CSV header is the export of.
//!
//! An exported query result carries no table name, only its columns, so
//! the table is chosen from them:
//!
//! 1. The candidates are the known tables ([`crate::tables::TABLES`])
//!    that have every column of the header (names compared exactly, as
//!    KQL does). None: the file is rejected, naming the table that comes
//!    closest and the header columns it lacks.
//! 2. One candidate: that table. The fallback tables are candidates only
//!    when no other table is: `DeviceEvents`, which has most columns of the
//!    other `Device*` tables; `DeviceImageLoadEvents`, whose columns are
//!    all `DeviceFileEvents`' too (so an export of it is read as
//!    `DeviceFileEvents`: the header cannot say otherwise); `DeviceInfo`
//!    and `DeviceNetworkInfo`, which share only `Timestamp`, `DeviceId`,
//!    `DeviceName` with the event tables, unless the header has one of
//!    their own columns (`OSPlatform`, `IPAddresses`).
//! 3. Several: the header must rule out at least one table it shares a
//!    column with, or it says nothing of which table it is
//!    (`Timestamp,DeviceName,ActionType` is in every `Device*` table): the
//!    file is rejected. Otherwise the candidate with the fewest columns
//!    missing from the header wins, the tightest fit; two candidates with
//!    as few missing columns are a reject.
//!
//! So `RemoteIP` makes a `DeviceNetworkEvents` export (no other table has
//! it), `ProcessCommandLine` without `RemoteIP` a `DeviceProcessEvents`
//! one, and `FileName` and `FolderPath` without `ProcessCommandLine` a
//! `DeviceFileEvents` one: `DeviceProcessEvents` has those two columns as
//! well (for the process image), but it has more columns the header lacks
//! and loses step 3. A `project` of a few columns of `DeviceProcessEvents`
//! that only has columns `DeviceFileEvents` also has (`Timestamp,
//! DeviceName, FileName`) is read as `DeviceFileEvents`: the header cannot
//! say otherwise.

use std::collections::HashSet;

use arrow_schema::Schema;

use crate::tables::{TABLES, Table};

/// The tables a header is read as only when no other table fits (see
/// the module docs).
const FALLBACK: [&str; 4] = [
    crate::tables::device_events::NAME,
    crate::tables::device_image_load_events::NAME,
    crate::tables::device_info::NAME,
    crate::tables::device_network_info::NAME,
];

/// The table `header` is an export of, or why there is none.
pub fn choose(header: &[&str]) -> Result<&'static Table, String> {
    let mut seen = HashSet::new();
    for name in header {
        if name.is_empty() {
            return Err("the header has an empty column name".into());
        }
        if !seen.insert(*name) {
            return Err(format!("the header names column {name} twice"));
        }
    }
    let schemas: Vec<(&'static Table, Schema)> = TABLES.iter().map(|t| (t, (t.schema)())).collect();
    let has = |s: &Schema, c: &str| s.column_with_name(c).is_some();
    let mut candidates: Vec<&(&Table, Schema)> =
        schemas.iter().filter(|(_, s)| header.iter().all(|c| has(s, c))).collect();
    if candidates.is_empty() {
        return Err(no_table(header, &schemas));
    }
    // The fallback tables are the export only when no other table fits.
    let fallback = |t: &Table| FALLBACK.contains(&t.name);
    let fallbacks_dropped = candidates.iter().any(|(t, _)| !fallback(t));
    if fallbacks_dropped {
        candidates.retain(|(t, _)| !fallback(t));
    }
    if let [(t, _)] = candidates[..] {
        return Ok(t);
    }
    let overlapping =
        schemas.iter().filter(|(t, s)| !(fallbacks_dropped && fallback(t)) && header.iter().any(|c| has(s, c))).count();
    let names = |ts: &[&(&Table, Schema)]| ts.iter().map(|(t, _)| t.name).collect::<Vec<_>>().join(", ");
    if overlapping == candidates.len() {
        return Err(format!(
            "every one of {} has all the header's columns: the header does not say which table it is",
            names(&candidates)
        ));
    }
    let missing = |s: &Schema| s.fields().len() - header.len();
    let fewest = candidates.iter().map(|(_, s)| missing(s)).min().unwrap_or_default();
    let best: Vec<&(&Table, Schema)> = candidates.iter().copied().filter(|(_, s)| missing(s) == fewest).collect();
    match best[..] {
        [(t, _)] => Ok(t),
        _ => Err(format!("the header fits {} equally", names(&best))),
    }
}

/// Why no table has every column of `header`: the closest one and what it lacks.
fn no_table(header: &[&str], schemas: &[(&'static Table, Schema)]) -> String {
    let lacking = |s: &Schema| header.iter().filter(|c| s.column_with_name(c).is_none()).copied().collect::<Vec<_>>();
    let closest = schemas.iter().min_by_key(|(_, s)| lacking(s).len());
    match closest {
        Some((t, s)) if lacking(s).len() < header.len() => {
            let cols = lacking(s);
            let shown = cols.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if cols.len() > 5 { format!(" and {} more", cols.len() - 5) } else { String::new() };
            format!("no known table has all the header's columns; the closest, {}, lacks {shown}{more}", t.name)
        }
        _ => "none of the header's columns is a column of a known table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &str) -> Result<&'static str, String> {
        choose(&header.split(',').collect::<Vec<_>>()).map(|t| t.name)
    }

    #[test]
    fn distinctive_columns_choose_the_table() {
        assert_eq!(table("Timestamp,DeviceName,RemoteIP,RemotePort"), Ok("DeviceNetworkEvents"));
        assert_eq!(table("Timestamp,DeviceName,FileName,ProcessCommandLine"), Ok("DeviceProcessEvents"));
        assert_eq!(table("Timestamp,DeviceName,FolderPath,FileName"), Ok("DeviceFileEvents"));
        assert_eq!(table("Timestamp,DeviceName,ActionType,RegistryKey"), Ok("DeviceEvents"));
        assert_eq!(table("TimeGenerated,Verb,ObjectRef,ImpersonatedUser"), Ok("AKSAudit"));
        // AKSAuditAdmin is AKSAudit without ImpersonatedUser: the tighter fit.
        assert_eq!(table("TimeGenerated,Verb,ObjectRef"), Ok("AKSAuditAdmin"));
        assert_eq!(table("Timestamp,DeviceName,OSPlatform,OSDistribution"), Ok("DeviceInfo"));
        assert_eq!(table("Timestamp,DeviceName,MacAddress,IPAddresses"), Ok("DeviceNetworkInfo"));
        // An image-load export has only columns DeviceFileEvents has too.
        assert_eq!(table("Timestamp,DeviceName,FileName,FolderPath,InitiatingProcessFileName"), Ok("DeviceFileEvents"));
    }

    #[test]
    fn headers_that_fit_no_table_or_every_table_are_rejected() {
        let e = table("Timestamp,DeviceName,ActionType").unwrap_err();
        assert!(e.contains("does not say which table"), "{e}");
        assert!(e.contains("DeviceProcessEvents") && e.contains("DeviceNetworkEvents"), "{e}");
        // Only DeviceEvents has both: it is the export.
        assert_eq!(table("Timestamp,ProcessCommandLine,RemoteIP"), Ok("DeviceEvents"));
        let e = table("Timestamp,ProcessCommandLine,PreviousFileName").unwrap_err();
        assert!(e.contains("lacks"), "{e}");
        assert_eq!(table("Foo,Bar").unwrap_err(), "none of the header's columns is a column of a known table");
        assert_eq!(table("Timestamp,,FileName").unwrap_err(), "the header has an empty column name");
        assert_eq!(table("FileName,FileName").unwrap_err(), "the header names column FileName twice");
    }
}
