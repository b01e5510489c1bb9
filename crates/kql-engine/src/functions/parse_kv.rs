//! The `parse-kv` operator's extractor (parse-kv-operator.md): the pairs of
//! a text by delimiters, by words, or by a regular expression, and the
//! values of the wanted keys converted to their declared types.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StructArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::args::for_each_str;
use super::parse_op::{convert, fields, values_to_array};
use super::rowwise::{Ctx, V};
use crate::types::KqlType;

/// How pairs are found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KvMode {
    /// `pair_delimiter` between pairs, `kv_delimiter` between key and value;
    /// `greedy`: an unquoted value runs to the next key.
    Delimited {
        /// Between pairs.
        pair: String,
        /// Between a key and its value.
        kv: String,
        /// Whether an unquoted value runs to the next key.
        greedy: bool,
    },
    /// No delimiters given: a word followed by punctuation is a key, the
    /// next word (or quoted text) its value.
    Words,
    /// A regular expression whose two groups are the key and the value.
    Regex(String),
}

/// The extractor's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KvSpec {
    /// How pairs are found.
    pub mode: KvMode,
    /// Opening and closing quote characters.
    pub quotes: Vec<(char, char)>,
    /// Escape characters inside quoted text.
    pub escapes: Vec<char>,
}

impl KvSpec {
    fn closing(&self, c: char) -> Option<char> {
        self.quotes.iter().find(|(o, _)| *o == c).map(|(_, q)| *q)
    }

    /// Quoted text at the start of `s` (which starts with an opening quote):
    /// its content unescaped, and the text after the closing quote.
    fn quoted<'s>(&self, s: &'s str) -> Option<(String, &'s str)> {
        let mut chars = s.char_indices();
        let (_, open) = chars.next()?;
        let close = self.closing(open)?;
        let mut out = String::new();
        let mut escaped = false;
        for (i, c) in chars {
            if escaped {
                out.push(c);
                escaped = false;
            } else if self.escapes.contains(&c) {
                escaped = true;
            } else if c == close {
                return Some((out, s.get(i + c.len_utf8()..).unwrap_or("")));
            } else {
                out.push(c);
            }
        }
        // No closing quote: the rest is the value.
        Some((out, ""))
    }

    /// Every pair of `text`, in order.
    pub fn pairs(&self, text: &str, ctx: &mut Ctx) -> Vec<(String, String)> {
        match &self.mode {
            KvMode::Delimited { pair, kv, greedy } if !pair.is_empty() && !kv.is_empty() => {
                self.delimited(text, pair, kv, *greedy)
            }
            KvMode::Delimited { .. } => Vec::new(),
            KvMode::Words => self.words(text),
            KvMode::Regex(re) => match ctx.regex(re) {
                Some(re) => re
                    .captures_iter(text)
                    .filter_map(|c| Some((c.get(1)?.as_str().to_string(), c.get(2)?.as_str().to_string())))
                    .collect(),
                None => Vec::new(),
            },
        }
    }

    fn delimited(&self, text: &str, pair: &str, kv: &str, greedy: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.trim_start().is_empty() {
            rest = rest.trim_start();
            // The key: quoted, or the text up to the key-value delimiter
            // after the last pair delimiter before it (words without a
            // value are skipped).
            let (key, after) = match rest.chars().next().and_then(|c| self.closing(c)) {
                Some(_) => match self.quoted(rest) {
                    Some((k, after)) => match after.trim_start().strip_prefix(kv) {
                        Some(a) => (k, a),
                        None => {
                            rest = after;
                            continue;
                        }
                    },
                    None => break,
                },
                None => {
                    let Some(i) = rest.find(kv) else { break };
                    let head = rest.get(..i).unwrap_or("");
                    let key = head.rsplit(pair).next().unwrap_or(head);
                    (key.trim().to_string(), rest.get(i + kv.len()..).unwrap_or(""))
                }
            };
            let after = after.trim_start();
            let (value, next) = match after.chars().next().and_then(|c| self.closing(c)) {
                Some(_) => match self.quoted(after) {
                    Some((v, tail)) => (v, tail.find(pair).and_then(|j| tail.get(j + pair.len()..)).unwrap_or("")),
                    None => (String::new(), ""),
                },
                None => {
                    let end = if greedy { next_key(after, pair, kv) } else { after.find(pair) };
                    match end {
                        Some(j) => {
                            (after.get(..j).unwrap_or("").trim().to_string(), after.get(j + pair.len()..).unwrap_or(""))
                        }
                        None => (after.trim().to_string(), ""),
                    }
                }
            };
            out.push((key, value));
            rest = next;
        }
        out
    }

    fn words(&self, text: &str) -> Vec<(String, String)> {
        let word = |c: char| c.is_alphanumeric();
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(word) {
            let tail = rest.get(start..).unwrap_or("");
            let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
            let key = tail.get(..end).unwrap_or("");
            let after = tail.get(end..).unwrap_or("");
            // The separator: up to the next word or opening quote.
            let sep_end = after.find(|c: char| word(c) || self.closing(c).is_some()).unwrap_or(after.len());
            let sep = after.get(..sep_end).unwrap_or("");
            let value_text = after.get(sep_end..).unwrap_or("");
            if !sep.chars().any(|c| !c.is_whitespace()) || value_text.is_empty() {
                rest = after;
                continue;
            }
            if let Some((v, tail)) =
                value_text.chars().next().and_then(|c| self.closing(c)).and_then(|_| self.quoted(value_text))
            {
                out.push((key.to_string(), v));
                rest = tail;
                continue;
            }
            let vend = value_text.find(|c: char| !word(c)).unwrap_or(value_text.len());
            out.push((key.to_string(), value_text.get(..vend).unwrap_or("").to_string()));
            rest = value_text.get(vend..).unwrap_or("");
        }
        out
    }
}

