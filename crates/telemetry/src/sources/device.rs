//! Rows of `DeviceProcessEvents`, `DeviceFileEvents`,
//! `DeviceNetworkEvents`, `DeviceImageLoadEvents` and `DeviceEvents` from a
//! description of one event that every
//! endpoint sensor source (Falco, Tetragon, Elastic ECS, Sysmon for Linux)
//! fills the same way: a [`Header`] (when, where, what), the processes
//! involved ([`Proc`]), and the file ([`FileTarget`]) or connection
//! ([`Conn`]) acted on.
//!
//! Who is who follows Defender:
//! - in `DeviceProcessEvents` the row's process is the one created, the
//!   `InitiatingProcess*` columns its parent, and `InitiatingProcessParent*`
//!   the parent's parent;
//! - in the other tables the `InitiatingProcess*` columns are the process
//!   that acted, and `InitiatingProcessParent*` its parent.
//!
//! `FileName` is the image's file name as the source gives it, else the last
//! component of its path. `TimeGenerated` is `Timestamp`: these sensors
//! have one clock. Column indexes are looked up once per file, the first
//! time a table is written.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::device_info::{HostFacts, Inventory};
use super::json_scan::next_to_escape;
use crate::batch::{Row, Value};
use crate::sink::{FileSink, OutputError, TableId};

/// One process as a source describes it. Every part may be unknown.
#[derive(Debug, Default, Clone)]
pub struct Proc<'a> {
    /// The full path of its image file.
    pub path: Option<Cow<'a, str>>,
    /// The image's file name, when the source gives it apart from the path.
    pub name: Option<Cow<'a, str>>,
    /// Its process id.
    pub pid: Option<i64>,
    /// Its command line.
    pub command_line: Option<Cow<'a, str>>,
    /// The name of the account it runs as.
    pub account: Option<Cow<'a, str>>,
    /// When it started, in nanoseconds since the epoch.
    pub created: Option<i64>,
    /// An identity unique over time (a Sysmon ProcessGuid, a Tetragon exec_id).
    pub unique_id: Option<Cow<'a, str>>,
    /// SHA-1 of the image, hex.
    pub sha1: Option<Cow<'a, str>>,
    /// SHA-256 of the image, hex.
    pub sha256: Option<Cow<'a, str>>,
    /// MD5 of the image, hex.
    pub md5: Option<Cow<'a, str>>,
}

impl<'a> Proc<'a> {
    /// The image's file name: `name`, else the last component of `path`.
    pub fn file_name(&self) -> Option<Cow<'a, str>> {
        match (&self.name, &self.path) {
            (Some(n), _) if !n.is_empty() => Some(n.clone()),
            (_, Some(Cow::Borrowed(p))) => Some(Cow::Borrowed(basename(p))),
            (_, Some(Cow::Owned(p))) => Some(Cow::Owned(basename(p).to_string())),
            _ => None,
        }
    }
}

/// The last component of a `/`-separated path (the whole text when it has
/// no `/`; empty for a path ending in `/`).
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// When, where and what of one event.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// When, in nanoseconds since the epoch, UTC.
    pub time: i64,
    /// The machine's name.
    pub device: Option<Cow<'a, str>>,
    /// The machine's id, when the source has one.
    pub device_id: Option<Cow<'a, str>>,
    /// The `ActionType`.
    pub action: &'static str,
    /// `AdditionalFields`: a JSON object's text (see [`Extra`]).
    pub additional: Option<String>,
}

/// The file an event acted on.
#[derive(Debug, Default, Clone)]
pub struct FileTarget<'a> {
    /// Its full path (`FolderPath`, as Defender fills it on Linux).
    pub path: Cow<'a, str>,
    /// Its SHA-256, hex, when known.
    pub sha256: Option<Cow<'a, str>>,
}

/// The connection of a network event.
#[derive(Debug, Default, Clone)]
pub struct Conn<'a> {
    /// The far end's address.
    pub remote_ip: Option<Cow<'a, str>>,
    /// The far end's port.
    pub remote_port: Option<i64>,
    /// This machine's address.
    pub local_ip: Option<Cow<'a, str>>,
    /// This machine's port.
    pub local_port: Option<i64>,
    /// `Tcp`, `Udp`, ... (see [`protocol`]).
    pub protocol: Option<Cow<'a, str>>,
}

