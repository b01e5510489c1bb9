//! A strict, conservative JSON scanner for the few fixed record shapes
//! that are read by hand on a reader's fast path.
//!
//! It reads strings, plain whole numbers, the literals, and objects and
//! arrays through callbacks, and passes over any value checked against
//! the JSON grammar. Anything it is not sure serde_json would read the
//! same way (a number that is not a plain whole number where one is
//! wanted, a `\u` surrogate escape, a control character in a string,
//! nesting past the caller's budget) makes it answer `None`, and the reader
//! then reads the record with serde_json as before. So the fast path can
//! only decline, never read a record differently.
//!
//! Positions are byte offsets into the text; every slice is taken with
//! `str::get`, so a position that is not a character boundary is a
//! `None`, not a panic.

use std::borrow::Cow;

/// A cursor over one JSON text.
pub struct Scan<'t> {
    text: &'t str,
    pos: usize,
    /// Whitespace bytes skipped between tokens so far.
    spaces: usize,
}

impl<'t> Scan<'t> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'t str) -> Scan<'t> {
        Scan { text, pos: 0, spaces: 0 }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    #[inline]
    pub fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
            self.spaces += 1;
        }
    }

    /// How many whitespace bytes were skipped between tokens so far: when
    /// it is the same before and after a value, the value's text has no
    /// whitespace outside its strings (it is compact as it stands).
    #[inline]
    pub fn spaces(&self) -> usize {
        self.spaces
    }

    /// After whitespace, the byte `b`, consumed.
    #[inline]
    pub fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// After whitespace, whether the next byte is `b` (not consumed).
    #[inline]
    pub fn at(&mut self, b: u8) -> bool {
        self.ws();
        self.peek() == Some(b)
    }

    /// Whether only whitespace is left.
    #[inline]
    pub fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.text.len()
    }

    /// After whitespace, the next byte, not consumed.
    #[inline]
    pub fn lookahead(&mut self) -> Option<u8> {
        self.ws();
        self.peek()
    }

    /// The position reached: a byte offset into the text.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The text from `start` (an earlier [`Scan::pos`]) to the position
    /// reached; `None` if `start` is not a character boundary before it.
    #[inline]
    pub fn since(&self, start: usize) -> Option<&'t str> {
        self.text.get(start..self.pos)
    }

    /// After whitespace, the literal `true` or `false`.
    #[inline]
    pub fn boolean(&mut self) -> Option<bool> {
        self.ws();
        let rest = self.text.as_bytes().get(self.pos..)?;
        let (v, len) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        self.pos += len;
        Some(v)
    }

    /// After whitespace, the literal `null`.
    #[inline]
    pub fn null(&mut self) -> Option<()> {
        self.ws();
        let rest = self.text.as_bytes().get(self.pos..)?;
        rest.starts_with(b"null").then(|| self.pos += 4)
    }

    /// After whitespace, a whole number written plainly (`-?[0-9]+`, no
    /// leading zero, at most 18 digits, so it fits an `i64`); anything
    /// else, a fraction or an exponent included, is `None`.
    pub fn int(&mut self) -> Option<i64> {
        self.ws();
        let bytes = self.text.as_bytes();
        let negative = self.peek() == Some(b'-');
        let start = self.pos + usize::from(negative);
        let (mut n, mut end) = (0i64, start);
        while let Some(d) = bytes.get(end).and_then(|b| b.checked_sub(b'0')).filter(|d| *d <= 9) {
            // 18 digits at most: `n` stays below 10^18, far from overflow.
            if end - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(d);
            end += 1;
        }
        let leading_zero = bytes.get(start) == Some(&b'0') && (end - start > 1 || negative);
        if end == start || leading_zero || matches!(bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.pos = end;
        Some(if negative { -n } else { n })
    }

    /// After whitespace, an object: `member` is called with each key, the
    /// scan at its value, which it must read. With `plain_keys`, a key
    /// with an escape is `None`; else keys are decoded.
    pub fn object(
        &mut self,
        plain_keys: bool,
        mut member: impl FnMut(&mut Scan<'t>, Cow<'t, str>) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if !self.at(b'}') {
            loop {
                let key = if plain_keys { Cow::Borrowed(self.plain_string()?) } else { self.text()? };
                self.eat(b':')?;
                member(self, key)?;
                if self.eat(b',').is_none() {
                    break;
                }
            }
        }
        self.eat(b'}')
    }

    /// After whitespace, an array: `element` is called with the scan at
    /// each element, which it must read.
    pub fn array(&mut self, mut element: impl FnMut(&mut Scan<'t>) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if !self.at(b']') {
            loop {
                element(self)?;
                if self.eat(b',').is_none() {
                    break;
                }
            }
        }
        self.eat(b']')
    }

    /// After whitespace, any JSON value, checked and passed over; arrays
    /// and objects nested deeper than `depth` are `None`.
    pub fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.lookahead()? {
            b'"' => {
                let mut scratch = String::new();
                self.decode(&mut scratch).map(drop)
            }
            b'{' => {
                let depth = depth.checked_sub(1)?;
                self.object(false, |s, _| s.skip_value(depth))
            }
            b'[' => {
                let depth = depth.checked_sub(1)?;
                self.array(|s| s.skip_value(depth))
            }
            b't' | b'f' => self.boolean().map(drop),
            b'n' => self.null(),
            _ => self.skip_number(),
        }
    }

    /// A JSON number, checked against the grammar and passed over.
    fn skip_number(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let digits = |i: usize| bytes.get(i..).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
        let mut i = self.pos;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match digits(i) {
            0 => return None,
            n if n > 1 && bytes.get(i) == Some(&b'0') => return None,
            n => i += n,
        }
        if bytes.get(i) == Some(&b'.') {
            let n = digits(i + 1);
            if n == 0 {
                return None;
            }
            i += 1 + n;
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            let n = digits(i);
            if n == 0 {
                return None;
            }
            i += n;
        }
        self.pos = i;
        Some(())
    }

    /// After whitespace, the string `"key"` written as it stands: consumed,
    /// and its text returned borrowed; else `None`, nothing consumed.
    /// `key` holds no byte a JSON string must escape (see [`needs_escape`]),
    /// so a match is that string, read by a compare instead of a scan.
    #[inline]
    pub fn exact_key(&mut self, key: &str) -> Option<&'t str> {
        debug_assert!(!needs_escape(key), "{key:?} is not plain");
        self.ws();
        let rest = self.text.as_bytes().get(self.pos..)?;
        let n = key.len();
        if rest.first() != Some(&b'"') || rest.get(1..=n) != Some(key.as_bytes()) || rest.get(n + 1) != Some(&b'"') {
            return None;
        }
        let text = self.text.get(self.pos + 1..self.pos + 1 + n)?;
        self.pos += n + 2;
        Some(text)
    }

    /// After whitespace, a string with no escapes, borrowed (an object's
    /// key); a key with an escape is `None`.
    #[inline]
    pub fn plain_string(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = next_to_escape(self.text.as_bytes(), start);
        if self.text.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// After whitespace, a string: borrowed when it has no escapes, else
    /// decoded into `buf` (cleared first), whose text is then returned.
    #[inline]
    pub fn string<'b>(&mut self, buf: &'b mut String) -> Option<Cow<'b, str>>
    where
        't: 'b,
    {
        Some(match self.decode(buf)? {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Borrowed(buf.as_str()),
        })
    }

    /// After whitespace, a string: borrowed when it has no escapes, else
    /// decoded into a new `String`.
    #[inline(always)]
    pub fn text(&mut self) -> Option<Cow<'t, str>> {
        let mut buf = String::new();
        Some(match self.decode(&mut buf)? {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(buf),
        })
    }

    /// After whitespace, a string: `Some(text)` when it has no escapes;
    /// `None` when it had some and was decoded into `buf` (cleared first).
    /// Most strings have none: that case is found here, inline; the rest
    /// is decoded by [`Scan::decode_escaped`].
    #[inline(always)]
    fn decode(&mut self, buf: &mut String) -> Option<Option<&'t str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = next_to_escape(self.text.as_bytes(), start);
        if self.text.as_bytes().get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.text.get(start..end).map(Some);
        }
        self.decode_escaped(start, end, buf).map(|()| None)
    }

    /// The rest of a string that starts at `start` and whose first byte
    /// that is not plain text is at `i`, decoded into `buf`.
    #[inline(never)]
    fn decode_escaped(&mut self, start: usize, mut i: usize, buf: &mut String) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut run = start;
        buf.clear();
        loop {
            match *bytes.get(i)? {
                b'"' => break,
                b'\\' => {
                    buf.push_str(self.text.get(run..i)?);
                    let (c, len) = escape(bytes.get(i + 1..)?)?;
                    buf.push(c);
                    i += 1 + len;
                    run = i;
                }
                _ => return None,
            }
            i = next_to_escape(bytes, i);
        }
        self.pos = i + 1;
        buf.push_str(self.text.get(run..i)?);
        Some(())
    }
}

