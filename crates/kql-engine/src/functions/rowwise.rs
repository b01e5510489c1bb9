//! Row-at-a-time scalar functions: the long tail of KQL's library (string
//! surgery, paths and URLs, dates, arrays and bags, IP addresses). Each is
//! a plain Rust function over [`V`] values; [`RowFunc`] adapts it to a
//! DataFusion UDF. The hot operators (`has`, `in`, comparisons) have
//! vectorised UDFs of their own; these run on rows that survived filters.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, DurationNanosecondBuilder, FixedSizeBinaryBuilder, Float64Builder,
    Int32Builder, Int64Builder, LargeStringBuilder, StringViewBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use serde_json::Value as J;

use crate::types::KqlType;

/// One KQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// null
    Null,
    /// bool
    Bool(bool),
    /// int or long
    Long(i64),
    /// real
    Real(f64),
    /// string
    Str(String),
    /// datetime, nanoseconds since the epoch
    Dt(i64),
    /// timespan, nanoseconds
    Ts(i64),
    /// dynamic
    Dyn(J),
    /// guid
    Guid(Vec<u8>),
}

impl V {
    /// The string value (strings; empty for null and other types).
    pub fn str(&self) -> &str {
        match self {
            V::Str(s) => s,
            _ => "",
        }
    }

    /// The value as text, the way `tostring()` writes it.
    pub fn text(&self) -> String {
        use crate::render;
        match self {
            V::Null => String::new(),
            V::Bool(b) => b.to_string(),
            V::Long(n) => n.to_string(),
            V::Real(r) => render::real_text(*r),
            V::Str(s) => s.clone(),
            V::Dt(n) => render::datetime_text(*n),
            V::Ts(n) => render::timespan_text(*n),
            V::Dyn(J::String(s)) => s.clone(),
            V::Dyn(J::Null) => String::new(),
            V::Dyn(j) => j.to_string(),
            V::Guid(b) => render::guid_text(b),
        }
    }

    /// The value as a whole number, if it is one (or a real, truncated).
    pub fn long(&self) -> Option<i64> {
        match self {
            V::Long(n) => Some(*n),
            V::Real(r) if r.is_finite() => Some(r.trunc() as i64),
            V::Dyn(J::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
            _ => None,
        }
    }

    /// The value as JSON, as a dynamic value holds it.
    pub fn json(&self) -> J {
        match self {
            V::Null => J::Null,
            V::Bool(b) => J::Bool(*b),
            V::Long(n) => J::from(*n),
            V::Real(r) => serde_json::Number::from_f64(*r).map(J::Number).unwrap_or(J::Null),
            V::Dyn(j) => j.clone(),
            other => J::String(other.text()),
        }
    }
}

/// Per-batch state of a function: the Arrow types of its arguments, and
/// compiled regular expressions.
#[derive(Default)]
pub struct Ctx {
    arg_types: Vec<DataType>,
    regexes: HashMap<String, Option<regex::Regex>>,
    rng: Option<fastrand::Rng>,
}

impl Ctx {
    /// The Arrow type of argument `i` (an `int` is `Int32`, a `long` `Int64`:
    /// [`V`] holds both as a long).
    pub fn arg_type(&self, i: usize) -> Option<&DataType> {
        self.arg_types.get(i)
    }

    /// The random number generator of `rand()`, seeded once per batch.
    pub fn rng(&mut self) -> &mut fastrand::Rng {
        self.rng.get_or_insert_with(fastrand::Rng::new)
    }

    /// `pattern` compiled (once per batch); `None` if it does not compile.
    pub fn regex(&mut self, pattern: &str) -> Option<&regex::Regex> {
        self.regexes.entry(pattern.to_string()).or_insert_with(|| compile_regex(pattern).ok()).as_ref()
    }
}

/// The most memory a compiled regular expression (and each of its lazy
/// DFAs) may take: a pattern that needs more is an error rather than
/// seconds of compiling.
pub const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Compiles a regular expression of a query, within [`REGEX_SIZE_LIMIT`];
/// `\123` is an octal character code, as regex.md lists it (so `\0` is
/// the NUL character, not a backreference).
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).octal(true).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(REGEX_SIZE_LIMIT).build()
}

