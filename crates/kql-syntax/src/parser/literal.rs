//! Literal values: numbers, timespans, strings (with escapes, verbatim,
//! obfuscated and multi-line forms, and adjacent-literal concatenation),
//! typed literals such as `datetime(...)` and `int(null)`, and `dynamic(...)`.

use super::{PResult, Parser};
use crate::ast::{DynValue, Expr, ExprKind, Literal, ScalarType};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::{TokenKind, timespan_unit};
use crate::span::Span;

/// Ticks (100 ns) per second.
const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks per day.
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

impl<'a> Parser<'a> {
    fn invalid(&mut self, span: Span, message: impl Into<String>) -> super::Fail {
        self.push(Diagnostic::new(codes::INVALID_LITERAL, span, message));
        super::Fail
    }

    /// A literal at the current token.
    pub(super) fn literal_expr(&mut self) -> PResult<Expr> {
        let t = self.tok();
        let text = self.text_of(t);
        let lit = match t.kind {
            TokenKind::Int => {
                self.bump();
                Literal::Long(self.int_value(text, t.span)?)
            }
            TokenKind::Real => {
                self.bump();
                Literal::Real(
                    text.parse::<f64>()
                        .map_err(|_| self.invalid(t.span, format!("`{text}` is not a valid real number")))?,
                )
            }
            TokenKind::Timespan => {
                self.bump();
                Literal::Timespan(self.timespan_token(text, t.span)?)
            }
            TokenKind::String => Literal::String(self.string_literal()?),
            TokenKind::TypedLiteral => {
                self.bump();
                return self.typed_literal(text, t.span);
            }
            TokenKind::Ident if self.text_of(t) == "dynamic" => {
                let start = self.bump().span;
                self.expect(TokenKind::LParen, "`(` after `dynamic`")?;
                let v = if self.at(TokenKind::RParen) { DynValue::Null } else { self.dyn_value()? };
                self.expect(TokenKind::RParen, "`)` to close `dynamic(`")?;
                let span = self.span_from(start);
                return Ok(Expr { kind: ExprKind::Literal(Literal::Dynamic(v)), span });
            }
            TokenKind::Ident => {
                self.bump();
                Literal::Bool(text.eq_ignore_ascii_case("true"))
            }
            _ => return Err(self.expected("a literal")),
        };
        let span = self.span_from(t.span);
        Ok(Expr { kind: ExprKind::Literal(lit), span })
    }

