//! Where a rule's query text sits in its YAML file, so a position in the
//! query (a KQL diagnostic) can be reported as a position in the file.

use super::yaml::{Node, Source, at};

/// The place of the `query` value in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryOrigin {
    /// 1-based file line of the query's first line.
    pub line: usize,
    /// 1-based file column of the query's first character.
    pub column: usize,
    /// Whether the query is a literal block (`query: |`), whose lines are
    /// the file's lines less the block's indentation, one for one. For any
    /// other form every position maps to the start of the value.
    pub literal_block: bool,
}

impl QueryOrigin {
    /// Finds the query value of the key at `key` with value `value`.
    pub(crate) fn locate(key: &Node, value: &Node, src: &Source) -> QueryOrigin {
        let (key_line, key_col) = at(key);
        let (line, column) = at(value);
        let rest: String = src.line(key_line).chars().skip(key_col - 1).collect();
        let after_colon = rest.split_once(':').map(|(_, r)| r.trim_start()).unwrap_or("");
        if after_colon.starts_with('|') {
            // The block's first line (blank or not) is the one after the key;
            // its indentation is that of the first non-blank line.
            return QueryOrigin { line: key_line + 1, column, literal_block: true };
        }
        QueryOrigin { line, column, literal_block: false }
    }

    /// The file line and column of 1-based query line `qline`, column `qcol`.
    pub fn map(&self, qline: usize, qcol: usize) -> (usize, usize) {
        if self.literal_block {
            (self.line + qline.saturating_sub(1), self.column + qcol.saturating_sub(1))
        } else {
            (self.line, self.column)
        }
    }
}
