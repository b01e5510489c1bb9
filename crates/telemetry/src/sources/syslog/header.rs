//! One syslog message's header: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP
//! PROCID MSGID SD MSG`), RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`),
//! RFC 3164 with an RFC 3339 timestamp (rsyslog's high-precision file
//! format), and both of the latter without `<PRI>`, as rsyslog and
//! syslog-ng write them to files.

use jiff::civil::DateTime;

use crate::batch::parse_datetime;

/// A message's parts. Text borrows from the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<'a> {
    /// `<PRI>`: facility × 8 + severity, when the line has it.
    pub pri: Option<u8>,
    /// When, in nanoseconds since the epoch, UTC.
    pub time: i64,
    /// The host that wrote it.
    pub host: Option<&'a str>,
    /// The program (RFC 3164 `TAG`, RFC 5424 `APP-NAME`).
    pub app: Option<&'a str>,
    /// Its process id.
    pub pid: Option<i64>,
    /// The message text (RFC 5424: `MSG`, without the structured data).
    pub text: &'a str,
}

/// How a timestamp without a year (RFC 3164's `Mmm dd hh:mm:ss`) is placed.
#[derive(Debug, Clone, Copy)]
pub enum Year {
    /// In this year.
    Fixed(i16),
    /// In the year that puts it at most a day after `now` (nanoseconds
    /// since the epoch): this year, or last year for a date past tomorrow
    /// (a December message read in January).
    Latest {
        /// Now.
        now: i64,
    },
}

const DAY: i64 = 86_400 * 1_000_000_000;

/// Whether `line` starts a message (a priority, or a timestamp followed by
/// a host): any other line continues the message before it.
pub fn starts_message(line: &[u8]) -> bool {
    pri(line).is_some() || bsd_time_len(line).is_some() || iso_time_len(line).is_some()
}

/// Whether `line` looks enough like a syslog message to recognise a file by
/// (see [`Syslog::sniff`](super::Syslog)): a priority followed by a
/// version or a timestamp, or a timestamp, a host and a tag ending with
/// `:` (not a CRI container log line, `TIMESTAMP stdout F ...`).
pub fn recognisable(line: &[u8]) -> bool {
    if let Some((_, rest)) = pri(line) {
        return rest.starts_with(b"1 ") || bsd_time_len(rest).is_some() || iso_time_len(rest).is_some();
    }
    let Some(n) = bsd_time_len(line).or_else(|| iso_time_len(line)) else { return false };
    let mut words = line[n..].split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (Some(host), Some(tag)) = (words.next(), words.next()) else { return false };
    !matches!(host, b"stdout" | b"stderr") && tag.ends_with(b":")
}

/// Reads one message.
pub fn parse(line: &str, year: Year) -> Result<Message<'_>, String> {
    let (pri, rest) = match pri(line.as_bytes()) {
        Some((p, _)) => {
            let end = line.find('>').map_or(0, |i| i + 1);
            (Some(p), &line[end..])
        }
        None => (None, line),
    };
    if pri.is_some()
        && let Some(after) = rest.strip_prefix("1 ")
    {
        return rfc5424(pri, after);
    }
    let (time, rest) = if let Some(n) = bsd_time_len(rest.as_bytes()) {
        (bsd_time(&rest[..n], year)?, &rest[n..])
    } else if let Some(n) = iso_time_len(rest.as_bytes()) {
        let text = &rest[..n];
        (parse_datetime(text).ok_or_else(|| format!("\"{text}\" is not a datetime"))?, &rest[n..])
    } else if pri.is_some() {
        return Err("no timestamp after the priority".into());
    } else {
        return Err("not a syslog message (no priority or timestamp)".into());
    };
    let rest = rest.trim_start_matches(' ');
    let (host, rest) = word(rest);
    let (tag, text) = word(rest);
    let (app, pid) = tag_parts(tag);
    Ok(Message { pri, time, host: nonempty(host), app, pid, text })
}

