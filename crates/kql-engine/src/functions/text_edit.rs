//! More string functions: `regex_quote`, `indexof_regex`, `strcmp`,
//! `strrep`, `replace_strings`, `translate`, `format_bytes`,
//! `has_any_index`, `parse_csv`, `extract_json` and `gettype`.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use serde_json::Value as J;

use super::dynamic::{PathElem, walk};
use super::rowwise::{Ctx, V};
use super::string::fold::fold;

/// The longest string `strrep` builds; longer is null.
const MAX_REPEAT_BYTES: usize = 64 << 20;

/// `regex_quote(s)`: `s` with every regular-expression metacharacter
/// escaped, as .NET's `Regex.Escape` does (regex-quote-function.md).
pub fn regex_quote(a: &[V], _: &mut Ctx) -> V {
    let s = a[0].text();
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    V::Str(out)
}

/// `indexof_regex(s, re [, start [, length [, occurrence]]])`: the
/// character position of the `occurrence`-th match (matches do not
/// overlap) within `length` characters from `start`; -1 if none; null for
/// a negative start or occurrence, or a length below -1.
pub fn indexof_regex(a: &[V], ctx: &mut Ctx) -> V {
    let text = a[0].text();
    let arg = |i: usize, default: i64| match a.get(i) {
        None => Some(default),
        Some(v) => v.long(),
    };
    let (Some(start), Some(length), Some(occurrence)) = (arg(2, 0), arg(3, -1), arg(4, 1)) else { return V::Null };
    if start < 0 || occurrence < 0 || length < -1 {
        return V::Null;
    }
    let Some(re) = ctx.regex(&a[1].text()) else { return V::Null };
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len() as i64;
    if start > n {
        return V::Long(-1);
    }
    // As `indexof`: `length` positions after `start`, both ends included.
    let end = if length == -1 { n } else { start.saturating_add(length).saturating_add(1).min(n) };
    let window: String = chars.iter().skip(start as usize).take((end - start) as usize).collect();
    match re.find_iter(&window).nth(occurrence.max(1) as usize - 1) {
        Some(m) => V::Long(start + window.get(..m.start()).map_or(0, |p| p.chars().count()) as i64),
        None => V::Long(-1),
    }
}

