//! String functions: substring, split, replace, extract, trim, indexof,
//! countof, reverse, encodings, hashes, and parsing of URLs, paths and
//! command lines.

use base64::Engine as _;
use datafusion::arrow::datatypes::DataType;
use serde_json::{Map, Value as J, json};

use super::rowwise::{Ctx, V};

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn arg_long(a: &[V], i: usize) -> Option<i64> {
    a.get(i).and_then(V::long)
}

/// `substring(s, start [, length])`: zero-based, in characters; a
/// negative start counts from the end.
pub fn substring(a: &[V], _: &mut Ctx) -> V {
    let s = chars_of(&a[0].text());
    let n = s.len() as i64;
    let Some(mut start) = arg_long(a, 1) else { return V::Null };
    if start < 0 {
        start = (n + start).max(0);
    }
    let start = start.min(n);
    let len = match a.get(2) {
        Some(v) => match v.long() {
            Some(l) if l >= 0 => l,
            Some(_) => 0,
            None => n,
        },
        None => n,
    };
    let end = start.saturating_add(len).min(n);
    V::Str(s[start as usize..end as usize].iter().collect())
}

/// `split(s, delimiter [, index])`: a dynamic array (of one element with an index).
pub fn split(a: &[V], _: &mut Ctx) -> V {
    let s = a[0].text();
    let d = a[1].text();
    let parts: Vec<J> =
        if d.is_empty() { vec![J::String(s)] } else { s.split(d.as_str()).map(|p| J::String(p.to_string())).collect() };
    match a.get(2) {
        Some(i) => {
            let i = i.long().unwrap_or(-1);
            let picked: Vec<J> =
                if i >= 0 && (i as usize) < parts.len() { vec![parts[i as usize].clone()] } else { vec![] };
            V::Dyn(J::Array(picked))
        }
        None => V::Dyn(J::Array(parts)),
    }
}

/// `replace_string(text, lookup, rewrite)`: every non-overlapping match.
pub fn replace_string(a: &[V], _: &mut Ctx) -> V {
    let (t, l, r) = (a[0].text(), a[1].text(), a[2].text());
    if l.is_empty() {
        return V::Str(t);
    }
    V::Str(t.replace(&l, &r))
}

/// Kusto's `\1` backreferences in the `regex` crate's `${1}` syntax.
fn rewrite_template(r: &str) -> String {
    let mut out = String::new();
    let mut it = r.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' if it.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let mut n = String::new();
                while let Some(d) = it.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    it.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            other => out.push(other),
        }
    }
    out
}

/// `replace_regex(text, regex, rewrite)`.
pub fn replace_regex(a: &[V], ctx: &mut Ctx) -> V {
    let (t, re, r) = (a[0].text(), a[1].text(), a[2].text());
    let Some(re) = ctx.regex(&re) else { return V::Null };
    V::Str(re.replace_all(&t, rewrite_template(&r).as_str()).into_owned())
}

/// `extract(regex, group, text)`: the first match's group, or empty.
pub fn extract(a: &[V], ctx: &mut Ctx) -> V {
    let (re, text) = (a[0].text(), a[2].text());
    let Some(g) = arg_long(a, 1) else { return V::Str(String::new()) };
    let Some(re) = ctx.regex(&re) else { return V::Str(String::new()) };
    let found = re.captures(&text).and_then(|c| c.get(g as usize)).map(|m| m.as_str().to_string());
    V::Str(found.unwrap_or_default())
}

/// `extract_all(regex, [groups,] text)`: every match; one group gives an
/// array of strings, several an array of arrays; no match gives null.
pub fn extract_all(a: &[V], ctx: &mut Ctx) -> V {
    let (re, groups, text) = match a.len() {
        2 => (a[0].text(), None, a[1].text()),
        _ => (a[0].text(), Some(&a[1]), a[2].text()),
    };
    let Some(re) = ctx.regex(&re) else { return V::Null };
    let ngroups = re.captures_len() - 1;
    // Groups are chosen by number or by name.
    let group = |j: &J| match j {
        J::String(name) => re.capture_names().position(|n| n == Some(name.as_str())),
        other => other.as_u64().map(|n| n as usize),
    };
    let wanted: Vec<usize> = match groups {
        Some(V::Dyn(J::Array(items))) => items.iter().filter_map(group).collect(),
        _ if ngroups == 0 => vec![0],
        _ => (1..=ngroups).collect(),
    };
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        let vals: Vec<J> =
            wanted.iter().map(|g| J::String(caps.get(*g).map(|m| m.as_str()).unwrap_or("").to_string())).collect();
        out.push(if vals.len() == 1 { vals.into_iter().next().unwrap_or(J::Null) } else { J::Array(vals) });
    }
    if out.is_empty() { V::Null } else { V::Dyn(J::Array(out)) }
}

