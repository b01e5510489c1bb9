//! String operators whose right side differs from row to row (`x has y`,
//! `x matches regex p` with columns on both sides, `has_any` over a column
//! or a tabular expression): each row is tested with
//! the same matcher the constant case compiles, built again only when the
//! right side changes from the row before.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanBuilder, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::MatchSpec;
use super::matcher::{MatchMode, Matcher};
use crate::functions::dynamic::constant_elements;
use crate::functions::rowwise::{compile_regex, regex_error};

/// What the right side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Test {
    /// A needle for `has`, `contains`, `startswith` ... .
    Needle { mode: MatchMode, case_sensitive: bool, negated: bool },
    /// A regular expression (`matches regex`).
    Regex,
    /// A dynamic array of terms (`has_any`, `has_all`).
    Terms { all: bool },
}

/// `(text, right side) -> bool`, the right side read row by row.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PerRowMatch {
    name: String,
    test: Test,
    signature: Signature,
}

/// A UDF for the string operator `name` of `spec` with a right side that is
/// not a constant. Both arguments are text.
pub fn string_match_per_row(name: &str, spec: MatchSpec) -> ScalarUDF {
    let test = Test::Needle { mode: spec.mode, case_sensitive: spec.case_sensitive, negated: spec.negated };
    ScalarUDF::from(PerRowMatch {
        name: name.to_string(),
        test,
        signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
    })
}

/// A UDF for `matches regex` with a pattern that is not a constant.
pub fn regex_match_per_row() -> ScalarUDF {
    ScalarUDF::from(PerRowMatch {
        name: "matches regex".to_string(),
        test: Test::Regex,
        signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
    })
}

/// Row `i` of `a` as text (null is empty, as KQL strings are never null).
fn text(a: &StringArray, i: usize) -> &str {
    if a.is_null(i) { "" } else { a.value(i) }
}

/// A UDF for `has_any` (`all` false) or `has_all` over a dynamic array that
/// is not a constant (a column, or the values of a tabular expression).
pub fn terms_match_per_row(all: bool) -> ScalarUDF {
    ScalarUDF::from(PerRowMatch {
        name: if all { "has_all" } else { "has_any" }.to_string(),
        test: Test::Terms { all },
        signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable),
    })
}

/// The compiled right side of the previous row.
enum Compiled {
    Needle(Matcher),
    Regex(regex::Regex),
    Terms(Matcher),
}

impl PerRowMatch {
    fn compile(&self, right: &str) -> Result<Compiled> {
        match self.test {
            Test::Needle { mode, case_sensitive, .. } => {
                Ok(Compiled::Needle(Matcher::new(&[right.to_string()], mode, case_sensitive)))
            }
            Test::Regex => match compile_regex(right) {
                Ok(re) => Ok(Compiled::Regex(re)),
                Err(e) => exec_err!("`matches regex`: invalid regular expression {right:?}: {}", regex_error(&e)),
            },
            // The elements as the constant case reads them (nested arrays
            // flattened, null as the empty string).
            Test::Terms { .. } => Ok(Compiled::Terms(Matcher::new(&constant_elements(right), MatchMode::Term, false))),
        }
    }
}

impl ScalarUDFImpl for PerRowMatch {
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
        let n = args.number_rows;
        let [hay, right] = args.args.as_slice() else {
            return exec_err!("`{}` takes two arguments", self.name);
        };
        let hay = cast(&hay.to_array(n)?, &DataType::Utf8)?;
        let right = cast(&right.to_array(n)?, &DataType::Utf8)?;
        let (hay, right) = (hay.as_string::<i32>(), right.as_string::<i32>());
        let negated = matches!(self.test, Test::Needle { negated: true, .. });
        let mut last: Option<(String, Compiled)> = None;
        let mut out = BooleanBuilder::with_capacity(n);
        for i in 0..hay.len().min(right.len()) {
            let r = text(right, i);
            let compiled = match last.take() {
                Some((prev, c)) if prev == r => (prev, c),
                _ => (r.to_string(), self.compile(r)?),
            };
            let h = text(hay, i);
            let hit = match &compiled.1 {
                Compiled::Needle(m) => m.any(h),
                Compiled::Regex(re) => re.is_match(h),
                Compiled::Terms(m) if matches!(self.test, Test::Terms { all: true }) => m.all(h),
                Compiled::Terms(m) => m.any(h),
            };
            out.append_value(hit != negated);
            last = Some(compiled);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
