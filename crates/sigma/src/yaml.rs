//! Reading a YAML tree with positions (saphyr's `MarkedYaml`): scalars as
//! text, mappings as keyed entries, and where each node starts. Shared by
//! the Sentinel rule loader (`detect`) and the Sigma loader.

use saphyr::{MarkedYaml, Scalar, YamlData};

/// A node of the tree.
pub type Node<'a> = MarkedYaml<'a>;

/// The source text, by line, for slicing scalars as written.
pub struct Source<'t> {
    lines: Vec<&'t str>,
}

impl<'t> Source<'t> {
    /// Lines end where YAML's do: at `\n`, `\r\n` or a lone `\r`, so line
    /// numbers agree with the parser's positions.
    pub fn new(text: &'t str) -> Source<'t> {
        let mut lines = Vec::new();
        let (bytes, mut start, mut i) = (text.as_bytes(), 0, 0);
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    lines.push(&text[start..i]);
                    start = i + 1;
                }
                b'\r' => {
                    lines.push(&text[start..i]);
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        lines.push(&text[start..]);
        Source { lines }
    }

    /// Line `n` (1-based), or "".
    pub fn line(&self, n: usize) -> &'t str {
        n.checked_sub(1).and_then(|i| self.lines.get(i)).copied().unwrap_or("")
    }
}

/// Where `n` starts: 1-based line and column.
pub fn at(n: &Node) -> (usize, usize) {
    (n.span.start.line().max(1), n.span.start.col() + 1)
}

fn untagged<'n, 'a>(n: &'n Node<'a>) -> &'n Node<'a> {
    match &n.data {
        YamlData::Tagged(_, inner) => untagged(inner),
        _ => n,
    }
}

/// What kind of node this is, for "expected a list, got a string".
pub fn describe(n: &Node) -> &'static str {
    match &untagged(n).data {
        YamlData::Mapping(_) => "a mapping",
        YamlData::Sequence(_) => "a list",
        YamlData::Value(Scalar::Null) => "nothing",
        YamlData::Value(Scalar::Boolean(_)) => "true/false",
        YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => "a number",
        YamlData::Value(Scalar::String(_)) | YamlData::Representation(..) => "a string",
        YamlData::Alias(_) => "an alias",
        _ => "an invalid value",
    }
}

/// Whether the node is null (`key:` with nothing after it, or `~`).
pub fn is_null(n: &Node) -> bool {
    matches!(untagged(n).data, YamlData::Value(Scalar::Null))
}

/// A scalar as text: strings as they are, numbers and booleans as written
/// in the file (`version: 1.0` stays `1.0`). `None` for null, lists and
/// mappings.
pub fn scalar_text(n: &Node, src: &Source) -> Option<String> {
    let n = untagged(n);
    match &n.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        YamlData::Value(Scalar::Null) => None,
        YamlData::Value(v) => {
            let (start, end) = (n.span.start, n.span.end);
            if start.line() == end.line() && end.col() > start.col() {
                let text: String =
                    src.line(start.line()).chars().skip(start.col()).take(end.col() - start.col()).collect();
                if !text.trim().is_empty() {
                    return Some(text.trim().to_string());
                }
            }
            Some(match v {
                Scalar::Boolean(b) => b.to_string(),
                Scalar::Integer(i) => i.to_string(),
                Scalar::FloatingPoint(f) => f.to_string(),
                _ => String::new(),
            })
        }
        _ => None,
    }
}

/// An integer scalar (or a string of digits).
pub fn integer(n: &Node, src: &Source) -> Option<i64> {
    match &untagged(n).data {
        YamlData::Value(Scalar::Integer(i)) => Some(*i),
        YamlData::Value(Scalar::String(s)) => s.trim().parse().ok(),
        _ => scalar_text(n, src).and_then(|t| t.parse().ok()),
    }
}

/// The entries of a mapping: key text, key node, value node. `None` when
/// the node is not a mapping. Keys that are not scalars come back as "".
pub fn entries<'n, 'a>(n: &'n Node<'a>, src: &Source) -> Option<Vec<(String, &'n Node<'a>, &'n Node<'a>)>> {
    match &untagged(n).data {
        YamlData::Mapping(m) => Some(m.iter().map(|(k, v)| (scalar_text(k, src).unwrap_or_default(), k, v)).collect()),
        _ => None,
    }
}

/// The items of a list, or `None`.
pub fn items<'n, 'a>(n: &'n Node<'a>) -> Option<&'n [Node<'a>]> {
    match &untagged(n).data {
        YamlData::Sequence(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn lines_end_at_every_yaml_line_break() {
        let s = Source::new("a\nb\r\nc\rd");
        assert_eq!((s.line(1), s.line(2), s.line(3), s.line(4), s.line(5)), ("a", "b", "c", "d", ""));
    }
}
