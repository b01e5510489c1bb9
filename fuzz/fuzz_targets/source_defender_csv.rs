//! Fuzzes the `defender-csv` source (`telemetry::sources::defender_csv::DefenderCsv`): no input may panic, and every record read becomes a row, a skip or a reject.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telemetry::sink::{Collect, Sink};
use telemetry::sources::Format;

fuzz_target!(|data: &[u8]| {
    let format = &telemetry::sources::defender_csv::DefenderCsv;
    let _ = format.sniff(data);
    let mut out = Collect::default();
    let mut sink = Sink::new(&mut out).with_batch_rows(7);
    {
        let mut file = sink.file(Path::new("fuzz"), Some(format.name()));
        format.read(&mut &data[..], &mut file).expect("collecting never fails");
    }
    sink.finish().expect("collecting never fails");
    let stats = &sink.files[0];
    let rows: u64 = stats.rows.values().sum();
    let rejects = stats.rejects.as_ref().map_or(0, |r| r.count);
    assert_eq!(stats.records, rows + stats.skipped + rejects, "records read must each become a row, a skip or a reject");
});
