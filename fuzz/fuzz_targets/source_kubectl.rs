//! Fuzzes the kubectl events, pods and nodes source: no input may panic,
//! and every object read is an event's or a node's row, a pod's rows, a
//! skip or a reject.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kql_syntax_fuzz::read_and_account(&telemetry::sources::kube::Kubectl, data);
});
