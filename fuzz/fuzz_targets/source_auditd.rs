//! Fuzzes the auditd sources: raw `audit.log` and Laurel JSON lines. No
//! input may panic, and every event is counted: what the file gave is rows,
//! skips or rejects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telemetry::sources::auditd::{Auditd, Laurel};

fuzz_target!(|data: &[u8]| {
    kql_syntax_fuzz::read_and_account(&Auditd, data);
    kql_syntax_fuzz::read_and_account(&Laurel, data);
});