/// The first line of a regex error (the rest repeats the pattern with a
/// caret, which a diagnostic's span shows better).
pub fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(limit) => format!("it would take more than {limit} bytes compiled"),
        other => {
            let text = other.to_string();
            text.lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .unwrap_or(&text)
                .trim_start_matches("error: ")
                .to_string()
        }
    }
}

/// The Rust function behind a [`RowFunc`].
pub type RowFn = fn(&[V], &mut Ctx) -> V;

/// A KQL function evaluated row by row. Functions are told apart by name
/// (names are unique in [`ROWWISE`](super::ROWWISE)).
#[derive(Debug)]
pub struct RowFunc {
    name: &'static str,
    ret: KqlType,
    f: RowFn,
    signature: Signature,
}

impl RowFunc {
    fn is_volatile(&self) -> bool {
        self.signature.volatility == Volatility::Volatile
    }
}

impl PartialEq for RowFunc {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name && self.ret == o.ret
    }
}

impl Eq for RowFunc {}

impl std::hash::Hash for RowFunc {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.name, self.ret).hash(state);
    }
}

/// A UDF named `name`, returning `ret`, computing `f` on each row.
pub fn row_func(name: &'static str, ret: KqlType, f: RowFn) -> ScalarUDF {
    ScalarUDF::from(RowFunc {
        name,
        ret,
        f,
        signature: Signature::one_of(vec![TypeSignature::VariadicAny, TypeSignature::Nullary], Volatility::Immutable),
    })
}

/// A UDF like [`row_func`] whose answer differs from row to row even for
/// the same arguments (`rand()`): computed for every row, never folded
/// into a constant.
pub fn volatile_row_func(name: &'static str, ret: KqlType, f: RowFn) -> ScalarUDF {
    ScalarUDF::from(RowFunc {
        name,
        ret,
        f,
        signature: Signature::one_of(vec![TypeSignature::VariadicAny, TypeSignature::Nullary], Volatility::Volatile),
    })
}

