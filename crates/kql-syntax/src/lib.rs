//! Lexer, parser, typed syntax tree and diagnostics for the Kusto Query
//! Language (KQL).
//!
//! This crate owns KQL *syntax*: turning query text into a tree with a byte
//! span on every node, and explaining what is wrong when it cannot. It knows
//! nothing of tables, types of columns or execution (that is `kql-engine`),
//! does no IO, and never panics on any input.
//!
//! Parsing never fails: [`parse`] always returns a tree and a list of
//! diagnostics, so a tool can report every mistake of a query at once.
//!
//! ```
//! let parsed = kql_syntax::parse(r#"DeviceProcessEvents | where FileName has "kubectl""#);
//! assert!(parsed.diagnostics.is_empty());
//! assert_eq!(
//!     kql_syntax::print_query(&parsed.query),
//!     "DeviceProcessEvents\n| where FileName has \"kubectl\"",
//! );
//!
//! let broken = kql_syntax::parse("T | summarise count()");
//! let d = &broken.diagnostics[0];
//! assert_eq!(d.message, "unknown tabular operator `summarise`");
//! assert_eq!(d.help.as_deref(), Some("did you mean `summarize`?"));
//! ```

pub mod ast;
pub mod codes;
mod diagnostic;
mod lexer;
mod parser;
mod printer;
mod span;
mod suggest;
mod tree;
mod words;

pub use diagnostic::{Diagnostic, render};
pub use lexer::{Token, TokenKind, lex};
pub use printer::{
    binary_op_text, civil_from_days, format_datetime, format_timespan, print_expr, print_query, quote_string,
};
pub use span::{LineCol, LineIndex, Span};
pub use suggest::nearest;
pub use tree::dump;
pub use words::{LIST_OPS, STRING_OPS};

/// The result of parsing: the tree and what went wrong, if anything.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The tree. Where the text was broken it holds
    /// [`ExprKind::Error`](ast::ExprKind::Error) or
    /// [`OperatorKind::Error`](ast::OperatorKind::Error) nodes.
    pub query: ast::Query,
    /// The problems, in source order. Empty when the query is valid.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether the query parsed without diagnostics.
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// The deepest syntax tree [`parse`] returns: deeper nesting, or longer
/// chains of `and`/`or`, arithmetic or `.member` steps, are diagnostic KQL106.
pub const MAX_TREE_DEPTH: u32 = parser::MAX_TREE_DEPTH;

/// The most tabular operators a query may have ([`parse`] reports more as
/// KQL106).
pub const MAX_OPERATORS: u32 = parser::MAX_OPERATORS;

/// Runs `f` with enough stack for a recursive walk (serialising, say) of any
/// tree [`parse`] returns, growing the stack if less is left.
pub fn with_tree_stack<R>(f: impl FnOnce() -> R) -> R {
    /// 16 KiB for each level of the deepest tree.
    const TREE_STACK: usize = MAX_TREE_DEPTH as usize * 16 * 1024;
    stacker::maybe_grow(TREE_STACK, TREE_STACK, f)
}

/// Parses a KQL query.
pub fn parse(text: &str) -> Parsed {
    let (query, diagnostics) = parser::parse(text);
    Parsed { query, diagnostics }
}

/// Parses the text of a `datetime(...)` literal (ISO 8601, RFC 822, RFC 850
/// and the sortable forms) to 100-nanosecond ticks since 1970-01-01 UTC.
pub fn parse_datetime(text: &str) -> Option<i64> {
    parser::parse_datetime(text)
}

/// [`parse_datetime`] in nanoseconds since 1970-01-01 UTC; `None` also when
/// the time is outside what an i64 of nanoseconds holds (1677-09-21 to
/// 2262-04-11).
pub fn parse_datetime_nanos(text: &str) -> Option<i64> {
    parse_datetime(text)?.checked_mul(100)
}

/// Parses the text of a `timespan(...)` literal (`1d`, `15 seconds`,
/// `1.02:03:04`) to 100-nanosecond ticks.
pub fn parse_timespan(text: &str) -> Option<i64> {
    parser::parse_timespan_text(text)
}
