//! `parse_version` (parse-version-function.md): one to four dot-separated
//! parts of up to eight digits each, as one decimal with eight digits per
//! part (`1.2.3.4` is 1,00000002,00000003,00000004), missing parts being
//! trailing zeros. Results reach 10^32, past the engine's decimal of 18
//! decimals, so the function gives a decimal of scale 0 (`Decimal128(38,
//! 0)`), which orders, compares and prints as the integer it is (against a
//! decimal of another scale, comparisons widen both to `Decimal256`).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Decimal128Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

/// The type `parse_version` gives: an integer decimal.
pub const VERSION_TYPE: DataType = DataType::Decimal128(38, 0);

/// The version `text` names, or `None` when it is not 1 to 4 parts of 1 to
/// 8 ASCII digits separated by dots.
pub fn parse_version(text: &str) -> Option<i128> {
    let mut value: i128 = 0;
    let mut parts = 0;
    for part in text.split('.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value = value * 100_000_000 + part.parse::<i128>().ok()?;
    }
    for _ in parts..4 {
        value *= 100_000_000;
    }
    Some(value)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ParseVersion {
    signature: Signature,
}

impl ScalarUDFImpl for ParseVersion {
    fn name(&self) -> &str {
        "parse_version"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(VERSION_TYPE)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        super::checked::over_arrays(
            "parse_version",
            args,
            1,
            |_| DataType::Utf8,
            |a| {
                let text = a[0].as_string::<i32>();
                let out: Decimal128Array = (0..text.len())
                    .map(|i| if text.is_null(i) { None } else { parse_version(text.value(i)) })
                    .collect();
                Ok(Arc::new(out.with_data_type(VERSION_TYPE)))
            },
        )
    }
}

/// `parse_version(text)`.
pub fn call(text: Expr) -> Expr {
    let udf = ScalarUDF::from(ParseVersion { signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) });
    udf.call(vec![text])
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_from_the_page_and_text_that_is_none() {
        assert_eq!(parse_version("0.0.0.5"), Some(5));
        assert_eq!(parse_version("0.0.7.0"), Some(700_000_000));
        assert_eq!(parse_version("0.2"), Some(20_000_000_000_000_000));
        assert_eq!(parse_version("1.2.3.4"), Some(1_000_000_020_000_000_300_000_004));
        assert_eq!(parse_version("1"), Some(1_000_000_000_000_000_000_000_000));
        assert_eq!(
            parse_version("99999999.99999999.99999999.99999999"),
            Some(99_999_999_999_999_999_999_999_999_999_999)
        );
        for bad in ["", ".", "1.", ".1", "1.2.3.4.5", "123456789", "1.-2", "1.+2", "a.b", "1 .2", "١.٢", "1..2"] {
            assert_eq!(parse_version(bad), None, "{bad:?}");
        }
    }
}
