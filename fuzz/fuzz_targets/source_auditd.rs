//! Fuzzes the auditd sources: raw `audit.log` and Laurel JSON lines. No
//! input may panic, and every event is counted: what the file gave is rows,
//! skips or rejects.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telemetry::sink::{Collect, Sink};
use telemetry::sources::Format;
use telemetry::sources::auditd::{Auditd, Laurel};

fuzz_target!(|data: &[u8]| {
    for format in [&Auditd as &dyn Format, &Laurel] {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out).with_batch_rows(7);
        {
            let mut file = sink.file(Path::new("fuzz.log"), Some(format.name()));
            format.read(&mut &data[..], &mut file).expect("collecting never fails");
        }
        sink.finish().expect("collecting never fails");
        let f = &sink.files[0];
        let rows: u64 = f.rows.values().sum();
        let rejects = f.rejects.as_ref().map_or(0, |r| r.count);
        // Each event gives at most one row, so rows, skips and rejects add up
        // to the events read.
        assert_eq!(rows + f.skipped + rejects, f.records, "{f:?}");
    }
});
