//! Arguments of the row-at-a-time functions that Kusto restricts to a few
//! constants or to a shape, checked when the call is bound: a wrong one is
//! an error rather than a null in every row.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;
use kql_syntax::Span;

use crate::bind::{BResult, Binder, Typed};
use crate::error;
use crate::functions::datetime::period;
use crate::functions::rowwise::{compile_regex, regex_error};

/// The value of a constant string argument.
fn constant_str(t: &Typed) -> Option<&str> {
    match &t.expr {
        Expr::Literal(
            ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)),
            _,
        ) => Some(s),
        _ => None,
    }
}

/// The parts `datetime_part` takes.
const PARTS: &[&str] = &[
    "year",
    "quarter",
    "month",
    "weekofyear",
    "week_of_year",
    "day",
    "dayofyear",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
];

/// The first run of a letter in a `format_datetime` format that is not one
/// of its format elements (format-datetime-function.md), if any.
fn bad_datetime_format(f: &str) -> Option<String> {
    let chars: Vec<char> = f.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let n = chars[i..].iter().take_while(|x| **x == c).count();
        let ok = match c {
            'd' | 'h' | 'H' | 'm' | 'M' | 's' => n <= 2,
            'f' | 'F' => n <= 7,
            'y' => matches!(n, 1 | 2 | 4),
            't' => n == 2,
            other => !other.is_alphabetic(),
        };
        if !ok {
            return Some(chars[i..i + n].iter().collect());
        }
        i += n;
    }
    None
}

/// The value of a constant whole-number argument.
fn constant_long(t: &Typed) -> Option<i64> {
    match &t.expr {
        Expr::Literal(ScalarValue::Int64(Some(n)), _) => Some(*n),
        Expr::Literal(ScalarValue::Int32(Some(n)), _) => Some(i64::from(*n)),
        _ => None,
    }
}

