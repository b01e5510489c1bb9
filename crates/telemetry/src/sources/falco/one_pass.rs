//! A Falco alert read in one pass: `output_fields` is read into
//! [`Fields`] as the alert is, instead of being taken as raw JSON first and
//! read again, and its text (the `OutputFields` cell) is found from where
//! the keys around it are in the line.
//!
//! Only the plain case is read this way: the alert an object whose
//! `output_fields` is an object, its key and the key after it (if any)
//! written without escapes. Anything else, and any error, gives `None`,
//! and the alert is read the two-pass way, whose result (row or reject,
//! and its reason) is then the same as before.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Alert, Fields};
use crate::sources::loose::{MaybeStr, Strs};

/// The alert, its fields, and the text of `output_fields`; `None` when
/// the alert is not read this way (see the module docs).
pub(super) fn read(text: &str) -> Option<(Alert<'_>, Fields<'_>, &str)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let found = AlertSeed { text }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    let (alert, fields, after_key, next_key) = found?;
    let start = value_start(text.as_bytes(), after_key)?;
    let end = match next_key {
        // The next key's opening quote, after `,` and whitespace.
        Some(q) => {
            let b = text.as_bytes();
            let comma = back_over_space(b, q)?;
            (b.get(comma.checked_sub(1)?) == Some(&b',')).then_some(())?;
            back_over_space(b, comma - 1)?
        }
        // The last member: the value ends before the alert's closing brace.
        None => {
            let b = text.as_bytes();
            let close = back_over_space(b, b.len())?;
            (b.get(close.checked_sub(1)?) == Some(&b'}')).then_some(())?;
            back_over_space(b, close - 1)?
        }
    };
    let raw = text.get(start..end)?;
    (raw.starts_with('{') && raw.ends_with('}')).then_some((alert, fields, raw))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// The index of the value that follows a key whose closing quote is at
/// `quote`: past whitespace, `:` and whitespace.
fn value_start(b: &[u8], quote: usize) -> Option<usize> {
    let mut i = quote.checked_add(1)?;
    while b.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    (b.get(i) == Some(&b':')).then_some(())?;
    i += 1;
    while b.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    Some(i)
}

/// The index just past the last non-whitespace byte before `end`.
fn back_over_space(b: &[u8], end: usize) -> Option<usize> {
    let mut i = end.min(b.len());
    while i > 0 && is_space(b[i - 1]) {
        i -= 1;
    }
    Some(i)
}

/// What [`AlertSeed`] gives for a plain alert: the alert, its fields, the
/// index of the closing quote of the `output_fields` key, and the index
/// of the opening quote of the key after it, if any.
type Found<'a> = Option<(Alert<'a>, Fields<'a>, usize, Option<usize>)>;

struct AlertSeed<'a> {
    text: &'a str,
}

impl<'a> AlertSeed<'a> {
    /// Where borrowed `s` starts in the text.
    fn offset(&self, s: &str) -> Option<usize> {
        let at = (s.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        (at.checked_add(s.len())? <= self.text.len()).then_some(at)
    }
}

impl<'a> DeserializeSeed<'a> for AlertSeed<'a> {
    type Value = Found<'a>;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Found<'a>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'a> Visitor<'a> for AlertSeed<'a> {
    type Value = Found<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Falco alert")
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<Found<'a>, A::Error> {
        let mut a = Alert::default();
        let mut fields = None;
        let mut seen = [false; 8];
        // The closing quote of the output_fields key; whether its value was
        // the last one read; the opening quote of the key after it.
        let mut after_key = None;
        let mut last_was_fields = false;
        let mut next_key = None;
        let mut plain = true;
        while let Some(MaybeStr(key)) = map.next_key::<MaybeStr<'a>>()? {
            let Some(key) = key else { return Err(A::Error::custom("a key that is not a string")) };
            let at = match &key {
                std::borrow::Cow::Borrowed(k) => self.offset(k),
                std::borrow::Cow::Owned(_) => None,
            };
            if last_was_fields {
                last_was_fields = false;
                match at.and_then(|at| at.checked_sub(1)) {
                    Some(q) => next_key = Some(q),
                    None => plain = false,
                }
            }
            let slot = match key.as_ref() {
                "rule" => 0,
                "priority" => 1,
                "time" => 2,
                "hostname" => 3,
                "output" => 4,
                "source" => 5,
                "tags" => 6,
                "output_fields" => 7,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if seen[slot] {
                return Err(A::Error::custom("a duplicate field"));
            }
            seen[slot] = true;
            match slot {
                0 => a.rule = map.next_value()?,
                1 => a.priority = map.next_value()?,
                2 => a.time = map.next_value()?,
                3 => a.hostname = map.next_value()?,
                4 => a.output = map.next_value()?,
                5 => a.source = map.next_value()?,
                6 => a.tags = map.next_value::<Strs<'a>>()?,
                _ => {
                    match at {
                        Some(at) => after_key = Some(at + key.len()),
                        None => plain = false,
                    }
                    fields = map.next_value_seed(FieldsSeed)?;
                    last_was_fields = true;
                }
            }
        }
        match (plain, fields, after_key) {
            (true, Some(f), Some(k)) => Ok(Some((a, f, k, next_key))),
            _ => Ok(None),
        }
    }
}