/// RFC 5424 after `<PRI>1 `.
fn rfc5424(pri: Option<u8>, rest: &str) -> Result<Message<'_>, String> {
    let (ts, rest) = word(rest);
    let (host, rest) = word(rest);
    let (app, rest) = word(rest);
    let (procid, rest) = word(rest);
    let (_msgid, rest) = word(rest);
    let time = match ts {
        "-" | "" => return Err("no timestamp (RFC 5424 NILVALUE)".into()),
        t => parse_datetime(t).ok_or_else(|| format!("\"{t}\" is not a datetime"))?,
    };
    let text = skip_structured_data(rest)?;
    let text = text.strip_prefix(' ').unwrap_or(text);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    fn nil(s: &str) -> Option<&str> {
        (s != "-" && !s.is_empty()).then_some(s)
    }
    Ok(Message { pri, time, host: nil(host), app: nil(app), pid: nil(procid).and_then(|p| p.parse().ok()), text })
}

/// What follows RFC 5424's STRUCTURED-DATA: `-`, or `[id k="v" ...]`
/// elements, where `\"`, `\\` and `\]` are escapes inside values.
fn skip_structured_data(s: &str) -> Result<&str, String> {
    if let Some(rest) = s.strip_prefix('-') {
        return Ok(rest);
    }
    let b = s.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut quoted = false;
        i += 1;
        loop {
            match b.get(i) {
                None => return Err("structured data not closed with ]".into()),
                Some(b'\\') if quoted => i += 2,
                Some(b'"') => {
                    quoted = !quoted;
                    i += 1;
                }
                Some(b']') if !quoted => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    if i == 0 {
        return Err("no structured data (neither - nor [...])".into());
    }
    // Every byte skipped was ASCII punctuation or inside the element, which
    // ends at an ASCII `]`: `i` is a character boundary.
    s.get(i.min(s.len())..).ok_or_else(|| "structured data not closed with ]".into())
}

/// `<PRI>` at the start of `line`: its value (at most 191) and the rest.
fn pri(line: &[u8]) -> Option<(u8, &[u8])> {
    let rest = line.strip_prefix(b"<")?;
    let end = rest.iter().take(4).position(|&b| b == b'>')?;
    if end == 0 || !rest[..end].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: u16 = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
    (v <= 191).then(|| (v as u8, &rest[end + 1..]))
}

const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

/// The length of a `Mmm dd hh:mm:ss` timestamp (day padded with a space or
/// a zero) followed by a space at the start of `s`.
fn bsd_time_len(s: &[u8]) -> Option<usize> {
    let t = s.get(..16)?;
    let month = MONTHS.iter().any(|m| &t[..3] == *m);
    let day = (t[4] == b' ' || t[4].is_ascii_digit()) && t[5].is_ascii_digit();
    let clock = t[7..9].iter().chain(&t[10..12]).chain(&t[13..15]).all(u8::is_ascii_digit);
    (month && t[3] == b' ' && day && t[6] == b' ' && clock && t[9] == b':' && t[12] == b':' && t[15] == b' ')
        .then_some(15)
}

/// The length of an RFC 3339 timestamp (`YYYY-MM-DDThh:mm:ss...`) followed
/// by a space at the start of `s`.
fn iso_time_len(s: &[u8]) -> Option<usize> {
    let t = s.get(..19)?;
    let digits = |r: std::ops::Range<usize>| t[r].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4) && t[4] == b'-' && digits(5..7) && t[7] == b'-' && digits(8..10) && t[10] == b'T';
    if !(shape && digits(11..13) && t[13] == b':' && digits(14..16) && t[16] == b':' && digits(17..19)) {
        return None;
    }
    let end = memchr::memchr(b' ', s)?;
    Some(end)
}

/// Reads `Mmm dd hh:mm:ss` (checked by [`bsd_time_len`]) in the year `year` says, as UTC.
fn bsd_time(t: &str, year: Year) -> Result<i64, String> {
    let b = t.as_bytes();
    let month = MONTHS.iter().position(|m| &b[..3] == *m).map_or(1, |i| i as i8 + 1);
    let num = |r: std::ops::Range<usize>| t.get(r).map_or(0, |s| s.trim().parse::<i8>().unwrap_or(0));
    let (day, h, m, s) = (num(4..6), num(7..9), num(10..12), num(13..15));
    let at = |y: i16| -> Result<i64, String> {
        let dt = DateTime::new(y, month, day, h, m, s, 0).map_err(|_| format!("\"{t}\" is not a time in {y}"))?;
        let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).map_err(|e| e.to_string())?.timestamp();
        i64::try_from(ts.as_nanosecond()).map_err(|_| format!("\"{t}\" is out of range"))
    };
    match year {
        Year::Fixed(y) => at(y),
        Year::Latest { now } => {
            let this = jiff::Timestamp::from_nanosecond(i128::from(now))
                .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).year())
                .map_err(|e| e.to_string())?;
            match at(this) {
                Ok(ns) if ns <= now.saturating_add(DAY) => Ok(ns),
                // Past tomorrow, or a 29 February this year lacks.
                _ => at(this - 1),
            }
        }
    }
}

