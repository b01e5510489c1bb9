//! Values and their modifiers (rules specification, "Value Modifiers";
//! modifiers appendix): a `field|mod|mod: value(s)` item becomes a
//! [`FieldTest`] whose patterns carry every modifier's effect.
//!
//! Strings are parsed for wildcards first (`*`, `?`, `\` escapes, the
//! rules specification's "Escape Character"), then the transformations run
//! in the order written (`expand` always first), then the position
//! (`contains`, `startswith`, `endswith`) wraps the result.

use base64::Engine as _;

use crate::model::{CompareOp, FieldTest, Number, Pattern, Piece, Position, TimePart, ValueTest};
use crate::tree::{Kind, ScalarType, Tree};

/// At most this many values come out of one value after `expand`,
/// `windash` and `base64offset`; more is an error, not a slow rule.
pub const MAX_VARIANTS: usize = 4096;

/// At most this many patterns in one item (a list and its expansions).
pub const MAX_PATTERNS: usize = 65_536;

/// Values for `|expand` placeholders (`%name%` → values).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placeholders {
    /// Placeholder name (without `%`) → its values.
    pub values: Vec<(String, Vec<String>)>,
}

impl Placeholders {
    fn get(&self, name: &str) -> Option<&[String]> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mod {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    I,
    M,
    S,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Lt,
    Lte,
    Gt,
    Gte,
    Part(TimePart),
    Cidr,
    Expand,
    FieldRef,
}

fn modifier(name: &str) -> Option<Mod> {
    Some(match name {
        "contains" => Mod::Contains,
        "startswith" => Mod::StartsWith,
        "endswith" => Mod::EndsWith,
        "all" => Mod::All,
        "exists" => Mod::Exists,
        "cased" => Mod::Cased,
        "neq" => Mod::Neq,
        "windash" => Mod::Windash,
        "re" => Mod::Re,
        "i" => Mod::I,
        "m" => Mod::M,
        "s" => Mod::S,
        "base64" => Mod::Base64,
        "base64offset" => Mod::Base64Offset,
        "utf16le" | "wide" => Mod::Utf16Le,
        "utf16be" => Mod::Utf16Be,
        "utf16" => Mod::Utf16,
        "lt" => Mod::Lt,
        "lte" => Mod::Lte,
        "gt" => Mod::Gt,
        "gte" => Mod::Gte,
        "minute" => Mod::Part(TimePart::Minute),
        "hour" => Mod::Part(TimePart::Hour),
        "day" => Mod::Part(TimePart::Day),
        "week" => Mod::Part(TimePart::Week),
        "month" => Mod::Part(TimePart::Month),
        "year" => Mod::Part(TimePart::Year),
        "cidr" => Mod::Cidr,
        "expand" => Mod::Expand,
        "fieldref" => Mod::FieldRef,
        _ => return None,
    })
}

/// A scalar value of an item.
struct Scalar<'a> {
    text: &'a str,
    ty: ScalarType,
}

