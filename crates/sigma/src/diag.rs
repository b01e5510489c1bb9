//! What is wrong with a rule file, and where: `file:line:column: key: message`.
//! Shared by the Sentinel rule loader (`detect`) and the Sigma loader.

use std::fmt;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The rule cannot be used.
    Error,
    /// The rule loads; something in it is ignored or suspicious.
    Warning,
}

/// One problem in a rule file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDiagnostic {
    /// Error or warning.
    pub level: Level,
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The key the problem is about, as a path: `severity`,
    /// `entityMappings[1].entityType`, `query`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl RuleDiagnostic {
    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for RuleDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.level == Level::Warning {
            write!(f, "warning: ")?;
        }
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.key, self.message)
    }
}

/// Collects the problems of one file.
#[derive(Debug)]
pub struct Diags {
    /// The file the problems are in.
    pub file: String,
    /// The problems, in the order found.
    pub list: Vec<RuleDiagnostic>,
}

impl Diags {
    /// No problems yet in `file`.
    pub fn new(file: &str) -> Diags {
        Diags { file: file.to_string(), list: Vec::new() }
    }

    /// Adds a problem at (line, column).
    pub fn push(&mut self, level: Level, (line, column): (usize, usize), key: &str, message: impl Into<String>) {
        self.list.push(RuleDiagnostic {
            level,
            file: self.file.clone(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }

    /// Adds an error.
    pub fn error(&mut self, at: (usize, usize), key: &str, message: impl Into<String>) {
        self.push(Level::Error, at, key, message);
    }

    /// Adds a warning.
    pub fn warn(&mut self, at: (usize, usize), key: &str, message: impl Into<String>) {
        self.push(Level::Warning, at, key, message);
    }
}
