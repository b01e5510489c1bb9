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

use super::dyn_scan;
use super::dynamic::PathElem;

/// The compact JSON text at `path` in `text`, or `None` when the path does
/// not lead anywhere, the value there is null, or `text` is not JSON.
pub fn get_path<'a>(text: &'a str, path: &[PathElem]) -> Option<Cow<'a, str>> {
    get_path_with(text, path, true)
}

/// [`get_path`] with serde_json alone, without the byte scan: the
/// reference the scan is checked against (tests and the `dyn_path` fuzz
/// target).
#[doc(hidden)]
pub fn get_path_serde<'a>(text: &'a str, path: &[PathElem]) -> Option<Cow<'a, str>> {
    get_path_with(text, path, false)
}

fn get_path_with<'a>(text: &'a str, path: &[PathElem], scan: bool) -> Option<Cow<'a, str>> {
    let mut raw: &'a str = text;
    for step in path {
        // The byte scan answers for plain text; serde_json for the rest.
        let found: Option<&'a str> = match step {
            PathElem::Key(k) => match if scan { dyn_scan::key(raw, k) } else { None } {
                Some(found) => found,
                None => follow(raw, FindKey(k))?.map(RawValue::get),
            },
            PathElem::Index(i) if *i >= 0 => match if scan { dyn_scan::element(raw, *i as usize) } else { None } {
                Some(found) => found,
                None => follow(raw, NthElement(*i as usize))?.map(RawValue::get),
            },
            PathElem::Index(i) => {
                // From the end: the elements are needed to know where that is.
                let all: Vec<&RawValue> = serde_json::from_str(raw).ok()?;
                let at = usize::try_from(all.len() as i64 + i).ok()?;
                all.get(at).map(|v| v.get())
            }
        };
        raw = found?;
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

    /// Hostile text and paths: empty, null, non-ASCII keys and values,
    /// 10,000 members and elements, the largest index.
    #[test]
    fn hostile_texts_and_paths_agree_with_serde_json() {
        let many: Vec<String> = (0..10_000).map(|i| format!("\"k{i}\": [{i}, \"v{i}\"]")).collect();
        let object = format!("{{{}}}", many.join(", "));
        let array = format!("[{}]", (0..10_000).map(|i| format!("{{\"k\": {i}}}")).collect::<Vec<_>>().join(","));
        let docs = ["", " ", "null", "{}", "[]", "{\"ключ\": \"значение →\", \"k\": \"é\"}", &object, &array];
        let paths: Vec<Vec<PathElem>> = vec![
            vec![Key("k9999".into()), Index(1)],
            vec![Key("ключ".into())],
            vec![Key("k".into())],
            vec![Key("".into())],
            vec![Index(9_999), Key("k".into())],
            vec![Index(10_000)],
            vec![Index(i64::MAX)],
            vec![Index(i64::MIN)],
            vec![Index(0)],
        ];
        for d in docs {
            for p in &paths {
                assert_eq!(get_path(d, p), get_path_serde(d, p), "{p:?} in {:.40}", d);
            }
        }
        assert_eq!(get_path(&object, &paths[0]).as_deref(), Some("\"v9999\""));
        assert_eq!(get_path(&array, &paths[4]).as_deref(), Some("9999"));
        assert_eq!(get_path(docs[5], &paths[1]).as_deref(), Some("\"значение →\""));
    }

    /// A small deterministic generator of JSON-like text: valid documents
    /// and their mutations (bytes dropped, duplicated or replaced by
    /// JSON's special characters).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
        fn value(&mut self, depth: u32, out: &mut String) {
            let ws = [" ", "", "", "\n", "\t", "\r"];
            match if depth == 0 {
                4 + self.below(2)
            } else if depth > 3 {
                self.below(4)
            } else {
                self.below(6)
            } {
                0 => out.push_str(self.pick(&[
                    "0",
                    "-1",
                    "12.5",
                    "1e3",
                    "-0.0E-2",
                    "123456789012345678901234",
                    "1e400",
                    "01",
                    "1.",
                    "-",
                    "+1",
                    ".5",
                ])),
                1 => out.push_str(self.pick(&["true", "false", "null", "nul", "True"])),
                2 | 3 => out.push_str(self.pick(&[
                    r#""a""#,
                    r#""""#,
                    r#""k""#,
                    r#""x\"y""#,
                    r#""\\""#,
                    r#""\/\b\f\n\r\t""#,
                    r#""\u0041""#,
                    r#""\ud800""#,
                    r#""\q""#,
                    "\"tab\there\"",
                    "\"é→\"",
                    r#""\""#,
                ])),
                4 => {
                    out.push('[');
                    for k in 0..self.below(4) {
                        if k > 0 {
                            out.push(',');
                        }
                        out.push_str(self.pick(&ws));
                        self.value(depth + 1, out);
                    }
                    out.push(']');
                }
                _ => {
                    out.push('{');
                    for k in 0..self.below(4) {
                        if k > 0 {
                            out.push(',');
                        }
                        out.push_str(self.pick(&ws));
                        out.push_str(self.pick(&[r#""k""#, r#""a""#, r#""k\"""#, r#""\u006b""#, r#""""#, "k"]));
                        out.push_str(self.pick(&ws));
                        out.push(':');
                        self.value(depth + 1, out);
                    }
                    out.push('}');
                }
            }
            out.push_str(self.pick(&ws));
        }
        fn document(&mut self) -> String {
            let mut d = String::new();
            if self.below(8) == 0 {
                d.push_str(self.pick(&["{", "[", " ", "x"]));
            }
            self.value(0, &mut d);
            let mut b = d.into_bytes();
            for _ in 0..self.below(4).saturating_sub(1) {
                if b.is_empty() {
                    break;
                }
                let at = self.below(b.len());
                match self.below(3) {
                    0 => {
                        b.remove(at);
                    }
                    1 => b.insert(at, b[at]),
                    _ => b[at] = *b"{}[],:\" \\0a".get(self.below(12)).unwrap_or(&b'x'),
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        }
    }

    /// Whatever the byte scan answers, serde_json answers the same: over
    /// generated documents, valid and not, for keys and elements.
    #[test]
    fn the_byte_scan_agrees_with_serde_json() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let (mut answered, mut found) = (0, 0);
        for _ in 0..200_000 {
            let d = g.document();
            for k in ["k", "a", ""] {
                if let Some(scan) = dyn_scan::key(&d, k) {
                    answered += 1;
                    found += usize::from(scan.is_some());
                    let serde = follow(&d, FindKey(k)).map(|f| f.map(RawValue::get));
                    assert_eq!(Some(scan), serde, "key {k:?} in {d:?}");
                }
            }
            for n in 0..3 {
                if let Some(scan) = dyn_scan::element(&d, n) {
                    answered += 1;
                    found += usize::from(scan.is_some());
                    let serde = follow(&d, NthElement(n)).map(|f| f.map(RawValue::get));
                    assert_eq!(Some(scan), serde, "element {n} of {d:?}");
                }
            }
        }
        // Deep nesting, around the scan's limit and serde_json's.
        for depth in [1, 50, 98, 99, 100, 101, 127, 128, 129, 300] {
            let d = format!("{{\"a\": {}1{}, \"k\": 2}}", "[".repeat(depth), "]".repeat(depth));
            let scan = dyn_scan::key(&d, "k");
            if let Some(scan) = scan {
                assert_eq!(Some(scan), follow(&d, FindKey("k")).map(|f| f.map(RawValue::get)), "depth {depth}");
            }
            assert_eq!(get_path(&d, &[Key("k".into())]), get_path_serde(&d, &[Key("k".into())]), "depth {depth}");
        }
        // The scan answers for a good share of them, and finds values.
        assert!(answered > 200_000 && found > 20_000, "answered {answered}, found {found}");
    }
}
