//! The KQL function library as DataFusion UDFs, one family per module.
//!
//! The operators and functions that filter rows (`has`, `in~`, comparisons)
//! are vectorised UDFs compiled per call site (`string`); the long tail is
//! row-at-a-time ([`rowwise`]) and listed in [`ROWWISE`] with its result
//! type and arity.

pub mod aggregate;
pub mod args;
pub mod checked;
pub mod collect;
pub mod collect_agg;
pub mod collections;
pub mod convert;
pub mod datetime;
pub mod dyn_path;
pub mod dynamic;
pub mod expand;
pub mod keep_empty;
pub mod long_ops;
pub mod network;
pub mod parse_op;
pub mod rowwise;
pub mod series;
pub mod string;
pub mod text;

use crate::types::KqlType;
use rowwise::RowFn;

/// A row-at-a-time function: name, result type, fewest and most arguments
/// (`usize::MAX` for any number), implementation.
pub struct RowwiseDef {
    /// The KQL name.
    pub name: &'static str,
    /// Its result type.
    pub ret: KqlType,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments.
    pub max: usize,
    /// The implementation.
    pub f: RowFn,
}

/// The scalar functions the binder implements itself (as DataFusion
/// expressions), beside the row-at-a-time [`ROWWISE`] ones.
pub const BUILTIN_SCALARS: &[&str] = &[
    "ago",
    "now",
    "ingestion_time",
    "iif",
    "iff",
    "case",
    "coalesce",
    "isempty",
    "isnotempty",
    "isnull",
    "isnotnull",
    "strlen",
    "tolower",
    "toupper",
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "tobool",
    "toboolean",
    "todatetime",
    "totimespan",
    "todynamic",
    "parse_json",
    "parsejson",
    "strcat",
    "not",
    "toscalar",
    "column_ifexists",
    "bin",
    "floor",
    "abs",
];

/// The window functions, allowed in `extend`, `project`, `where` and
/// `serialize` over a serialized input.
pub const WINDOW_FUNCTIONS: &[&str] = &["row_number", "prev", "next"];

const ANY: usize = usize::MAX;

macro_rules! defs {
    ($( $name:literal => $ret:ident, $min:expr, $max:expr, $f:path; )*) => {
        /// Every row-at-a-time function.
        pub const ROWWISE: &[RowwiseDef] = &[
            $( RowwiseDef { name: $name, ret: KqlType::$ret, min: $min, max: $max, f: $f }, )*
        ];
    };
}

