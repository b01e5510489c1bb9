//! Syslog files and the systemd journal as `journalctl -o json` writes it,
//! into `Syslog` rows, and sshd's logons among them into
//! `DeviceLogonEvents` rows (see [`super::logon`]).
//!
//! Syslog files ([`Syslog`]): one message per line in any of the shapes
//! [`header`] reads (RFC 5424, RFC 3164 with or without `<PRI>`, with a
//! classic or an RFC 3339 timestamp). A line that starts no message
//! (neither a priority nor a timestamp) continues the message before it,
//! joined with a newline, as a message sent with embedded newlines is
//! written; such lines before the first message are rejected. Columns:
//!
//! | column | from |
//! |---|---|
//! | `TimeGenerated`, `EventTime` | the timestamp; one without a zone (RFC 3164's `Mmm dd hh:mm:ss`) is read as UTC, in the year [`HostInfo::year`](crate::host::HostInfo) says, else the latest year that puts it no more than a day ahead of now |
//! | `Computer`, `HostName` | the HOSTNAME field, else `--device-name` |
//! | `HostIP` | the HOSTNAME field when it is an IP address |
//! | `Facility`, `SeverityLevel` | `<PRI>` (null in files written without it) |
//! | `ProcessName`, `ProcessID` | RFC 3164's TAG (`prog[pid]:`), RFC 5424's APP-NAME and PROCID |
//! | `SyslogMessage` | the rest (RFC 5424: MSG, without the structured data) |
//!
//! The journal ([`Journal`]): one JSON object per entry, on a line or
//! pretty-printed. `TimeGenerated` is `__REALTIME_TIMESTAMP` (when the
//! journal received it), `EventTime` `_SOURCE_REALTIME_TIMESTAMP` (when it
//! was sent), each standing in for the other when missing; `Computer` and
//! `HostName` are `_HOSTNAME`; `Facility` and `SeverityLevel`
//! `SYSLOG_FACILITY` and `PRIORITY`; `ProcessName` `SYSLOG_IDENTIFIER`,
//! else `_COMM`; `ProcessID` `_PID`, else `SYSLOG_PID`; `SyslogMessage`
//! `MESSAGE` (a byte array, as the journal writes text that is not UTF-8,
//! is decoded with replacement characters). An entry with neither
//! timestamp is rejected.
//!
//! Both: a message of `sshd` (or `sshd-session`) that is an `Accepted` or
//! `Failed` logon also gives a `DeviceLogonEvents` row, its `DeviceName`
//! the message's host, `InitiatingProcess*` sshd's name and pid.

use std::borrow::Cow;
use std::io::BufRead;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Format;
use super::device::read_each_doc;
use super::json::first_doc;
use super::lines::{Lines, MAX_LINE};
use super::logon::{LogonTable, is_sshd, sshd};
use super::loose::{Int, MaybeStr};
use crate::batch::Value;
use crate::host::HostInfo;
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::syslog;

pub mod header;

use header::Year;

/// Syslog files.
pub struct Syslog;

/// `journalctl -o json` (and `-o json-pretty`) output.
pub struct Journal;

/// One message, whatever its source.
struct Entry<'a> {
    time: i64,
    event_time: i64,
    host: Option<Cow<'a, str>>,
    facility: Option<u8>,
    severity: Option<u8>,
    app: Option<Cow<'a, str>>,
    pid: Option<i64>,
    text: Cow<'a, str>,
}

/// `Facility` of a facility code, as the Azure Monitor agent names it.
fn facility(code: u8) -> Option<&'static str> {
    const NAMES: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];
    NAMES.get(usize::from(code)).copied()
}

/// `SeverityLevel` of a severity code.
fn severity(code: u8) -> Option<&'static str> {
    const NAMES: [&str; 8] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    NAMES.get(usize::from(code)).copied()
}

/// Column indexes of `Syslog`, looked up once per file.
struct Cols {
    t: TableId,
    time: usize,
    event_time: usize,
    computer: usize,
    host: usize,
    host_ip: usize,
    facility: usize,
    severity: usize,
    process: usize,
    pid: usize,
    message: usize,
    source_system: usize,
    ty: usize,
}

