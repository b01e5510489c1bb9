//! A readable, indented dump of the syntax tree (what `dragnet check --ast`
//! prints), made from the tree's serde form so every node is covered.
//! Without spans, two dumps are equal exactly when the trees are equal up
//! to positions, which the round-trip tests rely on.

use serde_json::{Map, Value};

use crate::ast::Query;

/// Dumps `query` as an indented tree; `spans` adds `@start..end` to nodes.
pub fn dump(query: &Query, spans: bool) -> String {
    crate::with_tree_stack(|| dump_inner(query, spans))
}

fn dump_inner(query: &Query, spans: bool) -> String {
    let value = serde_json::to_value(query).unwrap_or(Value::Null);
    let mut out = String::from("Query");
    if let Value::Object(obj) = &value {
        fields(&mut out, obj, 1, spans);
    }
    out.push('\n');
    out
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn span_text(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    if o.len() == 2 {
        return Some(format!("{}..{}", o.get("start")?.as_u64()?, o.get("end")?.as_u64()?));
    }
    None
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Writes the fields of an object, one per line at `indent`, by name (the
/// same whatever order the map keeps them in).
fn fields(out: &mut String, obj: &Map<String, Value>, indent: usize, spans: bool) {
    let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
    entries.sort_by_key(|(k, _)| *k);
    for (k, v) in entries {
        if k == "span" || is_empty(v) {
            continue;
        }
        newline(out, indent);
        out.push_str(k);
        out.push(':');
        value(out, v, indent + 1, spans);
    }
}

/// Writes `v` after a `key:` or `-` already on the line.
fn value(out: &mut String, v: &Value, indent: usize, spans: bool) {
    match v {
        Value::Null => out.push_str(" null"),
        Value::Bool(b) => {
            out.push(' ');
            out.push_str(if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            out.push(' ');
            out.push_str(&n.to_string());
        }
        Value::String(s) => {
            out.push(' ');
            out.push_str(&Value::String(s.clone()).to_string());
        }
        Value::Array(items) => {
            for item in items {
                newline(out, indent);
                out.push('-');
                value(out, item, indent + 1, spans);
            }
        }
        Value::Object(obj) => {
            let span = obj.get("span").and_then(span_text).filter(|_| spans);
            // An identifier: `name @span`.
            if obj.len() == 2
                && obj.contains_key("span")
                && let Some(Value::String(n)) = obj.get("name")
            {
                out.push(' ');
                out.push_str(n);
                if let Some(s) = span {
                    out.push_str(" @");
                    out.push_str(&s);
                }
                return;
            }
            // An expression or operator: its kind, with the span beside it.
            if obj.len() == 2 && obj.contains_key("kind") && obj.contains_key("span") {
                let kind = &obj["kind"];
                variant(out, kind, indent, spans, span.as_deref());
                return;
            }
            // An enum variant: `{"Name": payload}`.
            if obj.len() == 1 {
                let (k, _) = obj.iter().next().expect("one key");
                if k.starts_with(|c: char| c.is_ascii_uppercase()) {
                    variant(out, v, indent, spans, span.as_deref());
                    return;
                }
            }
            if let Some(s) = span {
                out.push_str(" @");
                out.push_str(&s);
            }
            fields(out, obj, indent, spans);
        }
    }
}

/// Writes an enum value: a bare variant name, or `Name` and its payload.
fn variant(out: &mut String, v: &Value, indent: usize, spans: bool, span: Option<&str>) {
    let suffix = |out: &mut String| {
        if let Some(s) = span {
            out.push_str(" @");
            out.push_str(s);
        }
    };
    match v {
        Value::String(name) => {
            out.push(' ');
            out.push_str(name);
            suffix(out);
        }
        Value::Object(obj) if obj.len() == 1 => {
            let (name, payload) = obj.iter().next().expect("one key");
            out.push(' ');
            out.push_str(name);
            suffix(out);
            match payload {
                Value::Object(fields_obj)
                    if !(fields_obj.contains_key("kind")
                        || (fields_obj.len() == 2 && fields_obj.contains_key("name"))) =>
                {
                    fields(out, fields_obj, indent, spans)
                }
                Value::Null => {}
                other => value(out, other, indent, spans),
            }
        }
        other => value(out, other, indent, spans),
    }
}