/// Where an unquoted greedy value ends: the first pair delimiter after which
/// the text up to the next one holds a key-value delimiter.
fn next_key(s: &str, pair: &str, kv: &str) -> Option<usize> {
    let mut from = 0usize;
    while let Some(j) = s.get(from..).and_then(|t| t.find(pair)).map(|j| j + from) {
        let seg_start = j + pair.len();
        let seg = s.get(seg_start..).unwrap_or("");
        let seg = seg.find(pair).and_then(|k| seg.get(..k)).unwrap_or(seg);
        if seg.contains(kv) {
            return Some(j);
        }
        from = seg_start;
    }
    None
}

/// Extracts the values of `keys` from text: a struct of one field per key
/// (`c0`, `c1`, ...), null where the key is absent or does not convert.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseKvFunc {
    spec: KvSpec,
    keys: Vec<(String, KqlType)>,
    signature: Signature,
}

/// The `parse-kv` UDF.
pub fn parse_kv_udf(spec: KvSpec, keys: Vec<(String, KqlType)>) -> ScalarUDF {
    ScalarUDF::from(ParseKvFunc { spec, keys, signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) })
}

impl ScalarUDFImpl for ParseKvFunc {
    fn name(&self) -> &str {
        "parse_kv"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        let types: Vec<KqlType> = self.keys.iter().map(|k| k.1).collect();
        Ok(DataType::Struct(fields(&types)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = match args.args.first() {
            Some(ColumnarValue::Array(a)) => a.clone(),
            Some(ColumnarValue::Scalar(s)) => s.to_array_of_size(args.number_rows)?,
            None => return datafusion::common::exec_err!("parse-kv takes one argument"),
        };
        let mut ctx = Ctx::default();
        let mut cols: Vec<Vec<V>> = vec![Vec::with_capacity(input.len()); self.keys.len()];
        for_each_str(&input, |s| {
            let pairs = self.spec.pairs(s, &mut ctx);
            for ((key, ty), col) in self.keys.iter().zip(cols.iter_mut()) {
                let v = pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
                let v = match (v, ty) {
                    (None, _) => V::Null,
                    (Some(v), KqlType::Guid) => super::encoding::toguid(&[V::Str(v.to_string())], &mut ctx),
                    (Some(v), KqlType::String) => V::Str(v.to_string()),
                    (Some(v), t) => convert(v.trim(), *t).unwrap_or(V::Null),
                };
                col.push(v);
            }
        })?;
        let types: Vec<KqlType> = self.keys.iter().map(|k| k.1).collect();
        let arrays: Vec<ArrayRef> =
            cols.into_iter().zip(&types).map(|(vals, t)| values_to_array(vals, *t)).collect::<Result<_>>()?;
        let s = if types.is_empty() {
            StructArray::new_empty_fields(input.len(), None)
        } else {
            StructArray::try_new(fields(&types), arrays, None)?
        };
        Ok(ColumnarValue::Array(Arc::new(s)))
    }
}
