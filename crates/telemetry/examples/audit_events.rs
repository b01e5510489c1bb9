//! Prints what the auditd source decodes from raw audit logs, one JSON
//! line per event: its `node`, `id` (`SECONDS.MILLIS:SERIAL`), `argv`
//! (EXECVE) and `proctitle` (PROCTITLE) as lists of hex-encoded byte
//! strings, or `error` when the event is rejected. Lines that are not
//! records are printed as `{"line": N, "error": ...}`.
//!
//! ```text
//! cargo run --release -p telemetry --example audit_events -- FILE...
//! ```
//!
//! `scripts/crosscheck/laurel_argv.py` compares this with Laurel's output.

use std::io::Write;

use serde_json::{Value, json};
use telemetry::sources::auditd::decode;
use telemetry::sources::auditd::event::Bytes;
use telemetry::sources::auditd::group::{Added, Grouper};
use telemetry::sources::auditd::record;

fn hex(args: &Option<Vec<Bytes<'_>>>) -> Value {
    match args {
        None => Value::Null,
        Some(a) => a.iter().map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>()).collect(),
    }
}

fn drain(groups: &mut Grouper, out: &mut impl Write) {
    while let Some(open) = groups.pop_ready() {
        let id = format!("{}.{:03}:{}", open.id.secs, open.id.nanos / 1_000_000, open.id.serial);
        let node = open.node().map(|n| String::from_utf8_lossy(n).into_owned());
        let doc = match decode::event(open.node(), open.id, open.recs()) {
            Ok(Some(ev)) => json!({"node": node, "id": id, "argv": hex(&ev.argv), "proctitle": hex(&ev.proctitle)}),
            Ok(None) => json!({"node": node, "id": id, "argv": null, "proctitle": null}),
            Err(bad) => json!({"node": node, "id": id, "line": bad.line, "error": bad.why}),
        };
        writeln!(out, "{doc}").expect("stdout");
        groups.recycle(open);
    }
}

fn main() {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for path in std::env::args_os().skip(1) {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.to_string_lossy()));
        let mut groups = Grouper::default();
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_ascii().is_empty() {
                continue;
            }
            match record::header(line) {
                Ok(h) => {
                    if groups.add(i as u64 + 1, line, &h) == Added::LoneEoe {
                        writeln!(out, "{}", json!({"line": i + 1, "error": "lone EOE"})).expect("stdout");
                    }
                }
                Err(why) => writeln!(out, "{}", json!({"line": i + 1, "error": why})).expect("stdout"),
            }
            drain(&mut groups, &mut out);
        }
        groups.finish();
        drain(&mut groups, &mut out);
    }
}
