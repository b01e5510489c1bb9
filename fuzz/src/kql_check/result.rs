//! Query outcomes and their comparison: order-insensitive unless the query
//! defines the order, NaN equal to NaN, reals (also inside dynamic values)
//! within a tiny tolerance only where the query aggregated reals.

use std::cmp::Ordering;
use std::fmt::Write as _;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use kql_engine::{EngineError, QueryResult};

/// One cell.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Real(f64),
    Text(String),
}

/// One result table.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<(String, DataType)>,
    pub rows: Vec<Vec<Cell>>,
}

/// How an error ended a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrKind {
    Syntax,
    /// A binding error, with its first diagnostic code.
    Bind(&'static str),
    Execution,
    Timeout,
    Memory,
}

/// What running a query gave.
#[derive(Debug, Clone)]
pub enum Outcome {
    Ok(Vec<Table>),
    Err(ErrKind, String),
}

impl Outcome {
    pub fn from_run(r: Result<Vec<QueryResult>, EngineError>) -> Outcome {
        match r {
            Ok(results) => Outcome::Ok(results.iter().map(table).collect()),
            Err(e) => {
                let kind = match &e {
                    EngineError::Syntax(_) => ErrKind::Syntax,
                    EngineError::Bind(d) => ErrKind::Bind(d.first().map_or("", |d| d.code)),
                    EngineError::Execution(_) => ErrKind::Execution,
                    EngineError::Timeout(_) => ErrKind::Timeout,
                    EngineError::ResourcesExhausted(_) => ErrKind::Memory,
                };
                let mut msg = e.to_string();
                for d in e.diagnostics().iter().skip(1) {
                    msg.push_str(" | ");
                    msg.push_str(&d.message);
                }
                Outcome::Err(kind, msg)
            }
        }
    }

    /// A timeout or the memory budget: nothing to compare.
    pub fn is_environmental(&self) -> bool {
        matches!(self, Outcome::Err(ErrKind::Timeout | ErrKind::Memory, _))
    }

    pub fn render(&self) -> String {
        match self {
            Outcome::Err(k, m) => format!("error {k:?}: {m}"),
            Outcome::Ok(tables) => {
                let mut out = String::new();
                for t in tables {
                    let names: Vec<String> = t.columns.iter().map(|(n, ty)| format!("{n}:{ty}")).collect();
                    let _ = writeln!(out, "[{}] {} rows", names.join(", "), t.rows.len());
                    for r in t.rows.iter().take(30) {
                        let cells: Vec<String> = r.iter().map(cell_text).collect();
                        let _ = writeln!(out, "  {}", cells.join(" | "));
                    }
                }
                out
            }
        }
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => "null".to_string(),
        Cell::Real(v) => format!("{v:?}"),
        Cell::Text(s) => format!("{s:?}"),
    }
}

fn table(r: &QueryResult) -> Table {
    let columns = r.schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
    let mut rows = Vec::new();
    for b in &r.batches {
        for i in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(i) {
                            Cell::Null
                        } else if c.data_type() == &DataType::Float64 {
                            Cell::Real(c.as_primitive::<Float64Type>().value(i))
                        } else {
                            kql_engine::render::cell_text(c, i).map_or(Cell::Null, Cell::Text)
                        }
                    })
                    .collect(),
            );
        }
    }
    Table { columns, rows }
}

/// How to compare two results.
#[derive(Debug, Clone, Copy)]
pub struct Compare {
    pub ordered: bool,
    pub count_only: bool,
    pub inexact: bool,
}

fn order(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => Ordering::Less,
        (_, Cell::Null) => Ordering::Greater,
        (Cell::Real(x), Cell::Real(y)) => canon(*x).total_cmp(&canon(*y)),
        (Cell::Real(_), _) => Ordering::Less,
        (_, Cell::Real(_)) => Ordering::Greater,
        (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
    }
}

/// -0.0 as 0.0 and every NaN as one NaN, for sorting.
fn canon(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    }
}

fn real_eq(x: f64, y: f64, inexact: bool) -> bool {
    if x.is_nan() || y.is_nan() {
        return x.is_nan() && y.is_nan();
    }
    if x == y {
        return true;
    }
    inexact && x.is_finite() && y.is_finite() && (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300)
}

fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.fract() != 0.0 || y.fract() != 0.0 || x != y => real_eq(x, y, true),
            _ => x == y,
        },
        (V::Array(x), V::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y)),
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn cell_eq(a: &Cell, b: &Cell, inexact: bool) -> bool {
    match (a, b) {
        (Cell::Null, Cell::Null) => true,
        (Cell::Real(x), Cell::Real(y)) => real_eq(*x, *y, inexact),
        (Cell::Text(x), Cell::Text(y)) => {
            x == y
                || (inexact
                    && matches!(
                        (serde_json::from_str::<serde_json::Value>(x), serde_json::from_str::<serde_json::Value>(y)),
                        (Ok(p), Ok(q)) if json_eq(&p, &q)
                    ))
        }
        _ => false,
    }
}

/// Why two tables differ, or `None` when they agree.
pub fn table_diff(a: &Table, b: &Table, how: Compare) -> Option<String> {
    if a.columns != b.columns {
        return Some("the columns differ".to_string());
    }
    if a.rows.len() != b.rows.len() {
        return Some(format!("{} rows against {}", a.rows.len(), b.rows.len()));
    }
    if how.count_only {
        return None;
    }
    let sorted = |t: &Table| {
        let mut rows = t.rows.clone();
        if !how.ordered {
            rows.sort_by(|x, y| {
                x.iter().zip(y).map(|(p, q)| order(p, q)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
            });
        }
        rows
    };
    let (ra, rb) = (sorted(a), sorted(b));
    for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
        if let Some(c) = x.iter().zip(y).position(|(p, q)| !cell_eq(p, q, how.inexact)) {
            return Some(format!(
                "row {i} column {} differs: {} against {}",
                a.columns[c].0,
                cell_text(&x[c]),
                cell_text(&y[c])
            ));
        }
    }
    None
}

/// Why two outcomes that must agree differ (`None`: they agree). Errors agree
/// when they are of the same kind (and the same binding code).
pub fn outcome_diff(a: &Outcome, b: &Outcome, how: Compare) -> Option<String> {
    match (a, b) {
        (Outcome::Ok(x), Outcome::Ok(y)) => {
            if x.len() != y.len() {
                return Some(format!("{} results against {}", x.len(), y.len()));
            }
            x.iter().zip(y).find_map(|(p, q)| table_diff(p, q, how))
        }
        (Outcome::Err(k, _), Outcome::Err(l, _)) if k == l => None,
        (Outcome::Err(..), Outcome::Err(..)) => Some("different errors".to_string()),
        _ => Some("one ran, the other failed".to_string()),
    }
}