/// Defender's spelling of a transport protocol named in any case, with or
/// without an `IPPROTO_` prefix: `tcp` is `Tcp`, `IPPROTO_UDP` is `Udp`;
/// other names keep their text.
pub fn protocol(name: &str) -> Cow<'_, str> {
    let bare = name.strip_prefix("IPPROTO_").unwrap_or(name);
    for known in ["Tcp", "Udp", "Icmp", "Icmpv6", "Sctp", "Raw"] {
        if bare.eq_ignore_ascii_case(known) {
            return Cow::Borrowed(known);
        }
    }
    Cow::Borrowed(name)
}

/// The text of a JSON object built key by key, for `AdditionalFields`.
/// Keys are written in the order they are added; unknown (`None`) and
/// empty values are left out.
#[derive(Debug, Default)]
pub struct Extra {
    buf: String,
}

impl Extra {
    /// Starts the member `key`: one of the program's own names, which
    /// need no escape in JSON, so it is copied as it is.
    fn key(&mut self, key: &'static str) {
        debug_assert!(next_to_escape(key.as_bytes(), 0) == key.len(), "{key:?} needs escaping");
        if self.buf.is_empty() {
            // Room for a typical object (a Falco alert's runs past 300
            // bytes), to spare growing and copying it member by member.
            self.buf.reserve(512);
        }
        self.buf.push_str(if self.buf.is_empty() { "{\"" } else { ",\"" });
        self.buf.push_str(key);
        self.buf.push_str("\":");
    }

    /// Adds a string member.
    pub fn str(&mut self, key: &'static str, value: Option<&str>) -> &mut Extra {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.key(key);
            push_json_str(&mut self.buf, v);
        }
        self
    }

    /// Adds a number member.
    pub fn num(&mut self, key: &'static str, value: Option<i64>) -> &mut Extra {
        if let Some(v) = value {
            self.key(key);
            push_int(&mut self.buf, v);
        }
        self
    }

    /// Adds a boolean member.
    pub fn bool(&mut self, key: &'static str, value: Option<bool>) -> &mut Extra {
        if let Some(v) = value {
            self.key(key);
            self.buf.push_str(if v { "true" } else { "false" });
        }
        self
    }

    /// Adds an array of strings (left out when empty).
    pub fn strs<S: AsRef<str>>(&mut self, key: &'static str, values: &[S]) -> &mut Extra {
        if !values.is_empty() {
            self.key(key);
            for (i, v) in values.iter().enumerate() {
                self.buf.push(if i == 0 { '[' } else { ',' });
                push_json_str(&mut self.buf, v.as_ref());
            }
            self.buf.push(']');
        }
        self
    }

    /// The object's text, or `None` when it has no member.
    pub fn finish(mut self) -> Option<String> {
        if self.buf.is_empty() {
            return None;
        }
        self.buf.push('}');
        Some(self.buf)
    }
}

/// Appends `v` in decimal, as `write!` would, without the formatting
/// machinery.
fn push_int(buf: &mut String, v: i64) {
    // 20 digits hold any u64, so `i` stays in the array.
    let mut digits = [b'0'; 20];
    let (mut n, mut i) = (v.unsigned_abs(), digits.len());
    while let Some(d) = i.checked_sub(1).and_then(|at| digits.get_mut(at)) {
        *d = b'0' + (n % 10) as u8;
        i -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        buf.push('-');
    }
    buf.push_str(digits.get(i..).and_then(|d| std::str::from_utf8(d).ok()).unwrap_or_default());
}

/// Appends `s` as a JSON string literal: runs of bytes that need no
/// escape are copied whole.
pub(crate) fn push_json_str(buf: &mut String, s: &str) {
    buf.reserve(s.len() + 2);
    buf.push('"');
    let b = s.as_bytes();
    let mut plain = 0;
    loop {
        let i = next_to_escape(b, plain);
        let Some(&c) = b.get(i) else { break };
        // `i` is an ASCII byte, so both ends are character boundaries.
        buf.push_str(&s[plain..i]);
        plain = i + 1;
        match c {
            b'"' => buf.push_str("\\\""),
            b'\\' => buf.push_str("\\\\"),
            b'\n' => buf.push_str("\\n"),
            b'\r' => buf.push_str("\\r"),
            b'\t' => buf.push_str("\\t"),
            c => {
                let _ = write!(buf, "\\u{c:04x}");
            }
        }
    }
    buf.push_str(&s[plain..]);
    buf.push('"');
}

