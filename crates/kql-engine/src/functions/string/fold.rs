//! Case folding for the case-insensitive operators (`=~`, `in~`, `has`,
//! `contains`, ...): one definition, so a constant needle and a column
//! compared with `=~` agree on every character.
//!
//! A character folds to the lower case of its simple (one character) upper
//! case, so characters that share an upper case are equal: the Kelvin sign
//! and `K` and `k`, the dotless `ı` and `I` and `i`, the Greek final `ς`
//! and `σ` and `Σ`, `ẞ` and `ß`, `ſ` and `s`. The dotted `İ` (whose lower
//! case is two characters) equals only itself, and `ß` is not `ss`. Each
//! character folds to one character, so a folded text has as many
//! characters as the original, and folding twice changes nothing.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use crate::functions::args::map_str_to_str;

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// The folded form of one character.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase()).unwrap_or(upper)
}

/// `s` case-folded; borrowed when folding changes nothing.
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    if s.chars().all(|c| fold_char(c) == c) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(fold_char).collect())
}

/// Whether a character folds to an ASCII character (so a value that is not
/// ASCII can still equal an ASCII needle ignoring case).
pub fn folds_to_ascii(c: char) -> bool {
    fold_char(c).is_ascii()
}

/// The UDF that case-folds a string, for comparing two computed strings
/// ignoring case (`a =~ b` where `b` is not a constant).
#[derive(Debug, PartialEq, Eq, Hash)]
struct FoldFunc {
    signature: Signature,
}

impl ScalarUDFImpl for FoldFunc {
    fn name(&self) -> &str {
        "fold_case"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8View)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_str_to_str(&args.args[0], |s, out| out.push_str(&fold(s)))
    }
}

/// The case-folding UDF.
pub fn fold_case() -> ScalarUDF {
    static F: std::sync::OnceLock<Arc<ScalarUDF>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        Arc::new(ScalarUDF::from(FoldFunc { signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) }))
    })
    .as_ref()
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_agree_with_ordinal_ignore_case() {
        let eq = |a: &str, b: &str| fold(a) == fold(b);
        assert!(eq("\u{212A}", "k"));
        assert!(eq("\u{212A}", "K"));
        assert!(eq("ı", "I"));
        assert!(eq("ı", "i"));
        assert!(!eq("İ", "i"));
        assert!(eq("İ", "İ"));
        assert!(eq("ẞ", "ß"));
        assert!(!eq("ß", "ss"));
        assert!(eq("ΟΔΟΣ", "οδος"));
        assert!(eq("ΟΔΟΣ", "οδοσ"));
        assert!(eq("ſ", "S"));
        assert!(eq("ÄRGER", "ärger"));
    }

    #[test]
    fn folding_keeps_the_character_count_and_is_idempotent() {
        for s in ["\u{212A}elvin", "İstanbul", "STRAẞE", "ΟΔΟΣ", "ǅ", "ﬀ", "Ω\u{2126}"] {
            let f = fold(s);
            assert_eq!(f.chars().count(), s.chars().count(), "{s}");
            assert_eq!(fold(&f), f, "{s}");
        }
    }
}
