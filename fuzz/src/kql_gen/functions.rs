//! The scalar operators and functions the generator calls, with argument
//! types: each is a template (`$0`, `$1`, ... are the arguments) over
//! value arguments (any expression of a type) and constant arguments (one of
//! a list of texts, for the parameters Kusto wants constant: regexes, parts,
//! formats, bin sizes).

use super::values::Ty::{self, B, D, I, L, R, S, T, Y};

/// One argument of a [`Spec`].
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    /// Any expression of this type.
    V(Ty),
    /// One of these texts, as it is.
    C(&'static [&'static str]),
}
use Arg::{C, V};

/// A callable: result type, template and arguments.
pub struct Spec {
    pub ret: Ty,
    pub tmpl: &'static str,
    pub args: &'static [Arg],
}

const PARTS: &[&str] = &[
    "\"year\"",
    "\"quarter\"",
    "\"month\"",
    "\"week\"",
    "\"day\"",
    "\"hour\"",
    "\"minute\"",
    "\"second\"",
    "\"millisecond\"",
    "\"microsecond\"",
    "\"nanosecond\"",
];
const DPARTS: &[&str] = &[
    "\"year\"",
    "\"quarter\"",
    "\"month\"",
    "\"week_of_year\"",
    "\"day\"",
    "\"dayofyear\"",
    "\"hour\"",
    "\"minute\"",
    "\"second\"",
    "\"millisecond\"",
    "\"microsecond\"",
    "\"nanosecond\"",
];
const REGEX: &[&str] = &["@\"a+\"", "@\"(\\d+)\"", "@\"[a-z]+\"", "@\"^.\"", "@\"\\s\"", "@\"(\\w)(\\w)\"", "@\"ß|σ\""];
const TERMS: &[&str] =
    &["\"a\"", "\"abc\"", "\"\"", "\"ß\"", "\"İ\"", "\"10\"", "\"b-c\"", "\",\"", "\"σ\"", "\"e\u{301}\""];
const FORMATS: &[&str] = &["\"yyyy-MM-dd HH:mm:ss\"", "\"yy-M-d h:m:s tt\"", "\"fffffff\"", "\"dddd\"", "\"\""];
const LONG_BINS: &[&str] = &["1", "2", "10", "1000", "-3", "0"];
const REAL_BINS: &[&str] = &["0.5", "1.0", "0.1", "1e10"];
const SPAN_BINS: &[&str] = &["1d", "1h", "7d", "1ms", "1tick", "0s"];
const DAY_STEPS: &[&str] = &["1d", "7d", "-1d", "0s"];
const RANGES: &[&str] = &["\"10.0.0.0/8\"", "\"192.168.1.0/24\"", "\"0.0.0.0/0\"", "\"10.0.0.1\""];
const DELIMS: &[&str] = &["\",\"", "\"\"", "\"::\"", "\"σ\""];
const PARSE_KINDS: &[&str] = &["\"windows\""];
const KEYS: &[&str] = &["\"a\"", "\"b\"", "\"K\"", "\"\""];

macro_rules! s {
    ($ret:expr, $t:literal, [$($a:expr),*]) => { Spec { ret: $ret, tmpl: $t, args: &[$($a),*] } };
}

