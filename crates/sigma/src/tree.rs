//! A YAML document as a small owned tree with positions: what the Sigma
//! loader reads, and what multi-document rules (`action: global`,
//! `repeat`) merge. Built from saphyr's `MarkedYaml` at most
//! [`MAX_DEPTH`] levels deep, so no later walk can overflow the stack.

use saphyr::{LoadableYamlNode, Scalar, YamlData};

use crate::yaml::{Node, Source, at, scalar_text};

/// How deep a document may nest (mappings and lists). Sigma rules nest a
/// handful of levels; anything deeper is refused with an error.
pub const MAX_DEPTH: usize = 64;

/// A node with where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the node holds.
    pub kind: Kind,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `~`, `null` or nothing.
    Null,
    /// A scalar as written (numbers and booleans keep their text).
    Scalar(String, ScalarType),
    /// A list.
    Seq(Vec<Tree>),
    /// A mapping, in file order.
    Map(Vec<Entry>),
}

/// What YAML made of a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// Text (quoted or plain).
    Str,
    /// An integer.
    Int,
    /// A floating-point number.
    Float,
    /// `true` / `false`.
    Bool,
}

/// One key of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key starts.
    pub line: usize,
    /// Where the key starts.
    pub column: usize,
    /// The value.
    pub value: Tree,
}

impl Tree {
    /// (line, column).
    pub fn at(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    /// The entries when this is a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    /// The scalar text, or `None` for null, lists and mappings.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// What kind of node, for "expected a list, got a mapping".
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "nothing",
            Kind::Scalar(_, ScalarType::Str) => "a string",
            Kind::Scalar(_, ScalarType::Bool) => "true/false",
            Kind::Scalar(..) => "a number",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// `other` merged over this tree: mappings merge key by key
    /// (recursively), anything else is replaced. Both are at most
    /// [`MAX_DEPTH`] deep, so the recursion is bounded.
    pub fn merged(&self, other: &Tree) -> Tree {
        match (&self.kind, &other.kind) {
            (Kind::Map(a), Kind::Map(b)) => {
                let mut out = a.clone();
                for e in b {
                    match out.iter_mut().find(|o| o.key == e.key) {
                        Some(slot) => slot.value = slot.value.merged(&e.value),
                        None => out.push(e.clone()),
                    }
                }
                Tree { line: other.line, column: other.column, kind: Kind::Map(out) }
            }
            _ => other.clone(),
        }
    }
}

/// Converts a saphyr node. `Err` with the position of the first node past
/// [`MAX_DEPTH`], or of an alias or invalid value.
pub fn from_node(n: &Node, src: &Source, depth: usize) -> Result<Tree, ((usize, usize), String)> {
    let (line, column) = at(n);
    if depth > MAX_DEPTH {
        return Err(((line, column), format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let kind = match &n.data {
        YamlData::Tagged(_, inner) => return from_node(inner, src, depth + 1),
        YamlData::Value(Scalar::Null) => Kind::Null,
        YamlData::Value(Scalar::String(s)) => Kind::Scalar(s.to_string(), ScalarType::Str),
        YamlData::Representation(s, _, _) => Kind::Scalar(s.to_string(), ScalarType::Str),
        YamlData::Value(v) => {
            let ty = match v {
                Scalar::Boolean(_) => ScalarType::Bool,
                Scalar::Integer(_) => ScalarType::Int,
                _ => ScalarType::Float,
            };
            Kind::Scalar(scalar_text(n, src).unwrap_or_default(), ty)
        }
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(from_node(i, src, depth + 1)?);
            }
            Kind::Seq(out)
        }
        YamlData::Mapping(m) => {
            let mut out: Vec<Entry> = Vec::with_capacity(m.len());
            for (k, v) in m {
                let (kl, kc) = at(k);
                let key = match &k.data {
                    YamlData::Value(Scalar::Null) => String::new(),
                    _ => match scalar_text(k, src) {
                        Some(t) => t,
                        None => return Err(((kl, kc), "a mapping key must be a plain value".into())),
                    },
                };
                if out.iter().any(|e| e.key == key) {
                    return Err(((kl, kc), format!("key `{key}` appears twice")));
                }
                out.push(Entry { key, line: kl, column: kc, value: from_node(v, src, depth + 1)? });
            }
            Kind::Map(out)
        }
        YamlData::Alias(_) => return Err(((line, column), "YAML aliases are not supported in Sigma rules".into())),
        _ => return Err(((line, column), "invalid YAML value".into())),
    };
    Ok(Tree { line, column, kind })
}

/// Every document of a YAML text as trees. `Err` carries the position and
/// message of the first problem.
pub fn parse_documents(text: &str) -> Result<Vec<Tree>, ((usize, usize), String)> {
    let src = Source::new(text);
    let docs = saphyr::MarkedYaml::load_from_str(text).map_err(|e| {
        let m = e.marker();
        ((m.line().max(1), m.col() + 1), format!("invalid YAML: {}", e.info()))
    })?;
    docs.iter().map(|d| from_node(d, &src, 0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_deep_for_mappings_and_replaces_the_rest() {
        let docs = parse_documents("a: {b: 1, c: [1]}\n---\na: {c: [2], d: x}\n").unwrap();
        let m = docs[0].merged(&docs[1]);
        let a = &m.get("a").unwrap().value;
        assert_eq!(a.get("b").unwrap().value.text(), Some("1"));
        assert!(matches!(&a.get("c").unwrap().value.kind, Kind::Seq(v) if v[0].text() == Some("2")));
        assert_eq!(a.get("d").unwrap().value.text(), Some("x"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = parse_documents(&text).unwrap_err();
        assert!(err.1.contains("nested deeper"), "{err:?}");
    }

    #[test]
    fn scalars_keep_their_type_and_text() {
        let d = &parse_documents("a: 0x10\nb: '5'\nc: true\nd: 1.50\n").unwrap()[0];
        assert_eq!(d.get("a").unwrap().value.kind, Kind::Scalar("0x10".into(), ScalarType::Int));
        assert_eq!(d.get("b").unwrap().value.kind, Kind::Scalar("5".into(), ScalarType::Str));
        assert_eq!(d.get("c").unwrap().value.kind, Kind::Scalar("true".into(), ScalarType::Bool));
        assert_eq!(d.get("d").unwrap().value.kind, Kind::Scalar("1.50".into(), ScalarType::Float));
    }
}
