//! The KQL function library as DataFusion UDFs, one family per module.
//!
//! The operators and functions that filter rows (`has`, `in~`, comparisons)
//! are vectorised UDFs compiled per call site (`string`); the long tail is
//! row-at-a-time ([`rowwise`]) and listed in [`ROWWISE`] with its result
//! type and arity.

pub mod aggregate;
pub mod args;
pub mod array_ops;
pub mod beta_dist;
pub mod buildschema;
pub mod checked;
pub mod collect;
pub mod collect_agg;
pub mod collections;
pub mod convert;
pub mod datetime;
pub mod decompose;
pub mod dyn_path;
pub mod dyn_scan;
pub mod dynamic;
pub mod encoding;
pub mod expand;
pub mod fit_2lines;
pub mod fit_poly;
pub mod geo;
pub mod geo_ip;
pub mod hash;
pub mod ipv4_more;
pub mod ipv6;
pub mod keep_empty;
pub mod long_ops;
pub mod math;
pub mod multi_value;
pub mod network;
pub mod parse_kv;
pub mod parse_op;
pub mod row_rank;
pub mod row_running;
pub mod rowwise;
pub mod series;
pub mod series_elementwise;
pub mod series_filters;
pub mod series_transforms;
pub mod session;
pub mod sketch;
pub mod string;
pub mod text;
pub mod text_edit;
pub mod timespan;
pub mod timezone;
pub mod units;
pub mod version;
pub mod welch;
pub mod xml;

use crate::types::KqlType;
use rowwise::RowFn;

/// How a row-at-a-time function's result type is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// Always [`RowwiseDef::ret`].
    Fixed,
    /// Every argument is a number (`int`, `long`, `real`, `decimal` or
    /// `dynamic`); the result is [`RowwiseDef::ret`].
    Numeric,
    /// Every argument is a number; the result has the type of the first
    /// (`int`, `long`, or `real` for the others).
    LikeFirst,
    /// The arguments share one type (numbers widen to `long` or `real`),
    /// which is the result's.
    Common,
    /// The result has the type of the first argument (an `int` as it is,
    /// a `decimal` or `dynamic` as [`RowwiseDef::ret`]).
    First,
    /// Like [`Typing::Numeric`], and computed afresh for every row
    /// (`rand()`).
    Random,
}

/// A row-at-a-time function: name, result type, fewest and most arguments
/// (`usize::MAX` for any number), implementation.
pub struct RowwiseDef {
    /// The KQL name.
    pub name: &'static str,
    /// Its result type (see [`RowwiseDef::typing`]).
    pub ret: KqlType,
    /// How the result type follows from the arguments.
    pub typing: Typing,
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
    "bin_auto",
    "pack_all",
    "bag_pack_columns",
    "assert",
    "column_names_of",
    "todecimal",
    "floor",
    "abs",
    "estimate_data_size",
    "parse_version",
];

/// Functions of the Kusto documentation that the engine refuses, and why:
/// each is a "not implemented" error where it is called.
const NOT_YET: &[(&str, &str)] = &[
    // hash-combine-function.md and hash-many-function.md print combined
    // hashes that no published combining of XXH64 values reproduces.
    ("hash_combine", "Kusto's way of combining hashes is not published"),
    ("hash_many", "Kusto's way of combining hashes is not published"),
    // Documented functions found missing by tests/docs_names.rs.
    // The service's environment: dragnet reads a dataset folder or serves
    // one, with no cluster, database, principal, extent or cursor behind it.
    ("current_cluster_endpoint", "dragnet is not a Kusto cluster and has no cluster endpoint"),
    ("current_database", "a dragnet dataset has no Kusto database name"),
    ("current_principal", "dragnet does not authenticate Microsoft Entra principals"),
    ("current_principal_details", "dragnet does not authenticate Microsoft Entra principals"),
    ("current_principal_is_member_of", "dragnet does not authenticate Microsoft Entra principals"),
    ("cursor_after", "dragnet keeps no ingestion cursor for its tables"),
    ("cursor_before_or_at", "dragnet keeps no ingestion cursor for its tables"),
    ("extent_id", "dragnet's tables are not stored as Kusto extents"),
    ("extent_tags", "dragnet's tables are not stored as Kusto extents"),
    ("cluster", "a query reads one dataset: there are no other clusters to reach"),
    ("materialized_view", "dragnet has no materialized views"),
    ("labels", "graph nodes and edges carry no labels in dragnet's make-graph"),
    // Not built: period detection (its scoring is not documented) and user
    // agents (the documented families come from a parser data set not
    // bundled here).
    ("series_periods_detect", "period detection of a series is not built yet"),
    ("series_periods_validate", "period detection of a series is not built yet"),
    ("parse_user_agent", "user agent parsing is not built yet"),
];

