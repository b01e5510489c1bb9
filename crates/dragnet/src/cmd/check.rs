//! `dragnet check`: parse a query and report its diagnostics.

use std::io::Write;

use anyhow::Result;
use kql_syntax::{LineIndex, render};
use serde_json::json;

use crate::cli::{CheckArgs, CheckFormat};
use crate::input::read_query;

/// Runs `check`; returns 0 when the query is valid, 1 when it is not.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let q = read_query(args.query.as_deref(), args.file.as_deref())?;
    let parsed = kql_syntax::parse(&q.text);
    let index = LineIndex::new(&q.text);
    match args.format {
        CheckFormat::Text => {
            if args.ast {
                out.write_all(kql_syntax::dump(&parsed.query, true).as_bytes())?;
            }
            for d in &parsed.diagnostics {
                writeln!(out, "{}", render(d, &index, &q.origin))?;
            }
            if !parsed.is_ok() {
                let n = parsed.diagnostics.len();
                writeln!(out, "{n} error{} in {}", if n == 1 { "" } else { "s" }, q.origin)?;
            }
        }
        CheckFormat::Json => {
            let errors: Vec<_> = parsed
                .diagnostics
                .iter()
                .map(|d| {
                    let start = index.line_col(d.span.start);
                    let end = index.line_col(d.span.end);
                    let mut e = json!({
                        "line": start.line,
                        "column": start.column,
                        "end_line": end.line,
                        "end_column": end.column,
                        "code": d.code,
                        "message": d.message,
                    });
                    if let Some(h) = &d.help {
                        e["help"] = json!(h);
                    }
                    e
                })
                .collect();
            let mut doc = json!({ "ok": parsed.is_ok() });
            if !errors.is_empty() {
                doc["errors"] = json!(errors);
            }
            // The tree is as deep as the query nests: serialise and drop it
            // on a stack sized for that.
            let text = kql_syntax::with_tree_stack(|| -> serde_json::Result<String> {
                if args.ast {
                    doc["ast"] = serde_json::to_value(&parsed.query)?;
                }
                Ok(doc.to_string())
            })?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(if parsed.is_ok() { 0 } else { 1 })
}
