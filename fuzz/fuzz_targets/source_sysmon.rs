//! Fuzzes the Sysmon for Linux source: no input may panic, and every record read is
//! accounted for exactly once (one row, a skip, or a reject).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telemetry::sink::{Collect, Sink};
use telemetry::sources::Format;

fuzz_target!(|data: &[u8]| {
    let format = telemetry::sources::sysmon::Sysmon;
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
    let rows: u64 = stats.rows.values().sum();
    let rejected = stats.rejects.as_ref().map_or(0, |r| r.count);
    assert_eq!(stats.records, rows + stats.skipped + rejected, "{stats:?}");
});
