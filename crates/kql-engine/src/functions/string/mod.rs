//! String operators and functions.

pub mod fold;
pub mod matcher;
pub mod per_row;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, BooleanArray, StringViewArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use self::fold::fold;
use self::matcher::{MatchMode, Matcher};
use super::args::{map_str_to_bool, under_empty_default, views_to_bool};

/// `has`, `contains`, `startswith`, `has_any`, `has_all`, `in~` and their
/// negations, against constant needles compiled once per call site.
#[derive(Debug, Clone)]
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

    fn simplify(&self, args: Vec<Expr>, _: &SimplifyContext) -> Result<ExprSimplifyResult> {
        Ok(read_null_as_empty(self, args))
    }
}

/// `in`, `!in`, `in~`, `!in~`, `=~` and `!~` against a constant set.
#[derive(Debug, Clone)]
pub struct StringSetFunc {
    needles: Vec<String>,
    case_sensitive: bool,
    negated: bool,
    /// The needles for lookup when there are many of them.
    set: Option<std::collections::HashSet<String>>,
    /// When every needle is ASCII and shorter than 128 bytes: bit `n` set
    /// when some needle is `n` bytes long. An ASCII value of another length
    /// cannot match (an ASCII needle equals, ignoring case, only an ASCII
    /// value of its own length), so it is rejected without comparing. A
    /// value that is not ASCII may fold to ASCII (the Kelvin sign is `k`),
    /// so it is always compared.
    lengths: Option<u128>,
    signature: Signature,
}

impl PartialEq for StringSetFunc {
    fn eq(&self, o: &Self) -> bool {
        (&self.needles, self.case_sensitive, self.negated) == (&o.needles, o.case_sensitive, o.negated)
    }
}

impl Eq for StringSetFunc {}

impl Hash for StringSetFunc {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.needles, self.case_sensitive, self.negated).hash(state);
    }
}

/// Up to this many needles are compared one by one; more go in a hash set.
const LINEAR_SET: usize = 16;

/// A UDF testing whether one string argument equals one of `needles`.
pub fn string_set(needles: Vec<String>, case_sensitive: bool, negated: bool) -> ScalarUDF {
    ScalarUDF::from(set_func(needles, case_sensitive, negated))
}

fn set_func(needles: Vec<String>, case_sensitive: bool, negated: bool) -> StringSetFunc {
    let mut needles: Vec<String> =
        needles.into_iter().map(|n| if case_sensitive { n } else { fold(&n).into_owned() }).collect();
    needles.sort();
    needles.dedup();
    let set = (needles.len() > LINEAR_SET).then(|| needles.iter().cloned().collect());
    let lengths = needles
        .iter()
        .all(|n| n.is_ascii() && n.len() < 128)
        .then(|| needles.iter().fold(0u128, |m, n| m | (1u128 << n.len())));
    StringSetFunc {
        needles,
        case_sensitive,
        negated,
        set,
        lengths,
        signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
    }
}

impl StringSetFunc {
    fn contains(&self, s: &str) -> bool {
        if self.case_sensitive {
            return match &self.set {
                Some(set) => set.contains(s),
                None => self.needles.iter().any(|n| n == s),
            };
        }
        if s.is_ascii() {
            match &self.set {
                None => {
                    self.needles.iter().any(|n| n.len() == s.len() && n.as_bytes().eq_ignore_ascii_case(s.as_bytes()))
                }
                Some(set) => {
                    if s.bytes().any(|b| b.is_ascii_uppercase()) {
                        set.contains(&s.to_ascii_lowercase())
                    } else {
                        set.contains(s)
                    }
                }
            }
        } else {
            let folded = fold(s);
            match &self.set {
                Some(set) => set.contains(folded.as_ref()),
                None => self.needles.iter().any(|n| n == folded.as_ref()),
            }
        }
    }
}

