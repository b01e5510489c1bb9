//! One JSON object per alert per line ([`Alert::to_json`]).

use std::io::{self, Write};

use crate::alert::Alert;

/// Writes each alert as one line of JSON. A line is made whole in memory
/// and written at once: the serializer's many small pieces then go to a
/// buffer it knows, not one by one through `out`.
pub fn write_jsonl(out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    let mut line = Vec::new();
    for a in alerts {
        line.clear();
        a.write_json(&mut line)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}
