//! Documents spread over several lines, read with their wrapper arrays
//! split: the array under one of the given keys of a top-level object
//! (`items` of an `EventList`, `records` of a resource-log export) is
//! handed over one element at a time as it is read, so the whole wrapper
//! is never held. See [`for_each_part`](super::json::for_each_part).
//!
//! A document without such an array is handed over whole, rebuilt from its
//! members' text (the whitespace between members is not kept).

use std::cell::Cell;
use std::io::BufRead;
use std::rc::Rc;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;
use serde_json::value::RawValue;

use super::json::{Elements, LineCount, OnPart, Part, syntax_reject};
use crate::sink::{FileSink, OutputError};

/// Reads documents one after the other until the end of `input`.
pub(super) fn documents(
    input: &mut dyn BufRead,
    out: &mut FileSink<'_, '_>,
    split: &[&str],
    on_part: &mut OnPart<'_>,
) -> Result<(), OutputError> {
    let newlines = Rc::new(Cell::new(0));
    let reader = LineCount { inner: input, newlines: newlines.clone() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    loop {
        if de.end().is_ok() {
            return Ok(());
        }
        let mut failed = None;
        let seed = Doc { newlines: &newlines, split, out: &mut *out, on_part: &mut *on_part, failed: &mut failed };
        let result = seed.deserialize(&mut de);
        if let Some(e) = failed {
            return Err(e);
        }
        if let Err(e) = result {
            syntax_reject(out, &e);
            return Ok(());
        }
    }
}

/// One document.
struct Doc<'a, 'b, 's, 'o, 'f> {
    newlines: &'a Rc<Cell<u64>>,
    split: &'a [&'a str],
    out: &'a mut FileSink<'s, 'o>,
    on_part: &'a mut OnPart<'f>,
    failed: &'b mut Option<OutputError>,
}

impl Doc<'_, '_, '_, '_, '_> {
    /// Hands over a whole document that started on `line`.
    fn whole<E: serde::de::Error>(self, line: u64, text: &str) -> Result<(), E> {
        match (self.on_part)(line, Part::Doc(text), self.out) {
            Ok(()) => Ok(()),
            Err(e) => {
                *self.failed = Some(e);
                Err(E::custom("output failed"))
            }
        }
    }

    /// Hands over a document that is not an object (rejected downstream).
    fn value<E: serde::de::Error>(self, v: J) -> Result<(), E> {
        let line = 1 + self.newlines.get();
        self.whole(line, &v.to_string())
    }
}

impl<'de> DeserializeSeed<'de> for Doc<'_, '_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_, '_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // The opening brace has just been read: its line is the document's.
        let line = 1 + self.newlines.get();
        let mut members: Vec<(String, String)> = Vec::new();
        let mut split = false;
        while let Some(key) = map.next_key::<String>()? {
            if self.split.contains(&key.as_str()) {
                let seed = Wrapped {
                    newlines: self.newlines,
                    key: &key,
                    out: &mut *self.out,
                    on_part: &mut *self.on_part,
                    failed: &mut *self.failed,
                };
                match map.next_value_seed(seed)? {
                    Some(other) => members.push((key, other.to_string())),
                    None => split = true,
                }
            } else {
                let raw: Box<RawValue> = map.next_value()?;
                members.push((key, raw.get().to_string()));
            }
        }
        if split {
            return Ok(());
        }
        let mut text = String::from("{");
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&J::String(k.clone()).to_string());
            text.push(':');
            text.push_str(v);
        }
        text.push('}');
        self.whole(line, &text)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let line = 1 + self.newlines.get();
        let v = J::deserialize(SeqAccessDeserializer::new(seq))?;
        self.whole(line, &v.to_string())
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.value(J::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.value(J::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.value(J::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.value(J::from(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.value(J::String(v.to_string()))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.value(J::Null)
    }
}

/// The value under a split key: an array is streamed (`None`), anything
/// else comes back whole to stay a member of its document.
struct Wrapped<'a, 'b, 's, 'o, 'f> {
    newlines: &'a Rc<Cell<u64>>,
    key: &'a str,
    out: &'a mut FileSink<'s, 'o>,
    on_part: &'a mut OnPart<'f>,
    failed: &'b mut Option<OutputError>,
}

impl<'de> DeserializeSeed<'de> for Wrapped<'_, '_, '_, '_, '_> {
    type Value = Option<J>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<J>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Wrapped<'_, '_, '_, '_, '_> {
    type Value = Option<J>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<J>, A::Error> {
        let elements = Elements {
            newlines: self.newlines,
            key: Some(self.key),
            out: self.out,
            on_doc: self.on_part,
            failed: self.failed,
        };
        elements.visit_seq(seq)?;
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<J>, A::Error> {
        J::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Option<J>, E> {
        Ok(Some(J::Bool(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Option<J>, E> {
        Ok(Some(J::from(v)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<J>, E> {
        Ok(Some(J::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Option<J>, E> {
        Ok(Some(J::from(v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<J>, E> {
        Ok(Some(J::String(v.to_string())))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<J>, E> {
        Ok(Some(J::Null))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::json::for_each_part;
    use crate::sink::{Collect, Sink};

    fn parts(text: &str) -> (Vec<(u64, String)>, Option<crate::sink::Rejects>) {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        let mut f = sink.file(Path::new("x"), None);
        let mut got = Vec::new();
        let mut input = text.as_bytes();
        for_each_part(&mut input, &mut f, &["items", "records"], &mut |n, part, _| {
            let shown = match part {
                super::Part::Doc(t) => format!("doc {}", t.split_whitespace().collect::<String>()),
                super::Part::Element(k, t) => format!("{k} {}", t.split_whitespace().collect::<String>()),
            };
            got.push((n, shown));
            Ok(())
        })
        .unwrap();
        drop(f);
        (got, sink.files[0].rejects.clone())
    }

    #[test]
    fn wrapper_arrays_come_one_element_at_a_time_with_their_lines() {
        let text = "{\n \"kind\": \"EventList\",\n \"items\": [\n  {\"a\": 1},\n  {\n   \"a\": 2\n  }\n ]\n}\n\
                    {\n \"x\": [1, 2],\n \"y\": {\"z\": \"q\"}\n}\n{\n \"records\": null\n}\n";
        let (got, rej) = parts(text);
        assert_eq!(
            got,
            [
                (4, "items {\"a\":1}".to_string()),
                (5, "items {\"a\":2}".to_string()),
                (10, "doc {\"x\":[1,2],\"y\":{\"z\":\"q\"}}".to_string()),
                (14, "doc {\"records\":null}".to_string()),
            ]
        );
        assert!(rej.is_none());
    }

    #[test]
    fn a_cut_wrapper_keeps_the_elements_before_the_cut() {
        let (got, rej) = parts("{\n \"records\": [\n {\"a\": 1},\n {\"a\": 2},\n {\"a\"");
        assert_eq!(got.len(), 2);
        let rej = rej.unwrap();
        assert_eq!(rej.count, 1);
        assert!(rej.first.1.starts_with("truncated JSON"), "{}", rej.first.1);
    }

    #[test]
    fn documents_that_are_not_objects_come_whole() {
        let (got, _) = parts("{\n\"a\":1}\n[1,\n2]\n\"s\"\n");
        assert_eq!(got, [(1, "doc {\"a\":1}".to_string()), (3, "doc [1,2]".to_string()), (5, "doc \"s\"".to_string())]);
    }
}