/// `strcmp(a, b)`: -1, 0 or 1, comparing by code point.
pub fn strcmp(a: &[V], _: &mut Ctx) -> V {
    V::Long(match a[0].text().cmp(&a[1].text()) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `strrep(value, n [, delimiter])`: `value` as text `n` times (at most
/// 1024), joined by `delimiter`; empty for `n` below 1; null past 64 MiB.
pub fn strrep(a: &[V], _: &mut Ctx) -> V {
    let Some(n) = a.get(1).and_then(V::long) else { return V::Null };
    let n = n.clamp(0, 1024) as usize;
    let value = a[0].text();
    let delim = a.get(2).map(V::text).unwrap_or_default();
    let size = (value.len() + delim.len()).saturating_mul(n);
    if size > MAX_REPEAT_BYTES {
        return V::Null;
    }
    V::Str(vec![value; n].join(&delim))
}

/// The strings of a dynamic array (other elements as their text).
fn strings(v: &V) -> Option<Vec<String>> {
    match v {
        V::Dyn(J::Array(items)) => Some(
            items
                .iter()
                .map(|j| match j {
                    J::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// `replace_strings(text, lookups, rewrites)`: every match of a lookup
/// replaced by the rewrite at the same index. Lookups are matched in the
/// order given, each where no earlier one matched (matches never
/// overlap): with lookups `is`, `This`, "This" becomes "Thwas". A rewrite
/// that is not a string keeps the matched text (replace-strings-function.md).
pub fn replace_strings(a: &[V], _: &mut Ctx) -> V {
    use std::collections::BTreeMap;
    let text = a[0].text();
    let (Some(lookups), V::Dyn(J::Array(rewrites))) = (strings(&a[1]), &a[2]) else { return V::Null };
    // Byte ranges claimed so far: start -> (end, lookup).
    let mut claimed: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (i, l) in lookups.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        for (s, m) in text.match_indices(l.as_str()) {
            let e = s + m.len();
            let before = claimed.range(..=s).next_back().is_some_and(|(_, (end, _))| *end > s);
            let after = claimed.range(s..).next().is_some_and(|(start, _)| *start < e);
            if !before && !after {
                claimed.insert(s, (e, i));
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, (e, i)) in claimed {
        out.push_str(text.get(at..s).unwrap_or_default());
        match rewrites.get(i) {
            Some(J::String(r)) => out.push_str(r),
            Some(_) => out.push_str(text.get(s..e).unwrap_or_default()),
            None => {}
        }
        at = e;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    V::Str(out)
}

/// `translate(from, to, source)`: each character of `source` found in
/// `from` replaced by the one at its index in `to` (the last of `to` past
/// its end; removed when `to` is empty).
pub fn translate(a: &[V], _: &mut Ctx) -> V {
    let from: Vec<char> = a[0].text().chars().collect();
    let to: Vec<char> = a[1].text().chars().collect();
    let out = a[2]
        .text()
        .chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            None => Some(c),
            Some(i) => to.get(i).or(to.last()).copied(),
        })
        .collect();
    V::Str(out)
}

/// `format_bytes(size [, precision [, units]])`: `size` in the given unit
/// (Bytes, KB, MB, GB, TB, PB, EB, powers of 1024), or the largest unit
/// that keeps it at 1 or more, rounded to `precision` decimals.
pub fn format_bytes(a: &[V], _: &mut Ctx) -> V {
    const UNITS: [&str; 7] = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
    let Some(size) = a.first().and_then(super::math::num) else { return V::Null };
    let precision = match a.get(1) {
        None | Some(V::Null) => 0,
        Some(v) => match v.long() {
            Some(p) => p.clamp(0, 15) as usize,
            None => return V::Null,
        },
    };
    if !size.is_finite() {
        return V::Null;
    }
    let wanted = a.get(2).map(V::text).filter(|u| !u.is_empty());
    let unit = match wanted {
        Some(u) => match UNITS.iter().position(|x| x.eq_ignore_ascii_case(&u)) {
            Some(i) => i,
            None => return V::Null,
        },
        None => {
            let mut i = 0;
            while i + 1 < UNITS.len() && size.abs() >= 1024f64.powi(i as i32 + 1) {
                i += 1;
            }
            i
        }
    };
    let value = size / 1024f64.powi(unit as i32);
    V::Str(format!("{value:.precision$} {}", UNITS[unit]))
}

/// Whether `term` occurs in `text` as whole terms (`has`): case folded, and
/// not inside a longer run of letters and digits.
fn has_term(text: &str, term: &str) -> bool {
    let (text, term) = (fold(text), fold(term));
    if term.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(term.as_ref()).any(|(i, m)| {
        let before = text.get(..i).and_then(|p| p.chars().next_back());
        let after = text.get(i + m.len()..).and_then(|p| p.chars().next());
        let starts_word = term.chars().next().is_some_and(char::is_alphanumeric);
        let ends_word = term.chars().next_back().is_some_and(char::is_alphanumeric);
        !(starts_word && word(before) || ends_word && word(after))
    })
}

/// `has_any_index(text, lookups)`: the index of the first lookup that
/// `text` has as a term, -1 if none.
pub fn has_any_index(a: &[V], _: &mut Ctx) -> V {
    let text = a[0].text();
    let Some(lookups) = strings(&a[1]) else { return V::Null };
    V::Long(lookups.iter().position(|l| has_term(&text, l)).map_or(-1, |i| i as i64))
}

/// `parse_csv(s)`: the fields of the first CSV record; a quoted field may
/// hold commas, line breaks and `""` for a quote.
pub fn parse_csv(a: &[V], _: &mut Ctx) -> V {
    let text = a[0].text();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, other) => field.push(other),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(J::String(std::mem::take(&mut field))),
            (false, '\n') => break,
            (false, '\r') if chars.peek() == Some(&'\n') => break,
            (false, other) => field.push(other),
        }
    }
    fields.push(J::String(field));
    V::Dyn(J::Array(fields))
}

/// A JSONPath of jsonpath.md: `$`, then `.name`, `['name']` or `[n]`.
pub(crate) fn json_path(p: &str) -> Option<Vec<PathElem>> {
    let mut rest = p.trim().strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = r.get(..end)?;
            if name.is_empty() || name == "*" {
                return None;
            }
            out.push(PathElem::Key(name.to_string()));
            rest = r.get(end..)?;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r.get(..end)?.trim();
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            out.push(match quoted {
                Some(name) => PathElem::Key(name.to_string()),
                None => PathElem::Index(inner.parse().ok()?),
            });
            rest = r.get(end + 1..)?;
        } else {
            return None;
        }
    }
    Some(out)
}

/// `extract_json(path, json)`: the value at `path` as text (the binder
/// converts it for `typeof(T)`); null when the text is no JSON, the path is
/// not one this function reads, or nothing is there.
pub fn extract_json(a: &[V], _: &mut Ctx) -> V {
    let Some(path) = json_path(&a[0].text()) else { return V::Null };
    let doc = match &a[1] {
        V::Dyn(j) => j.clone(),
        other => match serde_json::from_str::<J>(&other.text()) {
            Ok(j) => j,
            Err(_) => return V::Null,
        },
    };
    match walk(&doc, &path) {
        None | Some(J::Null) => V::Null,
        Some(J::String(s)) => V::Str(s.clone()),
        Some(other) => V::Str(other.to_string()),
    }
}

/// `gettype(v)`: the type of the value; in a dynamic value the type of
/// what it holds (gettype-function.md: `int` for a whole number that fits,
/// `dictionary` for a bag).
pub fn gettype(a: &[V], ctx: &mut Ctx) -> V {
    let name = match &a[0] {
        V::Dyn(j) => match j {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Number(n) if n.as_i64().is_some_and(|x| i32::try_from(x).is_ok()) => "int",
            J::Number(n) if n.is_i64() || n.is_u64() => "long",
            J::Number(_) => "real",
            J::String(_) => "string",
            J::Array(_) => "array",
            J::Object(_) => "dictionary",
        },
        _ => match ctx.arg_type(0) {
            Some(DataType::Boolean) => "bool",
            Some(DataType::Int32) => "int",
            Some(DataType::Int64) => "long",
            Some(DataType::Float64) => "real",
            Some(DataType::Decimal128(..)) => "decimal",
            Some(DataType::Utf8 | DataType::Utf8View) => "string",
            Some(DataType::Timestamp(TimeUnit::Nanosecond, _)) => "datetime",
            Some(DataType::Duration(_)) => "timespan",
            Some(DataType::FixedSizeBinary(16)) => "guid",
            _ => "null",
        },
    };
    V::Str(name.to_string())
}

/// `estimate_data_size`'s row value: the fixed widths the binder summed
/// (first), plus the UTF-8 length of each string after it.
pub fn data_size(a: &[V], _: &mut Ctx) -> V {
    let Some((fixed, strings)) = a.split_first() else { return V::Null };
    let mut n = fixed.long().unwrap_or(0);
    for s in strings {
        n = n.saturating_add(i64::try_from(s.str().len()).unwrap_or(i64::MAX));
    }
    V::Long(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        assert!(json_path("$.a['b c'][0]").is_some());
        assert!(json_path("$..a").is_none());
        assert!(json_path("a.b").is_none());
        assert!(json_path("$[").is_none());
    }

    #[test]
    fn terms() {
        assert!(has_term("Example number 2", "2"));
        assert!(!has_term("Example number 23", "2"));
        assert!(has_term("this is an EXAMPLE", "example"));
    }
}