/// Builds the test of one item: `mods` are the modifiers after the field
/// name, `value` the YAML value (a scalar, null, or a list of scalars).
pub fn field_test(mods: &[&str], value: &Tree, placeholders: &Placeholders) -> Result<FieldTest, String> {
    let mut list = Vec::new();
    for m in mods {
        match modifier(m) {
            Some(x) => list.push(x),
            None => return Err(format!("unknown modifier `{m}`")),
        }
    }
    let has = |m: Mod| list.contains(&m);
    if has(Mod::Exists) {
        if list.len() > 1 {
            return Err("`exists` cannot be combined with other modifiers".into());
        }
        return match &value.kind {
            Kind::Scalar(t, _) if t.eq_ignore_ascii_case("true") => Ok(FieldTest::Exists(true)),
            Kind::Scalar(t, _) if t.eq_ignore_ascii_case("false") => Ok(FieldTest::Exists(false)),
            _ => Err(format!("`exists` takes true or false, not {}", value.describe())),
        };
    }
    let scalars: Vec<Scalar> = match &value.kind {
        Kind::Null => {
            if !list.is_empty() {
                return Err("a null value takes no modifiers".into());
            }
            return Ok(FieldTest::Null);
        }
        Kind::Scalar(t, ty) => vec![Scalar { text: t, ty: *ty }],
        Kind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                match &i.kind {
                    Kind::Scalar(t, ty) => out.push(Scalar { text: t, ty: *ty }),
                    Kind::Null => {
                        return Err("null cannot be part of a list of values; use a selection of its own".into());
                    }
                    _ => return Err(format!("a list of values holds {}; expected plain values", i.describe())),
                }
            }
            if out.is_empty() {
                return Err("an empty list of values matches nothing".into());
            }
            out
        }
        Kind::Map(_) => return Err("a field's value must be a value or a list of values, not a mapping".into()),
    };
    if has(Mod::All) && scalars.len() < 2 {
        return Err("`all` needs a list of at least two values".into());
    }
    for flag in [Mod::I, Mod::M, Mod::S] {
        if has(flag) && !has(Mod::Re) {
            return Err("`i`, `m` and `s` only follow `re`".into());
        }
    }
    let positions = [Mod::Contains, Mod::StartsWith, Mod::EndsWith].iter().filter(|m| has(**m)).count();
    if positions > 1 {
        return Err("only one of `contains`, `startswith`, `endswith` may be given".into());
    }
    let position = if has(Mod::Contains) {
        Position::Anywhere
    } else if has(Mod::StartsWith) {
        Position::Start
    } else if has(Mod::EndsWith) {
        Position::End
    } else {
        Position::Equal
    };
    let kinds =
        [has(Mod::Re), has(Mod::Cidr), has(Mod::FieldRef), compare_op(&list).is_some() || time_part(&list).is_some()];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return Err("`re`, `cidr`, `fieldref` and the numeric and time modifiers exclude each other".into());
    }
    let string_mods = list.iter().any(|m| {
        matches!(
            m,
            Mod::Windash | Mod::Base64 | Mod::Base64Offset | Mod::Utf16Le | Mod::Utf16Be | Mod::Utf16 | Mod::Expand
        )
    });
    let mut patterns = Vec::new();
    for s in &scalars {
        if has(Mod::Re) {
            if position != Position::Equal || string_mods {
                return Err("`re` takes no position or encoding modifiers".into());
            }
            patterns.push(regex_pattern(s.text, has(Mod::I), has(Mod::M), has(Mod::S))?);
        } else if has(Mod::Cidr) {
            if position != Position::Equal || string_mods {
                return Err("`cidr` takes no position or encoding modifiers".into());
            }
            patterns.push(cidr(s.text)?);
        } else if let Some(op) = compare_op(&list).or(time_part(&list).map(|_| CompareOp::Eq)) {
            if position != Position::Equal || string_mods {
                return Err("numeric and time modifiers take no position or encoding modifiers".into());
            }
            let value = number(s.text).ok_or_else(|| format!("`{}` is not a number", s.text))?;
            patterns.push(Pattern::Compare { part: time_part(&list), op, value });
        } else if has(Mod::FieldRef) {
            if string_mods {
                return Err("`fieldref` takes no encoding modifiers".into());
            }
            patterns.push(Pattern::FieldRef { field: s.text.to_string(), position, cased: has(Mod::Cased) });
        } else if s.ty == ScalarType::Int
            && position == Position::Equal
            && !string_mods
            && let Some(n) = number(s.text)
        {
            patterns.push(Pattern::Number(n));
        } else {
            for pieces in text_variants(s.text, &list, position, placeholders)? {
                patterns.push(Pattern::Text { pieces, cased: has(Mod::Cased) });
            }
        }
        if patterns.len() > MAX_PATTERNS {
            return Err(format!("the values expand to more than {MAX_PATTERNS} patterns"));
        }
    }
    Ok(FieldTest::Values(ValueTest { all: has(Mod::All), negate: has(Mod::Neq), patterns }))
}