fn trim_with(a: &[V], ctx: &mut Ctx, start: bool, end: bool) -> V {
    let (re, text) = (a[0].text(), a[1].text());
    let mut t = text.as_str();
    if start
        && let Some(r) = ctx.regex(&format!("^(?:{re})+"))
        && let Some(m) = r.find(t)
    {
        t = &t[m.end()..];
    }
    if end
        && let Some(r) = ctx.regex(&format!("(?:{re})+$"))
        && let Some(m) = r.find(t)
    {
        t = &t[..m.start()];
    }
    V::Str(t.to_string())
}

/// `trim(regex, text)`: removes leading and trailing matches, repeatedly.
pub fn trim(a: &[V], ctx: &mut Ctx) -> V {
    trim_with(a, ctx, true, true)
}

/// `trim_start(regex, text)`.
pub fn trim_start(a: &[V], ctx: &mut Ctx) -> V {
    trim_with(a, ctx, true, false)
}

/// `trim_end(regex, text)`.
pub fn trim_end(a: &[V], ctx: &mut Ctx) -> V {
    trim_with(a, ctx, false, true)
}

/// `indexof(s, match [, start [, length [, occurrence]]])`: the character
/// index of the n-th occurrence, -1 when absent.
pub fn indexof(a: &[V], _: &mut Ctx) -> V {
    let s = chars_of(&a[0].text());
    let m = chars_of(&a[1].text());
    let n = s.len() as i64;
    let mut start = arg_long(a, 2).unwrap_or(0);
    if start < 0 {
        start = (n + start).max(0);
    }
    let length = arg_long(a, 3).unwrap_or(-1);
    let occurrence = arg_long(a, 4).unwrap_or(1);
    if length < -1 || occurrence < 0 {
        return V::Null;
    }
    if start > n {
        return V::Long(-1);
    }
    // The docs' examples show `length` positions after `start`, both ends included.
    let end = if length == -1 { n } else { start.saturating_add(length).saturating_add(1).min(n) };
    let window = &s[start as usize..end as usize];
    let mut seen = 0;
    if m.is_empty() {
        return V::Long(start);
    }
    for i in 0..window.len() {
        if window[i..].starts_with(&m) {
            seen += 1;
            if seen == occurrence.max(1) {
                return V::Long(start + i as i64);
            }
        }
    }
    V::Long(-1)
}

/// `countof(text, search [, "normal"|"regex"])`: plain matches may overlap.
pub fn countof(a: &[V], ctx: &mut Ctx) -> V {
    let (t, s) = (a[0].text(), a[1].text());
    let regex = a.get(2).is_some_and(|k| k.text() == "regex");
    if regex {
        let Some(re) = ctx.regex(&s) else { return V::Null };
        return V::Long(re.find_iter(&t).count() as i64);
    }
    if s.is_empty() {
        return V::Long(0);
    }
    let count = t.char_indices().filter(|(i, _)| t[*i..].starts_with(s.as_str())).count();
    V::Long(count as i64)
}

/// `reverse(v)`: the characters of `tostring(v)` backwards.
pub fn reverse(a: &[V], _: &mut Ctx) -> V {
    V::Str(a[0].text().chars().rev().collect())
}

/// `strcat_delim(delimiter, a1, a2, ...)`.
pub fn strcat_delim(a: &[V], _: &mut Ctx) -> V {
    let d = a[0].text();
    V::Str(a[1..].iter().map(V::text).collect::<Vec<_>>().join(&d))
}

/// `tohex(n [, min_length])`: lowercase hex, two's complement for negatives
/// (32 bits for an int, 64 for a long); `min_length` pads with zeros, up to 16.
pub fn tohex(a: &[V], ctx: &mut Ctx) -> V {
    let Some(n) = a[0].long() else { return V::Null };
    let hex = match ctx.arg_type(0) {
        Some(DataType::Int32) => format!("{:x}", n as i32),
        _ => format!("{n:x}"),
    };
    let min = arg_long(a, 1).unwrap_or(0).clamp(0, 16) as usize;
    V::Str(format!("{hex:0>min$}"))
}

/// `base64_encode_tostring(s)`.
pub fn base64_encode(a: &[V], _: &mut Ctx) -> V {
    V::Str(base64::engine::general_purpose::STANDARD.encode(a[0].text()))
}