/// Reads row `i` of `a` as a value.
pub fn read(a: &ArrayRef, i: usize) -> V {
    if a.is_null(i) {
        return V::Null;
    }
    match a.data_type() {
        DataType::Boolean => V::Bool(a.as_boolean().value(i)),
        DataType::Int64 => V::Long(a.as_primitive::<Int64Type>().value(i)),
        DataType::Int32 => V::Long(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Float64 => V::Real(a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => V::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::Utf8View => V::Str(a.as_string_view().value(i).to_string()),
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>().value(i);
            V::Dyn(serde_json::from_str(s).unwrap_or_else(|_| J::String(s.to_string())))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => V::Dt(a.as_primitive::<TimestampNanosecondType>().value(i)),
        DataType::Duration(TimeUnit::Nanosecond) => V::Ts(a.as_primitive::<DurationNanosecondType>().value(i)),
        DataType::FixedSizeBinary(16) => V::Guid(a.as_fixed_size_binary().value(i).to_vec()),
        DataType::List(_) | DataType::LargeList(_) => match ScalarValue::try_from_array(a, i) {
            Ok(s) => V::Dyn(super::dynamic::scalar_json(&s)),
            Err(_) => V::Null,
        },
        _ => match ScalarValue::try_from_array(a, i) {
            Ok(s) => V::Str(s.to_string()),
            Err(_) => V::Null,
        },
    }
}

enum Out {
    Bool(BooleanBuilder),
    Int(Int32Builder),
    Long(Int64Builder),
    Real(Float64Builder),
    Str(StringViewBuilder),
    Dt(TimestampNanosecondBuilder),
    Ts(DurationNanosecondBuilder),
    Dyn(LargeStringBuilder),
    Guid(FixedSizeBinaryBuilder),
}

impl Out {
    fn new(t: KqlType, n: usize) -> Out {
        match t {
            KqlType::Bool => Out::Bool(BooleanBuilder::with_capacity(n)),
            KqlType::Int => Out::Int(Int32Builder::with_capacity(n)),
            KqlType::Long | KqlType::Decimal => Out::Long(Int64Builder::with_capacity(n)),
            KqlType::Real => Out::Real(Float64Builder::with_capacity(n)),
            KqlType::String => Out::Str(StringViewBuilder::with_capacity(n)),
            KqlType::Datetime => Out::Dt(TimestampNanosecondBuilder::with_capacity(n)),
            KqlType::Timespan => Out::Ts(DurationNanosecondBuilder::with_capacity(n)),
            KqlType::Dynamic => Out::Dyn(LargeStringBuilder::with_capacity(n, n * 16)),
            KqlType::Guid => Out::Guid(FixedSizeBinaryBuilder::with_capacity(n, 16)),
        }
    }

    fn push(&mut self, v: V) {
        match self {
            Out::Bool(b) => b.append_option(match v {
                V::Bool(x) => Some(x),
                _ => None,
            }),
            Out::Int(b) => b.append_option(v.long().and_then(|n| i32::try_from(n).ok())),
            Out::Long(b) => b.append_option(v.long()),
            Out::Real(b) => b.append_option(match v {
                V::Real(r) => Some(r),
                V::Long(n) => Some(n as f64),
                _ => None,
            }),
            // Strings are never null.
            Out::Str(b) => b.append_value(v.text()),
            Out::Dt(b) => b.append_option(match v {
                V::Dt(n) => Some(n),
                _ => None,
            }),
            Out::Ts(b) => b.append_option(match v {
                V::Ts(n) => Some(n),
                _ => None,
            }),
            Out::Dyn(b) => match v {
                V::Null | V::Dyn(J::Null) => b.append_null(),
                other => b.append_value(other.json().to_string()),
            },
            Out::Guid(b) => match v {
                V::Guid(g) if g.len() == 16 => {
                    let _ = b.append_value(g);
                }
                _ => b.append_null(),
            },
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Out::Bool(mut b) => Arc::new(b.finish()),
            Out::Int(mut b) => Arc::new(b.finish()),
            Out::Long(mut b) => Arc::new(b.finish()),
            Out::Real(mut b) => Arc::new(b.finish()),
            Out::Str(mut b) => Arc::new(b.finish()),
            Out::Dt(mut b) => Arc::new(b.finish().with_timezone("UTC")),
            Out::Ts(mut b) => Arc::new(b.finish()),
            Out::Dyn(mut b) => Arc::new(b.finish()),
            Out::Guid(mut b) => Arc::new(b.finish()),
        }
    }
}

impl ScalarUDFImpl for RowFunc {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.ret.arrow())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = !self.is_volatile() && args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let n = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| match a {
                ColumnarValue::Array(a) => Ok(a.clone()),
                ColumnarValue::Scalar(s) => s.to_array_of_size(1),
            })
            .collect::<Result<_>>()?;
        let mut out = Out::new(self.ret, n);
        let mut ctx = Ctx { arg_types: arrays.iter().map(|a| a.data_type().clone()).collect(), ..Ctx::default() };
        let mut row = Vec::with_capacity(arrays.len());
        for i in 0..n {
            row.clear();
            for a in &arrays {
                row.push(read(a, if a.len() == 1 { 0 } else { i }));
            }
            out.push((self.f)(&row, &mut ctx));
        }
        let arr = out.finish();
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&arr, 0)?))
        } else {
            Ok(ColumnarValue::Array(arr))
        }
    }
}