/// Whether `text` has a byte a JSON string cannot hold as it is: a quote,
/// a backslash or a control character.
pub fn needs_escape(text: &str) -> bool {
    next_to_escape(text.as_bytes(), 0) < text.len()
}

/// The position of the first byte at or after `from` that a JSON string
/// cannot hold as it is: a quote, a backslash or a control character;
/// `b.len()` when there is none. Eight bytes are tested at a time; the
/// lowest flagged byte of a word is exact (a borrow only carries upward,
/// past it).
#[inline(always)]
pub(crate) fn next_to_escape(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let hit = to_escape(u64::from_le_bytes(*chunk));
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    next_to_escape_in_tail(b, i)
}

/// The top bit of each byte of `x` (little-endian) that a JSON string must
/// escape, and maybe of bytes above the lowest such one.
#[inline(always)]
fn to_escape(x: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const TOPS: u64 = ONES << 7;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & TOPS;
    (x.wrapping_sub(ONES * 0x20) & !x & TOPS)
        | zero_in(x ^ (ONES * u64::from(b'"')))
        | zero_in(x ^ (ONES * u64::from(b'\\')))
}

/// [`next_to_escape`] over the last bytes, fewer than a word, tested as
/// one word: the last word of `b` with the bytes before `from` shifted
/// out, or for a text shorter than a word its bytes gathered in a
/// register; plain bytes fill the rest. Out of line, as it is met once a
/// text at most.
#[inline(never)]
fn next_to_escape_in_tail(b: &[u8], from: usize) -> usize {
    const PLAIN: u64 = u64::from_ne_bytes([b'a'; 8]);
    let rest = b.get(from..).unwrap_or_default();
    let n = rest.len();
    if n == 0 {
        return b.len();
    }
    if n >= 8 {
        // Not met from `next_to_escape`; right all the same.
        return rest.iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\').map_or(b.len(), |at| from + at);
    }
    let last = b.len().checked_sub(8).and_then(|at| b.get(at..)).and_then(|r| r.first_chunk::<8>());
    let word = match last {
        // `n` is 1 to 7: both shifts are less than 64.
        Some(last) => (u64::from_le_bytes(*last) >> (8 * (8 - n))) | (PLAIN << (8 * n)),
        None => rest.iter().rev().fold(PLAIN, |w, &c| (w << 8) | u64::from(c)),
    };
    let hit = to_escape(word);
    // The filling is never flagged, so a hit is within `rest`.
    if hit == 0 { b.len() } else { from + (hit.trailing_zeros() / 8) as usize }
}

