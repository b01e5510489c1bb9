//! One line of `audit.log`: its header (`node=`, `type=`,
//! `msg=audit(SECONDS.MILLIS:SERIAL):`) and its `key=value` fields, and
//! how a value is decoded.
//!
//! Everything here borrows from the line; nothing allocates unless a
//! hex-encoded value has to be decoded.
//!
//! The kernel writes a string that a process could have chosen (a path,
//! `comm`, `exe`, an `execve` argument, the proctitle, the rule key)
//! quoted (`name="/etc/passwd"`) when it holds only printable ASCII other
//! than `"` and space, and otherwise as the hex of its bytes with no quotes
//! (`name=2F746D702F612062`). `(null)` and `(none)` stand for no value.
//! With `log_format=ENRICHED`, auditd appends a 0x1D byte and then its
//! translations in the same `key=value` form, keys in capitals
//! (`UID="root" SYSCALL=execve`); a `SADDR={ ... }` value is braced.

use std::borrow::Cow;

/// The separator auditd writes before the enriched fields.
pub const ENRICHED: u8 = 0x1d;

/// The record types the tables are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SYSCALL`: the system call and the process that made it.
    Syscall,
    /// `EXECVE`: the arguments of an `execve`.
    Execve,
    /// `CWD`: the working directory.
    Cwd,
    /// `PATH`: one path the system call used.
    Path,
    /// `SOCKADDR`: the socket address the system call used.
    Sockaddr,
    /// `PROCTITLE`: the command line of the process.
    Proctitle,
    /// `EOE`: the end of a multi-record event.
    Eoe,
    /// Any other type.
    Other,
}

impl Kind {
    /// The kind of a `type=` name.
    pub fn of(name: &[u8]) -> Kind {
        match name {
            b"SYSCALL" => Kind::Syscall,
            b"EXECVE" => Kind::Execve,
            b"CWD" => Kind::Cwd,
            b"PATH" => Kind::Path,
            b"SOCKADDR" => Kind::Sockaddr,
            b"PROCTITLE" => Kind::Proctitle,
            b"EOE" => Kind::Eoe,
            _ => Kind::Other,
        }
    }
}

/// What identifies an event on one node: its time and serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventId {
    /// Whole seconds since the epoch.
    pub secs: u64,
    /// The fraction of the second, in nanoseconds (auditd writes
    /// milliseconds).
    pub nanos: u32,
    /// The serial number.
    pub serial: u64,
}

impl EventId {
    /// The time in nanoseconds since the epoch (saturating).
    pub fn time_ns(&self) -> i64 {
        i64::try_from(self.secs)
            .ok()
            .and_then(|s| s.checked_mul(1_000_000_000))
            .map_or(i64::MAX, |s| s.saturating_add(i64::from(self.nanos)))
    }
}

impl std::fmt::Display for EventId {
    /// `SECONDS.MILLIS:SERIAL`, as auditd writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}:{}", self.secs, self.nanos / 1_000_000, self.serial)
    }
}

/// The header of a record line.
#[derive(Debug, Clone, Copy)]
pub struct Header<'l> {
    /// The `node=` name, if the line has one.
    pub node: Option<&'l [u8]>,
    /// The `type=` name.
    pub type_name: &'l [u8],
    /// Its kind.
    pub kind: Kind,
    /// The event the record belongs to.
    pub id: EventId,
    /// Where the fields start in the line.
    pub body: usize,
}

/// Reads the header of `line`.
pub fn header(line: &[u8]) -> Result<Header<'_>, &'static str> {
    let mut at = 0;
    let mut node = None;
    if let Some(rest) = line.strip_prefix(b"node=") {
        let end = memchr::memchr(b' ', rest).ok_or("a node= with nothing after it")?;
        node = Some(&rest[..end]);
        at = 5 + end;
        at += skip_spaces(&line[at..]);
    }
    let rest = line[at..].strip_prefix(b"type=").ok_or("not an audit record: no type= at the start")?;
    at += 5;
    let end = memchr::memchr(b' ', rest).ok_or("missing msg=audit(...)")?;
    let type_name = &rest[..end];
    at += end;
    at += skip_spaces(&line[at..]);
    let rest = line[at..].strip_prefix(b"msg=audit(").ok_or("missing msg=audit(...)")?;
    at += 10;
    let close = memchr::memchr(b')', rest).ok_or("msg=audit( without its closing )")?;
    let id = event_id(&rest[..close])?;
    at += close + 1;
    // `ausearch` writes " : " after the id, auditd writes ": "; auditd 2.x
    // wrote its own DAEMON_* records with a space alone
    // (`msg=audit(1490239800.477:34) config changed, ...`).
    let spaces = skip_spaces(&line[at..]);
    match line.get(at + spaces) {
        Some(b':') => at += spaces + 1,
        _ if spaces > 0 && type_name.starts_with(b"DAEMON_") => {}
        _ => return Err("msg=audit(...) not followed by ':'"),
    }
    Ok(Header { node, type_name, kind: Kind::of(type_name), id, body: at })
}