/// Columns every `Device*` table has.
struct Common {
    id: TableId,
    timestamp: usize,
    time_generated: usize,
    device_id: usize,
    device_name: usize,
    action_type: usize,
    /// `AdditionalFields`, which `DeviceImageLoadEvents` does not have.
    additional: Option<usize>,
    /// The `InitiatingProcess*` columns.
    initiating: ProcCols,
    initiating_parent_id: usize,
    initiating_parent_file_name: usize,
    initiating_parent_creation_time: usize,
}

/// Columns describing one process, under some prefix.
struct ProcCols {
    file_name: usize,
    folder_path: usize,
    id: usize,
    command_line: usize,
    creation_time: usize,
    account_name: usize,
    unique_id: usize,
    sha1: usize,
    sha256: usize,
    md5: usize,
}

impl ProcCols {
    fn new(out: &FileSink<'_, '_>, id: TableId, prefix: &str) -> ProcCols {
        let b = out.builder(id);
        let col = |name: &str| b.col(&format!("{prefix}{name}"));
        // The created process's own columns are not named like its initiator's.
        let own = prefix.is_empty();
        ProcCols {
            file_name: col("FileName"),
            folder_path: col("FolderPath"),
            id: col(if own { "ProcessId" } else { "Id" }),
            command_line: col(if own { "ProcessCommandLine" } else { "CommandLine" }),
            creation_time: col(if own { "ProcessCreationTime" } else { "CreationTime" }),
            account_name: if own { b.col("AccountName") } else { b.col("InitiatingProcessAccountName") },
            unique_id: col(if own { "ProcessUniqueId" } else { "UniqueId" }),
            sha1: col("SHA1"),
            sha256: col("SHA256"),
            md5: col("MD5"),
        }
    }

    fn set<'a>(&self, row: &mut Row<'a>, p: Proc<'a>) {
        let file_name = p.file_name();
        set_str(row, self.file_name, file_name);
        set_str(row, self.folder_path, p.path);
        set_long(row, self.id, p.pid);
        set_str(row, self.command_line, p.command_line);
        set_time(row, self.creation_time, p.created);
        set_str(row, self.account_name, p.account);
        set_str(row, self.unique_id, p.unique_id);
        set_str(row, self.sha1, p.sha1);
        set_str(row, self.sha256, p.sha256);
        set_str(row, self.md5, p.md5);
    }
}

impl Common {
    fn new(out: &mut FileSink<'_, '_>, table: &'static str) -> Common {
        let id = out.table(table);
        let initiating = ProcCols::new(out, id, "InitiatingProcess");
        let b = out.builder(id);
        Common {
            id,
            timestamp: b.col("Timestamp"),
            time_generated: b.col("TimeGenerated"),
            device_id: b.col("DeviceId"),
            device_name: b.col("DeviceName"),
            action_type: b.col("ActionType"),
            additional: b.schema().index_of("AdditionalFields").ok(),
            initiating,
            initiating_parent_id: b.col("InitiatingProcessParentId"),
            initiating_parent_file_name: b.col("InitiatingProcessParentFileName"),
            initiating_parent_creation_time: b.col("InitiatingProcessParentCreationTime"),
        }
    }

    /// A row with the header, the initiating process and its parent set.
    fn row<'a>(&self, out: &FileSink<'_, '_>, h: Header<'a>, initiating: Proc<'a>, parent: Proc<'a>) -> Row<'a> {
        let mut row = out.builder(self.id).row();
        row.set(self.timestamp, Value::Time(h.time)).set(self.time_generated, Value::Time(h.time));
        set_str(&mut row, self.device_name, h.device);
        set_str(&mut row, self.device_id, h.device_id);
        row.set(self.action_type, Value::str(h.action));
        if let (Some(col), Some(a)) = (self.additional, h.additional) {
            row.set(col, Value::Json(Cow::Owned(a)));
        }
        self.initiating.set(&mut row, initiating);
        let parent_name = parent.file_name();
        set_str(&mut row, self.initiating_parent_file_name, parent_name);
        set_long(&mut row, self.initiating_parent_id, parent.pid);
        set_time(&mut row, self.initiating_parent_creation_time, parent.created);
        row
    }
}