impl StringSetFunc {
    /// [`contains`](Self::contains), negated for `!in`, over a string view
    /// array (a null is tested as ""), each distinct view tested once
    /// ([`views_to_bool`]), and an ASCII value of a length no needle has
    /// rejected without comparing.
    fn on_views(&self, a: &StringViewArray) -> BooleanArray {
        let neg = self.negated;
        let bits = views_to_bool(a, |s| {
            let len = s.len();
            let maybe = match self.lengths {
                Some(lengths) => (len < 128 && lengths & (1u128 << len) != 0) || !s.is_ascii(),
                None => true,
            };
            (maybe && self.contains(s)) != neg
        });
        BooleanArray::new(bits, None)
    }
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
        let neg = self.negated;
        if let ColumnarValue::Array(a) = &args.args[0]
            && let Some(views) = a.as_string_view_opt()
        {
            return Ok(ColumnarValue::Array(Arc::new(self.on_views(views))));
        }
        map_str_to_bool(&args.args[0], |s| self.contains(s) != neg)
    }

    fn simplify(&self, args: Vec<Expr>, _: &SimplifyContext) -> Result<ExprSimplifyResult> {
        Ok(read_null_as_empty(self, args))
    }
}

/// The call of `f` on the string under its argument's null-to-empty wrapper
/// ([`under_empty_default`]), if it has one: `f` reads a null as "" itself,
/// and the wrapper is one more pass over every row.
fn read_null_as_empty<F: ScalarUDFImpl + Clone + 'static>(f: &F, args: Vec<Expr>) -> ExprSimplifyResult {
    match args.as_slice() {
        [arg] => match under_empty_default(arg) {
            Some(x) => ExprSimplifyResult::Simplified(ScalarUDF::from(f.clone()).call(vec![x.clone()])),
            None => ExprSimplifyResult::Original(args),
        },
        _ => ExprSimplifyResult::Original(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters whose case is interesting: ASCII letters, Latin, Greek,
    /// Cyrillic, letterlike symbols (the Kelvin and Ångström signs), and
    /// the ones that change length or are context-dependent when lowered.
    fn characters() -> Vec<char> {
        let ranges =
            [(0x41u32, 0x7a), (0xc0, 0x24f), (0x370, 0x3ff), (0x400, 0x45f), (0x1e00, 0x1eff), (0x2100, 0x214f)];
        ranges.iter().flat_map(|&(a, b)| (a..=b).filter_map(char::from_u32)).collect()
    }

    /// The compiled forms of `in~`/`=~` and of `contains`/`has`/
    /// `startswith` answer what folding both sides and comparing answers,
    /// for every pair of one-character strings drawn from these ranges
    /// against the characters that share a fold with an ASCII letter.
    #[test]
    fn fast_paths_agree_with_folding() {
        let all = characters();
        let ascii_like: Vec<char> = all.iter().copied().filter(|c| fold::folds_to_ascii(*c)).collect();
        for &n in &all {
            let needle = n.to_string();
            let set = set_func(vec![needle.clone()], false, false);
            let anywhere = Matcher::new(std::slice::from_ref(&needle), MatchMode::Anywhere, false);
            let term = Matcher::new(std::slice::from_ref(&needle), MatchMode::Term, false);
            let start = Matcher::new(std::slice::from_ref(&needle), MatchMode::Start, false);
            let hays: Vec<String> = ascii_like.iter().chain([n, 'x'].iter()).map(|c| c.to_string()).collect();
            let views = StringViewArray::from(hays.iter().map(String::as_str).collect::<Vec<_>>());
            let by_views = set.on_views(&views);
            for (i, h) in hays.iter().enumerate() {
                let same = fold::fold(h) == fold::fold(&needle);
                assert_eq!(set.contains(h), same, "{h:?} in~ ({needle:?})");
                assert_eq!(by_views.value(i), same, "{h:?} in~ ({needle:?}) over string views");
                let hay = format!("({h})");
                assert_eq!(anywhere.any(&hay), same, "{hay:?} contains {needle:?}");
                assert_eq!(term.any(&hay), same, "{hay:?} has {needle:?}");
                assert_eq!(start.any(h), same, "{h:?} startswith {needle:?}");
            }
        }
    }
}
