//! Diagnostics: what went wrong, where, and what would fix it.
//!
//! A diagnostic is plain data (code, message, span, help). Rendering it with a
//! source excerpt and a caret is a separate step, so editors and the CLI can
//! present the same diagnostic their own way.

use serde::Serialize;

use crate::span::{LineIndex, Span};

/// A problem found in a query, anchored at a span of the source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, documented in [`codes`](crate::codes).
    pub code: &'static str,
    /// One sentence: what was expected and what was found.
    pub message: String,
    /// The offending text.
    pub span: Span,
    /// A short label printed beside the caret.
    pub label: Option<String>,
    /// What to do about it, when we know (`did you mean 'summarize'?`).
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with `code` and `message` at `span`.
    pub fn new(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { code, message: message.into(), span, label: None, help: None }
    }

    /// Adds the label printed beside the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic as text: a headline, the `origin:line:column`
    /// location, the source line with a caret under the span, and the help.
    ///
    /// `origin` names the query's file (or `<query>` for inline text).
    pub fn render(&self, source: &str, origin: &str) -> String {
        render(self, &LineIndex::new(source), origin)
    }
}

/// Renders `diag` against an already built line index (cheaper when a query
/// has many diagnostics).
pub fn render(diag: &Diagnostic, index: &LineIndex<'_>, origin: &str) -> String {
    use std::fmt::Write;

    let start = index.line_col(diag.span.start);
    let line_text = index.line_text(start.line);
    let end = index.line_col(diag.span.end);
    // The caret covers the span on its first line, and at least one column.
    let line_chars = line_text.chars().count() as u32;
    let caret_len = if end.line == start.line {
        end.column.saturating_sub(start.column).max(1)
    } else {
        (line_chars + 1).saturating_sub(start.column).max(1)
    };
    let gutter = start.line.to_string().len();
    let pad = " ".repeat(gutter);
    // Tabs are kept in the excerpt, so keep them under the caret too.
    let lead: String =
        line_text.chars().take(start.column as usize - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();

    let mut out = String::new();
    let _ = writeln!(out, "error[{}]: {}", diag.code, diag.message);
    let _ = writeln!(out, "{pad}--> {origin}:{}:{}", start.line, start.column);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {}", start.line, line_text);
    let _ = write!(out, "{pad} | {lead}{}", "^".repeat(caret_len as usize));
    if let Some(label) = &diag.label {
        let _ = write!(out, " {label}");
    }
    out.push('\n');
    if let Some(help) = &diag.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_a_caret_at_the_span() {
        let src = "T\n| where x == | take 1";
        let d = Diagnostic::new("KQL101", Span::new(15, 16), "expected an expression, found `|`")
            .with_label("expected an expression")
            .with_help("complete the comparison");
        assert_eq!(
            d.render(src, "q.kql"),
            "error[KQL101]: expected an expression, found `|`\n \
             --> q.kql:2:14\n  |\n2 | | where x == | take 1\n  |              ^ expected an expression\n  \
             = help: complete the comparison\n"
        );
    }
}