fn set_str<'a>(row: &mut Row<'a>, col: usize, v: Option<Cow<'a, str>>) {
    if let Some(v) = v {
        row.set(col, Value::Str(v));
    }
}

fn set_long(row: &mut Row<'_>, col: usize, v: Option<i64>) {
    if let Some(v) = v {
        row.set(col, Value::Long(v));
    }
}

fn set_time(row: &mut Row<'_>, col: usize, v: Option<i64>) {
    if let Some(v) = v {
        row.set(col, Value::Time(v));
    }
}

struct FileCols {
    common: Common,
    file_name: usize,
    folder_path: usize,
    sha256: usize,
}

struct NetCols {
    common: Common,
    remote_ip: usize,
    remote_port: usize,
    local_ip: usize,
    local_port: usize,
    protocol: usize,
}

struct ProcessCols {
    common: Common,
    own: ProcCols,
}

/// `DeviceEvents`: the acting process's account besides.
struct EventCols {
    file: FileCols,
    account_name: usize,
}

impl FileCols {
    fn new(out: &mut FileSink<'_, '_>, table: &'static str) -> FileCols {
        let common = Common::new(out, table);
        let b = out.builder(common.id);
        let (file_name, folder_path, sha256) = (b.col("FileName"), b.col("FolderPath"), b.col("SHA256"));
        FileCols { common, file_name, folder_path, sha256 }
    }

    /// A row of `actor`, a child of `parent`, acting on `file`.
    fn row<'a>(
        &self,
        out: &FileSink<'_, '_>,
        h: Header<'a>,
        file: Option<FileTarget<'a>>,
        actor: Proc<'a>,
        parent: Proc<'a>,
    ) -> Row<'a> {
        let mut row = self.common.row(out, h, actor, parent);
        if let Some(file) = file {
            let name = match &file.path {
                Cow::Borrowed(p) => Cow::Borrowed(basename(p)),
                Cow::Owned(p) => Cow::Owned(basename(p).to_string()),
            };
            row.set(self.file_name, Value::Str(name)).set(self.folder_path, Value::Str(file.path));
            set_str(&mut row, self.sha256, file.sha256);
        }
        row
    }
}

/// Writes events to the `Device*` event tables of one file, and a
/// `DeviceInfo` reading of each device from its events (see
/// [`super::device_info`]).
#[derive(Default)]
pub struct DeviceTables {
    process: Option<ProcessCols>,
    file: Option<FileCols>,
    network: Option<NetCols>,
    image_load: Option<FileCols>,
    event: Option<EventCols>,
    inventory: Inventory,
    /// `OSPlatform` of every device the source describes, when it says.
    pub platform: Option<&'static str>,
    /// What the source says of the next row's device beyond its name and
    /// id, when that row is due a reading (ECS's `host.*`); taken by the
    /// next row written.
    pub host: Option<HostFacts<'static>>,
}

impl DeviceTables {
    /// The tables of a source whose devices all run `platform` (`OSPlatform`).
    pub fn on(platform: &'static str) -> DeviceTables {
        DeviceTables { platform: Some(platform), ..DeviceTables::default() }
    }

    /// A reading the source gives as such (Auditbeat's host state): written
    /// whether or not one is due, with the tables' platform when `facts`
    /// has none.
    pub fn reading(&mut self, out: &mut FileSink<'_, '_>, time: i64, facts: &HostFacts<'_>) -> Result<(), OutputError> {
        let mut facts = facts.clone();
        facts.os_platform = facts.os_platform.or(self.platform);
        self.inventory.record(out, time, &facts)
    }

    /// Whether a row with header `h` is due a `DeviceInfo` reading.
    pub fn due(&self, h: &Header<'_>) -> bool {
        self.inventory.due(h.device.as_deref(), h.time)
    }

    /// The facts of `h`'s device for its reading, when it is due one.
    fn facts(&mut self, h: &Header<'_>) -> Option<(i64, HostFacts<'static>)> {
        let host = self.host.take();
        if !self.due(h) {
            return None;
        }
        let owned = |v: &Option<Cow<'_, str>>| v.as_deref().map(|v| Cow::Owned(v.to_string()));
        let mut facts = host.unwrap_or_default();
        facts.name = owned(&h.device);
        facts.id = owned(&h.device_id).or(facts.id);
        facts.os_platform = facts.os_platform.or(self.platform);
        Some((h.time, facts))
    }