/// Writes one file's rows.
struct Writer {
    cols: Option<Cols>,
    logons: LogonTable,
    host: std::sync::Arc<HostInfo>,
}

impl Writer {
    fn new(out: &FileSink<'_, '_>) -> Writer {
        Writer { cols: None, logons: LogonTable::default(), host: out.host() }
    }

    fn write(&mut self, e: &Entry<'_>, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let c = match &self.cols {
            Some(c) => c,
            None => {
                let t = out.table(syslog::NAME);
                let b = out.builder(t);
                self.cols.insert(Cols {
                    t,
                    time: b.col("TimeGenerated"),
                    event_time: b.col("EventTime"),
                    computer: b.col("Computer"),
                    host: b.col("HostName"),
                    host_ip: b.col("HostIP"),
                    facility: b.col("Facility"),
                    severity: b.col("SeverityLevel"),
                    process: b.col("ProcessName"),
                    pid: b.col("ProcessID"),
                    message: b.col("SyslogMessage"),
                    source_system: b.col("SourceSystem"),
                    ty: b.col("Type"),
                })
            }
        };
        let host = e.host.as_deref().filter(|h| !h.is_empty()).or(self.host.device_name.as_deref());
        let mut r = out.builder(c.t).row();
        r.set(c.time, Value::Time(e.time)).set(c.event_time, Value::Time(e.event_time));
        if let Some(h) = host {
            r.set(c.computer, Value::str(h)).set(c.host, Value::str(h));
            if h.parse::<std::net::IpAddr>().is_ok() {
                r.set(c.host_ip, Value::str(h));
            }
        }
        if let Some(f) = e.facility.and_then(facility) {
            r.set(c.facility, Value::str(f));
        }
        if let Some(s) = e.severity.and_then(severity) {
            r.set(c.severity, Value::str(s));
        }
        if let Some(a) = e.app.as_deref().filter(|a| !a.is_empty()) {
            r.set(c.process, Value::str(a));
        }
        if let Some(p) = e.pid.filter(|p| i32::try_from(*p).is_ok()) {
            r.set(c.pid, Value::Long(p));
        }
        r.set(c.message, Value::str(e.text.as_ref()));
        r.set(c.source_system, Value::str("Linux")).set(c.ty, Value::str(syslog::NAME));
        out.push(c.t, &r)?;
        if e.app.as_deref().is_some_and(is_sshd)
            && let Some(mut l) = sshd(&e.text)
        {
            l.time = e.event_time;
            l.device = host.map(Cow::Borrowed);
            l.process_name = e.app.as_deref().map(Cow::Borrowed);
            l.process_id = e.pid;
            self.logons.push(&l, out)?;
        }
        Ok(())
    }
}

/// How [`header::parse`] places a timestamp without a year, from what the
/// user said of the host.
fn year(host: &HostInfo) -> Year {
    match host.year {
        Some(y) => Year::Fixed(y),
        None => {
            let now = jiff::Timestamp::now().as_nanosecond();
            Year::Latest { now: i64::try_from(now).unwrap_or(i64::MAX) }
        }
    }
}

