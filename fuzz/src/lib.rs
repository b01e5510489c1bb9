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
/// other format writes at most one row per record.
pub fn record_rows(stats: &telemetry::sink::FileStats) -> u64 {
    match stats.format {
        Some("falco") => stats.rows.get("FalcoAlerts").copied().unwrap_or(0),
        _ => stats.rows.values().sum(),
    }
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
    let rows = record_rows(stats);
    let rejected = stats.rejects.as_ref().map_or(0, |r| r.count);
    assert_eq!(stats.records, rows + stats.skipped + rejected, "{stats:?}");
}
