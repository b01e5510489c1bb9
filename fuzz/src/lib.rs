//! What every log-format fuzz target checks: no input makes a format panic,
//! and every record it reads is accounted for exactly once (rows, a skip,
//! or a reject); and the KQL generator and checks of the `kql_query` target.

pub mod kql_check;
pub mod kql_gen;

use std::path::Path;

use telemetry::sink::{Collect, Sink};
use telemetry::sources::Format;

/// The rows that stand for records one for one: a Falco alert is one
/// `FalcoAlerts` row and, besides, the `Device*` row of its event; every
/// other format writes at most one row per record, device readings aside.
pub fn record_rows(stats: &telemetry::sink::FileStats) -> u64 {
    let rows = |t: &str| stats.rows.get(t).copied().unwrap_or(0);
    match stats.format {
        Some("falco") => rows("FalcoAlerts"),
        // An sshd logon is a Syslog row and, besides, a DeviceLogonEvents row.
        Some("syslog" | "journald") => rows("Syslog"),
        // An AKS record is an AKSAudit (or AKSAuditAdmin) row and, besides,
        // an AzureDiagnostics row.
        Some("k8s-audit") => rows("AKSAudit") + rows("AKSAuditAdmin"),
        // A kept audit event's records are LinuxAuditLog rows, besides its
        // one row (or skip) in the Defender tables; a device's
        // `DeviceInfo`/`DeviceNetworkInfo` reading comes besides the row of
        // the event that gave it.
        Some("auditd") => stats
            .rows
            .iter()
            .filter(|(t, _)| !matches!(**t, "LinuxAuditLog" | "DeviceInfo" | "DeviceNetworkInfo"))
            .map(|(_, n)| n)
            .sum(),
        // A Defender export's DeviceInfo and DeviceNetworkInfo records are
        // rows of their own, one for one.
        Some(f) if f.starts_with("defender") => stats.rows.values().sum(),
        _ => stats.rows.iter().filter(|(t, _)| !matches!(**t, "DeviceInfo" | "DeviceNetworkInfo")).map(|(_, n)| n).sum(),
    }
}

/// For `kubectl`, whose pods give a row per container: every record is an
/// event's or a node's row, a skip, a reject, or a pod with at least one row.
fn kubectl_accounts(stats: &telemetry::sink::FileStats) {
    let rows = |t: &str| stats.rows.get(t).copied().unwrap_or(0);
    let rejected = stats.rejects.as_ref().map_or(0, |r| r.count);
    let others = rows("KubeEvents") + rows("KubeNodeInventory") + stats.skipped + rejected;
    assert!(others <= stats.records, "{stats:?}");
    assert!(stats.records - others <= rows("KubePodInventory"), "{stats:?}");
    assert!(rows("KubePodInventory") == 0 || stats.records > others, "{stats:?}");
}

/// Sniffs and reads `data` as `format`, then checks the accounting.
pub fn read_and_account(format: &dyn Format, data: &[u8]) {
    let _ = format.sniff(data);
    let mut out = Collect::default();
    let mut sink = Sink::new(&mut out);
    {
        let mut file = sink.file(Path::new("fuzz"), Some(format.name()));
        let mut input = data;
        format.read(&mut input, &mut file).expect("collecting never fails");
    }
    sink.finish().expect("collecting never fails");
    let stats = &sink.files[0];
    if stats.format == Some("kubectl") {
        return kubectl_accounts(stats);
    }
    let rows = record_rows(stats);
    let rejected = stats.rejects.as_ref().map_or(0, |r| r.count);
    if stats.format == Some("ecs") {
        // An Auditbeat host-state document is a reading of its own: one
        // DeviceInfo row and no event row. Every other record is an event's
        // row, a skip or a reject, so the records lie between those and
        // those plus every DeviceInfo row.
        let readings = stats.rows.get("DeviceInfo").copied().unwrap_or(0);
        let others = rows + stats.skipped + rejected;
        assert!(others <= stats.records && stats.records <= others + readings, "{stats:?}");
        return;
    }
    assert_eq!(stats.records, rows + stats.skipped + rejected, "{stats:?}");
}