impl Format for Syslog {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
        header::recognisable(line)
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut w = Writer::new(out);
        let year = year(&w.host);
        let mut lines = Lines::new(input);
        // The message being read: its first line's number and its text.
        let mut pending: Option<(u64, String)> = None;
        let flush = |pending: &mut Option<(u64, String)>, w: &mut Writer, out: &mut FileSink<'_, '_>| {
            let Some((n, text)) = pending.take() else { return Ok(()) };
            out.record();
            match header::parse(&text, year) {
                Ok(m) => {
                    let (facility, severity) = match m.pri {
                        Some(p) => (Some(p / 8), Some(p % 8)),
                        None => (None, None),
                    };
                    let e = Entry {
                        time: m.time,
                        event_time: m.time,
                        host: m.host.map(Cow::Borrowed),
                        facility,
                        severity,
                        app: m.app.map(Cow::Borrowed),
                        pid: m.pid,
                        text: Cow::Borrowed(m.text),
                    };
                    w.write(&e, out)
                }
                Err(why) => {
                    out.reject(n, why, text.as_bytes());
                    Ok(())
                }
            }
        };
        lines.for_each(out, &mut |n, line, out| {
            if header::starts_message(line) {
                flush(&mut pending, &mut w, out)?;
                pending = Some((n, String::from_utf8_lossy(line).into_owned()));
                return Ok(());
            }
            match &mut pending {
                Some((_, text)) if text.len().saturating_add(line.len()) < MAX_LINE => {
                    text.push('\n');
                    text.push_str(&String::from_utf8_lossy(line));
                }
                _ if line.trim_ascii().is_empty() => {
                    // A blank line between messages is no record.
                }
                _ => {
                    flush(&mut pending, &mut w, out)?;
                    out.record();
                    out.reject(n, "not a syslog message (no priority or timestamp)", line);
                }
            }
            Ok(())
        })?;
        flush(&mut pending, &mut w, out)
    }
}

/// A journal entry's fields that rows use.
#[derive(Deserialize)]
struct JournalEntry<'a> {
    #[serde(borrow, default, rename = "MESSAGE")]
    message: Option<&'a RawValue>,
    #[serde(default, rename = "__REALTIME_TIMESTAMP")]
    realtime: Int,
    #[serde(default, rename = "_SOURCE_REALTIME_TIMESTAMP")]
    source_realtime: Int,
    #[serde(default, rename = "PRIORITY")]
    priority: Int,
    #[serde(default, rename = "SYSLOG_FACILITY")]
    facility: Int,
    #[serde(borrow, default, rename = "SYSLOG_IDENTIFIER")]
    identifier: MaybeStr<'a>,
    #[serde(borrow, default, rename = "_COMM")]
    comm: MaybeStr<'a>,
    #[serde(default, rename = "_PID")]
    pid: Int,
    #[serde(default, rename = "SYSLOG_PID")]
    syslog_pid: Int,
    #[serde(borrow, default, rename = "_HOSTNAME")]
    hostname: MaybeStr<'a>,
}

/// A journal field's text: a string, or the array of bytes the journal
/// writes for text that is not UTF-8.
fn journal_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    if let Ok(s) = serde_json::from_str::<Cow<'_, str>>(raw.get()) {
        return Some(s);
    }
    let bytes: Vec<u8> = serde_json::from_str(raw.get()).ok()?;
    Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Microseconds since the epoch as nanoseconds.
fn micros(v: Int) -> Option<i64> {
    v.ok().and_then(|us| us.checked_mul(1000))
}

impl Format for Journal {
    fn name(&self) -> &'static str {
        "journald"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_doc(head).and_then(|d| d.as_object().cloned()).is_some_and(|m| {
            m.contains_key("MESSAGE")
                && ["__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP", "__CURSOR"].iter().any(|k| m.contains_key(*k))
        })
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut w = Writer::new(out);
        read_each_doc(input, out, &mut |text, out| {
            let j: JournalEntry<'_> = serde_json::from_str(text).map_err(|e| format!("not a journal entry: {e}"))?;
            let (received, sent) = (micros(j.realtime), micros(j.source_realtime));
            let (Some(time), Some(event_time)) = (received.or(sent), sent.or(received)) else {
                return Err("no __REALTIME_TIMESTAMP or _SOURCE_REALTIME_TIMESTAMP in microseconds".into());
            };
            let code = |v: Int| v.ok().and_then(|c| u8::try_from(c).ok());
            let e = Entry {
                time,
                event_time,
                host: j.hostname.nonempty(),
                facility: code(j.facility),
                severity: code(j.priority).filter(|s| *s < 8),
                app: j.identifier.nonempty().or(j.comm.nonempty()),
                pid: j.pid.ok().or(j.syslog_pid.ok()),
                text: j.message.and_then(journal_text).unwrap_or_default(),
            };
            Ok(w.write(&e, out))
        })
    }
}
