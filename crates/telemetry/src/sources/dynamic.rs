//! The text of a `dynamic` cell, taken from the JSON a source read.
//!
//! A `dynamic` column holds compact JSON text: no whitespace outside
//! strings. Sources take dynamic parts of a record as raw JSON text
//! (`serde_json::value::RawValue`), which is already compact when the file
//! was written as JSON lines, and not when it was pretty-printed;
//! [`compact`] removes the insignificant whitespace only when there is
//! some, and borrows the text otherwise.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::batch::Value;

/// `json` (valid JSON text) without whitespace outside its strings;
/// borrowed when there is none to remove.
pub fn compact(json: &str) -> Cow<'_, str> {
    let b = json.as_bytes();
    if !may_space_outside_strings(b) {
        return Cow::Borrowed(json);
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i + 1),
            b' ' | b'\n' | b'\r' | b'\t' => {
                let o = out.get_or_insert_with(|| String::with_capacity(json.len()));
                o.push_str(&json[copied..i]);
                while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
                    i += 1;
                }
                copied = i;
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut o) => {
            o.push_str(&json[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Whether `b`, valid JSON text, may have whitespace outside its strings;
/// `false` is sure, without walking its strings. In valid JSON a run of
/// such whitespace starts or ends the text, follows `{`, `[`, `,` or
/// `:`, or comes before `,`, `:`, `]` or `}`: so when no whitespace byte
/// (inside strings or not) has such a neighbour, there is none. A
/// carriage return anywhere is taken as a maybe.
fn may_space_outside_strings(b: &[u8]) -> bool {
    if memchr::memchr(b'\r', b).is_some() {
        return true;
    }
    memchr::memchr3_iter(b' ', b'\n', b'\t', b).any(|i| {
        let before = i.checked_sub(1).and_then(|j| b.get(j));
        let after = b.get(i + 1);
        matches!(before, None | Some(b'{' | b'[' | b',' | b':'))
            || matches!(after, None | Some(b',' | b':' | b']' | b'}'))
    })
}

/// The index just past the closing quote of the string whose text starts
/// at `i` (just after its opening quote), or the end of `b`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while let Some(j) = memchr::memchr2(b'"', b'\\', &b[i.min(b.len())..]) {
        if b[i + j] == b'\\' {
            i += j + 2;
        } else {
            return i + j + 1;
        }
    }
    b.len()
}

/// A `dynamic` cell from a raw JSON value, compacted.
pub fn cell(raw: &RawValue) -> Value<'_> {
    Value::Json(compact(raw.get()))
}

/// A `dynamic` cell from a raw JSON value the way Defender exports write
/// them: a string that holds a JSON object or array (as `AdditionalFields`
/// does) is that object or array; any other value is itself.
pub fn cell_unwrapping_strings(raw: &RawValue) -> Value<'_> {
    let text = raw.get();
    let inner = if text.starts_with('"') { serde_json::from_str::<Cow<'_, str>>(text).ok() } else { None };
    unwrapped(text, inner)
}

/// [`cell_unwrapping_strings`] of the raw JSON value `text`, given
/// `inner`, its decoded text when it is a string (read by the caller).
pub fn unwrapped<'a>(text: &'a str, inner: Option<Cow<'_, str>>) -> Value<'a> {
    if let Some(inner) = inner {
        let t = inner.trim_start();
        if (t.starts_with('{') || t.starts_with('['))
            && let Ok(json) = serde_json::from_str::<&RawValue>(&inner)
        {
            let compacted = match compact(json.get()) {
                Cow::Borrowed(c) if c.len() == inner.len() => None,
                c => Some(c.into_owned()),
            };
            return Value::Json(Cow::Owned(compacted.unwrap_or_else(|| inner.into_owned())));
        }
    }
    Value::Json(compact(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_drops_whitespace_outside_strings_only() {
        let pretty = "{\n  \"a\" : [1, 2],\n\t\"b\": \"x y\\\" z\"\r\n}";
        assert_eq!(compact(pretty), "{\"a\":[1,2],\"b\":\"x y\\\" z\"}");
        assert!(matches!(compact("{\"ua\":\"kubectl/v1.30 (linux)\"}"), Cow::Borrowed(_)));
        assert_eq!(compact("\"a\\\\\" "), "\"a\\\\\"");
        assert_eq!(compact(" 5 "), "5");
        assert_eq!(compact("[1 ,2]"), "[1,2]");
        assert_eq!(compact("{\"a\":1\n}"), "{\"a\":1}");
        assert_eq!(compact("{\"a\":\"x\"\t}"), "{\"a\":\"x\"}");
        assert_eq!(compact("[true\r\n,null]"), "[true,null]");
        // Whitespace inside strings only, next to a structural character
        // or not: kept, and borrowed when none is outside.
        assert!(matches!(compact("{\"cmd\":\"sh -c ls\",\"n\":[1,2]}"), Cow::Borrowed(_)));
        assert_eq!(compact("{\"a\":\"x, y: [z ]\"}"), "{\"a\":\"x, y: [z ]\"}");
    }

    #[test]
    fn strings_holding_json_are_unwrapped_for_defender() {
        let raw = |s: &str| serde_json::from_str::<Box<RawValue>>(s).unwrap();
        let r = raw(r#""{\"IsDockerContainer\": false}""#);
        assert_eq!(cell_unwrapping_strings(&r), Value::Json("{\"IsDockerContainer\":false}".into()));
        let r = raw(r#""plain text""#);
        assert_eq!(cell_unwrapping_strings(&r), Value::Json("\"plain text\"".into()));
        let r = raw(r#""{not json""#);
        assert_eq!(cell_unwrapping_strings(&r), Value::Json("\"{not json\"".into()));
        let r = raw("[1, {\"a\": 2}]");
        assert_eq!(cell_unwrapping_strings(&r), Value::Json("[1,{\"a\":2}]".into()));
    }
}
