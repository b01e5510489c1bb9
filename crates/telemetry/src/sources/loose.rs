//! JSON values that sources read leniently, deserialized without building
//! a `serde_json::Value`: a whole number given as a number or as text
//! ([`Int`]), and a string or a list of strings ([`Strs`]).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};

use super::json_scan::Scan;

/// A whole number written as a JSON number or as text holding one. Any
/// other value (a fraction, a word, an object) is [`Int::Bad`], so a
/// source can reject the record naming the field, and `null` is
/// [`Int::Absent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Int {
    /// `null`, or not there.
    #[default]
    Absent,
    /// A whole number.
    Is(i64),
    /// Something that is not a whole number.
    Bad,
}

impl Int {
    /// The number, `None` when absent; when not a whole number, an error
    /// naming `field`, to reject the record with.
    /// `field` is only formatted on error (pass `&format_args!(..)`).
    pub fn get(self, field: &dyn fmt::Display) -> Result<Option<i64>, String> {
        match self {
            Int::Absent => Ok(None),
            Int::Is(n) => Ok(Some(n)),
            Int::Bad => Err(format!("{field} is not a whole number")),
        }
    }

    /// A number written as text: whole, or else not one.
    pub fn of_text(v: &str) -> Int {
        v.trim().parse().map_or(Int::Bad, Int::Is)
    }

    /// The number, or `None` when absent or not a whole number.
    pub fn ok(self) -> Option<i64> {
        match self {
            Int::Is(n) => Some(n),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Int, E> {
                Ok(Int::Is(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Int, E> {
                Ok(i64::try_from(v).map_or(Int::Bad, Int::Is))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Int, E> {
                Ok(Int::Bad)
            }
            fn visit_str<E>(self, v: &str) -> Result<Int, E> {
                Ok(Int::of_text(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Int, E> {
                Ok(Int::Bad)
            }
            fn visit_unit<E>(self) -> Result<Int, E> {
                Ok(Int::Absent)
            }
            fn visit_none<E>(self) -> Result<Int, E> {
                Ok(Int::Absent)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Int, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Int, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Int::Bad)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Int, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Int::Bad)
            }
        }
        d.deserialize_any(V)
    }
}

/// A string, or a list of strings (ECS writes `event.category` either
/// way). Non-string list elements are left out; `null` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strs<'a>(pub Vec<Cow<'a, str>>);

impl Strs<'_> {
    /// Whether any element equals `s`, ignoring ASCII case.
    pub fn has(&self, s: &str) -> bool {
        self.0.iter().any(|v| v.eq_ignore_ascii_case(s))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Strs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strs<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Strs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Strs<'a>, E> {
                Ok(Strs(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E>(self, v: &str) -> Result<Strs<'a>, E> {
                Ok(Strs(vec![Cow::Owned(v.to_string())]))
            }
            fn visit_unit<E>(self) -> Result<Strs<'a>, E> {
                Ok(Strs::default())
            }
            fn visit_none<E>(self) -> Result<Strs<'a>, E> {
                Ok(Strs::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Strs<'a>, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strs<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<MaybeStr<'a>>()? {
                    if let Some(s) = v.0 {
                        out.push(s);
                    }
                }
                Ok(Strs(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string, or `None` for any other value (which is skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaybeStr<'a>(pub Option<Cow<'a, str>>);

impl<'a> MaybeStr<'a> {
    /// The string, unless absent or empty.
    #[inline]
    pub fn nonempty(self) -> Option<Cow<'a, str>> {
        self.0.filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for MaybeStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MaybeStr<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MaybeStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E>(self) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_none<E>(self) -> Result<MaybeStr<'a>, E> {
                Ok(MaybeStr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<MaybeStr<'a>, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeStr<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<MaybeStr<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The same lenient readings over a [`Scan`], for the readers' hand-read
/// paths: each gives what its `Deserialize` gives, or `None` where it is
/// not sure to (a number that is not a plain whole number where one is
/// wanted, a list that is not one of strings, bad JSON), and the reader
/// then reads the record with serde_json.
impl<'t> MaybeStr<'t> {
    /// A string, or any other value (passed over) as none.
    #[inline]
    pub fn scan(s: &mut Scan<'t>, depth: u32) -> Option<MaybeStr<'t>> {
        match s.lookahead()? {
            b'"' => s.text().map(|t| MaybeStr(Some(t))),
            _ => s.skip_value(depth).map(|()| MaybeStr(None)),
        }
    }
}

impl Int {
    /// A plain whole number, a string read as one, `null` (absent), or
    /// another value that is not a number (passed over, bad).
    #[inline]
    pub fn scan(s: &mut Scan<'_>, depth: u32) -> Option<Int> {
        match s.lookahead()? {
            b'"' => s.text().map(|t| Int::of_text(&t)),
            b'n' => s.null().map(|()| Int::Absent),
            b't' | b'f' | b'[' | b'{' => s.skip_value(depth).map(|()| Int::Bad),
            _ => s.int().map(Int::Is),
        }
    }
}

impl<'t> Strs<'t> {
    /// A string, an array (its strings kept, other values left out), or
    /// `null` (empty).
    pub fn scan(s: &mut Scan<'t>, depth: u32) -> Option<Strs<'t>> {
        match s.lookahead()? {
            b'"' => Some(Strs(vec![s.text()?])),
            b'n' => s.null().map(|()| Strs::default()),
            b'[' => {
                let depth = depth.checked_sub(1)?;
                let mut out = Vec::new();
                s.array(|s| {
                    if let Some(v) = MaybeStr::scan(s, depth)?.0 {
                        out.push(v);
                    }
                    Some(())
                })?;
                Some(Strs(out))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_come_as_numbers_or_text() {
        let i = |s: &str| serde_json::from_str::<Int>(s).unwrap();
        assert_eq!(i("12"), Int::Is(12));
        assert_eq!(i("\" 7 \""), Int::Is(7));
        assert_eq!(i("null"), Int::Absent);
        assert_eq!(i("1.5"), Int::Bad);
        assert_eq!(i("\"x\""), Int::Bad);
        assert_eq!(i("[1]"), Int::Bad);
        assert_eq!(i("18446744073709551615"), Int::Bad);
    }

    #[test]
    fn strs_take_a_string_or_a_list() {
        let s = |t: &'static str| serde_json::from_str::<Strs<'static>>(t).unwrap();
        assert_eq!(s("\"process\"").0, ["process"]);
        assert_eq!(s("[\"file\", 3, \"network\"]").0, ["file", "network"]);
        assert!(s("null").0.is_empty());
        assert!(s("[\"Process\"]").has("process"));
        assert!(serde_json::from_str::<Strs<'static>>("{}").is_err());
    }
}