defs! {
    "substring" => String, 2, 3, text::substring;
    "split" => Dynamic, 2, 3, text::split;
    "replace_string" => String, 3, 3, text::replace_string;
    "replace_regex" => String, 3, 3, text::replace_regex;
    "extract" => String, 3, 3, text::extract;
    "extract_all" => Dynamic, 2, 3, text::extract_all;
    "trim" => String, 2, 2, text::trim;
    "trim_start" => String, 2, 2, text::trim_start;
    "trim_end" => String, 2, 2, text::trim_end;
    "indexof" => Long, 2, 5, text::indexof;
    "countof" => Long, 2, 3, text::countof;
    "reverse" => String, 1, 1, text::reverse;
    "strcat_delim" => String, 3, 65, text::strcat_delim;
    "tohex" => String, 1, 2, text::tohex;
    "base64_encode_tostring" => String, 1, 1, text::base64_encode;
    "base64_decode_tostring" => String, 1, 1, text::base64_decode;
    "url_decode" => String, 1, 1, text::url_decode;
    "url_encode" => String, 1, 1, text::url_encode;
    "url_encode_component" => String, 1, 1, text::url_encode;
    "hash_sha256" => String, 1, 1, text::hash_sha256;
    "hash_md5" => String, 1, 1, text::hash_md5;
    "parse_url" => Dynamic, 1, 1, text::parse_url;
    "parse_path" => Dynamic, 1, 1, text::parse_path;
    "parse_command_line" => Dynamic, 2, 2, text::parse_command_line;
    "datetime_diff" => Long, 3, 3, datetime::datetime_diff;
    "datetime_add" => Datetime, 3, 3, datetime::datetime_add;
    "datetime_part" => Long, 2, 2, datetime::datetime_part;
    "startofday" => Datetime, 1, 2, datetime::startofday;
    "startofweek" => Datetime, 1, 2, datetime::startofweek;
    "startofmonth" => Datetime, 1, 2, datetime::startofmonth;
    "startofyear" => Datetime, 1, 2, datetime::startofyear;
    "endofday" => Datetime, 1, 2, datetime::endofday;
    "endofweek" => Datetime, 1, 2, datetime::endofweek;
    "endofmonth" => Datetime, 1, 2, datetime::endofmonth;
    "endofyear" => Datetime, 1, 2, datetime::endofyear;
    "dayofweek" => Timespan, 1, 1, datetime::dayofweek;
    "hourofday" => Int, 1, 1, datetime::hourofday;
    "dayofmonth" => Int, 1, 1, datetime::dayofmonth;
    "dayofyear" => Int, 1, 1, datetime::dayofyear;
    "monthofyear" => Int, 1, 1, datetime::monthofyear;
    "getmonth" => Int, 1, 1, datetime::monthofyear;
    "getyear" => Int, 1, 1, datetime::getyear;
    "format_datetime" => String, 2, 2, datetime::format_datetime;
    "make_datetime" => Datetime, 3, 7, datetime::make_datetime;
    "unixtime_seconds_todatetime" => Datetime, 1, 1, datetime::unix_seconds;
    "unixtime_milliseconds_todatetime" => Datetime, 1, 1, datetime::unix_millis;
    "unixtime_microseconds_todatetime" => Datetime, 1, 1, datetime::unix_micros;
    "unixtime_nanoseconds_todatetime" => Datetime, 1, 1, datetime::unix_nanos;
    "array_length" => Long, 1, 1, collections::array_length;
    "array_index_of" => Long, 2, 5, collections::array_index_of;
    "array_concat" => Dynamic, 1, ANY, collections::array_concat;
    "strcat_array" => String, 2, 2, collections::strcat_array;
    "array_slice" => Dynamic, 3, 3, collections::array_slice;
    "array_sort_asc" => Dynamic, 1, 1, collections::array_sort_asc;
    "set_has_element" => Bool, 2, 2, collections::set_has_element;
    "set_union" => Dynamic, 2, 2, collections::set_union;
    "set_intersect" => Dynamic, 2, 2, collections::set_intersect;
    "set_difference" => Dynamic, 2, 2, collections::set_difference;
    "bag_keys" => Dynamic, 1, 1, collections::bag_keys;
    "bag_has_key" => Bool, 2, 2, collections::bag_has_key;
    "bag_pack" => Dynamic, 0, ANY, collections::bag_pack;
    "pack" => Dynamic, 0, ANY, collections::bag_pack;
    "pack_dictionary" => Dynamic, 0, ANY, collections::bag_pack;
    "pack_array" => Dynamic, 0, ANY, collections::pack_array;
    "ipv4_is_private" => Bool, 1, 1, network::ipv4_is_private;
    "ipv4_is_in_range" => Bool, 2, 2, network::ipv4_is_in_range;
    "ipv4_is_in_any_range" => Bool, 2, ANY, network::ipv4_is_in_any_range;
    "ipv4_compare" => Long, 2, 3, network::ipv4_compare;
    "parse_ipv4" => Long, 1, 1, network::parse_ipv4;
}

/// The row-at-a-time function called `name`.
pub fn rowwise(name: &str) -> Option<&'static RowwiseDef> {
    ROWWISE.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn function_names_are_unique() {
        let mut names: Vec<&str> = super::ROWWISE.iter().map(|d| d.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }
}
