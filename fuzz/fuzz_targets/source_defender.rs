//! Fuzzes the `defender` source (`telemetry::sources::defender::DefenderExport`): no input may panic, and every record read becomes a row, a skip or a reject.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kql_syntax_fuzz::read_and_account(&telemetry::sources::defender::DefenderExport, data);
});
