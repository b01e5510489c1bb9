//! Reading one path out of a dynamic value's JSON text without building
//! the whole value: the parser follows the path and skips everything else
//! unparsed into memory. `d.a.b` on an audit event reads a few fields of a
//! large object, so this is several times faster than parsing it whole
//! (`benches/dynamic_storage.rs`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;
use serde_json::value::RawValue;

use super::dynamic::PathElem;

/// The compact JSON text at `path` in `text`, or `None` when the path does
/// not lead anywhere, the value there is null, or `text` is not JSON.
pub fn get_path<'a>(text: &'a str, path: &[PathElem]) -> Option<Cow<'a, str>> {
    let mut raw: &'a str = text;
    for step in path {
        let found = match step {
            PathElem::Key(k) => follow(raw, FindKey(k))?,
            PathElem::Index(i) if *i >= 0 => follow(raw, NthElement(*i as usize))?,
            PathElem::Index(i) => {
                // From the end: the elements are needed to know where that is.
                let all: Vec<&RawValue> = serde_json::from_str(raw).ok()?;
                let at = usize::try_from(all.len() as i64 + i).ok()?;
                all.get(at).copied()
            }
        };
        raw = found?.get();
    }
    compact(raw.trim())
}

/// Runs `visitor` over the whole of `raw`; `None` when `raw` is not JSON.
fn follow<'a, V: Visitor<'a, Value = Option<&'a RawValue>>>(raw: &'a str, visitor: V) -> Option<Option<&'a RawValue>> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let found = de.deserialize_any(visitor).ok()?;
    de.end().ok()?;
    Some(found)
}

/// `raw` as compact JSON: scalars without escapes as they are, the rest
/// reparsed and printed (which also drops insignificant whitespace).
fn compact(raw: &str) -> Option<Cow<'_, str>> {
    match raw.as_bytes().first()? {
        b'n' => None,
        b'{' | b'[' => Some(Cow::Owned(serde_json::from_str::<J>(raw).ok()?.to_string())),
        b'"' if raw.contains('\\') => Some(Cow::Owned(serde_json::from_str::<J>(raw).ok()?.to_string())),
        _ => Some(Cow::Borrowed(raw)),
    }
}

/// A scalar where a bag or an array was expected: the path leads nowhere.
macro_rules! scalars_miss {
    () => {
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
}

/// The value of key `.0` in an object; not an object is a miss.
struct FindKey<'k>(&'k str);

impl<'de> Visitor<'de> for FindKey<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.0 {
                // The last of duplicate keys wins, as when the value is parsed whole.
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars_miss!();
}

/// Element `.0` of an array; not an array is a miss.
struct NthElement(usize);

impl<'de> Visitor<'de> for NthElement {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        for _ in 0..self.0 {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(None);
            }
        }
        let found = seq.next_element::<&'de RawValue>()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(found)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars_miss!();
}

/// Parses `text` whole and walks `path`: what [`get_path`] must agree with.
#[cfg(test)]
fn get_by_parsing(text: &str, path: &[PathElem]) -> Option<String> {
    let v: J = serde_json::from_str(text).ok()?;
    super::dynamic::walk(&v, path).filter(|v| !v.is_null()).map(|v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathElem::{Index, Key};

    #[test]
    fn agrees_with_parsing_the_value_whole() {
        let docs = [
            r#"{"user":{"username":"system:admin","groups":["system:masters","x"]},"objectRef":null,"n":1.5}"#,
            r#"{ "a" : { "b" : [ 1 , { "c" : "\u0041\"q" } , null ] }, "a2": true }"#,
            r#"[{"k":1},{"k":2},{"k":[3, 4]}]"#,
            r#""just a string""#,
            r#"{"dup":1,"dup":2}"#,
            r#"not json"#,
            r#"{"x": 1"#,
            r#"{"x": 1} trailing"#,
        ];
        let paths: Vec<Vec<PathElem>> = vec![
            vec![Key("user".into()), Key("username".into())],
            vec![Key("user".into()), Key("groups".into()), Index(0)],
            vec![Key("user".into()), Key("groups".into()), Index(-1)],
            vec![Key("user".into())],
            vec![Key("objectRef".into()), Key("resource".into())],
            vec![Key("n".into())],
            vec![Key("a".into()), Key("b".into()), Index(1), Key("c".into())],
            vec![Key("a".into()), Key("b".into()), Index(2)],
            vec![Key("a".into()), Key("b".into()), Index(7)],
            vec![Key("a".into())],
            vec![Index(2), Key("k".into()), Index(1)],
            vec![Index(-3), Key("k".into())],
            vec![Index(-4)],
            vec![Key("dup".into())],
            vec![Key("x".into())],
        ];
        for d in docs {
            for p in &paths {
                assert_eq!(get_path(d, p).map(Cow::into_owned), get_by_parsing(d, p), "{d} {p:?}");
            }
        }
    }
}
