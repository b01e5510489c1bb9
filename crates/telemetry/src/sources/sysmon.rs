//! Sysmon for Linux events: one `<Event>` XML element per syslog message,
//! as Sysmon writes them to syslog (`Nov 20 10:00:00 host sysmon:
//! <Event><System>..</System><EventData><Data Name="..">..</Data>..
//! </EventData></Event>`), with any syslog prefix (BSD, RFC 5424, an
//! rsyslog ISO timestamp), without one (`journalctl -o cat`), or as the
//! `MESSAGE` of a `journalctl -o json` line. An event pretty-printed over
//! lines (a line ending in the `<Event>` start tag alone, as
//! `xmllint --format` or an XML viewer writes it) is gathered up to its
//! `</Event>` (at most 1 MiB) and counted as one record at its first line.
//!
//! The event's id is `System/EventID`, the device `System/Computer`, the
//! time `EventData/UtcTime` (else `System/TimeCreated/@SystemTime`). Data
//! names are those of Microsoft's Sysmon event reference:
//!
//! | EventID | table, `ActionType` |
//! |---|---|
//! | 1 (process create) | `DeviceProcessEvents`, `ProcessCreated` |
//! | 3 (network connection) | `DeviceNetworkEvents`, `ConnectionSuccess` (`InboundConnectionAccepted` when `Initiated` is `false`) |
//! | 11 (file create) | `DeviceFileEvents`, `FileCreated` |
//! | 23 (file delete, archived), 26 (file delete logged) | `DeviceFileEvents`, `FileDeleted` |
//! | 5 (process terminated) | `DeviceEvents`, `ProcessTerminated` |
//! | 9 (raw access read) | `DeviceEvents`, `RawAccessRead`: the device read (`Device`) as `FileName`/`FolderPath` |
//! | 4 (Sysmon service state changed) | `DeviceEvents`, `SysmonServiceStateChanged`: `State`, `Version`, `SchemaVersion` in `AdditionalFields` |
//! | 16 (Sysmon configuration changed) | `DeviceEvents`, `SysmonConfigStateChanged`: the `Configuration` file as `FileName`/`FolderPath`, `ConfigurationFileHash` in `AdditionalFields` |
//! | 255 (Sysmon error) | `DeviceEvents`, `SysmonError`: `ID`, `Description` in `AdditionalFields` |
//!
//! The `DeviceEvents` `ActionType` names are dragnet's (Defender has none for
//! these events): Sysmon's own event names. For events 5 and 9 the
//! `InitiatingProcess*` columns and `AccountName` are `Image`, `ProcessId`,
//! `User`, `ProcessGuid` (for event 5, the process that ended). Other event
//! ids are read and skipped, and so are syslog lines of other programs that
//! share the file. Every event that gives a row also gives its `Computer` a
//! `DeviceInfo` reading ([`super::device_info`]).
//!
//! Event 1: the process is `Image` (`FolderPath`, its last component
//! `FileName`), `ProcessId`, `CommandLine`, `User`, `ProcessGuid`
//! (`ProcessUniqueId`), `UtcTime` (its creation time), `Hashes`
//! (`SHA1=..,MD5=..,SHA256=..`); the initiating process is `ParentImage`,
//! `ParentProcessId`, `ParentCommandLine`, `ParentUser`,
//! `ParentProcessGuid`. Event 3: the initiating process is `Image`,
//! `ProcessId`, `User`, `ProcessGuid`; the far end is `DestinationIp`/
//! `DestinationPort` and this machine `SourceIp`/`SourcePort` for a
//! connection the process initiated, the other way round for one it
//! accepted; `Protocol`. Events 11, 23, 26: the file is `TargetFilename`, the
//! initiating process `Image`, `ProcessId`, `User`, `ProcessGuid`.
//! `AdditionalFields` holds `RuleName` (unless `-`),
//! `ProcessCurrentWorkingDirectory` (`CurrentDirectory`), `LogonId`,
//! `DestinationHostname`, each when present.
//!
//! Rejected: an `<Event>` that is not well-formed XML or is cut short, one
//! without an `EventID` or a time, a number field (`ProcessId`, ports)
//! that is no whole number, an event 3 without `DestinationIp` or an event
//! 11, 23 or 26 without `TargetFilename`, and a journald JSON line that is not JSON.

use std::borrow::Cow;

use memchr::memmem;
use quick_xml::events::Event as X;
use serde::Deserialize;

use super::Format;
use super::device::{Conn, DeviceTables, Extra, FileTarget, Header, Outcome, Proc, protocol};
use super::lines::Lines;
use crate::batch::parse_datetime;
use crate::sink::{FileSink, OutputError};