/// `base64_decode_tostring(s)`: empty when not valid base64 or not UTF-8.
pub fn base64_decode(a: &[V], _: &mut Ctx) -> V {
    let t = a[0].text();
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(t.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    V::Str(decoded.unwrap_or_default())
}

/// `url_decode(s)`.
pub fn url_decode(a: &[V], _: &mut Ctx) -> V {
    let t = a[0].text().replace('+', " ");
    V::Str(percent_encoding::percent_decode_str(&t).decode_utf8_lossy().into_owned())
}

/// The `key=value&...` pairs of a URL's query as a bag; Kusto lists them by
/// name.
fn query_params(query: &str) -> Map<String, J> {
    let mut pairs: Vec<(&str, &str)> =
        query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    pairs.sort_by_key(|(k, _)| *k);
    pairs.into_iter().map(|(k, v)| (k.to_string(), J::String(v.to_string()))).collect()
}

/// `parse_urlquery(query)` (parse-url-query-function.md): the query's
/// parameters under "Query Parameters".
pub fn parse_urlquery(a: &[V], _: &mut Ctx) -> V {
    V::Dyn(json!({ "Query Parameters": query_params(&a[0].text()) }))
}

/// `parse_url(url)`: Scheme, Host, Port, Path, Username, Password, Query
/// Parameters and Fragment; an empty bag when it is no URL.
pub fn parse_url(a: &[V], _: &mut Ctx) -> V {
    let url = a[0].text();
    let Some((scheme, rest)) = url.split_once("://") else { return V::Dyn(json!({})) };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => (&hostport[..=i], hostport[i + 1..].trim_start_matches(':')),
            None => (hostport, ""),
        }
    } else {
        hostport.rsplit_once(':').unwrap_or((hostport, ""))
    };
    let params = query_params(query);
    V::Dyn(json!({
        "Scheme": scheme, "Host": host, "Port": port, "Path": path, "Username": user, "Password": password,
        "Query Parameters": params, "Fragment": fragment,
    }))
}

/// `parse_path(path)`: Scheme, RootPath, DirectoryPath, DirectoryName,
/// Filename, Extension, AlternateDataStreamName.
pub fn parse_path(a: &[V], _: &mut Ctx) -> V {
    let full = a[0].text();
    let (scheme, path) = match full.split_once("://") {
        Some((s, p)) if s.chars().all(|c| c.is_ascii_alphanumeric()) && s.len() > 1 => (s.to_string(), p.to_string()),
        _ => (String::new(), full.clone()),
    };
    let sep = |c: char| c == '/' || c == '\\';
    let (dir, file) = match path.rfind(sep) {
        Some(i) => (path[..i].to_string(), path[i + 1..].to_string()),
        None => (String::new(), path.clone()),
    };
    let root = if path.len() >= 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic() {
        path[..2].to_string()
    } else {
        String::new()
    };
    // `file.txt:stream` names an alternate data stream.
    let (file, ads) = match file.split_once(':') {
        Some((f, s)) => (f.to_string(), s.to_string()),
        None => (file, String::new()),
    };
    let ext = match file.rfind('.') {
        Some(i) if i + 1 < file.len() => file[i + 1..].to_string(),
        _ => String::new(),
    };
    let dir_name = dir.rsplit(sep).next().unwrap_or("").to_string();
    V::Dyn(json!({
        "Scheme": scheme, "RootPath": root, "DirectoryPath": dir, "DirectoryName": dir_name,
        "Filename": file, "Extension": ext, "AlternateDataStreamName": ads,
    }))
}