impl Binder<'_> {
    /// A constant regular expression argument must compile (as `wrap`
    /// makes it), within the size limit: else every row would get the
    /// null or empty answer of a pattern that fails.
    fn check_regex(&mut self, arg: &Typed, span: Span, wrap: impl Fn(&str) -> String) -> BResult<()> {
        let Some(p) = constant_str(arg) else { return Ok(()) };
        match compile_regex(&wrap(p)) {
            Ok(_) => Ok(()),
            Err(e) => {
                Err(self.error(error::BAD_ARGUMENTS, span, format!("invalid regular expression: {}", regex_error(&e))))
            }
        }
    }

    /// Checks the bound arguments `args` (written at `spans`) of `name`.
    pub(super) fn check_rowwise_args(&mut self, name: &str, args: &[Typed], spans: &[Span], span: Span) -> BResult<()> {
        match name {
            "datetime_diff" | "datetime_add" => {
                if let Some(p) = constant_str(&args[0])
                    && period(p).is_none()
                {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        spans[0],
                        format!("`{p}` is not a period `{name}` knows"),
                        "use year, quarter, month, week, day, hour, minute, second, millisecond, microsecond or nanosecond",
                    ));
                }
            }
            "bag_pack" | "pack" | "pack_dictionary" if args.len() % 2 == 1 => {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    span,
                    format!("`{name}` takes keys and values in pairs, got {} arguments", args.len()),
                ));
            }
            "parse_command_line" => {
                if let Some(kind) = constant_str(&args[1])
                    && kind != "windows"
                {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        spans[1],
                        format!("`parse_command_line` knows only the \"windows\" parser, not \"{kind}\""),
                    ));
                }
            }
            "countof" => {
                if let Some(kind) = args.get(2).and_then(constant_str)
                    && kind != "normal"
                    && kind != "regex"
                {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        spans[2],
                        format!("the kind of `countof` is \"normal\" or \"regex\", not \"{kind}\""),
                    ));
                }
                if args.get(2).and_then(constant_str) == Some("regex") {
                    self.check_regex(&args[1], spans[1], |p| p.to_string())?;
                }
            }
            "replace_regex" => self.check_regex(&args[1], spans[1], |p| p.to_string())?,
            "extract" | "extract_all" => {
                self.check_regex(&args[0], spans[0], |p| p.to_string())?;
                // extract's capture group, when it and the pattern are constants, must exist.
                if name == "extract"
                    && let (Some(p), Some(g)) = (constant_str(&args[0]), args.get(1).and_then(constant_long))
                    && let Ok(re) = compile_regex(p)
                    && (g < 0 || g >= re.captures_len() as i64)
                {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        spans[1],
                        format!(
                            "the pattern has no capture group {g}: 0 is the whole match, and it has {} more",
                            re.captures_len() - 1
                        ),
                    ));
                }
            }
            // trim compiles its pattern repeated and anchored.
            "trim" | "trim_start" | "trim_end" => self.check_regex(&args[0], spans[0], |p| format!("^(?:{p})+"))?,
            "format_datetime" => {
                if let Some(f) = args.get(1).and_then(constant_str)
                    && let Some(bad) = bad_datetime_format(f)
                {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        spans[1],
                        format!("`{bad}` is not a format element of `format_datetime`"),
                        "use d, dd, f to fffffff, F to FFFFFFF, h, hh, H, HH, m, mm, M, MM, s, ss, y, yy, yyyy, tt and delimiters such as - / : . , _ [ ] or space",
                    ));
                }
            }
            "datetime_part" => {
                if let Some(p) = constant_str(&args[0])
                    && !PARTS.contains(&p.to_ascii_lowercase().as_str())
                {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        spans[0],
                        format!("`{p}` is not a part `datetime_part` knows"),
                        format!("use one of {}", PARTS.join(", ")),
                    ));
                }
            }
            "bin_at" => self.check_bin_at(args, spans)?,
            // base64-encode-fromguid-function.md: anything but a guid is an error.
            "base64_encode_fromguid" => {
                if let Some(t) = args.first()
                    && !matches!(t.ty, crate::types::KqlType::Guid | crate::types::KqlType::Dynamic)
                {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        spans[0],
                        format!("`base64_encode_fromguid` takes a guid, not a {}", t.ty),
                    ));
                }
            }
            // hash-function.md shows how strings and datetimes are hashed;
            // for other types Kusto's bytes are not documented.
            "hash" | "hash_xxhash64" => {
                use crate::types::KqlType::{Datetime, String};
                if let Some(t) = args.first()
                    && !matches!(t.ty, String | Datetime)
                {
                    return Err(self.not_implemented(
                        spans[0],
                        &format!("`{name}` of a {} (only strings and datetimes hash as Kusto documents)", t.ty),
                    ));
                }
            }
            // series-seasonal-function.md: the default period (-1) is
            // detected by series_periods_detect, which is not built.
            "series_seasonal" if args.get(1).is_none_or(|p| constant_long(p) == Some(-1)) => {
                return Err(self.not_implemented(
                    span,
                    "`series_seasonal` with its period detected automatically (give the period)",
                ));
            }
            // geo-line-locate-point-function.md: lines of geodesics on the
            // spheroid are not built.
            "geo_line_locate_point"
                if args
                    .get(3)
                    .is_some_and(|t| !matches!(t.expr, Expr::Literal(ScalarValue::Boolean(Some(false)), _))) =>
            {
                return Err(
                    self.not_implemented(spans[3], "`geo_line_locate_point` on the spheroid (use_spheroid = true)")
                );
            }
            // geo-line-densify-function.md: keeping an edge's crossing of the
            // antimeridian is not built.
            "geo_line_densify"
                if args
                    .get(2)
                    .is_some_and(|t| !matches!(t.expr, Expr::Literal(ScalarValue::Boolean(Some(false)), _))) =>
            {
                return Err(self.not_implemented(spans[2], "`geo_line_densify` with preserve_crossing = true"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The arguments of `array_sort_asc`/`array_sort_desc` (and their
    /// several-column forms `#arrays`) with `nulls_last` always last: a
    /// final `bool` argument is it, else `true` is added. The arrays before
    /// it are no bools; the several-column form sorts at least two.
    pub(super) fn array_sort_args(&mut self, name: &str, mut args: Vec<Typed>, spans: &[Span]) -> BResult<Vec<Typed>> {
        use crate::types::KqlType::Bool;
        let base = name.trim_end_matches("#arrays");
        if base != "array_sort_asc" && base != "array_sort_desc" {
            return Ok(args);
        }
        let arrays = match args.last() {
            Some(t) if t.ty == Bool => args.len() - 1,
            _ => args.len(),
        };
        if let Some(i) = args.iter().take(arrays).position(|t| t.ty == Bool) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                spans[i],
                format!("`{base}` sorts arrays; only its last argument, nulls_last, is a bool"),
            ));
        }
        if arrays == 0 || (name != base && arrays < 2) {
            let at = spans.last().copied().unwrap_or_default();
            return Err(self.error(
                error::BAD_ARGUMENTS,
                at,
                format!(
                    "`{base}` needs {} array{} before nulls_last",
                    if arrays == 0 { "an" } else { "two" },
                    if arrays == 0 { "" } else { "s" }
                ),
            ));
        }
        if arrays == args.len() {
            args.push(Typed { expr: datafusion::prelude::lit(true), ty: Bool });
        }
        Ok(args)
    }

    /// `bin_at(value, size, fixed_point)` (bin-at-function.md): a datetime
    /// takes a timespan size and a datetime fixed point, a timespan
    /// timespans, a number numbers.
    pub(super) fn check_bin_at(&mut self, args: &[Typed], spans: &[Span]) -> BResult<()> {
        use crate::types::KqlType::{Datetime, Dynamic, Timespan};
        let (Some(v), Some(size), Some(at)) = (args.first(), args.get(1), args.get(2)) else { return Ok(()) };
        let want = match v.ty {
            Datetime => [Timespan, Datetime],
            Timespan => [Timespan, Timespan],
            t if t.is_numeric() || t == Dynamic => {
                for (i, t) in [size, at].into_iter().enumerate() {
                    if !t.ty.is_numeric() && t.ty != Dynamic {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            spans[i + 1],
                            format!("binning a number takes a number here, not a {}", t.ty),
                        ));
                    }
                }
                return Ok(());
            }
            other => {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    spans[0],
                    format!("`bin_at` rounds numbers, timespans and datetimes, not a {other}"),
                ));
            }
        };
        for (i, (t, w)) in [size, at].into_iter().zip(want).enumerate() {
            if t.ty != w {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    spans[i + 1],
                    format!("binning a {} takes a {w} here, not a {}", v.ty, t.ty),
                ));
            }
        }
        Ok(())
    }
}