/// Sysmon for Linux in syslog or journald.
pub struct Sysmon;

impl Format for Sysmon {
    fn name(&self) -> &'static str {
        "sysmon-linux"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        memmem::find(head, b"<Event>").is_some() && memmem::find(head, b"Linux-Sysmon").is_some()
    }

    fn read(&self, input: &mut dyn std::io::BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        // Sysmon for Linux and Tetragon run on Linux only.
        let mut tables = DeviceTables::on("Linux");
        let mut lines = Lines::new(input);
        // A pretty-printed <Event> spread over lines, gathered: its first
        // line and its text so far.
        let mut open: Option<(u64, Vec<u8>)> = None;
        while let Some((n, line)) = lines.next_line(out) {
            if let Some((first, _)) = &open
                && is_event_start_tag_alone(line)
            {
                let first = *first;
                open = None;
                out.reject(first, "an <Event> cut short (another starts before its </Event>)", line);
            }
            if let Some((first, text)) = &mut open {
                text.push(b'\n');
                text.extend_from_slice(line);
                if memmem::find(line, b"</Event>").is_some() {
                    let (first, text) = open.take().unwrap_or_default();
                    one(first, &text, out, &mut tables)?;
                } else if text.len() > MAX_EVENT {
                    let first = *first;
                    open = None;
                    out.reject(first, format!("an <Event> longer than {MAX_EVENT} bytes"), line);
                }
                continue;
            }
            if line.trim_ascii().is_empty() {
                continue;
            }
            out.record();
            if is_event_start_tag_alone(line) {
                open = Some((n, line.to_vec()));
                continue;
            }
            one(n, line, out, &mut tables)?;
        }
        if let Some((first, text)) = open {
            out.reject(first, "an <Event> cut short (no </Event>)", &text);
        }
        Ok(())
    }
}

/// Whether `line` ends with an `<Event ...>` start tag and nothing after
/// it: the first line of a pretty-printed event, whose elements follow on
/// lines of their own.
fn is_event_start_tag_alone(line: &[u8]) -> bool {
    if line.trim_ascii_start().starts_with(b"{") {
        return false; // a journald entry: one line, whole or cut
    }
    let Some(at) = memmem::find(line, b"<Event") else { return false };
    let tag = line[at..].trim_ascii_end();
    matches!(tag.get(6), Some(b'>' | b' ')) && memchr::memchr(b'>', tag) == Some(tag.len() - 1) && !tag.ends_with(b"/>")
}

/// The longest pretty-printed `<Event>` gathered, in bytes.
const MAX_EVENT: usize = 1 << 20;

/// One record (a line, or the lines of one pretty-printed event): its row,
/// or a reject at line `n`.
fn one(n: u64, text: &[u8], out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Result<(), OutputError> {
    let outcome = match std::str::from_utf8(text) {
        Ok(text) => line(text, out, tables),
        Err(e) => Err(format!("not UTF-8 (byte {})", e.valid_up_to() + 1)),
    };
    match outcome {
        Ok(r) => r,
        Err(why) => {
            out.reject(n, why, text);
            Ok(())
        }
    }
}

#[derive(Deserialize)]
struct Journal<'a> {
    #[serde(borrow, rename = "MESSAGE")]
    message: Option<Cow<'a, str>>,
}