/// The values of a keyword search (a list of values, or `'|all': [...]`).
pub fn keyword_test(mods: &[&str], value: &Tree, placeholders: &Placeholders) -> Result<ValueTest, String> {
    let mut with_contains = mods.to_vec();
    if !mods.iter().any(|m| matches!(*m, "re" | "contains" | "startswith" | "endswith" | "cidr")) {
        with_contains.push("contains");
    }
    match field_test(&with_contains, value, placeholders)? {
        FieldTest::Values(mut v) => {
            for p in &mut v.patterns {
                if let Pattern::Number(n) = p {
                    *p = Pattern::Text {
                        pieces: vec![Piece::Many, Piece::Lit(n.to_string()), Piece::Many],
                        cased: false,
                    };
                }
            }
            Ok(v)
        }
        _ => Err("keywords must be values".into()),
    }
}

fn compare_op(list: &[Mod]) -> Option<CompareOp> {
    list.iter().find_map(|m| match m {
        Mod::Lt => Some(CompareOp::Lt),
        Mod::Lte => Some(CompareOp::Le),
        Mod::Gt => Some(CompareOp::Gt),
        Mod::Gte => Some(CompareOp::Ge),
        _ => None,
    })
}

fn time_part(list: &[Mod]) -> Option<TimePart> {
    list.iter().find_map(|m| match m {
        Mod::Part(p) => Some(*p),
        _ => None,
    })
}

/// A number as Sigma writes it: an integer (decimal) or a real.
pub fn number(text: &str) -> Option<Number> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Number::Int(i));
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Number::Real)
}

/// The compiled size a rule's regular expression may have: the query
/// engine's limit (`kql_engine`'s `REGEX_SIZE_LIMIT`), so what loads here
/// also binds there.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

