//! Fuzzes the syslog and journal sources: no input may panic, and every
//! record read is accounted for exactly once (a row, a skip, or a reject).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kql_syntax_fuzz::read_and_account(&telemetry::sources::syslog::Syslog, data);
    kql_syntax_fuzz::read_and_account(&telemetry::sources::syslog::Journal, data);
});