/// Every operator and function the generator calls.
pub const SPECS: &[Spec] = &[
    // long
    s!(L, "($0 + $1)", [V(L), V(L)]),
    s!(L, "($0 - $1)", [V(L), V(L)]),
    s!(L, "($0 * $1)", [V(L), V(L)]),
    s!(L, "($0 / $1)", [V(L), V(L)]),
    s!(L, "($0 % $1)", [V(L), V(L)]),
    s!(L, "(-$0)", [V(L)]),
    s!(L, "($0 + $1)", [V(L), V(I)]),
    s!(L, "strlen($0)", [V(S)]),
    s!(L, "tolong($0)", [V(S)]),
    s!(L, "tolong($0)", [V(R)]),
    s!(L, "tolong($0)", [V(I)]),
    s!(L, "tolong($0)", [V(B)]),
    s!(L, "tolong($0)", [V(D)]),
    s!(L, "tolong($0)", [V(T)]),
    s!(L, "tolong($0)", [V(Y)]),
    s!(L, "countof($0, $1)", [V(S), C(TERMS)]),
    s!(L, "countof($0, $1, \"regex\")", [V(S), C(REGEX)]),
    s!(L, "indexof($0, $1)", [V(S), V(S)]),
    s!(L, "indexof($0, $1, $2)", [V(S), V(S), V(L)]),
    s!(L, "indexof($0, $1, $2, $3, $4)", [V(S), V(S), V(L), V(L), V(L)]),
    s!(L, "array_length($0)", [V(Y)]),
    s!(L, "array_index_of($0, $1)", [V(Y), V(L)]),
    s!(L, "array_index_of($0, $1)", [V(Y), V(S)]),
    s!(L, "datetime_diff($0, $1, $2)", [C(PARTS), V(D), V(D)]),
    s!(L, "datetime_part($0, $1)", [C(DPARTS), V(D)]),
    s!(L, "bin($0, $1)", [V(L), C(LONG_BINS)]),
    s!(L, "floor($0, $1)", [V(L), C(LONG_BINS)]),
    s!(L, "abs($0)", [V(L)]),
    s!(L, "parse_ipv4($0)", [V(S)]),
    s!(L, "ipv4_compare($0, $1)", [V(S), V(S)]),
    s!(L, "iif($0, $1, $2)", [V(B), V(L), V(L)]),
    s!(L, "sign($0)", [V(L)]),
    s!(L, "ceiling($0)", [V(L)]),
    s!(L, "round($0, $1)", [V(L), V(L)]),
    s!(L, "binary_and($0, $1)", [V(L), V(L)]),
    s!(L, "binary_or($0, $1)", [V(L), V(I)]),
    s!(L, "binary_xor($0, $1)", [V(L), V(L)]),
    s!(L, "binary_not($0)", [V(L)]),
    s!(L, "binary_shift_left($0, $1)", [V(L), V(L)]),
    s!(L, "binary_shift_right($0, $1)", [V(L), V(L)]),
    s!(L, "bitset_count_ones($0)", [V(L)]),
    s!(L, "max_of($0, $1)", [V(L), V(L)]),
    s!(L, "min_of($0, $1, $2)", [V(L), V(I), V(L)]),
    s!(L, "case($0, $1, $2, $3, $4)", [V(B), V(L), V(B), V(L), V(L)]),
    s!(L, "coalesce($0, $1)", [V(L), V(L)]),
    s!(L, "coalesce($0, $1, $2)", [V(L), V(L), V(L)]),
    // int
    s!(I, "toint($0)", [V(L)]),
    s!(I, "toint($0)", [V(S)]),
    s!(I, "toint($0)", [V(R)]),
    s!(I, "hourofday($0)", [V(D)]),
    s!(I, "dayofmonth($0)", [V(D)]),
    s!(I, "dayofyear($0)", [V(D)]),
    s!(I, "monthofyear($0)", [V(D)]),
    s!(I, "getmonth($0)", [V(D)]),
    s!(I, "getyear($0)", [V(D)]),
    s!(I, "abs($0)", [V(I)]),
    s!(I, "iif($0, $1, $2)", [V(B), V(I), V(I)]),
    // real
    s!(R, "($0 + $1)", [V(R), V(R)]),
    s!(R, "($0 - $1)", [V(R), V(R)]),
    s!(R, "($0 * $1)", [V(R), V(R)]),
    s!(R, "($0 / $1)", [V(R), V(R)]),
    s!(R, "($0 * $1)", [V(L), V(R)]),
    s!(R, "($0 / $1)", [V(R), V(L)]),
    s!(R, "(-$0)", [V(R)]),
    s!(R, "toreal($0)", [V(S)]),
    s!(R, "todouble($0)", [V(L)]),
    s!(R, "toreal($0)", [V(Y)]),
    s!(R, "toreal($0)", [V(I)]),
    s!(R, "abs($0)", [V(R)]),
    s!(R, "bin($0, $1)", [V(R), C(REAL_BINS)]),
    s!(R, "floor($0, $1)", [V(R), C(REAL_BINS)]),
    s!(R, "iif($0, $1, $2)", [V(B), V(R), V(R)]),
    s!(R, "log($0)", [V(R)]),
    s!(R, "log2($0)", [V(L)]),
    s!(R, "log10($0)", [V(R)]),
    s!(R, "exp($0)", [V(R)]),
    s!(R, "exp2($0)", [V(L)]),
    s!(R, "exp10($0)", [V(R)]),
    s!(R, "pow($0, $1)", [V(R), V(L)]),
    s!(R, "sqrt($0)", [V(R)]),
    s!(R, "cos($0)", [V(R)]),
    s!(R, "sin($0)", [V(L)]),
    s!(R, "tan($0)", [V(R)]),
    s!(R, "cot($0)", [V(R)]),
    s!(R, "acos($0)", [V(R)]),
    s!(R, "asin($0)", [V(R)]),
    s!(R, "atan($0)", [V(R)]),
    s!(R, "atan2($0, $1)", [V(R), V(R)]),
    s!(R, "degrees($0)", [V(R)]),
    s!(R, "radians($0)", [V(L)]),
    s!(R, "pi()", []),
    s!(R, "gamma($0)", [V(R)]),
    s!(R, "loggamma($0)", [V(R)]),
    s!(R, "erf($0)", [V(R)]),
    s!(R, "erfc($0)", [V(R)]),
    s!(R, "sign($0)", [V(R)]),
    s!(R, "ceiling($0)", [V(R)]),
    s!(R, "round($0)", [V(R)]),
    s!(R, "round($0, $1)", [V(R), V(L)]),
    s!(R, "max_of($0, $1)", [V(R), V(L)]),
    s!(R, "min_of($0, $1)", [V(R), V(R)]),
    s!(R, "coalesce($0, $1)", [V(R), V(R)]),
    // bool
    s!(B, "($0 == $1)", [V(L), V(L)]),
    s!(B, "($0 != $1)", [V(L), V(L)]),
    s!(B, "($0 < $1)", [V(L), V(L)]),
    s!(B, "($0 >= $1)", [V(L), V(L)]),
    s!(B, "($0 > $1)", [V(L), V(R)]),
    s!(B, "($0 <= $1)", [V(I), V(L)]),
    s!(B, "($0 == $1)", [V(R), V(R)]),
    s!(B, "($0 < $1)", [V(R), V(R)]),
    s!(B, "($0 < $1)", [V(D), V(D)]),
    s!(B, "($0 == $1)", [V(D), V(D)]),
    s!(B, "($0 > $1)", [V(T), V(T)]),
    s!(B, "($0 == $1)", [V(B), V(B)]),
    s!(B, "($0 == $1)", [V(S), V(S)]),
    s!(B, "($0 != $1)", [V(S), V(S)]),
    s!(B, "($0 < $1)", [V(S), V(S)]),
    s!(B, "($0 =~ $1)", [V(S), V(S)]),
    s!(B, "($0 !~ $1)", [V(S), V(S)]),
    s!(B, "($0 has $1)", [V(S), C(TERMS)]),
    s!(B, "($0 !has $1)", [V(S), C(TERMS)]),
    s!(B, "($0 has_cs $1)", [V(S), C(TERMS)]),
    s!(B, "($0 contains $1)", [V(S), V(S)]),
    s!(B, "($0 !contains $1)", [V(S), C(TERMS)]),
    s!(B, "($0 contains_cs $1)", [V(S), C(TERMS)]),
    s!(B, "($0 startswith $1)", [V(S), V(S)]),
    s!(B, "($0 !startswith $1)", [V(S), C(TERMS)]),
    s!(B, "($0 endswith $1)", [V(S), C(TERMS)]),
    s!(B, "($0 endswith_cs $1)", [V(S), C(TERMS)]),
    s!(B, "($0 hasprefix $1)", [V(S), C(TERMS)]),
    s!(B, "($0 hassuffix $1)", [V(S), C(TERMS)]),
    s!(B, "($0 in ($1, $2))", [V(S), V(S), C(TERMS)]),
    s!(B, "($0 !in ($1))", [V(S), C(TERMS)]),
    s!(B, "($0 in~ ($1, $2))", [V(S), C(TERMS), C(TERMS)]),
    s!(B, "($0 in ($1, $2))", [V(L), V(L), V(L)]),
    s!(B, "($0 has_any ($1, $2))", [V(S), C(TERMS), C(TERMS)]),
    s!(B, "($0 has_all ($1, $2))", [V(S), C(TERMS), C(TERMS)]),
    s!(B, "($0 matches regex $1)", [V(S), C(REGEX)]),
    s!(B, "($0 between ($1 .. $2))", [V(L), V(L), V(L)]),
    s!(B, "($0 !between ($1 .. $2))", [V(R), V(R), V(R)]),
    s!(B, "($0 between ($1 .. $2))", [V(D), V(D), V(D)]),
    s!(B, "($0 and $1)", [V(B), V(B)]),
    s!(B, "($0 or $1)", [V(B), V(B)]),
    s!(B, "not($0)", [V(B)]),
    s!(B, "isnull($0)", [V(L)]),
    s!(B, "isnull($0)", [V(Y)]),
    s!(B, "isnotnull($0)", [V(D)]),
    s!(B, "isnotnull($0)", [V(R)]),
    s!(B, "isempty($0)", [V(S)]),
    s!(B, "isnotempty($0)", [V(S)]),
    s!(B, "isempty($0)", [V(L)]),
    s!(B, "set_has_element($0, $1)", [V(Y), V(L)]),
    s!(B, "set_has_element($0, $1)", [V(Y), V(S)]),
    s!(B, "bag_has_key($0, $1)", [V(Y), C(KEYS)]),
    s!(B, "ipv4_is_private($0)", [V(S)]),
    s!(B, "ipv4_is_in_range($0, $1)", [V(S), C(RANGES)]),
    s!(B, "ipv4_is_in_any_range($0, $1, $2)", [V(S), C(RANGES), C(RANGES)]),
    s!(B, "tobool($0)", [V(S)]),
    s!(B, "tobool($0)", [V(L)]),
    s!(B, "iif($0, $1, $2)", [V(B), V(B), V(B)]),
    s!(B, "isfinite($0)", [V(R)]),
    // rand() differs per run: only what holds for every draw is compared.
    s!(B, "(rand() < 1.0)", []),
    s!(B, "(rand($0) < 1e19)", [V(L)]),
    s!(B, "isinf($0)", [V(R)]),
    s!(B, "isnan($0)", [V(R)]),
    // string
    s!(S, "strcat($0, $1)", [V(S), V(S)]),
    s!(S, "strcat($0, $1, $2)", [V(S), V(L), V(D)]),
    s!(S, "tolower($0)", [V(S)]),
    s!(S, "toupper($0)", [V(S)]),
    s!(S, "tostring($0)", [V(L)]),
    s!(S, "tostring($0)", [V(R)]),
    s!(S, "tostring($0)", [V(D)]),
    s!(S, "tostring($0)", [V(T)]),
    s!(S, "tostring($0)", [V(Y)]),
    s!(S, "tostring($0)", [V(B)]),
    s!(S, "substring($0, $1)", [V(S), V(L)]),
    s!(S, "substring($0, $1, $2)", [V(S), V(L), V(L)]),
    s!(S, "trim($0, $1)", [C(REGEX), V(S)]),
    s!(S, "trim_start($0, $1)", [C(REGEX), V(S)]),
    s!(S, "trim_end($0, $1)", [C(REGEX), V(S)]),
    s!(S, "replace_string($0, $1, $2)", [V(S), C(TERMS), V(S)]),
    s!(S, "replace_regex($0, $1, $2)", [V(S), C(REGEX), C(TERMS)]),
    s!(S, "extract($0, 0, $1)", [C(REGEX), V(S)]),
    s!(S, "extract($0, 1, $1)", [C(REGEX), V(S)]),
    s!(S, "reverse($0)", [V(S)]),
    s!(S, "strcat_delim($0, $1, $2)", [C(DELIMS), V(S), V(L)]),
    s!(S, "tohex($0)", [V(L)]),
    s!(S, "tohex($0, $1)", [V(L), V(L)]),
    s!(S, "base64_encode_tostring($0)", [V(S)]),
    s!(S, "base64_decode_tostring($0)", [V(S)]),
    s!(S, "url_encode($0)", [V(S)]),
    s!(S, "url_encode_component($0)", [V(S)]),
    s!(S, "url_decode($0)", [V(S)]),
    s!(S, "hash_sha256($0)", [V(S)]),
    s!(S, "hash_md5($0)", [V(S)]),
    s!(S, "format_datetime($0, $1)", [V(D), C(FORMATS)]),
    s!(S, "strcat_array($0, $1)", [V(Y), C(DELIMS)]),
    s!(S, "iif($0, $1, $2)", [V(B), V(S), V(S)]),
    s!(S, "case($0, $1, $2)", [V(B), V(S), V(S)]),
    s!(S, "coalesce($0, $1)", [V(S), V(S)]),
    s!(S, "tostring($0.a)", [V(Y)]),
    // datetime
    s!(D, "($0 + $1)", [V(D), V(T)]),
    s!(D, "($0 - $1)", [V(D), V(T)]),
    s!(D, "($1 + $0)", [V(D), V(T)]),
    s!(D, "now()", []),
    s!(D, "now($0)", [V(T)]),
    s!(D, "ago($0)", [V(T)]),
    s!(D, "startofday($0)", [V(D)]),
    s!(D, "startofweek($0)", [V(D)]),
    s!(D, "startofmonth($0)", [V(D)]),
    s!(D, "startofyear($0)", [V(D)]),
    s!(D, "startofday($0, $1)", [V(D), V(L)]),
    s!(D, "startofmonth($0, $1)", [V(D), V(L)]),
    s!(D, "endofday($0)", [V(D)]),
    s!(D, "endofweek($0)", [V(D)]),
    s!(D, "endofmonth($0)", [V(D)]),
    s!(D, "endofyear($0)", [V(D)]),
    s!(D, "endofyear($0, $1)", [V(D), V(L)]),
    s!(D, "datetime_add($0, $1, $2)", [C(PARTS), V(L), V(D)]),
    s!(D, "make_datetime($0, $1, $2)", [V(L), V(L), V(L)]),
    s!(D, "make_datetime($0, $1, $2, $3, $4, $5)", [V(L), V(L), V(L), V(L), V(L), V(R)]),
    s!(D, "todatetime($0)", [V(S)]),
    s!(D, "todatetime($0)", [V(L)]),
    s!(D, "unixtime_seconds_todatetime($0)", [V(L)]),
    s!(D, "unixtime_seconds_todatetime($0)", [V(R)]),
    s!(D, "unixtime_milliseconds_todatetime($0)", [V(L)]),
    s!(D, "unixtime_microseconds_todatetime($0)", [V(L)]),
    s!(D, "unixtime_nanoseconds_todatetime($0)", [V(L)]),
    s!(D, "bin($0, $1)", [V(D), C(SPAN_BINS)]),
    s!(D, "iif($0, $1, $2)", [V(B), V(D), V(D)]),
    s!(D, "coalesce($0, $1)", [V(D), V(D)]),
    s!(D, "max_of($0, $1)", [V(D), V(D)]),
    s!(D, "min_of($0, $1)", [V(D), V(D)]),
    // timespan
    s!(T, "($0 + $1)", [V(T), V(T)]),
    s!(T, "($0 - $1)", [V(T), V(T)]),
    s!(T, "($0 - $1)", [V(D), V(D)]),
    s!(T, "($0 * $1)", [V(T), V(L)]),
    s!(T, "($0 / $1)", [V(T), V(L)]),
    s!(T, "(-$0)", [V(T)]),
    s!(T, "totimespan($0)", [V(S)]),
    s!(T, "totimespan($0)", [V(L)]),
    s!(T, "dayofweek($0)", [V(D)]),
    s!(T, "bin($0, $1)", [V(T), C(SPAN_BINS)]),
    s!(T, "abs($0)", [V(T)]),
    s!(T, "iif($0, $1, $2)", [V(B), V(T), V(T)]),
    s!(T, "max_of($0, $1)", [V(T), V(T)]),
    // dynamic
    s!(Y, "pack_array($0, $1)", [V(L), V(S)]),
    s!(Y, "pack_array($0, $1, $2)", [V(R), V(D), V(B)]),
    s!(Y, "bag_pack(\"a\", $0, \"b\", $1)", [V(L), V(S)]),
    s!(Y, "bag_pack($0, $1)", [V(S), V(Y)]),
    s!(Y, "split($0, $1)", [V(S), C(DELIMS)]),
    s!(Y, "split($0, $1, $2)", [V(S), C(DELIMS), V(L)]),
    s!(Y, "parse_json($0)", [V(S)]),
    s!(Y, "todynamic($0)", [V(S)]),
    s!(Y, "$0.a", [V(Y)]),
    s!(Y, "$0[\"b\"]", [V(Y)]),
    s!(Y, "$0[0]", [V(Y)]),
    s!(Y, "$0[-1]", [V(Y)]),
    s!(Y, "array_concat($0, $1)", [V(Y), V(Y)]),
    s!(Y, "array_slice($0, $1, $2)", [V(Y), V(L), V(L)]),
    s!(Y, "array_sort_asc($0)", [V(Y)]),
    s!(Y, "set_union($0, $1)", [V(Y), V(Y)]),
    s!(Y, "set_intersect($0, $1)", [V(Y), V(Y)]),
    s!(Y, "set_difference($0, $1)", [V(Y), V(Y)]),
    s!(Y, "extract_all($0, $1)", [C(REGEX), V(S)]),
    s!(Y, "bag_keys($0)", [V(Y)]),
    s!(Y, "parse_url($0)", [V(S)]),
    s!(Y, "parse_path($0)", [V(S)]),
    s!(Y, "parse_command_line($0, $1)", [V(S), C(PARSE_KINDS)]),
    s!(Y, "iif($0, $1, $2)", [V(B), V(Y), V(Y)]),
    s!(Y, "range($0 % 1000, $1 % 1000, $2)", [V(L), V(L), C(LONG_BINS)]),
    s!(Y, "range($0, $0 + 10d, $1)", [V(D), C(DAY_STEPS)]),
    s!(Y, "range($0, $1)", [V(R), C(REAL_BINS)]),
];

/// The specs returning `ty`.
pub fn returning(ty: Ty) -> impl Iterator<Item = &'static Spec> {
    SPECS.iter().filter(move |s| s.ret == ty)
}

/// Fills a template with argument texts.
pub fn fill(tmpl: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(tmpl.len() + 16);
    let mut chars = tmpl.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$'
            && let Some(&(_, d)) = chars.peek()
            && let Some(i) = d.to_digit(10)
        {
            chars.next();
            out.push_str(&args[i as usize]);
            continue;
        }
        out.push(c);
    }
    out
}