/// The character an escape stands for, and the bytes it takes after its
/// backslash. A `\u` escape of a UTF-16 surrogate is `None` (serde_json
/// pairs them or refuses a lone one; the fast path leaves both to it).
fn escape(after: &[u8]) -> Option<(char, usize)> {
    let c = match *after.first()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = std::str::from_utf8(after.get(1..5)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(hex, 16).ok()?;
            return Some((char::from_u32(code)?, 5));
        }
        _ => return None,
    };
    Some((c, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json reads `json` (a string literal) as, if anything.
    fn serde(json: &str) -> Option<String> {
        serde_json::from_str::<String>(json).ok()
    }

    fn ours(json: &str) -> Option<String> {
        let mut buf = String::from("left over");
        let mut s = Scan::new(json);
        let v = s.string(&mut buf)?.into_owned();
        s.at_end().then_some(v)
    }

    #[test]
    fn strings_read_as_serde_json_reads_them_or_not_at_all() {
        let cases = [
            r#""""#,
            r#""plain""#,
            r#""a\"b\\c\/d\n\t\r\b\f""#,
            r#""{\"kind\":\"Event\",\"x\":\"\\\"q\\\"\"}""#,
            r#""\u00e9\u0041\u20AC""#,
            r#""é ü 日本""#,
            r#""\ud83d\ude00""#,
            r#""\ud83d""#,
            r#""\x""#,
            r#""\u12""#,
            r#""\u12G4""#,
            "\"tab\there\"",
            "\"nl\nhere\"",
            r#""unterminated"#,
            r#""trailing\"#,
            r#""ok" "#,
            r#""ok" x"#,
        ];
        for json in cases {
            match (ours(json), serde(json)) {
                (Some(a), Some(b)) => assert_eq!(a, b, "{json}"),
                (Some(a), None) => panic!("{json}: read as {a:?}, serde_json refuses it"),
                (None, _) => {}
            }
        }
        assert_eq!(ours(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(ours(r#""\u00e9""#).as_deref(), Some("é"));
        assert_eq!(ours(r#""\ud83d\ude00""#), None, "surrogates are left to serde_json");
        assert_eq!(ours("\"tab\there\""), None);
    }

    #[test]
    fn the_word_scan_finds_what_a_byte_scan_finds() {
        let naive = |b: &[u8], from: usize| {
            b[from..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map_or(b.len(), |p| p + from)
        };
        // Every special byte at every place of words of every alignment,
        // among bytes just around the special ones and non-ASCII bytes.
        let fillers = [b'a', 0x21, 0x1f + 2, b'[', b']', 0x7f, 0x80, 0xff, 0xe9];
        for len in 0..48 {
            for at in 0..=len {
                for special_byte in [b'"', b'\\', 0x00, 0x1f, 0x0a] {
                    for filler in fillers {
                        let mut v = vec![filler; len];
                        if at < len {
                            v[at] = special_byte;
                        }
                        for from in 0..=len {
                            assert_eq!(next_to_escape(&v, from), naive(&v, from), "{v:?} from {from}");
                        }
                    }
                }
            }
        }
        assert_eq!(next_to_escape(b"ab", 3), 2);
    }

    #[test]
    fn values_are_passed_over_where_serde_json_accepts_them() {
        let cases = [
            "0",
            "-1",
            "12.5",
            "1e9",
            "-0.5E-3",
            "1E+2",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "true",
            "false",
            "null",
            "nul",
            "tru",
            r#""s\"q""#,
            "[]",
            "[1,[2,{}]]",
            "[1,]",
            "[,1]",
            r#"{"a":[{"b":null}]}"#,
            r#"{"a":1,}"#,
            r#"{"a"}"#,
            r#"{1:2}"#,
            "{}",
            "[",
            "]",
            "",
        ];
        for json in cases {
            let mut s = Scan::new(json);
            let ours = s.skip_value(128).is_some() && s.at_end();
            let theirs = serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok();
            assert!(!ours || theirs, "{json}: passed over, serde_json refuses it");
            assert_eq!(ours, theirs, "{json}");
        }
        let deep = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(Scan::new(&deep).skip_value(49).is_none(), "deeper than the budget");
        assert!(Scan::new(&deep).skip_value(50).is_some());
    }

    #[test]
    fn plain_whole_numbers_read_as_serde_json_reads_them() {
        for json in ["0", "7", "-7", "123456789012345678", "-123456789012345678"] {
            assert_eq!(Scan::new(json).int(), serde_json::from_str::<i64>(json).ok(), "{json}");
        }
        for json in ["-0", "01", "1.0", "1e3", "1234567890123456789", "x", "-", "\"7\""] {
            assert_eq!(Scan::new(json).int(), None, "{json}");
        }
    }

    #[test]
    fn an_exact_key_matches_only_that_string_as_written() {
        let mut s = Scan::new(r#" "FileName" :"FileNames""File\u004eame""#);
        assert_eq!(s.exact_key("FileName"), Some("FileName"));
        assert!(s.eat(b':').is_some());
        assert_eq!(s.exact_key("FileName"), None, "a longer name");
        assert_eq!(s.text().as_deref(), Some("FileNames"));
        assert_eq!(s.exact_key("FileName"), None, "written with an escape: left to the decoding read");
        assert_eq!(s.text().as_deref(), Some("FileName"));
        assert_eq!(Scan::new(r#""é""#).exact_key("é"), Some("é"));
        assert_eq!(Scan::new(r#""ab"#).exact_key("ab"), None);
        assert!(needs_escape("a\"b") && needs_escape("a\\b") && needs_escape("a\tb") && !needs_escape("日本 x"));
    }

    #[test]
    fn keys_with_escapes_are_declined() {
        assert_eq!(Scan::new(r#" "key" "#).plain_string(), Some("key"));
        assert_eq!(Scan::new(r#""k\"ey""#).plain_string(), None);
        assert_eq!(Scan::new(r#""open"#).plain_string(), None);
    }
}