fn skip_spaces(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| b == b' ').count()
}

/// `SECONDS.FRACTION:SERIAL`.
fn event_id(s: &[u8]) -> Result<EventId, &'static str> {
    let bad = if s.contains(&b'/') {
        "an interpreted time in msg=audit(...) (ausearch -i output); read the raw log or ausearch --raw"
    } else {
        "msg=audit(...) is not SECONDS.MILLIS:SERIAL"
    };
    let colon = memchr::memchr(b':', s).ok_or(bad)?;
    let (time, serial) = (&s[..colon], &s[colon + 1..]);
    let dot = memchr::memchr(b'.', time).ok_or(bad)?;
    let (secs, frac) = (&time[..dot], &time[dot + 1..]);
    if frac.is_empty() || frac.len() > 9 {
        return Err(bad);
    }
    let mut nanos = u32::try_from(decimal(frac).ok_or(bad)?).map_err(|_| bad)?;
    for _ in frac.len()..9 {
        nanos *= 10;
    }
    Ok(EventId { secs: decimal(secs).ok_or(bad)?, nanos, serial: decimal(serial).ok_or(bad)? })
}

/// An unsigned decimal number of at most 19 digits.
pub fn decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// A signed decimal number.
pub fn signed(s: &[u8]) -> Option<i64> {
    match s.strip_prefix(b"-") {
        Some(d) => decimal(d).and_then(|n| i64::try_from(n).ok()).map(|n| -n),
        None => decimal(s).and_then(|n| i64::try_from(n).ok()),
    }
}

/// An unsigned hexadecimal number (no `0x`), of at most 16 digits.
pub fn hex_number(s: &[u8]) -> Option<u64> {
    let s = s.strip_prefix(b"0x").unwrap_or(s);
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let mut n = 0u64;
    for &b in s {
        n = (n << 4) | u64::from(nibble(b)?);
    }
    Some(n)
}

/// An unsigned octal number (a `mode=`).
pub fn octal(s: &[u8]) -> Option<u64> {
    let s = s.strip_prefix(b"0o").unwrap_or(s);
    if s.is_empty() || s.len() > 21 {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| (b'0'..=b'7').contains(&b).then(|| (n << 3) | u64::from(b - b'0')))
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends the bytes of the hex text `s` to `out`; `false` (and `out`
/// unchanged) when `s` is not hex.
pub fn unhex_into(s: &[u8], out: &mut Vec<u8>) -> bool {
    if !s.len().is_multiple_of(2) {
        return false;
    }
    let start = out.len();
    out.reserve(s.len() / 2);
    for pair in s.chunks_exact(2) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(h), Some(l)) => out.push((h << 4) | l),
            _ => {
                out.truncate(start);
                return false;
            }
        }
    }
    true
}

/// A field's value as it stands in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw<'l> {
    /// `"..."` (or `'...'`, or `{ ... }`): the text between the marks.
    Quoted(&'l [u8]),
    /// Anything else: a number, a word, hex, `(null)`.
    Bare(&'l [u8]),
}

impl<'l> Raw<'l> {
    /// The bytes, quoted or not.
    pub fn bytes(self) -> &'l [u8] {
        match self {
            Raw::Quoted(b) | Raw::Bare(b) => b,
        }
    }

    /// A string the kernel writes quoted or as hex: its bytes, `None` for
    /// `(null)`/`(none)`, or an error when bare text is not hex.
    pub fn string(self) -> Result<Option<Cow<'l, [u8]>>, BadHex> {
        match self {
            Raw::Quoted(b) => Ok(Some(Cow::Borrowed(b))),
            Raw::Bare(b"(null)" | b"(none)") => Ok(None),
            Raw::Bare(b) => {
                let mut out = Vec::new();
                if unhex_into(b, &mut out) { Ok(Some(Cow::Owned(out))) } else { Err(BadHex) }
            }
        }
    }
}

/// A bare value that should have been hex and is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadHex;