    /// Pushes `row` to `table`, then the reading of its device if due.
    fn push(
        &mut self,
        out: &mut FileSink<'_, '_>,
        table: TableId,
        row: &Row<'_>,
        reading: Option<(i64, HostFacts<'static>)>,
    ) -> Result<(), OutputError> {
        out.push(table, row)?;
        match reading {
            Some((time, facts)) => self.inventory.note(out, time, &facts),
            None => Ok(()),
        }
    }

    /// A `DeviceProcessEvents` row: `process` was created by `parent`, a
    /// child of `grandparent`.
    pub fn process<'a>(
        &mut self,
        out: &mut FileSink<'_, '_>,
        h: Header<'a>,
        process: Proc<'a>,
        parent: Proc<'a>,
        grandparent: Proc<'a>,
    ) -> Result<(), OutputError> {
        let reading = self.facts(&h);
        let cols = self.process.get_or_insert_with(|| {
            let common = Common::new(out, "DeviceProcessEvents");
            let own = ProcCols::new(out, common.id, "");
            ProcessCols { common, own }
        });
        let mut row = cols.common.row(out, h, parent, grandparent);
        cols.own.set(&mut row, process);
        let table = cols.common.id;
        self.push(out, table, &row, reading)
    }

    /// A `DeviceFileEvents` row: `actor`, a child of `parent`, acted on `file`.
    pub fn file<'a>(
        &mut self,
        out: &mut FileSink<'_, '_>,
        h: Header<'a>,
        file: FileTarget<'a>,
        actor: Proc<'a>,
        parent: Proc<'a>,
    ) -> Result<(), OutputError> {
        let reading = self.facts(&h);
        let cols = self.file.get_or_insert_with(|| FileCols::new(out, "DeviceFileEvents"));
        let row = cols.row(out, h, Some(file), actor, parent);
        let table = cols.common.id;
        self.push(out, table, &row, reading)
    }

    /// A `DeviceImageLoadEvents` row: `actor`, a child of `parent`, loaded
    /// the library `file` (its `FileName`, `FolderPath` and hashes).
    pub fn image_load<'a>(
        &mut self,
        out: &mut FileSink<'_, '_>,
        h: Header<'a>,
        file: FileTarget<'a>,
        actor: Proc<'a>,
        parent: Proc<'a>,
    ) -> Result<(), OutputError> {
        let reading = self.facts(&h);
        let cols = self.image_load.get_or_insert_with(|| FileCols::new(out, "DeviceImageLoadEvents"));
        let row = cols.row(out, h, Some(file), actor, parent);
        let table = cols.common.id;
        self.push(out, table, &row, reading)
    }

    /// A `DeviceEvents` row: `actor`, a child of `parent`, did what the
    /// header's `ActionType` says, to `file` when there is one.
    /// `AccountName` is the actor's, as auditd's rows of the table fill it.
    pub fn event<'a>(
        &mut self,
        out: &mut FileSink<'_, '_>,
        h: Header<'a>,
        file: Option<FileTarget<'a>>,
        actor: Proc<'a>,
        parent: Proc<'a>,
    ) -> Result<(), OutputError> {
        let reading = self.facts(&h);
        let cols = self.event.get_or_insert_with(|| {
            let file = FileCols::new(out, "DeviceEvents");
            let b = out.builder(file.common.id);
            let account_name = b.col("AccountName");
            EventCols { file, account_name }
        });
        let account = actor.account.clone();
        let mut row = cols.file.row(out, h, file, actor, parent);
        set_str(&mut row, cols.account_name, account);
        let table = cols.file.common.id;
        self.push(out, table, &row, reading)
    }

    /// A `DeviceNetworkEvents` row: `actor`, a child of `parent`, made or
    /// took the connection `conn`.
    pub fn network<'a>(
        &mut self,
        out: &mut FileSink<'_, '_>,
        h: Header<'a>,
        conn: Conn<'a>,
        actor: Proc<'a>,
        parent: Proc<'a>,
    ) -> Result<(), OutputError> {
        let reading = self.facts(&h);
        let cols = self.network.get_or_insert_with(|| {
            let common = Common::new(out, "DeviceNetworkEvents");
            let b = out.builder(common.id);
            NetCols {
                remote_ip: b.col("RemoteIP"),
                remote_port: b.col("RemotePort"),
                local_ip: b.col("LocalIP"),
                local_port: b.col("LocalPort"),
                protocol: b.col("Protocol"),
                common,
            }
        });
        let mut row = cols.common.row(out, h, actor, parent);
        set_str(&mut row, cols.remote_ip, conn.remote_ip);
        set_long(&mut row, cols.remote_port, conn.remote_port);
        set_str(&mut row, cols.local_ip, conn.local_ip);
        set_long(&mut row, cols.local_port, conn.local_port);
        set_str(&mut row, cols.protocol, conn.protocol);
        let table = cols.common.id;
        self.push(out, table, &row, reading)
    }
}

