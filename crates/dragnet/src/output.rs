//! Query results as text: an aligned table for people, and JSON, JSON lines
//! and CSV for programs.

use std::io::Write;

use anyhow::Result;
use kql_engine::render::cell_text;
use kql_engine::{KqlType, QueryResult};
use serde_json::{Value, json};

/// Widest cell the table format prints before truncating with `…`.
const MAX_CELL: usize = 60;

pub use kql_engine::render::cell_json;

fn columns(r: &QueryResult) -> Vec<(String, KqlType)> {
    r.schema.fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect()
}

/// `{"columns":[{"name","type"}],"rows":[[...]]}`.
pub fn write_json(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    let cols: Vec<Value> = columns(r).iter().map(|(n, t)| json!({"name": n, "type": t.name()})).collect();
    let mut rows = Vec::new();
    for b in &r.batches {
        for i in 0..b.num_rows() {
            rows.push(Value::Array(b.columns().iter().map(|c| cell_json(c, i)).collect()));
        }
    }
    writeln!(out, "{}", json!({"columns": cols, "rows": rows}))?;
    Ok(())
}

/// One JSON object per row.
pub fn write_jsonl(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    let names: Vec<String> = columns(r).into_iter().map(|(n, _)| n).collect();
    for b in &r.batches {
        for i in 0..b.num_rows() {
            let obj: serde_json::Map<String, Value> =
                names.iter().zip(b.columns()).map(|(n, c)| (n.clone(), cell_json(c, i))).collect();
            writeln!(out, "{}", Value::Object(obj))?;
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// RFC 4180 CSV with a header row; null is an empty field.
pub fn write_csv(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    write_csv_header(out, r)?;
    write_csv_rows(out, r)
}

/// The CSV header row alone.
pub fn write_csv_header(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    let names: Vec<String> = columns(r).into_iter().map(|(n, _)| csv_field(&n)).collect();
    writeln!(out, "{}", names.join(","))?;
    Ok(())
}

/// The CSV rows, without the header.
pub fn write_csv_rows(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    for b in &r.batches {
        for i in 0..b.num_rows() {
            let fields: Vec<String> =
                b.columns().iter().map(|c| csv_field(&cell_text(c, i).unwrap_or_default())).collect();
            writeln!(out, "{}", fields.join(","))?;
        }
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= MAX_CELL {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_CELL - 1).collect();
    format!("{cut}…")
}

/// An aligned table, with the row count under it.
pub fn write_table(out: &mut dyn Write, r: &QueryResult) -> Result<()> {
    let cols = columns(r);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for b in &r.batches {
        for i in 0..b.num_rows() {
            rows.push(b.columns().iter().map(|c| truncate(&cell_text(c, i).unwrap_or_default())).collect());
        }
    }
    let mut widths: Vec<usize> = cols.iter().map(|(n, _)| n.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let numeric: Vec<bool> = cols.iter().map(|(_, t)| t.is_numeric()).collect();
    let line = |cells: &[String], right: &[bool]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(right)
            .map(|((c, w), r)| {
                let pad = w - c.chars().count();
                if *r { format!("{}{c}", " ".repeat(pad)) } else { format!("{c}{}", " ".repeat(pad)) }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let header: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
    writeln!(out, "{}", line(&header, &vec![false; cols.len()]))?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("  "))?;
    for row in &rows {
        writeln!(out, "{}", line(row, &numeric))?;
    }
    let n = rows.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })?;
    Ok(())
}