/// `output_fields` as [`Fields`] when it is an object; `None` for any
/// other value (read and passed over).
struct FieldsSeed;

impl<'a> DeserializeSeed<'a> for FieldsSeed {
    type Value = Option<Fields<'a>>;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Option<Fields<'a>>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'a> Visitor<'a> for FieldsSeed {
    type Value = Option<Fields<'a>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'a>>(self, map: A) -> Result<Option<Fields<'a>>, A::Error> {
        serde::Deserialize::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<Option<Fields<'a>>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<Fields<'a>>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// What the two-pass way takes as output_fields' text.
    fn raw_of(text: &str) -> Option<String> {
        let a: Alert = serde_json::from_str(text).ok()?;
        a.output_fields.map(|r: &RawValue| r.get().to_string())
    }

    #[test]
    fn output_fields_text_is_the_raw_value_wherever_it_stands() {
        let cases = [
            r#"{"rule":"r","output_fields":{"proc.pid":7,"proc.name":"sh"},"time":"t"}"#,
            r#"{"output_fields":{"proc.pid":7},"rule":"r"}"#,
            r#"{"rule":"r","output_fields":{"proc.name":"sh -c \"ls\""}}"#,
            "{ \"rule\" : \"r\" ,\n  \"output_fields\" :\t{ \"proc.name\" : \"é ü\" } ,\r\n \"tags\": [\"a\"] }\n",
            "{\"output_fields\" : {}   }  ",
            r#"{"rule":"r","output_fields":{"evt.type":"execve","x":{"y":[1,{"z":"}"}]}},"né":1}"#,
        ];
        for text in cases {
            let (a, f, raw) = read(text).unwrap_or_else(|| panic!("not read in one pass: {text}"));
            assert_eq!(Some(raw.to_string()), raw_of(text), "{text}");
            let two: Alert = serde_json::from_str(text).unwrap();
            assert_eq!(a.rule, two.rule);
            assert_eq!(a.tags, two.tags);
            let f2: Fields = serde_json::from_str(raw).unwrap();
            assert_eq!(f.name, f2.name);
            assert_eq!(f.pid, f2.pid);
        }
    }

    #[test]
    fn anything_but_the_plain_case_is_left_to_the_two_pass_way() {
        let cases = [
            // The key after output_fields, or output_fields itself, escaped.
            r#"{"output_fields":{"proc.pid":7},"rul\u0065":"r"}"#,
            r#"{"output\u005ffields":{"proc.pid":7}}"#,
            // Not an object, absent, null.
            r#"{"rule":"r","output_fields":[1,2]}"#,
            r#"{"rule":"r","output_fields":"{}"}"#,
            r#"{"rule":"r","output_fields":null}"#,
            r#"{"rule":"r"}"#,
            // Duplicates, wrong types, bad or cut JSON.
            r#"{"rule":"r","rule":"s","output_fields":{}}"#,
            r#"{"output_fields":{},"output_fields":{}}"#,
            r#"{"output_fields":{"proc.pid":1,"proc.pid":2}}"#,
            r#"{"output_fields":{"evt.is_open_write":"yes"}}"#,
            r#"{"tags":{"a":1},"output_fields":{}}"#,
            r#"{"output_fields":{"proc.name":"\ud800"}}"#,
            r#"{"output_fields":{"proc.name":"\u12"}}"#,
            r#"{"output_fields":{"proc.name":"a\"#,
            r#"{"output_fields":{"proc.name":"a"}"#,
            r#"{"output_fields":{}} x"#,
            "[1]",
            "",
            "\"\"",
        ];
        for text in cases {
            assert!(read(text).is_none(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_never_crashes_nor_differs_from_the_two_pass_way() {
        let deep = format!(
            "{{\"rule\":{open}{close},\"output_fields\":{{\"x\":{open}{close}}}}}",
            open = "[".repeat(10_000),
            close = "]".repeat(10_000)
        );
        let objects = format!("{}{}", "{\"output_fields\":".repeat(200), "}".repeat(200));
        for text in [deep, objects] {
            // Read in one pass or not (serde_json's depth limit may stop
            // it), never another text than the two-pass way's.
            if let Some((_, _, raw)) = read(&text) {
                assert_eq!(Some(raw.to_string()), raw_of(&text));
            }
        }
        // Cut short at any depth: an error, left to the two-pass way.
        let cut = format!("{}{}", "{\"output_fields\":".repeat(200), "}".repeat(199));
        assert!(read(&cut).is_none());
    }
}
