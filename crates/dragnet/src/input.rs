//! Where a query's text comes from: the command line, standard input, or a file.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// A query's text and the name diagnostics use for it.
pub struct QueryText {
    /// `<query>`, `<stdin>`, or the file path.
    pub origin: String,
    /// The text.
    pub text: String,
}

/// Reads the query from `inline` (`-` means standard input) or `file`.
pub fn read_query(inline: Option<&str>, file: Option<&Path>) -> Result<QueryText> {
    if let Some(path) = file {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read query file '{}'", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "query file '{}' is not UTF-8 (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            )
        })?;
        return Ok(QueryText { origin: path.display().to_string(), text });
    }
    match inline {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("cannot read the query from standard input")?;
            Ok(QueryText { origin: "<stdin>".into(), text })
        }
        Some(q) => Ok(QueryText { origin: "<query>".into(), text: q.to_string() }),
        None => anyhow::bail!("no query given: pass QUERY, `-` for standard input, or --file PATH"),
    }
}
