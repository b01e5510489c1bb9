//! `parse_xml` (parse-xml-function.md): XML text as a dynamic value.
//!
//! The page's mapping: `<e/>` is `{"e": null}`, `<e>text</e>` is
//! `{"e": "text"}`, an attribute is an `@name` key, text beside attributes or
//! child elements is the `#text` key, and repeated child elements are an
//! array. Only elements, attributes and text (CDATA included) are kept.
//! Input that is not well-formed XML with one root element, longer than
//! 1 MiB, or nested deeper than [`MAX_DEPTH`] elements, is null.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value as J};

use super::rowwise::{Ctx, V};

/// The longest input parsed (the page: "Maximal input string length for
/// parse_xml is 1 MB").
const MAX_LEN: usize = 1 << 20;

/// The deepest nesting of elements parsed; deeper input is null, so no walk
/// of the result (or its drop) recurses without bound.
pub const MAX_DEPTH: usize = 100;

/// `parse_xml(xml)`.
pub fn parse_xml(a: &[V], _: &mut Ctx) -> V {
    let text = match &a[0] {
        V::Str(s) => s.as_str(),
        V::Dyn(J::String(s)) => s.as_str(),
        _ => return V::Null,
    };
    if text.len() > MAX_LEN {
        return V::Null;
    }
    match parse(text) {
        Some(j) => V::Dyn(j),
        None => V::Null,
    }
}

/// An element being read: its name, attributes and child elements (as
/// `@name` / child keys), and its text.
struct Open {
    name: String,
    fields: Map<String, J>,
    has_children: bool,
    text: String,
    /// How many fields there were when the first text came: `#text` goes there.
    text_at: usize,
}

fn open(e: &BytesStart) -> Option<Open> {
    let name = String::from_utf8(e.name().as_ref().to_vec()).ok()?;
    let mut fields = Map::new();
    for attr in e.attributes() {
        let attr = attr.ok()?;
        let key = String::from_utf8(attr.key.as_ref().to_vec()).ok()?;
        let value = attr.unescape_value().ok()?.into_owned();
        fields.insert(format!("@{key}"), J::String(value));
    }
    Some(Open { name, fields, has_children: false, text: String::new(), text_at: 0 })
}

/// The value of a closed element.
fn close(el: Open) -> (String, J) {
    let text = el.text.trim();
    let value = if el.fields.is_empty() && !el.has_children {
        if text.is_empty() { J::Null } else { J::String(text.to_string()) }
    } else {
        let mut fields = el.fields;
        if !text.is_empty() {
            let at = el.text_at.min(fields.len());
            fields.shift_insert(at, "#text".to_string(), J::String(text.to_string()));
        }
        J::Object(fields)
    };
    (el.name, value)
}

/// Adds child `name` to `parent`: a second child of one name makes an array.
fn attach(parent: &mut Open, name: String, value: J) {
    parent.has_children = true;
    match parent.fields.get_mut(&name) {
        Some(J::Array(items)) if !name.starts_with('@') => items.push(value),
        Some(first) => {
            let prev = std::mem::take(first);
            *first = J::Array(vec![prev, value]);
        }
        None => {
            parent.fields.insert(name, value);
        }
    }
}

fn parse(text: &str) -> Option<J> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<J> = None;
    loop {
        let event = reader.read_event().ok()?;
        let closed = match event {
            Event::Start(e) => {
                if root.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(open(&e)?);
                None
            }
            Event::Empty(e) => {
                if root.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                Some(close(open(&e)?))
            }
            Event::End(_) => Some(close(stack.pop()?)),
            Event::Text(t) => {
                let t = t.decode().ok()?;
                let t = quick_xml::escape::unescape(&t).ok()?;
                match stack.last_mut() {
                    Some(el) => append_text(el, &t),
                    None if t.trim().is_empty() => {}
                    None => return None,
                }
                None
            }
            Event::CData(t) => {
                let t = String::from_utf8(t.into_inner().into_owned()).ok()?;
                append_text(stack.last_mut()?, &t);
                None
            }
            Event::GeneralRef(r) => {
                let name = r.decode().ok()?;
                let entity = format!("&{name};");
                let t = quick_xml::escape::unescape(&entity).ok()?;
                append_text(stack.last_mut()?, &t);
                None
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => None,
        };
        if let Some((name, value)) = closed {
            match stack.last_mut() {
                Some(parent) => attach(parent, name, value),
                None => {
                    let mut top = Map::new();
                    top.insert(name, value);
                    root = Some(J::Object(top));
                }
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// Text pieces of one element, joined by a space where the document had
/// other content between them.
fn append_text(el: &mut Open, piece: &str) {
    let piece = piece.trim();
    if piece.is_empty() {
        return;
    }
    if el.text.is_empty() {
        el.text_at = el.fields.len();
    } else {
        el.text.push(' ');
    }
    el.text.push_str(piece);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(s: &str) -> String {
        match parse_xml(&[V::Str(s.into())], &mut Ctx::default()) {
            V::Dyn(j) => j.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn the_pages_mapping() {
        assert_eq!(xml("<e/>"), r#"{"e":null}"#);
        assert_eq!(xml("<e>text</e>"), r#"{"e":"text"}"#);
        assert_eq!(xml(r#"<e name="value" />"#), r#"{"e":{"@name":"value"}}"#);
        assert_eq!(xml(r#"<e name="value">text</e>"#), r##"{"e":{"@name":"value","#text":"text"}}"##);
        assert_eq!(xml("<e> <a>text</a> <b>text</b> </e>"), r#"{"e":{"a":"text","b":"text"}}"#);
        assert_eq!(xml("<e> <a>text</a> <a>text</a> </e>"), r#"{"e":{"a":["text","text"]}}"#);
        assert_eq!(xml("<e> text <a>text</a> </e>"), r##"{"e":{"#text":"text","a":"text"}}"##);
    }

    #[test]
    fn malformed_too_deep_or_not_one_root_is_null() {
        for bad in ["<a>", "<a></b>", "<a/><b/>", "text", "<a x='1' x='2'/>", "", "<a>&bogus;</a>"] {
            assert_eq!(xml(bad), "Null", "{bad}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(xml(&deep), "Null");
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert_ne!(xml(&ok), "Null");
    }

    #[test]
    fn entities_and_cdata_are_text() {
        assert_eq!(xml("<a>x &amp; y</a>"), r#"{"a":"x & y"}"#);
        assert_eq!(xml("<a><![CDATA[<b>]]></a>"), r#"{"a":"<b>"}"#);
    }
}