fn line(text: &str, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Outcome {
    if text.trim_start().starts_with('{') {
        let j: Journal = serde_json::from_str(text).map_err(|e| format!("not a journald JSON entry: {e}"))?;
        return match j.message {
            Some(m) if memmem::find(m.as_bytes(), b"<Event").is_some() => match m {
                Cow::Borrowed(m) => event_in(m, out, tables),
                Cow::Owned(m) => event_in(&m, out, tables),
            },
            _ => {
                out.skip();
                Ok(Ok(()))
            }
        };
    }
    event_in(text, out, tables)
}

/// The `<Event>` element in `text`, if any, into its row.
fn event_in(text: &str, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Outcome {
    let start = memmem::find(text.as_bytes(), b"<Event>").or_else(|| memmem::find(text.as_bytes(), b"<Event "));
    let Some(start) = start else {
        // A syslog line of another program.
        out.skip();
        return Ok(Ok(()));
    };
    let xml = &text[start..];
    let end = memmem::rfind(xml.as_bytes(), b"</Event>").ok_or("an <Event> cut short (no </Event>)")?;
    let e = parse(&xml[..end + "</Event>".len()])?;
    row(e, out, tables)
}

/// The `Data` names read.
const NAMES: [&str; 31] = [
    "UtcTime",
    "RuleName",
    "ProcessGuid",
    "ProcessId",
    "Image",
    "CommandLine",
    "CurrentDirectory",
    "User",
    "LogonId",
    "Hashes",
    "ParentProcessGuid",
    "ParentProcessId",
    "ParentImage",
    "ParentCommandLine",
    "ParentUser",
    "Protocol",
    "Initiated",
    "SourceIp",
    "SourcePort",
    "DestinationIp",
    "DestinationHostname",
    "DestinationPort",
    "TargetFilename",
    "State",
    "Version",
    "SchemaVersion",
    "Configuration",
    "ConfigurationFileHash",
    "ID",
    "Description",
    "Device",
];

fn name_index(name: &[u8]) -> Option<usize> {
    NAMES.iter().position(|n| n.as_bytes() == name)
}

/// The parts of an event read.
#[derive(Default)]
struct Ev<'a> {
    id: Option<Cow<'a, str>>,
    computer: Option<Cow<'a, str>>,
    system_time: Option<Cow<'a, str>>,
    data: [Option<Cow<'a, str>>; NAMES.len()],
}

impl<'a> Ev<'a> {
    fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        let i = name_index(name.as_bytes()).expect("a name of NAMES");
        self.data[i].clone().filter(|v| !v.is_empty())
    }

    fn int(&self, name: &str) -> Result<Option<i64>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| format!("{name} {v:?} is not a whole number")),
        }
    }
}

/// Where the text being read goes.
enum Sink {
    Nothing,
    Id,
    Computer,
    Data(usize),
}

fn parse(xml: &str) -> Result<Ev<'_>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut ev = Ev::default();
    let mut into = Sink::Nothing;
    let bad = |e: &dyn std::fmt::Display| format!("not well-formed XML: {e}");
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match event {
            X::Eof => break,
            X::Start(ref e) | X::Empty(ref e) => {
                into = Sink::Nothing;
                match e.local_name().as_ref() {
                    b"EventID" => into = Sink::Id,
                    b"Computer" => into = Sink::Computer,
                    b"TimeCreated" => {
                        if let Some(a) = e.try_get_attribute("SystemTime").map_err(|e| bad(&e))? {
                            ev.system_time = Some(Cow::Owned(a.unescape_value().map_err(|e| bad(&e))?.into_owned()));
                        }
                    }
                    b"Data" => {
                        if let Some(a) = e.try_get_attribute("Name").map_err(|e| bad(&e))?
                            && let Some(i) = name_index(&a.value)
                        {
                            ev.data[i] = Some(Cow::Borrowed(""));
                            into = Sink::Data(i);
                        }
                    }
                    _ => {}
                }
                if matches!(event, X::Empty(_)) {
                    into = Sink::Nothing;
                }
            }
            X::End(_) => into = Sink::Nothing,
            X::Text(t) => {
                let piece = t.decode().map_err(|e| bad(&e))?;
                append(&mut ev, &into, piece);
            }
            X::CData(t) => {
                let piece = t.decode().map_err(|e| bad(&e))?;
                append(&mut ev, &into, piece);
            }
            X::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c,
                    None => match r.as_ref() {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"quot" => '"',
                        b"apos" => '\'',
                        other => return Err(bad(&format!("unknown entity &{};", String::from_utf8_lossy(other)))),
                    },
                };
                append(&mut ev, &into, Cow::Owned(c.to_string()));
            }
            _ => {}
        }
    }
    Ok(ev)
}

fn append<'a>(ev: &mut Ev<'a>, into: &Sink, piece: Cow<'a, str>) {
    let slot = match into {
        Sink::Nothing => return,
        Sink::Id => &mut ev.id,
        Sink::Computer => &mut ev.computer,
        Sink::Data(i) => &mut ev.data[*i],
    };
    match slot {
        Some(v) if !v.is_empty() => v.to_mut().push_str(&piece),
        _ => *slot = Some(piece),
    }
}

/// `SHA1=..,MD5=..,SHA256=..,IMPHASH=..` into the process's hashes.
fn hashes<'a>(p: &mut Proc<'a>, text: Option<Cow<'a, str>>) {
    let Some(text) = text else { return };
    for part in text.split(',') {
        let Some((k, v)) = part.split_once('=') else { continue };
        let v = Some(Cow::Owned(v.trim().to_string()));
        match k.trim() {
            "SHA1" => p.sha1 = v,
            "SHA256" => p.sha256 = v,
            "MD5" => p.md5 = v,
            _ => {}
        }
    }
}

