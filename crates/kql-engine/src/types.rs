//! KQL's scalar types and how they travel as Arrow data.
//!
//! | KQL        | Arrow                                   |
//! |------------|-----------------------------------------|
//! | `bool`     | `Boolean`                               |
//! | `int`      | `Int32`                                 |
//! | `long`     | `Int64`                                 |
//! | `real`     | `Float64`                               |
//! | `decimal`  | `Decimal128(38, 18)`                    |
//! | `string`   | `Utf8View` (also read from `Utf8`)      |
//! | `datetime` | `Timestamp(Nanosecond, "UTC")`          |
//! | `timespan` | `Duration(Nanosecond)`                  |
//! | `guid`     | `FixedSizeBinary(16)`                   |
//! | `dynamic`  | `LargeUtf8`, holding JSON text          |
//!
//! The mapping is one-to-one, so the KQL type of any column or expression
//! is read off its Arrow type; no side table of types has to follow a plan
//! through DataFusion's rewrites. `dynamic` as JSON text is the choice
//! measured in `benches/dynamic.rs` (see ARCHITECTURE.md).

use std::fmt;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use kql_syntax::ast::ScalarType;

/// A KQL scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KqlType {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `real`
    Real,
    /// `decimal`
    Decimal,
    /// `string`
    String,
    /// `datetime`
    Datetime,
    /// `timespan`
    Timespan,
    /// `guid`
    Guid,
    /// `dynamic`
    Dynamic,
}

impl KqlType {
    /// The Arrow type values of this type travel as.
    pub fn arrow(self) -> DataType {
        match self {
            KqlType::Bool => DataType::Boolean,
            KqlType::Int => DataType::Int32,
            KqlType::Long => DataType::Int64,
            KqlType::Real => DataType::Float64,
            KqlType::Decimal => DataType::Decimal128(38, 18),
            KqlType::String => DataType::Utf8View,
            KqlType::Datetime => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            KqlType::Timespan => DataType::Duration(TimeUnit::Nanosecond),
            KqlType::Guid => DataType::FixedSizeBinary(16),
            KqlType::Dynamic => DataType::LargeUtf8,
        }
    }

    /// The KQL type of Arrow data. Types with no KQL twin map to the
    /// closest one (unsigned and narrow integers to `long`/`int`, lists and
    /// structs to `dynamic`).
    pub fn of(dt: &DataType) -> KqlType {
        match dt {
            DataType::Boolean => KqlType::Bool,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => KqlType::Int,
            DataType::Int64 | DataType::UInt32 | DataType::UInt64 => KqlType::Long,
            DataType::Float16 | DataType::Float32 | DataType::Float64 => KqlType::Real,
            DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..) => {
                KqlType::Decimal
            }
            DataType::Utf8 | DataType::Utf8View | DataType::Binary | DataType::BinaryView | DataType::LargeBinary => {
                KqlType::String
            }
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => KqlType::Datetime,
            DataType::Duration(_) | DataType::Time32(_) | DataType::Time64(_) | DataType::Interval(_) => {
                KqlType::Timespan
            }
            DataType::FixedSizeBinary(16) => KqlType::Guid,
            _ => KqlType::Dynamic,
        }
    }

    /// The type a syntax-level type name stands for.
    pub fn from_syntax(t: ScalarType) -> KqlType {
        match t {
            ScalarType::Bool => KqlType::Bool,
            ScalarType::Int => KqlType::Int,
            ScalarType::Long => KqlType::Long,
            ScalarType::Real => KqlType::Real,
            ScalarType::Decimal => KqlType::Decimal,
            ScalarType::String => KqlType::String,
            ScalarType::Datetime => KqlType::Datetime,
            ScalarType::Timespan => KqlType::Timespan,
            ScalarType::Guid => KqlType::Guid,
            ScalarType::Dynamic => KqlType::Dynamic,
        }
    }

    /// The KQL name of the type.
    pub fn name(self) -> &'static str {
        match self {
            KqlType::Bool => "bool",
            KqlType::Int => "int",
            KqlType::Long => "long",
            KqlType::Real => "real",
            KqlType::Decimal => "decimal",
            KqlType::String => "string",
            KqlType::Datetime => "datetime",
            KqlType::Timespan => "timespan",
            KqlType::Guid => "guid",
            KqlType::Dynamic => "dynamic",
        }
    }

    /// Whether the type is `int`, `long`, `real` or `decimal`.
    pub fn is_numeric(self) -> bool {
        matches!(self, KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal)
    }
}

impl fmt::Display for KqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Nanoseconds per KQL tick (100 ns).
pub const NANOS_PER_TICK: i64 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_arrow() {
        for t in [
            KqlType::Bool,
            KqlType::Int,
            KqlType::Long,
            KqlType::Real,
            KqlType::Decimal,
            KqlType::String,
            KqlType::Datetime,
            KqlType::Timespan,
            KqlType::Guid,
            KqlType::Dynamic,
        ] {
            assert_eq!(KqlType::of(&t.arrow()), t, "{t}");
        }
        assert_eq!(KqlType::of(&DataType::Utf8), KqlType::String);
    }
}