/// One `key=value` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'l> {
    /// The key.
    pub key: &'l [u8],
    /// The value.
    pub value: Raw<'l>,
    /// Whether it comes after the 0x1D separator (an auditd translation).
    pub enriched: bool,
}

/// How many bytes [`Fields`] looks at one by one before a vector search
/// takes over: keys and most values are a few bytes long, where a plain
/// loop costs less than setting up `memchr`.
const SHORT: usize = 32;

/// Where `needle` first is in `hay`.
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(SHORT);
    match hay[..head].iter().position(|&b| b == needle) {
        Some(i) => Some(i),
        None => memchr::memchr(needle, &hay[head..]).map(|i| i + head),
    }
}

/// Where the first `=`, space or [`ENRICHED`] is in `hay` (the end of a key).
fn find_key_end(hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(SHORT);
    match hay[..head].iter().position(|&b| matches!(b, b'=' | b' ' | ENRICHED)) {
        Some(i) => Some(i),
        None => memchr::memchr3(b'=', b' ', ENRICHED, &hay[head..]).map(|i| i + head),
    }
}

/// Where the first space or [`ENRICHED`] is in `hay` (the end of a bare value).
fn find_bare_end(hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(SHORT);
    match hay[..head].iter().position(|&b| b == b' ' || b == ENRICHED) {
        Some(i) => Some(i),
        None => memchr::memchr2(b' ', ENRICHED, &hay[head..]).map(|i| i + head),
    }
}

/// The fields of a record body. Words without `=` are passed over (and
/// set [`Fields::stray`]); an unterminated quote ends the fields and sets
/// [`Fields::unterminated`].
pub struct Fields<'l> {
    rest: &'l [u8],
    enriched: bool,
    /// Set when a quoted value has no closing mark.
    pub unterminated: bool,
    /// Set when a word without `=` was passed over.
    pub stray: bool,
}

impl<'l> Fields<'l> {
    /// The fields of `body`.
    pub fn new(body: &'l [u8]) -> Fields<'l> {
        Fields { rest: body, enriched: false, unterminated: false, stray: false }
    }
}

impl<'l> Iterator for Fields<'l> {
    type Item = Field<'l>;