fn regex_pattern(text: &str, insensitive: bool, multiline: bool, dotall: bool) -> Result<Pattern, String> {
    regex::RegexBuilder::new(text)
        .case_insensitive(insensitive)
        .multi_line(multiline)
        .dot_matches_new_line(dotall)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("regular expression not supported: {}", one_line(&e.to_string())))?;
    Ok(Pattern::Regex { pattern: text.to_string(), insensitive, multiline, dotall })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cidr(text: &str) -> Result<Pattern, String> {
    let t = text.trim();
    let (addr, prefix) = match t.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (t, None),
    };
    let ip: std::net::IpAddr = addr.parse().map_err(|_| format!("`{t}` is not an IPv4 or IPv6 network"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{t}`: bad prefix length"))?,
        None => max,
    };
    let network = match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        // Eight hex groups, never a dotted IPv4 tail (`::ffff:0.0.0.0`), after
        // which KQL's IPv6 functions would read the prefix as an IPv4 one.
        std::net::IpAddr::V6(v6) => v6.segments().iter().map(|g| format!("{g:x}")).collect::<Vec<_>>().join(":"),
    };
    Ok(Pattern::Cidr { network, prefix, v6: ip.is_ipv6() })
}

/// Splits a Sigma string into pieces: `*` and `?` are wildcards, `\`
/// escapes a wildcard or a backslash, and a lone `\` is itself.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if matches!(n, '*' | '?' | '\\') => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Piece::Many } else { Piece::One });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

/// Merges neighbouring literals and runs of `*`.
pub fn normalize(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
            (Some(Piece::Many), Piece::Many) => {}
            (_, Piece::Lit(b)) if b.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    out
}

/// The text patterns of one string value after `expand`, the encodings,
/// `windash` and the position.
fn text_variants(
    text: &str,
    list: &[Mod],
    position: Position,
    placeholders: &Placeholders,
) -> Result<Vec<Vec<Piece>>, String> {
    let mut values: Vec<Vec<Piece>> = if list.contains(&Mod::Expand) {
        expand(text, placeholders)?.iter().map(|v| pieces(v)).collect()
    } else {
        vec![pieces(text)]
    };
    // Bytes after a UTF-16 modifier, until base64 turns them into text.
    let mut bytes: Option<Vec<Vec<u8>>> = None;
    for m in list {
        match m {
            Mod::Windash => {
                if bytes.is_some() {
                    return Err("`windash` must come before the encoding modifiers".into());
                }
                values = windash(values)?;
            }
            Mod::Utf16Le | Mod::Utf16Be | Mod::Utf16 => {
                if bytes.is_some() {
                    return Err("only one UTF-16 modifier may be given".into());
                }
                let mut out = Vec::new();
                for v in &values {
                    let s = plain(v, "UTF-16")?;
                    let mut b = Vec::new();
                    if *m == Mod::Utf16 {
                        b.extend_from_slice(&[0xFF, 0xFE]);
                    }
                    for u in s.encode_utf16() {
                        let pair = if *m == Mod::Utf16Be { u.to_be_bytes() } else { u.to_le_bytes() };
                        b.extend_from_slice(&pair);
                    }
                    out.push(b);
                }
                bytes = Some(out);
            }
            Mod::Base64 | Mod::Base64Offset => {
                let raw: Vec<Vec<u8>> = match bytes.take() {
                    Some(b) => b,
                    None => {
                        values.iter().map(|v| plain(v, "base64").map(|s| s.into_bytes())).collect::<Result<_, _>>()?
                    }
                };
                values = Vec::new();
                for b in raw {
                    if *m == Mod::Base64 {
                        values.push(vec![Piece::Lit(base64::engine::general_purpose::STANDARD.encode(&b))]);
                    } else {
                        for v in base64_offsets(&b) {
                            values.push(vec![Piece::Lit(v)]);
                        }
                    }
                }
            }
            _ => {}
        }
        if values.len() > MAX_VARIANTS {
            return Err(format!("the value expands to more than {MAX_VARIANTS} patterns"));
        }
    }
    if bytes.is_some() {
        return Err("a UTF-16 modifier must be followed by `base64` or `base64offset`".into());
    }
    Ok(values
        .into_iter()
        .map(|v| {
            let mut p = Vec::with_capacity(v.len() + 2);
            if matches!(position, Position::Anywhere | Position::End) {
                p.push(Piece::Many);
            }
            p.extend(v);
            if matches!(position, Position::Anywhere | Position::Start) {
                p.push(Piece::Many);
            }
            normalize(p)
        })
        .collect())
}

/// The text of pieces that hold no wildcard, for the encodings.
fn plain(pieces: &[Piece], what: &str) -> Result<String, String> {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Lit(l) => s.push_str(l),
            _ => return Err(format!("{what} of a value with wildcards cannot be matched")),
        }
    }
    Ok(s)
}

/// The three base64 forms of `b` at offsets 0, 1 and 2 in a longer
/// encoded text, without the characters that depend on its neighbours.
fn base64_offsets(b: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut padded = vec![b' '; shift];
        padded.extend_from_slice(b);
        let enc = base64::engine::general_purpose::STANDARD.encode(&padded);
        let trim_end = END[(b.len() + shift) % 3];
        let end = enc.len().saturating_sub(trim_end);
        let text = enc.get(START[shift]..end).unwrap_or("").to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// The dash-like characters `windash` interchanges.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `windash`: each `-` or `/` that starts a command-line flag (at the start
/// or after a character that is not a word character, and before a word
/// character, as pySigma's reference implementation places it) becomes
/// each of the five dashes; a dash inside a word or a path is kept.
fn windash(values: Vec<Vec<Piece>>) -> Result<Vec<Vec<Piece>>, String> {
    let mut out = Vec::new();
    for v in values {
        // Each literal character that is a flag's dash is a choice point.
        let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in v {
            match p {
                Piece::Lit(l) => {
                    let chars: Vec<char> = l.chars().collect();
                    for (i, &c) in chars.iter().enumerate() {
                        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
                        let next = chars.get(i + 1).copied();
                        let flag = matches!(c, '-' | '/') && !prev.is_some_and(is_word) && next.is_some_and(is_word);
                        let choices: &[char] = if flag { &DASHES } else { std::slice::from_ref(&c) };
                        if variants.len().saturating_mul(choices.len()) > MAX_VARIANTS {
                            return Err(format!("`windash` makes more than {MAX_VARIANTS} variants"));
                        }
                        let mut next = Vec::with_capacity(variants.len() * choices.len());
                        for var in &variants {
                            for ch in choices {
                                let mut nv = var.clone();
                                nv.push(Piece::Lit(ch.to_string()));
                                next.push(nv);
                            }
                        }
                        variants = next;
                    }
                }
                other => {
                    for var in &mut variants {
                        var.push(other.clone());
                    }
                }
            }
        }
        out.extend(variants.into_iter().map(normalize));
        if out.len() > MAX_VARIANTS {
            return Err(format!("`windash` makes more than {MAX_VARIANTS} variants"));
        }
    }
    Ok(out)
}

/// `%name%` placeholders replaced by each of their values (every
/// combination); `\%` is a plain `%`. An unknown placeholder rejects the
/// value, as the rules specification requires.
fn expand(text: &str, placeholders: &Placeholders) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let mut chars = text.chars().peekable();
    let mut lit = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                lit.push('%');
                chars.next();
            }
            '%' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '%' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err(format!("placeholder `%{name}` is not closed with `%`"));
                }
                let values = placeholders.get(&name).ok_or_else(|| {
                    format!("placeholder `%{name}%` has no values (give them in the placeholders file)")
                })?;
                if values.is_empty() {
                    return Err(format!("placeholder `%{name}%` has an empty list of values"));
                }
                let mut next = Vec::new();
                for r in &results {
                    for v in values {
                        next.push(format!("{r}{lit}{v}"));
                        if next.len() > MAX_VARIANTS {
                            return Err(format!("placeholders expand to more than {MAX_VARIANTS} values"));
                        }
                    }
                }
                lit.clear();
                results = next;
            }
            c => lit.push(c),
        }
    }
    Ok(results.into_iter().map(|r| r + &lit).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_specification() {
        // rules specification, "Escape Character".
        assert_eq!(pieces(r"a\*b"), vec![Piece::Lit("a*b".into())]);
        assert_eq!(pieces(r"a\\*"), vec![Piece::Lit(r"a\".into()), Piece::Many]);
        assert_eq!(pieces(r"a\\\*"), vec![Piece::Lit(r"a\*".into())]);
        assert_eq!(pieces(r"c:\windows"), vec![Piece::Lit(r"c:\windows".into())]);
        assert_eq!(pieces(r"\\\\"), vec![Piece::Lit(r"\\".into())]);
        assert_eq!(pieces("a?c"), vec![Piece::Lit("a".into()), Piece::One, Piece::Lit("c".into())]);
    }

    #[test]
    fn base64offset_gives_the_three_shifts() {
        // The modifiers appendix: "three variants for shifts by zero to two bytes".
        let v = base64_offsets(b"/bin/sh");
        assert_eq!(v, vec!["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"]);
    }

    #[test]
    fn unresolved_placeholders_reject_the_value() {
        let ph = Placeholders { values: vec![("admins".into(), vec!["root".into(), "adm".into()])] };
        assert_eq!(expand("u=%admins%!", &ph).unwrap(), vec!["u=root!", "u=adm!"]);
        assert_eq!(expand(r"\%plain%admins%", &ph).unwrap(), vec!["%plainroot", "%plainadm"]);
        assert!(expand("%nobody%", &ph).unwrap_err().contains("no values"));
    }
}
