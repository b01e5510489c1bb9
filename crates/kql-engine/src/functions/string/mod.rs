//! String operators and functions.

pub mod matcher;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use self::matcher::{MatchMode, Matcher};
use super::args::map_str_to_bool;

/// `has`, `contains`, `startswith`, `has_any`, `has_all`, `in~` and their
/// negations, against constant needles compiled once per call site.
#[derive(Debug)]
pub struct StringMatchFunc {
    name: String,
    needles: Vec<String>,
    mode: MatchMode,
    case_sensitive: bool,
    all: bool,
    negated: bool,
    matcher: Arc<Matcher>,
    signature: Signature,
}

impl PartialEq for StringMatchFunc {
    fn eq(&self, o: &Self) -> bool {
        (&self.name, &self.needles, self.mode, self.case_sensitive, self.all, self.negated)
            == (&o.name, &o.needles, o.mode, o.case_sensitive, o.all, o.negated)
    }
}

impl Eq for StringMatchFunc {}

impl Hash for StringMatchFunc {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.name, &self.needles, self.mode, self.case_sensitive, self.all, self.negated).hash(state);
    }
}

/// What a [`StringMatchFunc`] tests.
#[derive(Debug, Clone, Copy)]
pub struct MatchSpec {
    /// Where needles must sit.
    pub mode: MatchMode,
    /// Case-sensitive (`_cs`, `==`).
    pub case_sensitive: bool,
    /// Every needle must match (`has_all`), not any.
    pub all: bool,
    /// Negated (`!has`).
    pub negated: bool,
}

/// A UDF testing one string argument against `needles`.
pub fn string_match(name: &str, needles: Vec<String>, spec: MatchSpec) -> ScalarUDF {
    let matcher = Arc::new(Matcher::new(&needles, spec.mode, spec.case_sensitive));
    ScalarUDF::from(StringMatchFunc {
        name: name.to_string(),
        needles,
        mode: spec.mode,
        case_sensitive: spec.case_sensitive,
        all: spec.all,
        negated: spec.negated,
        matcher,
        signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
    })
}

impl ScalarUDFImpl for StringMatchFunc {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let m = &self.matcher;
        let (all, neg) = (self.all, self.negated);
        map_str_to_bool(&args.args[0], |s| (if all { m.all(s) } else { m.any(s) }) != neg)
    }
}

/// `in`, `!in`, `in~`, `!in~`, `=~` and `!~` against a constant set.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StringSetFunc {
    needles: Vec<String>,
    case_sensitive: bool,
    negated: bool,
    signature: Signature,
}

/// A UDF testing whether one string argument equals one of `needles`.
pub fn string_set(needles: Vec<String>, case_sensitive: bool, negated: bool) -> ScalarUDF {
    let mut needles: Vec<String> =
        needles.into_iter().map(|n| if case_sensitive { n } else { n.to_lowercase() }).collect();
    needles.sort();
    needles.dedup();
    ScalarUDF::from(StringSetFunc {
        needles,
        case_sensitive,
        negated,
        signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
    })
}

impl ScalarUDFImpl for StringSetFunc {
    fn name(&self) -> &str {
        match (self.case_sensitive, self.negated) {
            (true, false) => "in",
            (true, true) => "!in",
            (false, false) => "in~",
            (false, true) => "!in~",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let set: std::collections::HashSet<&str> = self.needles.iter().map(String::as_str).collect();
        let neg = self.negated;
        if self.case_sensitive {
            return map_str_to_bool(&args.args[0], |s| set.contains(s) != neg);
        }
        let mut buf = String::new();
        let lowered = std::cell::RefCell::new(&mut buf);
        map_str_to_bool(&args.args[0], |s| {
            let found = if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                let mut b = lowered.borrow_mut();
                b.clear();
                if s.is_ascii() {
                    b.extend(s.chars().map(|c| c.to_ascii_lowercase()));
                } else {
                    b.push_str(&s.to_lowercase());
                }
                set.contains(b.as_str())
            } else {
                set.contains(s)
            };
            found != neg
        })
    }
}
