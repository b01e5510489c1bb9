//! One JSON object per alert per line ([`Alert::to_json`]).

use std::io::{self, Write};

use crate::alert::Alert;

/// Writes each alert as one line of JSON.
pub fn write_jsonl(out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    for a in alerts {
        a.write_json(out)?;
        writeln!(out)?;
    }
    Ok(())
}
