//! The boundary between the alert state's logic and its database: one
//! transaction's statements, written once for both backends.
//!
//! Statements are SQLite's text with what PostgreSQL reads the same way:
//! numbered parameters (`?1`, which the PostgreSQL backend writes `$1`),
//! `rowid` for the order rows were added in (PostgreSQL's tables have a
//! `rowid` identity column), `ON CONFLICT ... DO NOTHING / DO UPDATE`,
//! `CASE` instead of two-argument `min`/`max`, and a parameter compared
//! with `NULL` only through `CAST(?n AS TEXT)` (PostgreSQL must know its
//! type). Values are 64-bit integers, text and booleans.

/// A statement's parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum P<'a> {
    /// A 64-bit integer or NULL.
    Int(Option<i64>),
    /// Text or NULL.
    Text(Option<&'a str>),
    /// A boolean (an integer 0 or 1 in SQLite).
    Bool(bool),
}

impl From<i64> for P<'_> {
    fn from(v: i64) -> Self {
        P::Int(Some(v))
    }
}

impl From<Option<i64>> for P<'_> {
    fn from(v: Option<i64>) -> Self {
        P::Int(v)
    }
}

impl From<u32> for P<'_> {
    fn from(v: u32) -> Self {
        P::Int(Some(i64::from(v)))
    }
}

impl From<bool> for P<'_> {
    fn from(v: bool) -> Self {
        P::Bool(v)
    }
}

impl<'a> From<&'a str> for P<'a> {
    fn from(v: &'a str) -> Self {
        P::Text(Some(v))
    }
}

impl<'a> From<&'a String> for P<'a> {
    fn from(v: &'a String) -> Self {
        P::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(v: Option<&'a str>) -> Self {
        P::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for P<'a> {
    fn from(v: &'a Option<String>) -> Self {
        P::Text(v.as_deref())
    }
}

/// A statement's parameters: `params![a, b]`.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::state::sql::P::from($v)),*][..]
    };
}
pub(crate) use params;

/// A value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
}

/// A row read, and the statement that read it (for errors).
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) values: Vec<V>,
    pub(crate) statement: String,
}

impl Row {
    fn wrong(&self, i: usize, want: &str) -> String {
        let got = match self.values.get(i) {
            None => "no such column".to_string(),
            Some(v) => format!("{v:?}"),
        };
        format!("alert state database: column {i} of `{}` is not {want}: {got}", brief(&self.statement))
    }

    /// An integer column.
    pub(crate) fn int(&self, i: usize) -> Result<i64, String> {
        match self.values.get(i) {
            Some(V::Int(v)) => Ok(*v),
            _ => Err(self.wrong(i, "an integer")),
        }
    }

    /// An integer column that may be NULL.
    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, String> {
        match self.values.get(i) {
            Some(V::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// A text column.
    pub(crate) fn text(&self, i: usize) -> Result<String, String> {
        match self.values.get(i) {
            Some(V::Text(v)) => Ok(v.clone()),
            _ => Err(self.wrong(i, "text")),
        }
    }

    /// A text column that may be NULL.
    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, String> {
        match self.values.get(i) {
            Some(V::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// A boolean column (an integer in SQLite: not 0 is true).
    pub(crate) fn bool(&self, i: usize) -> Result<bool, String> {
        match self.values.get(i) {
            Some(V::Bool(v)) => Ok(*v),
            Some(V::Int(v)) => Ok(*v != 0),
            _ => Err(self.wrong(i, "a boolean")),
        }
    }
}

/// One transaction of the state database.
pub(crate) trait Sql {
    /// Runs a statement; how many rows it changed.
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64, String>;
    /// Runs a query; its rows.
    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>, String>;

    /// Runs a query; its first row, if any.
    fn row(&mut self, sql: &str, params: &[P<'_>]) -> Result<Option<Row>, String> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

/// A statement shortened for an error message: whitespace collapsed, at
/// most 100 characters.
pub(crate) fn brief(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 100 {
        let mut s: String = one_line.chars().take(100).collect();
        s.push_str("...");
        s
    } else {
        one_line
    }
}

/// The error of `statement` on backend `backend`.
pub(crate) fn failed(backend: &str, sql: &str, e: impl std::fmt::Display) -> String {
    format!("alert state database ({backend}): `{}`: {e}", brief(sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_shortened_by_characters() {
        assert_eq!(brief("SELECT  1\n   FROM x"), "SELECT 1 FROM x");
        let long = format!("SELECT '{}'", "é".repeat(200));
        let b = brief(&long);
        assert_eq!(b.chars().count(), 103);
        assert!(b.ends_with("..."));
    }

    #[test]
    fn columns_are_read_by_type() {
        let r = Row {
            values: vec![V::Int(3), V::Null, V::Text("a".into()), V::Bool(true), V::Int(0)],
            statement: "SELECT x".into(),
        };
        assert_eq!(r.int(0), Ok(3));
        assert_eq!(r.opt_int(1), Ok(None));
        assert_eq!(r.opt_text(2), Ok(Some("a".into())));
        assert_eq!(r.bool(3), Ok(true));
        assert_eq!(r.bool(4), Ok(false));
        let e = r.text(0).unwrap_err();
        assert!(e.contains("column 0 of `SELECT x` is not text"), "{e}");
        assert!(r.int(9).unwrap_err().contains("no such column"));
    }
}