/// The first space-separated word of `s` and what follows its space.
fn word(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((w, rest)) => (w, rest),
        None => (s, ""),
    }
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// RFC 3164's TAG word: `prog[pid]:`, `prog:`, or a bare word.
fn tag_parts(tag: &str) -> (Option<&str>, Option<i64>) {
    let tag = tag.strip_suffix(':').unwrap_or(tag);
    if let Some(open) = tag.find('[')
        && let Some(pid) = tag[open + 1..].strip_suffix(']')
    {
        return (nonempty(&tag[..open]), pid.parse().ok());
    }
    (nonempty(tag), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: Year = Year::Fixed(2024);

    fn ns(s: &str) -> i64 {
        parse_datetime(s).unwrap()
    }

    #[test]
    fn rfc3164_with_and_without_priority() {
        let m = parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", Y).unwrap();
        assert_eq!(m.pri, Some(34));
        assert_eq!(m.time, ns("2024-10-11T22:14:15Z"));
        assert_eq!((m.host, m.app, m.pid), (Some("mymachine"), Some("su"), None));
        assert_eq!(m.text, "'su root' failed for lonvick on /dev/pts/8");
        let m = parse("Jan  5 01:02:03 web-1 sshd[812]: Accepted password", Y).unwrap();
        assert_eq!(
            (m.pri, m.host, m.app, m.pid, m.text),
            (None, Some("web-1"), Some("sshd"), Some(812), "Accepted password")
        );
        assert_eq!(m.time, ns("2024-01-05T01:02:03Z"));
    }

    #[test]
    fn rfc3339_timestamps_keep_their_offset() {
        let m = parse("<13>2026-07-23T09:30:45.123+02:00 host daemon: timestamp variant", Y).unwrap();
        assert_eq!(m.time, ns("2026-07-23T07:30:45.123Z"));
        assert_eq!((m.host, m.app, m.text), (Some("host"), Some("daemon"), "timestamp variant"));
    }

    #[test]
    fn rfc5424_with_structured_data_and_nil_values() {
        let line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event";
        let m = parse(line, Y).unwrap();
        assert_eq!(
            (m.pri, m.host, m.app, m.pid, m.text),
            (Some(165), Some("mymachine.example.com"), Some("evntslog"), None, "An application event")
        );
        let m = parse("<34>1 2026-07-23T09:30:45+02:00 host app 123 msg [m@1 v=\"a\\]b\" q=\"\\\"\"][x@2] payload", Y)
            .unwrap();
        assert_eq!((m.pid, m.text), (Some(123), "payload"));
        assert_eq!(parse("<13>1 - - - - - - minimal", Y).unwrap_err(), "no timestamp (RFC 5424 NILVALUE)");
        assert!(parse("<13>1 2026-07-23T09:30:45Z h a - - [open", Y).is_err());
    }

    #[test]
    fn the_year_of_a_bsd_timestamp_is_the_latest_not_in_the_future() {
        let now = ns("2025-01-02T00:00:00Z");
        assert_eq!(parse("Dec 31 23:00:00 h a: x", Year::Latest { now }).unwrap().time, ns("2024-12-31T23:00:00Z"));
        assert_eq!(parse("Jan  2 12:00:00 h a: x", Year::Latest { now }).unwrap().time, ns("2025-01-02T12:00:00Z"));
        assert!(parse("Feb 30 00:00:00 h a: x", Y).is_err());
    }

    #[test]
    fn lines_that_are_not_messages() {
        assert_eq!(parse("<0>x", Y).unwrap_err(), "no timestamp after the priority");
        assert!(parse("hello", Y).is_err());
        assert!(parse("<999>Oct 11 22:14:15 h a: x", Y).is_err());
        assert!(!starts_message(b"line1"));
        assert!(starts_message(b"<33>Mar  1 01:00:00 172.20.245.8 tag test1"));
        assert!(!recognisable(b"2024-01-01T00:00:00.123456789Z stdout F message"));
        assert!(recognisable(b"2024-01-01T00:00:00.123+00:00 web-1 sshd[1]: hi"));
        assert!(!recognisable(b"<0>x"));
    }
}
