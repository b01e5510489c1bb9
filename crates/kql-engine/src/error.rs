//! The engine's error type and its diagnostic codes.
//!
//! Problems found while binding a query to tables and functions are
//! [`Diagnostic`]s with spans into the query, like syntax errors, so the CLI
//! renders both the same way. Codes `KQL2xx` belong to this layer.

use std::fmt;
use std::time::Duration;

pub use kql_syntax::Diagnostic;

/// KQL201: a name that is no column, `let` binding or table.
pub const UNKNOWN_NAME: &str = "KQL201";
/// KQL202: a function name that does not exist.
pub const UNKNOWN_FUNCTION: &str = "KQL202";
/// KQL203: wrong number or kind of arguments.
pub const BAD_ARGUMENTS: &str = "KQL203";
/// KQL204: an operand of the wrong type.
pub const TYPE_MISMATCH: &str = "KQL204";
/// KQL205: an operator, function or option dragnet does not implement yet.
pub const NOT_IMPLEMENTED: &str = "KQL205";
/// KQL206: a value that must be a constant is not.
pub const NOT_CONSTANT: &str = "KQL206";
/// KQL207: a column name used twice, or otherwise ambiguous.
pub const AMBIGUOUS: &str = "KQL207";
/// KQL208: the query produced no tabular result.
pub const NO_RESULT: &str = "KQL208";
/// KQL299: an internal planning failure (a bug in dragnet).
pub const INTERNAL: &str = "KQL299";

/// Every code of this layer with its meaning.
pub const CODES: &[(&str, &str)] = &[
    (UNKNOWN_NAME, "unknown column, table or let name"),
    (UNKNOWN_FUNCTION, "unknown function"),
    (BAD_ARGUMENTS, "wrong number or kind of arguments"),
    (TYPE_MISMATCH, "an operand of the wrong type"),
    (NOT_IMPLEMENTED, "not implemented by dragnet yet"),
    (NOT_CONSTANT, "a value that must be constant is not"),
    (AMBIGUOUS, "a duplicate or ambiguous column name"),
    (NO_RESULT, "the query has no tabular result"),
    (INTERNAL, "internal planning error"),
];

/// Why a query could not run.
#[derive(Debug)]
pub enum EngineError {
    /// The text does not parse.
    Syntax(Vec<Diagnostic>),
    /// The query parses but does not bind to the tables and functions.
    Bind(Vec<Diagnostic>),
    /// Execution failed.
    Execution(String),
    /// The query ran past its time budget.
    Timeout(Duration),
    /// The query needed more memory than its budget.
    ResourcesExhausted(String),
}

impl EngineError {
    /// The diagnostics with spans, for syntax and binding errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            EngineError::Syntax(d) | EngineError::Bind(d) => d,
            _ => &[],
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Syntax(d) | EngineError::Bind(d) => {
                let first = d.first().map(|d| d.message.as_str()).unwrap_or("invalid query");
                write!(f, "{first}")?;
                if d.len() > 1 {
                    write!(f, " (and {} more)", d.len() - 1)?;
                }
                Ok(())
            }
            EngineError::Execution(m) => write!(f, "query failed: {m}"),
            EngineError::Timeout(t) => write!(f, "query stopped after its time budget of {}s", t.as_secs_f64()),
            EngineError::ResourcesExhausted(m) => {
                write!(f, "query stopped: it needs more memory than its budget ({m})")
            }
        }
    }
}

impl std::error::Error for EngineError {}