/// What became of one record: `Err` is why it is rejected.
pub type Outcome = Result<Result<(), OutputError>, String>;

/// Reads every JSON document of `input` (see [`for_each_doc`](super::json::for_each_doc)),
/// counting each as a record and rejecting it at its line when `f` says why.
pub fn read_each_doc(
    input: &mut dyn std::io::BufRead,
    out: &mut FileSink<'_, '_>,
    f: &mut dyn FnMut(&str, &mut FileSink<'_, '_>) -> Outcome,
) -> Result<(), OutputError> {
    super::json::for_each_doc(input, out, &mut |line, text, out| {
        out.record();
        match f(text, out) {
            Ok(r) => r,
            Err(why) => {
                out.reject(line, why, text.as_bytes());
                Ok(())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_is_the_given_name_else_the_path_basename() {
        let p = Proc { path: Some("/usr/bin/docker".into()), ..Proc::default() };
        assert_eq!(p.file_name().as_deref(), Some("docker"));
        let p = Proc { path: Some("/usr/bin/python3.12".into()), name: Some("python3".into()), ..Proc::default() };
        assert_eq!(p.file_name().as_deref(), Some("python3"));
        assert_eq!(Proc::default().file_name(), None);
        assert_eq!(basename("kubectl"), "kubectl");
    }

    #[test]
    fn numbers_are_written_as_write_writes_them() {
        for v in [0, 1, -1, 9, 10, -10, 1234567890, i64::MAX, i64::MIN, i64::MIN + 1, -999_999_999_999] {
            let mut got = String::from("x");
            push_int(&mut got, v);
            assert_eq!(got, format!("x{v}"));
        }
    }

    #[test]
    fn json_strings_escape_what_json_requires_wherever_it_falls() {
        // Byte by byte, as the eight-at-a-time scan must agree with.
        let slow = |s: &str| {
            let mut out = String::from('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        };
        let specials = ["\"", "\\", "\n", "\u{1}", "\u{1f}", " ", "\u{7f}", "é", "\u{10ffff}", "!", "#", "]"];
        for pad in 0..17 {
            for sp in specials {
                for tail in ["", "x", "abcdefghij", "\"\u{0}"] {
                    let s = format!("{}{sp}{tail}", "a".repeat(pad));
                    let mut got = String::new();
                    push_json_str(&mut got, &s);
                    assert_eq!(got, slow(&s), "{s:?}");
                    assert_eq!(serde_json::from_str::<String>(&got).unwrap(), s);
                }
            }
        }
    }

    #[test]
    fn extra_writes_a_json_object_skipping_unknowns() {
        let mut e = Extra::default();
        e.str("PodName", Some("web \"1\"")).str("Empty", Some("")).str("None", None).num("Uid", Some(0));
        e.strs("Tags", &["a", "b\\c"]).str("Ctl", Some("x\u{1}\ny"));
        let text = e.finish().unwrap();
        assert_eq!(text, r#"{"PodName":"web \"1\"","Uid":0,"Tags":["a","b\\c"],"Ctl":"x\u0001\ny"}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        assert_eq!(Extra::default().finish(), None);
    }

    #[test]
    fn protocols_are_spelled_as_defender_does() {
        assert_eq!(protocol("tcp"), "Tcp");
        assert_eq!(protocol("IPPROTO_UDP"), "Udp");
        assert_eq!(protocol("IPPROTO_MPTCP"), "IPPROTO_MPTCP");
    }
}