/// Every name [`not_yet`] refuses.
pub fn not_yet_names() -> impl Iterator<Item = &'static str> {
    NOT_YET.iter().map(|(n, _)| *n)
}

/// Why the documented function `name` is refused, if it is.
pub fn not_yet(name: &str) -> Option<&'static str> {
    NOT_YET.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}

/// The window functions, allowed in `extend`, `project`, `where` and
/// `serialize` over a serialized input.
pub const WINDOW_FUNCTIONS: &[&str] =
    &["row_number", "row_cumsum", "prev", "next", "row_window_session", "row_rank_min", "row_rank_dense"];

const ANY: usize = usize::MAX;

macro_rules! defs {
    ($( $name:literal => $ret:ident $(as $typing:ident)?, $min:expr, $max:expr, $f:path; )*) => {
        /// Every row-at-a-time function.
        pub const ROWWISE: &[RowwiseDef] = &[
            $( RowwiseDef {
                name: $name,
                ret: KqlType::$ret,
                typing: defs!(@typing $($typing)?),
                min: $min,
                max: $max,
                f: $f,
            }, )*
        ];
    };
    (@typing) => { Typing::Fixed };
    (@typing $t:ident) => { Typing::$t };
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
    "url_encode" => String, 1, 1, encoding::url_encode;
    "url_encode_component" => String, 1, 1, encoding::url_encode_component;
    "punycode_from_string" => String, 1, 1, encoding::punycode_from_string;
    "punycode_to_string" => String, 1, 1, encoding::punycode_to_string;
    "unicode_codepoints_from_string" => Dynamic, 1, 1, encoding::unicode_codepoints_from_string;
    "unicode_codepoints_to_string" => String, 1, ANY, encoding::unicode_codepoints_to_string;
    "base64_encode_fromguid" => String, 1, 1, encoding::base64_encode_fromguid;
    "base64_decode_toguid" => Guid, 1, 1, encoding::base64_decode_toguid;
    "base64_decode_toarray" => Dynamic, 1, 1, encoding::base64_decode_toarray;
    "base64_encode_fromarray" => String, 1, 1, encoding::base64_encode_fromarray;
    "zlib_compress_to_base64_string" => String, 1, 1, encoding::zlib_compress;
    "zlib_decompress_from_base64_string" => String, 1, 1, encoding::zlib_decompress;
    "gzip_compress_to_base64_string" => String, 1, 1, encoding::gzip_compress;
    "gzip_decompress_from_base64_string" => String, 1, 1, encoding::gzip_decompress;
    "punycode_domain_to_string" => String, 1, 1, encoding::punycode_domain_to_string;
    "punycode_domain_from_string" => String, 1, 1, encoding::punycode_domain_from_string;
    "isascii" => Bool, 1, 1, encoding::isascii;
    "toguid" => Guid, 1, 1, encoding::toguid;
    "new_guid" => Guid as Random, 0, 0, encoding::new_guid;
    "string_size" => Long, 1, 1, encoding::string_size;
    "isutf8" => Bool, 1, 1, encoding::isutf8;
    "regex_quote" => String, 1, 1, text_edit::regex_quote;
    "indexof_regex" => Long, 2, 5, text_edit::indexof_regex;
    "strcmp" => Int, 2, 2, text_edit::strcmp;
    "strrep" => String, 2, 3, text_edit::strrep;
    "replace_strings" => String, 3, 3, text_edit::replace_strings;
    "translate" => String, 3, 3, text_edit::translate;
    "format_bytes" => String, 1, 3, text_edit::format_bytes;
    "has_any_index" => Long, 2, 2, text_edit::has_any_index;
    "parse_csv" => Dynamic, 1, 1, text_edit::parse_csv;
    "extract_json" => String, 2, 2, text_edit::extract_json;
    "gettype" => String, 1, 1, text_edit::gettype;
    "hash" => Long, 1, 2, hash::hash;
    "hash_xxhash64" => Long, 1, 2, hash::hash;
    "hash_sha1" => String, 1, 1, hash::hash_sha1;
    "hash_sha256" => String, 1, 1, hash::hash_sha256;
    "hash_md5" => String, 1, 1, hash::hash_md5;
    "series_fit_line#values" => Dynamic, 1, 1, multi_value::series_fit_line;
    "series_fit_line_dynamic" => Dynamic, 1, 1, multi_value::series_fit_line_dynamic;
    "series_decompose#values" => Dynamic, 1, 5, decompose::series_decompose;
    "series_decompose_anomalies#values" => Dynamic, 1, 7, decompose::series_decompose_anomalies;
    "series_decompose_forecast" => Dynamic, 2, 5, decompose::series_decompose_forecast;
    "series_outliers" => Dynamic, 1, 5, decompose::series_outliers;
    "series_fit_2lines#values" => Dynamic, 1, 1, fit_2lines::series_fit_2lines;
    "series_fit_2lines_dynamic" => Dynamic, 1, 1, fit_2lines::series_fit_2lines_dynamic;
    "series_stats#values" => Dynamic, 1, 2, multi_value::series_stats;
    "series_stats_dynamic" => Dynamic, 1, 2, multi_value::series_stats_dynamic;
    "series_acos" => Dynamic, 1, 1, series_elementwise::series_acos;
    "series_asin" => Dynamic, 1, 1, series_elementwise::series_asin;
    "series_atan" => Dynamic, 1, 1, series_elementwise::series_atan;
    "series_cos" => Dynamic, 1, 1, series_elementwise::series_cos;
    "series_sin" => Dynamic, 1, 1, series_elementwise::series_sin;
    "series_tan" => Dynamic, 1, 1, series_elementwise::series_tan;
    "series_exp" => Dynamic, 1, 1, series_elementwise::series_exp;
    "series_log" => Dynamic, 1, 1, series_elementwise::series_log;
    "series_ceiling" => Dynamic, 1, 1, series_elementwise::series_ceiling;
    "series_floor" => Dynamic, 1, 1, series_elementwise::series_floor;
    "series_abs" => Dynamic, 1, 1, series_elementwise::series_abs;
    "series_sign" => Dynamic, 1, 1, series_elementwise::series_sign;
    "series_add" => Dynamic, 2, 2, series_elementwise::series_add;
    "series_subtract" => Dynamic, 2, 2, series_elementwise::series_subtract;
    "series_multiply" => Dynamic, 2, 2, series_elementwise::series_multiply;
    "series_divide" => Dynamic, 2, 2, series_elementwise::series_divide;
    "series_pow" => Dynamic, 2, 2, series_elementwise::series_pow;
    "series_equals" => Dynamic, 2, 2, series_elementwise::series_equals;
    "series_not_equals" => Dynamic, 2, 2, series_elementwise::series_not_equals;
    "series_greater" => Dynamic, 2, 2, series_elementwise::series_greater;
    "series_greater_equals" => Dynamic, 2, 2, series_elementwise::series_greater_equals;
    "series_less" => Dynamic, 2, 2, series_elementwise::series_less;
    "series_less_equals" => Dynamic, 2, 2, series_elementwise::series_less_equals;
    "series_sum" => Real, 1, 1, series_elementwise::series_sum;
    "series_product" => Real, 1, 1, series_elementwise::series_product;
    "series_magnitude" => Real, 1, 1, series_elementwise::series_magnitude;
    "series_dot_product" => Real, 2, 2, series_elementwise::series_dot_product;
    "series_cosine_similarity" => Real, 2, 4, series_elementwise::series_cosine_similarity;
    "series_pearson_correlation" => Real, 2, 2, series_elementwise::series_pearson_correlation;
    "series_fill_const" => Dynamic, 2, 3, series_elementwise::series_fill_const;
    "series_fill_forward" => Dynamic, 1, 2, series_elementwise::series_fill_forward;
    "series_fill_backward" => Dynamic, 1, 2, series_elementwise::series_fill_backward;
    "parse_xml" => Dynamic, 1, 1, xml::parse_xml;
    "parse_url" => Dynamic, 1, 1, text::parse_url;
    "parse_urlquery" => Dynamic, 1, 1, text::parse_urlquery;
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
    "week_of_year" => Int, 1, 1, datetime::week_of_year;
    "make_timespan" => Timespan, 2, 4, timespan::make_timespan;
    "format_timespan" => String, 2, 2, timespan::format_timespan;
    "bin_at" => Real as First, 3, 3, timespan::bin_at;
    "datetime_utc_to_local" => Datetime, 2, 2, timezone::utc_to_local;
    "datetime_local_to_utc" => Datetime, 2, 2, timezone::local_to_utc;
    "array_length" => Long, 1, 1, collections::array_length;
    "array_index_of" => Long, 2, 5, collections::array_index_of;
    "array_concat" => Dynamic, 1, ANY, collections::array_concat;
    "strcat_array" => String, 2, 2, collections::strcat_array;
    "array_slice" => Dynamic, 3, 3, collections::array_slice;
    "array_sort_asc" => Dynamic, 1, ANY, array_ops::array_sort_asc;
    "array_sort_desc" => Dynamic, 1, ANY, array_ops::array_sort_desc;
    "array_sort_asc#arrays" => Dynamic, 2, ANY, array_ops::array_sort_asc;
    "tdigest#build" => Dynamic, 3, 3, sketch::tdigest_build;
    "tdigest_merge#list" => Dynamic, 1, 1, sketch::tdigest_merge_list;
    "merge_tdigest" => Dynamic, 1, ANY, sketch::merge_tdigest;
    "percentile_tdigest" => Dynamic, 2, 2, sketch::percentile_tdigest;
    "percentiles_array_tdigest" => Dynamic, 2, ANY, sketch::percentiles_array_tdigest;
    "percentile_array_tdigest" => Dynamic, 2, ANY, sketch::percentiles_array_tdigest;
    "rank_tdigest" => Long, 2, 2, sketch::rank_tdigest;
    "percentrank_tdigest" => Real, 2, 2, sketch::percentrank_tdigest;
    "hll#build" => Dynamic, 2, 2, sketch::hll_build;
    "hll_merge#list" => Dynamic, 1, 1, sketch::hll_merge_list;
    "hll_merge" => Dynamic, 2, 64, sketch::hll_merge;
    "dcount_hll" => Long, 1, 1, sketch::dcount_hll;
    "array_sort_desc#arrays" => Dynamic, 2, ANY, array_ops::array_sort_desc;
    "array_iff" => Dynamic, 3, 3, array_ops::array_iff;
    "array_reverse" => Dynamic, 1, 1, array_ops::array_reverse;
    "array_sum" => Real, 1, 1, array_ops::array_sum;
    "array_split" => Dynamic, 2, 2, array_ops::array_split;
    "array_rotate_left" => Dynamic, 2, 2, array_ops::array_rotate_left;
    "array_rotate_right" => Dynamic, 2, 2, array_ops::array_rotate_right;
    "array_shift_left" => Dynamic, 2, 3, array_ops::array_shift_left;
    "array_shift_right" => Dynamic, 2, 3, array_ops::array_shift_right;
    "zip" => Dynamic, 2, 16, array_ops::zip;
    "jaccard_index" => Real, 2, 2, array_ops::jaccard_index;
    "repeat" => Dynamic, 2, 2, array_ops::repeat;
    "treepath" => Dynamic, 1, 1, array_ops::treepath;
    "bag_merge" => Dynamic, 2, 64, array_ops::bag_merge;
    "bag_remove_keys" => Dynamic, 2, 2, array_ops::bag_remove_keys;
    "bag_set_key" => Dynamic, 3, 3, array_ops::bag_set_key;
    "bag_zip" => Dynamic, 2, 2, array_ops::bag_zip;
    "dynamic_to_json" => String, 1, 1, array_ops::dynamic_to_json;
    "set_has_element" => Bool, 2, 2, collections::set_has_element;
    "set_union" => Dynamic, 2, 64, collections::set_union;
    "set_intersect" => Dynamic, 2, 64, collections::set_intersect;
    "set_difference" => Dynamic, 2, 64, collections::set_difference;
    "bag_keys" => Dynamic, 1, 1, collections::bag_keys;
    "bag_has_key" => Bool, 2, 2, collections::bag_has_key;
    "bag_pack" => Dynamic, 0, ANY, collections::bag_pack;
    "pack" => Dynamic, 0, ANY, collections::bag_pack;
    "pack_dictionary" => Dynamic, 0, ANY, collections::bag_pack;
    "pack_array" => Dynamic, 0, ANY, collections::pack_array;
    "geo_info_from_ip_address" => Dynamic, 1, 1, geo_ip::geo_info_from_ip_address;
    "ipv4_is_private" => Bool, 1, 1, network::ipv4_is_private;
    "ipv4_is_in_range" => Bool, 2, 2, network::ipv4_is_in_range;
    "ipv4_is_in_any_range" => Bool, 2, ANY, network::ipv4_is_in_any_range;
    "ipv4_compare" => Long, 2, 3, network::ipv4_compare;
    "parse_ipv4" => Long, 1, 1, network::parse_ipv4;
    "has_ipv4" => Bool, 2, 2, ipv4_more::has_ipv4;
    "has_ipv4_prefix" => Bool, 2, 2, ipv4_more::has_ipv4_prefix;
    "has_any_ipv4" => Bool, 2, ANY, ipv4_more::has_any_ipv4;
    "has_any_ipv4_prefix" => Bool, 2, ANY, ipv4_more::has_any_ipv4_prefix;
    "ipv4_is_match" => Bool, 2, 3, ipv4_more::ipv4_is_match;
    "ipv4_netmask_suffix" => Long, 1, 1, ipv4_more::ipv4_netmask_suffix;
    "ipv4_range_to_cidr_list" => Dynamic, 2, 2, ipv4_more::ipv4_range_to_cidr_list;
    "format_ipv4" => String, 1, 2, ipv4_more::format_ipv4;
    "format_ipv4_mask" => String, 1, 2, ipv4_more::format_ipv4_mask;
    "parse_ipv4_mask" => Long, 2, 2, ipv4_more::parse_ipv4_mask;
    "parse_ipv6" => String, 1, 1, ipv6::parse_ipv6;
    "parse_ipv6_mask" => String, 2, 2, ipv6::parse_ipv6_mask;
    "ipv6_compare" => Long, 2, 3, ipv6::ipv6_compare;
    "ipv6_is_match" => Bool, 2, 3, ipv6::ipv6_is_match;
    "ipv6_is_in_range" => Bool, 2, 2, ipv6::ipv6_is_in_range;
    "ipv6_is_in_any_range" => Bool, 2, ANY, ipv6::ipv6_is_in_any_range;
    "log" => Real as Numeric, 1, 1, math::log;
    "log2" => Real as Numeric, 1, 1, math::log2;
    "log10" => Real as Numeric, 1, 1, math::log10;
    "exp" => Real as Numeric, 1, 1, math::exp;
    "exp2" => Real as Numeric, 1, 1, math::exp2;
    "exp10" => Real as Numeric, 1, 1, math::exp10;
    "pow" => Real as Numeric, 2, 2, math::pow;
    "sqrt" => Real as Numeric, 1, 1, math::sqrt;
    "cos" => Real as Numeric, 1, 1, math::cos;
    "sin" => Real as Numeric, 1, 1, math::sin;
    "tan" => Real as Numeric, 1, 1, math::tan;
    "cot" => Real as Numeric, 1, 1, math::cot;
    "acos" => Real as Numeric, 1, 1, math::acos;
    "asin" => Real as Numeric, 1, 1, math::asin;
    "atan" => Real as Numeric, 1, 1, math::atan;
    "atan2" => Real as Numeric, 2, 2, math::atan2;
    "degrees" => Real as Numeric, 1, 1, math::degrees;
    "radians" => Real as Numeric, 1, 1, math::radians;
    "pi" => Real, 0, 0, math::pi;
    "gamma" => Real as Numeric, 1, 1, math::gamma;
    "loggamma" => Real as Numeric, 1, 1, math::loggamma;
    "erf" => Real as Numeric, 1, 1, math::erf;
    "erfc" => Real as Numeric, 1, 1, math::erfc;
    "isfinite" => Bool as Numeric, 1, 1, math::isfinite;
    "isinf" => Bool as Numeric, 1, 1, math::isinf;
    "isnan" => Bool as Numeric, 1, 1, math::isnan;
    "sign" => Real as LikeFirst, 1, 1, math::sign;
    "ceiling" => Real as LikeFirst, 1, 1, math::ceiling;
    "round" => Real as LikeFirst, 1, 2, math::round;
    "binary_and" => Long as Numeric, 2, 2, math::binary_and;
    "binary_or" => Long as Numeric, 2, 2, math::binary_or;
    "binary_xor" => Long as Numeric, 2, 2, math::binary_xor;
    "binary_not" => Long as Numeric, 1, 1, math::binary_not;
    "binary_shift_left" => Long as Numeric, 2, 2, math::binary_shift_left;
    "binary_shift_right" => Long as Numeric, 2, 2, math::binary_shift_right;
    "bitset_count_ones" => Long as Numeric, 1, 1, math::bitset_count_ones;
    "max_of" => Real as Common, 2, 64, math::max_of;
    "min_of" => Real as Common, 2, 64, math::min_of;
    "rand" => Real as Random, 0, 1, math::rand;
    "range" => Dynamic, 2, 3, math::range;
    "around" => Bool, 3, 3, math::around;
    "geo_distance_2points" => Real, 4, 5, geo::points::geo_distance_2points;
    "geo_point_in_circle" => Bool, 5, 5, geo::points::geo_point_in_circle;
    "geo_point_to_geohash" => String, 2, 3, geo::cells_geohash::geo_point_to_geohash;
    "geo_geohash_to_central_point" => Dynamic, 1, 1, geo::cells_geohash::geo_geohash_to_central_point;
    "geo_geohash_to_polygon" => Dynamic, 1, 1, geo::cells_geohash::geo_geohash_to_polygon;
    "geo_geohash_neighbors" => Dynamic, 1, 1, geo::cells_geohash::geo_geohash_neighbors;
    "geo_point_to_h3cell" => String, 2, 3, geo::cells_h3::geo_point_to_h3cell;
    "geo_h3cell_to_central_point" => Dynamic, 1, 1, geo::cells_h3::geo_h3cell_to_central_point;
    "geo_h3cell_to_polygon" => Dynamic, 1, 1, geo::cells_h3::geo_h3cell_to_polygon;
    "geo_h3cell_level" => Int, 1, 1, geo::cells_h3::geo_h3cell_level;
    "geo_h3cell_parent" => String, 1, 2, geo::cells_h3::geo_h3cell_parent;
    "geo_h3cell_children" => Dynamic, 1, 2, geo::cells_h3::geo_h3cell_children;
    "geo_h3cell_neighbors" => Dynamic, 1, 1, geo::cells_h3::geo_h3cell_neighbors;
    "geo_h3cell_rings" => Dynamic, 2, 2, geo::cells_h3::geo_h3cell_rings;
    "geo_point_to_s2cell" => String, 2, 3, geo::cells_s2::geo_point_to_s2cell;
    "geo_s2cell_to_central_point" => Dynamic, 1, 1, geo::cells_s2::geo_s2cell_to_central_point;
    "geo_s2cell_to_polygon" => Dynamic, 1, 1, geo::cells_s2::geo_s2cell_to_polygon;
    "geo_s2cell_neighbors" => Dynamic, 1, 1, geo::cells_s2::geo_s2cell_neighbors;
    "geo_from_wkt" => Dynamic, 1, 1, geo::from_wkt::geo_from_wkt;
    "geo_azimuth" => Real, 4, 4, geo::points::geo_azimuth;
    "geo_angle" => Real, 6, 6, geo::points::geo_angle;
    "geo_line_length" => Real, 1, 1, geo::lines::geo_line_length;
    "geo_distance_point_to_line" => Real, 3, 3, geo::lines::geo_distance_point_to_line;
    "geo_line_interpolate_point" => Dynamic, 2, 2, geo::lines::geo_line_interpolate_point;
    "geo_line_centroid" => Dynamic, 1, 1, geo::lines::geo_line_centroid;
    "geo_intersects_2lines" => Bool, 2, 2, geo::line_ops::geo_intersects_2lines;
    "geo_intersection_2lines" => Dynamic, 2, 2, geo::line_ops::geo_intersection_2lines;
    "geo_closest_point_on_line" => Dynamic, 3, 3, geo::line_ops::geo_closest_point_on_line;
    "geo_line_locate_point" => Real, 3, 4, geo::line_ops::geo_line_locate_point;
    "geo_union_lines_array" => Dynamic, 1, 1, geo::line_ops::geo_union_lines_array;
    "geo_line_densify" => Dynamic, 1, 3, geo::densify::geo_line_densify;
    "geo_line_to_s2cells" => Dynamic, 1, 3, geo::line_cells::geo_line_to_s2cells;
    "geo_point_in_polygon" => Bool, 3, 3, geo::polygon_measures::geo_point_in_polygon;
    "geo_polygon_area" => Real, 1, 1, geo::polygon_measures::geo_polygon_area;
    "geo_polygon_perimeter" => Real, 1, 1, geo::polygon_measures::geo_polygon_perimeter;
    "geo_polygon_centroid" => Dynamic, 1, 1, geo::polygon_measures::geo_polygon_centroid;
    "geo_distance_point_to_polygon" => Real, 3, 3, geo::polygon_measures::geo_distance_point_to_polygon;
    "geo_closest_point_on_polygon" => Dynamic, 3, 3, geo::polygon_measures::geo_closest_point_on_polygon;
    "geo_intersects_2polygons" => Bool, 2, 2, geo::polygon_measures::geo_intersects_2polygons;
    "geo_intersects_line_with_polygon" => Bool, 2, 2, geo::polygon_measures::geo_intersects_line_with_polygon;
    "geo_polygon_densify" => Dynamic, 1, 3, geo::polygon_densify::geo_polygon_densify;
    "geo_polygon_to_s2cells" => Dynamic, 1, 3, geo::polygon_cells::geo_polygon_to_s2cells;
    "geo_polygon_to_h3cells" => Dynamic, 1, 3, geo::polygon_h3::geo_polygon_to_h3cells;
    "geo_intersection_line_with_polygon" => Dynamic, 2, 2, geo::polygon_clip::geo_intersection_line_with_polygon;
    "geo_union_polygons_array" => Dynamic, 1, 1, geo::polygon_boolean::geo_union_polygons_array;
    "geo_intersection_2polygons" => Dynamic, 2, 2, geo::polygon_boolean::geo_intersection_2polygons;
    "geo_point_buffer" => Dynamic, 3, 4, geo::buffer::geo_point_buffer;
    "geo_line_buffer" => Dynamic, 2, 3, geo::buffer_shape::geo_line_buffer;
    "geo_polygon_buffer" => Dynamic, 2, 3, geo::buffer_shape::geo_polygon_buffer;
    "geo_line_simplify" => Dynamic, 1, 2, geo::simplify_shapes::geo_line_simplify;
    "geo_polygon_simplify" => Dynamic, 1, 2, geo::simplify_shapes::geo_polygon_simplify;
    "geo_simplify_polygons_array" => Dynamic, 1, 2, geo::simplify_shapes::geo_simplify_polygons_array;
    "convert_angle" => Real, 3, 3, units::convert_angle;
    "convert_energy" => Real, 3, 3, units::convert_energy;
    "convert_force" => Real, 3, 3, units::convert_force;
    "convert_length" => Real, 3, 3, units::convert_length;
    "convert_mass" => Real, 3, 3, units::convert_mass;
    "convert_speed" => Real, 3, 3, units::convert_speed;
    "convert_temperature" => Real, 3, 3, units::convert_temperature;
    "convert_volume" => Real, 3, 3, units::convert_volume;
    "beta_cdf" => Real, 3, 3, beta_dist::beta_cdf;
    "beta_inv" => Real, 3, 3, beta_dist::beta_inv;
    "beta_pdf" => Real, 3, 3, beta_dist::beta_pdf;
    "welch_test" => Real as Numeric, 6, 6, welch::welch_test;
    "series_iir" => Dynamic, 3, 3, series_filters::series_iir;
    "series_fill_linear" => Dynamic, 1, 4, series_filters::series_fill_linear;
    "series_seasonal" => Dynamic, 1, 2, series_filters::series_seasonal;
    "series_fft#values" => Dynamic, 1, 2, series_transforms::series_fft;
    "series_ifft#values" => Dynamic, 1, 2, series_transforms::series_ifft;
    "series_fir" => Dynamic, 2, 4, series_transforms::series_fir;
    "series_fit_poly#values" => Dynamic, 1, 3, fit_poly::series_fit_poly;
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

    /// A name both refused and built would be refused: `not_yet` is
    /// consulted first.
    #[test]
    fn refused_names_are_not_built() {
        for n in super::not_yet_names() {
            assert!(super::rowwise(n).is_none(), "`{n}` is built and listed in NOT_YET");
            assert!(!super::BUILTIN_SCALARS.contains(&n), "`{n}` is built and listed in NOT_YET");
            assert!(!super::aggregate::AGGREGATES.iter().any(|(a, _)| *a == n), "`{n}` is built and listed in NOT_YET");
        }
    }
}
