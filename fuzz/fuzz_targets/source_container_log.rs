//! Fuzzes the CRI and Docker json-file container log sources: no input may
//! panic, and every message read is accounted for exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kql_syntax_fuzz::read_and_account(&telemetry::sources::container_log::Cri, data);
    kql_syntax_fuzz::read_and_account(&telemetry::sources::container_log::DockerJson, data);
});