/// `parse_command_line(cmd, "windows")`: the arguments, split the way
/// `CommandLineToArgvW` does. The program name ends at the first blank, or
/// at the closing quote when it starts with one, and has no escapes (so a
/// command line that starts with a blank has an empty program name). Then
/// blanks outside quotes separate arguments, quotes group, and backslashes
/// escape a quote: 2n of them before a quote give n, 2n + 1 give n and a
/// literal quote, and any other run of backslashes is literal.
pub fn parse_command_line(a: &[V], _: &mut Ctx) -> V {
    let cmd = a[0].text();
    let chars: Vec<char> = cmd.chars().collect();
    let blank = |c: char| c == ' ' || c == '\t';
    let mut args: Vec<J> = Vec::new();
    let mut i = 0;
    if chars.is_empty() {
        return V::Dyn(J::Array(args));
    }
    let program: String = if chars[0] == '"' {
        let end = chars[1..].iter().position(|c| *c == '"').map_or(chars.len(), |p| p + 1);
        i = (end + 1).min(chars.len());
        chars[1..end].iter().collect()
    } else {
        while i < chars.len() && !blank(chars[i]) {
            i += 1;
        }
        chars[..i].iter().collect()
    };
    args.push(J::String(program));
    let mut cur = String::new();
    let mut in_arg = false;
    let mut quoted = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let run = chars[i..].iter().take_while(|c| **c == '\\').count();
                i += run;
                if chars.get(i) == Some(&'"') {
                    cur.extend(std::iter::repeat_n('\\', run / 2));
                    if run % 2 == 1 {
                        cur.push('"');
                        i += 1;
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', run));
                }
                in_arg = true;
                continue;
            }
            '"' => {
                quoted = !quoted;
                in_arg = true;
            }
            c if blank(c) && !quoted => {
                if in_arg {
                    args.push(J::String(std::mem::take(&mut cur)));
                    in_arg = false;
                }
            }
            other => {
                cur.push(other);
                in_arg = true;
            }
        }
        i += 1;
    }
    if in_arg {
        args.push(J::String(cur));
    }
    V::Dyn(J::Array(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> V {
        V::Str(x.into())
    }

    fn run(f: fn(&[V], &mut Ctx) -> V, a: &[V]) -> V {
        f(a, &mut Ctx::default())
    }

    #[test]
    fn substring_from_the_docs() {
        assert_eq!(run(substring, &[s("123456"), V::Long(1)]), s("23456"));
        assert_eq!(run(substring, &[s("123456"), V::Long(2), V::Long(2)]), s("34"));
        assert_eq!(run(substring, &[s("ABCD"), V::Long(0), V::Long(2)]), s("AB"));
        assert_eq!(run(substring, &[s("123456"), V::Long(-2), V::Long(2)]), s("56"));
    }

    #[test]
    fn split_extract_trim_from_the_docs() {
        assert_eq!(run(split, &[s("aa_bb"), s("_")]), V::Dyn(json!(["aa", "bb"])));
        assert_eq!(run(split, &[s("aaa_bbb_ccc"), s("_"), V::Long(1)]), V::Dyn(json!(["bbb"])));
        assert_eq!(run(split, &[s("a__b"), s("_")]), V::Dyn(json!(["a", "", "b"])));
        assert_eq!(run(extract, &[s("User: ([^,]+)"), V::Long(1), s("User: David, Age: 35")]), s("David"));
        assert_eq!(run(replace_regex, &[s("Number is 1"), s(r"is (\d+)"), s(r"was: \1")]), s("Number was: 1"));
        assert_eq!(run(trim, &[s("--"), s("--https://bing.com--")]), s("https://bing.com"));
        assert_eq!(run(trim, &[s("1"), s("11")]), s(""));
        assert_eq!(run(trim_end, &[s(".com"), s("bing.com")]), s("bing"));
        assert_eq!(
            run(extract_all, &[s(r"(\d+)"), s("a set of numbers: 123, 567 and 789")]),
            V::Dyn(json!(["123", "567", "789"]))
        );
        assert_eq!(
            run(extract_all, &[s(r"(?P<a>\w)(\w)"), V::Dyn(json!(["a", 2])), s("xy")]),
            V::Dyn(json!([["x", "y"]]))
        );
    }

    #[test]
    fn indexof_and_countof_from_the_docs() {
        let abc = s("abcdefg");
        assert_eq!(run(indexof, &[abc.clone(), s("cde")]), V::Long(2));
        assert_eq!(run(indexof, &[abc.clone(), s("cde"), V::Long(1), V::Long(4)]), V::Long(2));
        assert_eq!(run(indexof, &[abc.clone(), s("cde"), V::Long(1), V::Long(2)]), V::Long(-1));
        assert_eq!(run(indexof, &[abc.clone(), s("cde"), V::Long(-5)]), V::Long(2));
        assert_eq!(run(indexof, &[s("abcdefgabcdefg"), s("cde"), V::Long(1), V::Long(10), V::Long(2)]), V::Long(9));
        assert_eq!(run(countof, &[s("aaaa"), s("aa")]), V::Long(3));
        assert_eq!(run(countof, &[s("ababa"), s("aba"), s("regex")]), V::Long(1));
    }

    #[test]
    fn urls_paths_command_lines() {
        let u = run(parse_url, &[s("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")]);
        let V::Dyn(u) = u else { panic!() };
        assert_eq!(u["Host"], "host");
        assert_eq!(u["Port"], "1234");
        assert_eq!(u["Query Parameters"]["k2"], "v2");
        let V::Dyn(p) = run(parse_path, &[s(r"C:\temp\file.txt")]) else { panic!() };
        assert_eq!(
            (p["RootPath"].as_str(), p["DirectoryName"].as_str(), p["Extension"].as_str()),
            (Some("C:"), Some("temp"), Some("txt"))
        );
        assert_eq!(
            run(parse_command_line, &[s("echo \"hello world!\""), s("windows")]),
            V::Dyn(json!(["echo", "hello world!"]))
        );
        let argv = |cmd: &str| run(parse_command_line, &[s(cmd), s("windows")]);
        assert_eq!(argv(r#""C:\dir\" a"#), V::Dyn(json!(["C:\\dir\\", "a"])));
        assert_eq!(argv(r#" a b\\"c d" "#), V::Dyn(json!(["", "a", "b\\c d"])));
        assert_eq!(argv(""), V::Dyn(json!([])));
    }
}
