//! A compiled rule's condition as a tree of tests, before it is printed as
//! KQL. Each leaf carries its KQL text, and, when it is a test of a text
//! value against constants, the same test as data ([`Native`]), so that an
//! executor can evaluate it without the engine (sharing equal tests across
//! rules and gathering their literal needles) and still mean exactly what
//! the printed KQL means. `kql.rs` builds the tree; [`Expr::to_kql`] is the
//! one place that prints it.

use crate::model::Piece;

/// A condition over one row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `true` / `false`.
    Const(bool),
    /// Every part.
    And(Vec<Expr>),
    /// Any part.
    Or(Vec<Expr>),
    /// The negation (three-valued: not null is null).
    Not(Box<Expr>),
    /// One test.
    Leaf(Leaf),
}

/// One test of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The test as a KQL expression.
    pub kql: String,
    /// The same test as data, when it is a text test against constants.
    pub native: Option<Native>,
}

/// A test of a text value (a KQL expression of type string: a column, or
/// `tostring(...)` of a path or a number) against constants, with the
/// engine's meaning: a null value tests as "" in matches and sets, and is
/// null for emptiness and regular expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Native {
    /// A wildcard string (`*`, `?`); case-insensitive unless `cased`. No
    /// pieces is "empty", `[*]` "not empty".
    Text {
        /// The value's KQL expression.
        operand: String,
        /// The pieces.
        pieces: Vec<Piece>,
        /// Case-sensitive.
        cased: bool,
    },
    /// Equal to one of `values` (`in~`, or `in` when `cased`).
    Set {
        /// The value's KQL expression.
        operand: String,
        /// The values.
        values: Vec<String>,
        /// Case-sensitive.
        cased: bool,
    },
    /// `matches regex` (a search, not anchored).
    Regex {
        /// The value's KQL expression.
        operand: String,
        /// The expression, flags included.
        pattern: String,
    },
}

impl Native {
    /// The value's KQL expression.
    pub fn operand(&self) -> &str {
        match self {
            Native::Text { operand, .. } | Native::Set { operand, .. } | Native::Regex { operand, .. } => operand,
        }
    }
}

/// How many operands one `and`/`or` chain holds; longer lists are printed
/// as a balanced tree of parenthesised chains, so the query's depth grows
/// with the logarithm of a list's length (the parser bounds chain depth).
const CHAIN: usize = 32;

impl Expr {
    /// A leaf that only the engine evaluates.
    pub fn kql(text: String) -> Expr {
        Expr::Leaf(Leaf { kql: text, native: None })
    }

    /// The KQL text.
    pub fn to_kql(&self) -> String {
        match self {
            Expr::Const(b) => b.to_string(),
            Expr::And(xs) => join(xs.iter().map(Expr::to_kql).collect(), "and"),
            Expr::Or(xs) => join(xs.iter().map(Expr::to_kql).collect(), "or"),
            Expr::Not(x) => format!("not({})", x.to_kql()),
            Expr::Leaf(l) => l.kql.clone(),
        }
    }
}

fn join(mut parts: Vec<String>, op: &str) -> String {
    while parts.len() > CHAIN {
        parts = parts.chunks(CHAIN).map(|c| join(c.to_vec(), op)).collect();
    }
    match parts.len() {
        0 => (op == "and").to_string(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(&format!(" {op} "))),
    }
}

/// The anchored regular expression of a wildcard string of any shape:
/// `(?is)^...$` (`(?s)` when `cased`), `*` as `.*`, `?` as `.`.
pub fn wildcard_regex(pieces: &[Piece], cased: bool) -> String {
    anchored(pieces, if cased { "(?s)^" } else { "(?is)^" })
}

/// A wildcard string as a regular expression that matches one whole line
/// of a text: `.` does not match a line break.
pub fn line_regex(pieces: &[Piece], cased: bool) -> String {
    anchored(pieces, if cased { "(?m)^" } else { "(?im)^" })
}

fn anchored(pieces: &[Piece], start: &str) -> String {
    let mut re = String::from(start);
    for p in pieces {
        match p {
            Piece::Lit(s) => re.push_str(&regex::escape(s)),
            Piece::Many => re.push_str(".*"),
            Piece::One => re.push('.'),
        }
    }
    re.push('$');
    re
}