    fn int_value(&mut self, text: &str, span: Span) -> PResult<i64> {
        let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16).ok().map(|v| v as i64),
            None => text.parse::<i64>().ok(),
        };
        parsed.ok_or_else(|| self.invalid(span, format!("integer literal `{text}` does not fit in a 64-bit long")))
    }

    fn timespan_token(&mut self, text: &str, span: Span) -> PResult<i64> {
        let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
        let (num, unit) = text.split_at(split);
        let ticks = num.parse::<f64>().ok().zip(timespan_unit(unit)).map(|(n, u)| n * u);
        match ticks {
            Some(t) if t.abs() < 9.2e18 => Ok(t.round() as i64),
            _ => Err(self.invalid(span, format!("timespan `{text}` is out of range"))),
        }
    }

    /// One string literal, with adjacent literals concatenated (`"a" 'b'`).
    pub(super) fn string_literal(&mut self) -> PResult<String> {
        let mut out = String::new();
        let t = self.expect(TokenKind::String, "a string")?;
        out.push_str(&self.string_value(self.text_of(t), t.span));
        while self.at(TokenKind::String) {
            let t = self.bump();
            out.push_str(&self.string_value(self.text_of(t), t.span));
        }
        Ok(out)
    }

    /// Decodes the text of one string token; bad escapes are reported.
    pub(super) fn string_value(&mut self, text: &str, span: Span) -> String {
        match decode_string(text) {
            Ok(s) => s,
            Err((offset, len, message)) => {
                let at = span.start as usize + offset;
                let mut d = Diagnostic::new(codes::INVALID_LITERAL, Span::new(at, at + len), message)
                    .with_label("not a valid escape");
                d = d.with_help("write `\\\\` for a backslash, or use a verbatim string: @\"C:\\path\" or @'\\d+'");
                self.push(d);
                String::new()
            }
        }
    }

    fn typed_literal(&mut self, text: &str, span: Span) -> PResult<Expr> {
        let open = text.find('(').unwrap_or(text.len());
        let name = &text[..open];
        let inner = text.get(open + 1..).map(|t| t.strip_suffix(')').unwrap_or(t)).unwrap_or("").trim();
        let mk = |lit| Ok(Expr { kind: ExprKind::Literal(lit), span });
        let ty = match name {
            "datetime" | "date" => ScalarType::Datetime,
            "time" | "timespan" => ScalarType::Timespan,
            "guid" | "uuid" | "uniqueid" => ScalarType::Guid,
            "int" | "int32" => ScalarType::Int,
            "long" | "int64" => ScalarType::Long,
            "real" | "double" => ScalarType::Real,
            "decimal" => ScalarType::Decimal,
            _ => ScalarType::Bool,
        };
        if inner == "null" {
            return mk(Literal::Null(ty));
        }
        let bad =
            |p: &mut Self, what: &str| p.invalid(span, format!("`{text}` is not a valid {what} literal")).to_owned();
        match ty {
            ScalarType::Datetime => {
                if inner.is_empty() {
                    // `datetime()` is the current time.
                    let func = Expr { kind: ExprKind::Name(crate::ast::Ident { name: "now".into(), span }), span };
                    return Ok(Expr { kind: ExprKind::Call { func: Box::new(func), args: Vec::new() }, span });
                }
                match parse_datetime(unquote(inner)) {
                    Some(t) => mk(Literal::Datetime(t)),
                    None => {
                        self.push(
                            Diagnostic::new(codes::INVALID_LITERAL, span, format!("`{text}` is not a valid datetime literal"))
                                .with_label("unrecognised date format")
                                .with_help("use ISO 8601, for example datetime(2024-05-01T13:45:00Z) or datetime(2024-05-01 13:45)"),
                        );
                        Err(super::Fail)
                    }
                }
            }
            ScalarType::Timespan => match parse_timespan_text(unquote(inner)) {
                Some(t) => mk(Literal::Timespan(t)),
                None => Err(bad(self, "timespan")),
            },
            ScalarType::Guid => match parse_guid(unquote(inner)) {
                Some(g) => mk(Literal::Guid(g)),
                None => Err(bad(self, "guid")),
            },
            ScalarType::Int => match inner.parse::<i32>() {
                Ok(v) => mk(Literal::Int(v)),
                Err(_) => Err(bad(self, "int")),
            },
            ScalarType::Long => match parse_long(inner) {
                Some(v) => mk(Literal::Long(v)),
                None => Err(bad(self, "long")),
            },
            ScalarType::Real => match parse_real(inner) {
                Some(v) => mk(Literal::Real(v)),
                None => Err(bad(self, "real")),
            },
            ScalarType::Decimal => match parse_real(inner) {
                Some(_) => mk(Literal::Decimal(inner.to_string())),
                None => Err(bad(self, "decimal")),
            },
            _ => match inner {
                "true" | "True" | "TRUE" | "1" => mk(Literal::Bool(true)),
                "false" | "False" | "FALSE" | "0" => mk(Literal::Bool(false)),
                _ => Err(bad(self, "bool")),
            },
        }
    }

    /// A value inside `dynamic(...)`: JSON plus Kusto's typed literals.
    fn dyn_value(&mut self) -> PResult<DynValue> {
        self.enter()?;
        let v = self.dyn_value_inner();
        self.leave();
        v
    }

    fn dyn_value_inner(&mut self) -> PResult<DynValue> {
        let t = self.tok();
        let text = self.text_of(t);
        match t.kind {
            TokenKind::LBracket => {
                self.bump();
                let mut items = Vec::new();
                while !self.at(TokenKind::RBracket) {
                    items.push(self.dyn_value()?);
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
                self.expect(TokenKind::RBracket, "`,` or `]` in the array")?;
                Ok(DynValue::Array(items))
            }
            TokenKind::LBrace => {
                self.bump();
                let mut members = Vec::new();
                while !self.at(TokenKind::RBrace) {
                    let key = match self.kind() {
                        TokenKind::String => self.string_literal()?,
                        // Unquoted keys are lenient: the docs show them, Kusto rejects them.
                        TokenKind::Ident => self.bump_text().to_string(),
                        _ => return Err(self.expected("a quoted key in the property bag")),
                    };
                    self.expect(TokenKind::Colon, "`:` after the key")?;
                    members.push((key, self.dyn_value()?));
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
                self.expect(TokenKind::RBrace, "`,` or `}` in the property bag")?;
                Ok(DynValue::Object(members))
            }
            TokenKind::String => Ok(DynValue::String(self.string_literal()?)),
            // `["a"]` lexes as a bracketed name: here it is an array of one string.
            TokenKind::QuotedIdent => {
                self.bump();
                Ok(DynValue::Array(vec![DynValue::String(self.quoted_ident_text(t))]))
            }
            TokenKind::Minus | TokenKind::Int | TokenKind::Real | TokenKind::Timespan => {
                let neg = self.eat(TokenKind::Minus).is_some();
                let t = self.tok();
                let text = self.text_of(t);
                let sign = if neg { -1 } else { 1 };
                match t.kind {
                    TokenKind::Int => {
                        self.bump();
                        match signed(text, neg) {
                            Some(v) => Ok(DynValue::Long(v)),
                            None => {
                                Err(self
                                    .invalid(t.span, format!("integer literal `{text}` does not fit in a 64-bit long")))
                            }
                        }
                    }
                    TokenKind::Real => {
                        self.bump();
                        let v: f64 = text
                            .parse()
                            .map_err(|_| self.invalid(t.span, format!("`{text}` is not a valid real number")))?;
                        Ok(DynValue::Real(sign as f64 * v))
                    }
                    TokenKind::Timespan => {
                        self.bump();
                        Ok(DynValue::Timespan(sign * self.timespan_token(text, t.span)?))
                    }
                    _ => Err(self.expected("a number after `-`")),
                }
            }
            TokenKind::TypedLiteral => {
                let e = self.literal_expr()?;
                Ok(match e.kind {
                    ExprKind::Literal(Literal::Null(_)) => DynValue::Null,
                    ExprKind::Literal(Literal::Bool(b)) => DynValue::Bool(b),
                    ExprKind::Literal(Literal::Int(v)) => DynValue::Long(v.into()),
                    ExprKind::Literal(Literal::Long(v)) => DynValue::Long(v),
                    ExprKind::Literal(Literal::Real(v)) => DynValue::Real(v),
                    ExprKind::Literal(Literal::Decimal(d)) => DynValue::Real(d.parse().unwrap_or(f64::NAN)),
                    ExprKind::Literal(Literal::Datetime(v)) => DynValue::Datetime(v),
                    ExprKind::Literal(Literal::Timespan(v)) => DynValue::Timespan(v),
                    ExprKind::Literal(Literal::Guid(g)) => DynValue::Guid(g),
                    _ => return Err(self.invalid(e.span, "`datetime()` is not allowed inside `dynamic(...)`")),
                })
            }
            TokenKind::Ident => {
                match text {
                    "null" => {
                        self.bump();
                        Ok(DynValue::Null)
                    }
                    "true" | "True" | "TRUE" => {
                        self.bump();
                        Ok(DynValue::Bool(true))
                    }
                    "false" | "False" | "FALSE" => {
                        self.bump();
                        Ok(DynValue::Bool(false))
                    }
                    "dynamic" if self.nth_kind(1) == TokenKind::LParen => {
                        self.bump();
                        self.bump();
                        let v = if self.at(TokenKind::RParen) { DynValue::Null } else { self.dyn_value()? };
                        self.expect(TokenKind::RParen, "`)` to close `dynamic(`")?;
                        Ok(v)
                    }
                    _ => {
                        let d = Diagnostic::new(
                        codes::INVALID_LITERAL,
                        t.span,
                        format!("expected a constant inside `dynamic(...)`, found `{text}`"),
                    )
                    .with_label("not a constant")
                    .with_help("`dynamic(...)` holds only literals; build values from columns with pack_array() or bag_pack()");
                        self.push(d);
                        Err(super::Fail)
                    }
                }
            }
            _ => Err(self.expected("a constant (string, number, array or property bag)")),
        }
    }

    fn bump_text(&mut self) -> &'a str {
        let t = self.bump();
        self.text_of(t)
    }
}

fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0] { &s[1..s.len() - 1] } else { s }
}

fn parse_long(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s).trim_start()),
    };
    signed(digits, neg)
}

/// A decimal or `0x` magnitude with a sign, as an i64 (so `-9223372036854775808` fits).
fn signed(digits: &str, neg: bool) -> Option<i64> {
    let m: u64 = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok()?,
        None => digits.parse::<u64>().ok()?,
    };
    if neg {
        if m == 1 << 63 { Some(i64::MIN) } else { i64::try_from(m).ok().map(|v| -v) }
    } else {
        i64::try_from(m).ok()
    }
}

fn parse_real(s: &str) -> Option<f64> {
    match s {
        "nan" | "NaN" => Some(f64::NAN),
        "+inf" | "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok().filter(|_| !s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')),
    }
}

fn parse_guid(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = (groups.len() == 5 && groups.iter().zip(lens).all(|(g, l)| g.len() == l))
        || (groups.len() == 1 && s.len() == 32);
    if !ok || !s.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
        return None;
    }
    let hex: String = s.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    Some(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

/// `s` without its first and last `quote` bytes (an opening and a closing
/// quote); what there is of it when it is unterminated, never a slice
/// inside a character.
fn between(s: &str, quote: usize) -> &str {
    let end = s.len().saturating_sub(quote).max(quote);
    s.get(quote..end).or_else(|| s.get(quote..)).unwrap_or("")
}

/// Decodes a string token's text. On error returns (byte offset in `text`,
/// length, message).
pub(crate) fn decode_string(text: &str) -> Result<String, (usize, usize, String)> {
    let mut rest = text;
    let mut base = 0;
    if rest.starts_with(['h', 'H']) {
        rest = &rest[1..];
        base = 1;
    }
    if rest.starts_with("```") || rest.starts_with("~~~") {
        return Ok(between(rest, 3).to_string());
    }
    if let Some(v) = rest.strip_prefix('@') {
        let q = v.chars().next().unwrap_or('"');
        let inner = between(v, 1);
        let doubled: String = [q, q].iter().collect();
        return Ok(inner.replace(&doubled, &q.to_string()));
    }
    let inner = between(rest, 1);
    base += 1;
    if !inner.contains('\\') {
        return Ok(inner.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((base + i, 1, "a string cannot end with a lone `\\`".into()));
        };
        let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| -> Option<char> {
            let mut v = 0u32;
            for _ in 0..n {
                let (_, h) = chars.next()?;
                v = v * 16 + h.to_digit(16)?;
            }
            char::from_u32(v)
        };
        let decoded = match e {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            'u' => hex(4, &mut chars),
            'U' => hex(8, &mut chars),
            'x' => hex(2, &mut chars),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                let max = if v <= 3 { 2 } else { 1 };
                for _ in 0..max {
                    match chars.peek() {
                        Some(&(_, d)) if d.is_digit(8) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                char::from_u32(v)
            }
            _ => None,
        };
        match decoded {
            Some(ch) => out.push(ch),
            None => {
                return Err((
                    base + i,
                    1 + e.len_utf8(),
                    format!("invalid escape sequence `\\{e}` in a string literal"),
                ));
            }
        }
    }
    Ok(out)
}

/// Parses the text of `time(...)`/`timespan(...)`: `1d`, `15 seconds`,
/// `2` (days), `1.02:03:04.5`, `02:03`, `-1.00:00:00`, to ticks.
pub(crate) fn parse_timespan_text(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let sign = if neg { -1 } else { 1 };
    if !body.contains(':') {
        let split = body.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(body.len());
        let (num, unit) = body.split_at(split);
        let n: f64 = num.trim().parse().ok()?;
        let per = if unit.is_empty() { TICKS_PER_DAY as f64 } else { timespan_unit(unit.trim())? };
        let t = (n * per).round();
        if !t.is_finite() || t.abs() >= 9.2e18 {
            return None;
        }
        return Some(sign * t as i64);
    }
    // [d.]hh:mm[:ss[.fffffff]]
    let (days, clock) = match body.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (d, _) = head.split_once('.')?;
            (d.parse::<i64>().ok()?, &body[d.len() + 1..])
        }
        _ => (0, body),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts[1].parse().ok()?;
    let (sec, frac) = match parts.get(2) {
        Some(p) => split_fraction(p)?,
        None => (0, 0),
    };
    if m > 59 || sec > 59 {
        return None;
    }
    let total = i128::from(days) * i128::from(TICKS_PER_DAY)
        + (i128::from(h) * 3600 + i128::from(m) * 60 + i128::from(sec)) * i128::from(TICKS_PER_SECOND)
        + i128::from(frac);
    i64::try_from(total * i128::from(sign)).ok()
}

/// `ss[.fffffff]` to (seconds, ticks of fraction).
fn split_fraction(p: &str) -> Option<(i64, i64)> {
    let (whole, frac) = p.split_once('.').unwrap_or((p, ""));
    let sec: i64 = whole.parse().ok()?;
    // Digits beyond the seventh (ticks) are read and dropped.
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ticks = 0i64;
    for (i, b) in frac.bytes().take(7).enumerate() {
        ticks += (b - b'0') as i64 * 10i64.pow(6 - i as u32);
    }
    Some((sec, ticks))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Parses the datetime forms Kusto documents (ISO 8601, RFC 822, RFC 850,
/// sortable) to ticks since the Unix epoch, UTC.
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    // `2017 - 08 - 01` and `2025, 6, 14`, which Kusto's lenient parser reads as dates.
    let spaced;
    let s = if s.contains(" - ") || (s.contains(", ") && s.starts_with(|c: char| c.is_ascii_digit())) {
        spaced = s.replace(" - ", "-").replace(", ", "-");
        spaced.as_str()
    } else {
        s
    };
    let first = s.split([' ', ',', 'T']).next().unwrap_or("");
    let numeric_date = first.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'/')
        && (first.contains(['-', '/']) || (first.len() == 4 && s.len() == 4));
    let (y, mo, d, rest) = if numeric_date {
        // ISO / sortable `YYYY-MM-DD`, plus the lenient `YYYY/M/D`, `M-D-YYYY`,
        // `M/D/YYYY` and a bare year that Kusto's parser also takes.
        let parts: Vec<&str> = first.split(['-', '/']).collect();
        let num = |p: &str| p.parse::<i64>().ok().filter(|_| !p.is_empty() && p.len() <= 4);
        let (y, mo, d) = match parts.as_slice() {
            [y] if y.len() == 4 => (num(y)?, 1, 1),
            [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
            [m, d, y] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
            _ => return None,
        };
        (y, mo, d, s[first.len()..].trim_start_matches(['T', ' ']))
    } else {
        // RFC 822 / 850: [Weekday, ] D Mon YY time [GMT] or [Weekday, ] DD-Mon-YY time [GMT]
        let body = match s.split_once(',') {
            Some((_, b)) => b.trim(),
            None => s,
        };
        let (date, rest) = if let Some((date, rest)) = body.split_once(' ').filter(|(d, _)| d.contains('-')) {
            (date.replace('-', " "), rest)
        } else {
            let mut it = body.splitn(4, ' ');
            let a = it.next()?;
            let b = it.next()?;
            let c = it.next()?;
            (format!("{a} {b} {c}"), it.next().unwrap_or(""))
        };
        let mut it = date.split(' ');
        let d: i64 = it.next()?.parse().ok()?;
        let mon = it.next()?.to_ascii_lowercase();
        let mo = MONTHS.iter().position(|m| mon.starts_with(m))? as i64 + 1;
        let yy: i64 = it.next()?.parse().ok()?;
        let y = if yy < 100 { if yy < 50 { 2000 + yy } else { 1900 + yy } } else { yy };
        (y, mo, d, rest.trim())
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || !(0..=9999).contains(&y) {
        return None;
    }
    let mut ticks = days_from_civil(y, mo, d) * TICKS_PER_DAY;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(ticks);
    }
    // Time of day, then an optional zone.
    let zone_at = rest
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == 'Z' || c == 'z' || c == '+' || c == '-' || c == ' ')
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts[1].parse().ok()?;
    let (sec, frac) = match parts.get(2) {
        Some(p) => split_fraction(p)?,
        None => (0, 0),
    };
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    ticks += (h * 3600 + m * 60 + sec) * TICKS_PER_SECOND + frac;
    let zone = zone.trim();
    let offset = match zone {
        "" | "Z" | "z" | "GMT" | "UTC" | "UT" => 0,
        _ => {
            let (sign, hm) = match zone.as_bytes()[0] {
                b'+' => (1, &zone[1..]),
                b'-' => (-1, &zone[1..]),
                _ => return None,
            };
            let hm = hm.replace(':', "");
            if hm.len() != 4 || !hm.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = hm.get(..2)?.parse().ok()?;
            let om: i64 = hm.get(2..)?.parse().ok()?;
            sign * (oh * 3600 + om * 60) * TICKS_PER_SECOND
        }
    };
    Some(ticks - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T2014: i64 = 16_382 * TICKS_PER_DAY; // 2014-11-08

    #[test]
    fn datetime_forms_from_the_docs_agree() {
        let at = T2014 + (15 * 3600 + 5 * 60 + 2) * TICKS_PER_SECOND;
        for s in [
            "2014-11-08T15:05:02Z",
            "2014-11-08 15:05:02",
            "2014-11-08T15:05:02",
            "Sat, 8 Nov 14 15:05:02 GMT",
            "8 Nov 14 15:05:02",
            "Saturday, 08-Nov-14 15:05:02 GMT",
            "08-Nov-14 15:05:02",
            "2014-11-08 15:05:02 GMT",
            "2014-11-08T16:05:02+01:00",
        ] {
            assert_eq!(parse_datetime(s), Some(at), "{s}");
        }
        assert_eq!(parse_datetime("2014-11-08"), Some(T2014));
        assert_eq!(parse_datetime("2014-05-25T08:20:03.123456Z").map(|t| t % TICKS_PER_SECOND), Some(1_234_560));
        assert_eq!(parse_datetime("2014-13-01"), None);
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn timespan_text_forms() {
        assert_eq!(parse_timespan_text("2"), Some(2 * TICKS_PER_DAY));
        assert_eq!(parse_timespan_text("15 seconds"), Some(15 * TICKS_PER_SECOND));
        assert_eq!(parse_timespan_text("1d"), Some(TICKS_PER_DAY));
        assert_eq!(
            parse_timespan_text("0.12:34:56.7"),
            Some((12 * 3600 + 34 * 60 + 56) * TICKS_PER_SECOND + 7_000_000)
        );
        assert_eq!(parse_timespan_text("00:01:00"), Some(60 * TICKS_PER_SECOND));
        assert_eq!(parse_timespan_text("-1.00:00:00"), Some(-TICKS_PER_DAY));
        assert_eq!(parse_timespan_text("1:99"), None);
    }

    #[test]
    fn datetime_and_timespan_text_never_splits_a_character() {
        for s in [
            "2024-01-01 00:00:00.000000é",
            "2024-01-01 00:00:00.0000000é",
            "2024-01-01 00:00:00.é",
            "2020-01-01 10:00+0é0",
            "2020-01-01 10:00+é",
            "2020-01-01 10:00-0é:0",
            "2020-01-01 é",
            "é",
            "1.é:00",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
            assert_eq!(parse_timespan_text(s), None, "{s}");
        }
        assert_eq!(parse_timespan_text("00:00:01.0000000é"), None);
        assert_eq!(parse_timespan_text("00:00:01.12345678"), Some(TICKS_PER_SECOND + 1_234_567));
    }

    #[test]
    fn a_typed_literal_with_bad_text_is_a_diagnostic() {
        for q in [
            "print datetime(2024-01-01 00:00:00.000000é)",
            "print datetime(2020-01-01 10:00+0é0)",
            "print timespan(00:00:00.000000é)",
            "print datetime(é",
        ] {
            let parsed = crate::parse(q);
            assert!(!parsed.diagnostics.is_empty(), "{q}");
        }
    }

    #[test]
    fn unterminated_strings_decode_without_panicking() {
        for s in ["\"é", "@\"é", "```é", "```éé", "h@'é", "'", "@", "```"] {
            let _ = decode_string(s);
        }
    }

    #[test]
    fn string_escapes() {
        assert_eq!(decode_string(r#""a\tb\u0041\x42\\""#).unwrap(), "a\tbAB\\");
        assert_eq!(decode_string("@'it''s'").unwrap(), "it's");
        assert_eq!(decode_string(r#"h@"C:\x""#).unwrap(), r"C:\x");
        assert_eq!(decode_string("```a\nb```").unwrap(), "a\nb");
        let err = decode_string(r#""\d+""#).unwrap_err();
        assert_eq!((err.0, err.1), (1, 2));
    }
}
