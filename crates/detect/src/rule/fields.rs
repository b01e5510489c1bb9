//! Reading typed values out of YAML nodes, reporting what does not fit
//! with the node's position and key.

use std::time::Duration;

use super::diag::Diags;
use super::duration::parse_duration;
use super::yaml::{Node, Source, at, describe, entries, integer, is_null, items, scalar_text};

/// A reader of one file's nodes.
pub(crate) struct Reader<'s, 't> {
    pub src: &'s Source<'t>,
    pub diags: Diags,
}

impl Reader<'_, '_> {
    /// A non-empty string.
    pub fn string(&mut self, key: &str, n: &Node) -> Option<String> {
        match scalar_text(n, self.src) {
            Some(s) if !s.trim().is_empty() => Some(s),
            Some(_) => {
                self.diags.error(at(n), key, "must not be empty");
                None
            }
            None => {
                self.diags.error(at(n), key, format!("expected a string, got {}", describe(n)));
                None
            }
        }
    }

    /// Any scalar as text; null is the empty string.
    pub fn scalar(&mut self, key: &str, n: &Node) -> Option<String> {
        if is_null(n) {
            return Some(String::new());
        }
        let text = scalar_text(n, self.src);
        if text.is_none() {
            self.diags.error(at(n), key, format!("expected a single value, got {}", describe(n)));
        }
        text
    }

    /// A string, or nothing when the value is null.
    pub fn opt_string(&mut self, key: &str, n: &Node) -> Option<String> {
        if is_null(n) { None } else { self.string(key, n) }
    }

    /// A list of strings; a single string is a list of one. Null is empty.
    pub fn string_list(&mut self, key: &str, n: &Node) -> Vec<String> {
        if is_null(n) {
            return Vec::new();
        }
        let Some(list) = items(n) else {
            return self.string(key, n).into_iter().collect();
        };
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            if let Some(s) = self.string(&format!("{key}[{i}]"), item) {
                out.push(s);
            }
        }
        out
    }

    /// A list of nodes; a null value is an empty list.
    pub fn list<'n, 'a>(&mut self, key: &str, n: &'n Node<'a>) -> &'n [Node<'a>] {
        if is_null(n) {
            return &[];
        }
        match items(n) {
            Some(list) => list,
            None => {
                self.diags.error(at(n), key, format!("expected a list, got {}", describe(n)));
                &[]
            }
        }
    }

    /// The entries of a mapping (key text, key node, value node).
    pub fn mapping<'n, 'a>(&mut self, key: &str, n: &'n Node<'a>) -> Vec<(String, &'n Node<'a>, &'n Node<'a>)> {
        if is_null(n) {
            return Vec::new();
        }
        match entries(n, self.src) {
            Some(e) => e,
            None => {
                self.diags.error(at(n), key, format!("expected a mapping, got {}", describe(n)));
                Vec::new()
            }
        }
    }

    /// A non-negative integer.
    pub fn count(&mut self, key: &str, n: &Node) -> Option<u64> {
        match integer(n, self.src) {
            Some(i) if i >= 0 => Some(i as u64),
            _ => {
                let got = scalar_text(n, self.src).map(|s| format!("{s:?}")).unwrap_or_else(|| describe(n).into());
                self.diags.error(at(n), key, format!("expected a whole number of 0 or more, got {got}"));
                None
            }
        }
    }

    /// `true` or `false` (any case).
    pub fn boolean(&mut self, key: &str, n: &Node) -> Option<bool> {
        let text = scalar_text(n, self.src);
        match text.as_deref().map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                let got = text.map(|s| format!("{s:?}")).unwrap_or_else(|| describe(n).into());
                self.diags.error(at(n), key, format!("expected true or false, got {got}"));
                None
            }
        }
    }

    /// A duration: `5h`, `1d`, `PT1H`.
    pub fn duration(&mut self, key: &str, n: &Node) -> Option<Duration> {
        let text = self.string(key, n)?;
        let d = parse_duration(&text);
        if d.is_none() {
            self.diags.error(at(n), key, format!("expected a duration such as 5m, 1h, 1d or PT1H, got {text:?}"));
        }
        d
    }

    /// One of `choices` (case-insensitive), by a parser; the error lists
    /// the choices.
    pub fn choice<T>(&mut self, key: &str, n: &Node, choices: &[&str], parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let text = self.string(key, n)?;
        let v = parse(&text);
        if v.is_none() {
            let mut msg = format!("expected one of {}, got {text:?}", choices.join(", "));
            if let Some(near) = kql_syntax::nearest(&text, choices) {
                msg.push_str(&format!(" (did you mean {near}?)"));
            }
            self.diags.error(at(n), key, msg);
        }
        v
    }
}