    fn next(&mut self) -> Option<Field<'l>> {
        loop {
            let s = self.rest;
            let mut i = 0;
            while i < s.len() && matches!(s[i], b' ' | ENRICHED) {
                if s[i] == ENRICHED {
                    self.enriched = true;
                }
                i += 1;
            }
            let s = &s[i..];
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            // The key runs to '='; a word without one is passed over.
            let eq = match find_key_end(s) {
                Some(i) if s[i] == b'=' => i,
                Some(i) => {
                    self.stray = true;
                    self.rest = &s[i..];
                    continue;
                }
                None => {
                    self.stray = true;
                    self.rest = &[];
                    return None;
                }
            };
            let key = &s[..eq];
            let v = &s[eq + 1..];
            let close = match v.first() {
                Some(b'"') => Some(b'"'),
                Some(b'\'') => Some(b'\''),
                Some(b'{') => Some(b'}'),
                _ => None,
            };
            let (value, used) = match close {
                Some(c) => match find_byte(c, &v[1..]) {
                    Some(end) => (Raw::Quoted(&v[1..1 + end]), end + 2),
                    None => {
                        self.unterminated = true;
                        self.rest = &[];
                        return None;
                    }
                },
                None => {
                    let end = find_bare_end(v).unwrap_or(v.len());
                    // A copy of an enriched log that lost its 0x1D bytes
                    // reads `key=(null)ARCH=x86_64`: the translations start
                    // right after the `(null)`.
                    if end > 6 && (v.starts_with(b"(null)") || v.starts_with(b"(none)")) {
                        self.rest = &v[6..];
                        self.enriched = true;
                        return Some(Field { key, value: Raw::Bare(&v[..6]), enriched: false });
                    }
                    (Raw::Bare(&v[..end]), end)
                }
            };
            self.rest = &v[used..];
            return Some(Field { key, value, enriched: self.enriched });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_scans_agree_with_memchr_at_every_length_and_position() {
        for len in [0, 1, 5, 31, 32, 33, 64, 200] {
            for at in (0..len).chain([len]) {
                for b in [b'=', b' ', ENRICHED, b'"', b'x'] {
                    let mut hay = vec![b'a'; len];
                    if at < len {
                        hay[at] = b;
                    }
                    assert_eq!(find_byte(b'"', &hay), memchr::memchr(b'"', &hay));
                    assert_eq!(find_key_end(&hay), memchr::memchr3(b'=', b' ', ENRICHED, &hay));
                    assert_eq!(find_bare_end(&hay), memchr::memchr2(b' ', ENRICHED, &hay));
                }
            }
        }
    }

    #[test]
    fn reads_the_header_with_and_without_node() {
        let line = b"node=web-1 type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e";
        let h = header(line).unwrap();
        assert_eq!(h.node, Some(&b"web-1"[..]));
        assert_eq!(h.kind, Kind::Syscall);
        assert_eq!(h.id, EventId { secs: 1_700_000_000, nanos: 123_000_000, serial: 456 });
        assert_eq!(&line[h.body..], b" arch=c000003e");
        assert_eq!(h.id.time_ns(), 1_700_000_000_123_000_000);
        let h = header(b"type=PROCTITLE msg=audit(1364481363.243:24287) : proctitle=6361").unwrap();
        assert_eq!((h.node, h.kind), (None, Kind::Proctitle));
        let line = b"type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 res=success";
        let h = header(line).unwrap();
        assert_eq!(&line[h.body..], b" config changed, auid=0 res=success");
        assert_eq!(
            header(b"type=SYSCALL msg=audit(1.000:2) arch=c000003e").unwrap_err(),
            "msg=audit(...) not followed by ':'"
        );
    }

    #[test]
    fn a_bad_header_says_what_is_wrong() {
        assert_eq!(header(b"hello").unwrap_err(), "not an audit record: no type= at the start");
        assert_eq!(header(b"type=SYSCALL arch=c000003e").unwrap_err(), "missing msg=audit(...)");
        assert_eq!(
            header(b"type=SYSCALL msg=audit(12:34): x").unwrap_err(),
            "msg=audit(...) is not SECONDS.MILLIS:SERIAL"
        );
        assert!(
            header(b"type=EXECVE msg=audit(03/28/2013 14:16:03.243:24287) : argc=2")
                .unwrap_err()
                .contains("ausearch -i")
        );
    }

    #[test]
    fn fields_quoted_bare_braced_and_enriched() {
        let body = b" argc=2 a0=\"ls\" a1=2F746D70 key=(null) msg='op=x res=1'\x1dUID=\"root\" SADDR={ saddr_fam=inet laddr=1.2.3.4 }";
        let f: Vec<Field> = Fields::new(body).collect();
        let kv: Vec<(&[u8], Raw, bool)> = f.iter().map(|f| (f.key, f.value, f.enriched)).collect();
        assert_eq!(
            kv,
            [
                (&b"argc"[..], Raw::Bare(b"2"), false),
                (b"a0", Raw::Quoted(b"ls"), false),
                (b"a1", Raw::Bare(b"2F746D70"), false),
                (b"key", Raw::Bare(b"(null)"), false),
                (b"msg", Raw::Quoted(b"op=x res=1"), false),
                (b"UID", Raw::Quoted(b"root"), true),
                (b"SADDR", Raw::Quoted(b" saddr_fam=inet laddr=1.2.3.4 "), true),
            ]
        );
        assert_eq!(Raw::Bare(b"2F746D70").string().unwrap().unwrap().as_ref(), b"/tmp");
        assert_eq!(Raw::Bare(b"(null)").string(), Ok(None));
        assert_eq!(Raw::Bare(b"2F7").string(), Err(BadHex));
        assert_eq!(Raw::Bare(b"zz").string(), Err(BadHex));
        let glued: Vec<(&[u8], bool)> =
            Fields::new(b" key=(null)ARCH=x86_64 UID=\"root\"").map(|f| (f.value.bytes(), f.enriched)).collect();
        assert_eq!(glued, [(&b"(null)"[..], false), (b"x86_64", true), (b"root", true)], "a lost 0x1D");
        let mut fields = Fields::new(b" a0=\"open");
        assert_eq!(fields.next(), None);
        assert!(fields.unterminated);
    }

    #[test]
    fn numbers() {
        assert_eq!(hex_number(b"c000003e"), Some(0xc000_003e));
        assert_eq!(hex_number(b"0x241"), Some(0x241));
        assert_eq!(octal(b"0100755"), Some(0o100_755));
        assert_eq!(octal(b"0o40755"), Some(0o40755));
        assert_eq!(signed(b"-115"), Some(-115));
        assert_eq!(decimal(b"12a"), None);
        assert_eq!(decimal(b"99999999999999999999"), None);
    }
}