fn row(e: Ev<'_>, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Outcome {
    let id = e.id.as_deref().map(str::trim).ok_or("no <EventID>")?;
    let action = match id {
        "1" => "ProcessCreated",
        "3" => "ConnectionSuccess",
        "11" => "FileCreated",
        "23" | "26" => "FileDeleted",
        "4" => "SysmonServiceStateChanged",
        "5" => "ProcessTerminated",
        "9" => "RawAccessRead",
        "16" => "SysmonConfigStateChanged",
        "255" => "SysmonError",
        _ => {
            out.skip();
            return Ok(Ok(()));
        }
    };
    let time = match e.get("UtcTime").or(e.system_time.clone()) {
        Some(t) => parse_datetime(&t).ok_or_else(|| format!("UtcTime {t:?} is not a datetime"))?,
        None => return Err("no UtcTime or TimeCreated".into()),
    };
    let mut extra = Extra::default();
    extra.str("RuleName", e.get("RuleName").as_deref().filter(|r| *r != "-"));
    extra.str("ProcessCurrentWorkingDirectory", e.get("CurrentDirectory").as_deref());
    extra.str("LogonId", e.get("LogonId").as_deref());
    extra.str("DestinationHostname", e.get("DestinationHostname").as_deref().filter(|r| *r != "-"));
    for name in ["State", "Version", "SchemaVersion", "ConfigurationFileHash", "ID", "Description"] {
        if matches!(id, "4" | "16" | "255") {
            extra.str(name, e.get(name).as_deref());
        }
    }
    let mut process = Proc {
        path: e.get("Image"),
        pid: e.int("ProcessId")?,
        command_line: e.get("CommandLine"),
        account: e.get("User"),
        unique_id: e.get("ProcessGuid"),
        ..Proc::default()
    };
    let h = |action| Header { time, device: e.computer.clone(), device_id: None, action, additional: extra.finish() };
    match id {
        "1" => {
            process.created = Some(time);
            hashes(&mut process, e.get("Hashes"));
            let parent = Proc {
                path: e.get("ParentImage"),
                pid: e.int("ParentProcessId")?,
                command_line: e.get("ParentCommandLine"),
                account: e.get("ParentUser"),
                unique_id: e.get("ParentProcessGuid"),
                ..Proc::default()
            };
            Ok(tables.process(out, h(action), process, parent, Proc::default()))
        }
        "3" => {
            let (dst, dport) = (e.get("DestinationIp"), e.int("DestinationPort")?);
            let (src, sport) = (e.get("SourceIp"), e.int("SourcePort")?);
            if dst.is_none() {
                return Err("an event 3 without DestinationIp".into());
            }
            let inbound = e.get("Initiated").is_some_and(|i| i.eq_ignore_ascii_case("false"));
            let (action, conn) = if inbound {
                ("InboundConnectionAccepted", (src, sport, dst, dport))
            } else {
                (action, (dst, dport, src, sport))
            };
            let conn = Conn {
                remote_ip: conn.0,
                remote_port: conn.1,
                local_ip: conn.2,
                local_port: conn.3,
                protocol: e.get("Protocol").map(|p| Cow::Owned(protocol(&p).into_owned())),
            };
            Ok(tables.network(out, h(action), conn, process, Proc::default()))
        }
        "11" | "23" | "26" => {
            let path = e.get("TargetFilename").ok_or_else(|| format!("an event {id} without TargetFilename"))?;
            Ok(tables.file(out, h(action), FileTarget { path, sha256: None }, process, Proc::default()))
        }
        _ => {
            let file = match id {
                "9" => e.get("Device"),
                "16" => e.get("Configuration"),
                _ => None,
            };
            let file = file.map(|path| FileTarget { path, sha256: None });
            Ok(tables.event(out, h(action), file, process, Proc::default()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_text_keeps_escaped_characters() {
        let e = parse(r#"<Event><System><EventID>1</EventID></System><EventData><Data Name="CommandLine">sh -c "a &amp;&amp; b &lt; c"&#33;</Data><Data Name="User"/><Data Name="Unread">x</Data></EventData></Event>"#).unwrap();
        assert_eq!(e.get("CommandLine").as_deref(), Some("sh -c \"a && b < c\"!"));
        assert_eq!(e.get("User"), None);
        assert_eq!(e.id.as_deref(), Some("1"));
    }

    #[test]
    fn utc_time_with_a_space_reads_as_utc() {
        assert_eq!(parse_datetime("2026-11-20 10:00:00.123"), parse_datetime("2026-11-20T10:00:00.123Z"));
    }
}
