//! Fuzzes format recognition and the cutting of a stream into parts of
//! one format each: no input may panic, the parts put back together are
//! the input, and every record of every part is counted once (rows, skips
//! or rejects), all of the input's bytes read.
#![no_main]

use std::io::Read;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use telemetry::sink::{Collect, Sink};
use telemetry::sources::segment::Segments;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let mut parts = Segments::new(&mut input, true);
    let mut joined = Vec::new();
    loop {
        parts.read_to_end(&mut joined).expect("reading a slice never fails");
        if parts.next_part().is_none() {
            break;
        }
    }
    assert_eq!(joined, data);

    let mut out = Collect::default();
    let mut sink = Sink::new(&mut out);
    telemetry::sources::read_stream(Path::new("fuzz"), &mut &data[..], &mut sink).expect("collecting never fails");
    sink.finish().expect("collecting never fails");
    let mut bytes = 0;
    for stats in &sink.files {
        let rows = kql_syntax_fuzz::record_rows(stats);
        let rejected = stats.rejects.as_ref().map_or(0, |r| r.count);
        assert_eq!(stats.records, rows + stats.skipped + rejected, "{stats:?}");
        bytes += stats.bytes;
    }
    assert_eq!(bytes, data.len() as u64, "{:?}", sink.files);
});
