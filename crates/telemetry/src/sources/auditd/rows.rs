//! Events to rows of `DeviceProcessEvents`, `DeviceFileEvents` and
//! `DeviceNetworkEvents` (the mapping is described in the
//! [module docs](super)).

use std::borrow::Cow;
use std::fmt::Write as _;

use super::super::device_info::{HostFacts, Inventory};
use super::event::{Bytes, Event, NameType, PathItem};
use super::process::{Proc, Table};
use super::sockaddr::SockAddr;
use super::syscalls::Call;
use std::sync::Arc;

pub(super) use crate::sources::device::push_json_str as json_str;

use crate::batch::{Row, Value};
use crate::host::HostInfo;
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::{device_file_events, device_network_events, device_process_events};

mod device_events;

use device_events::DeviceEventCols;

/// `O_ACCMODE`, `O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_TRUNC` (the same on
/// x86_64, aarch64, i386 and ARM).
const O_ACCMODE: u64 = 0o3;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
/// `-EINPROGRESS`: a non-blocking connect that has started.
const EINPROGRESS: i64 = -115;

/// The columns of the initiating process, in one table.
struct InitCols {
    account_name: usize,
    file_name: usize,
    folder_path: usize,
    id: usize,
    command_line: usize,
    creation_time: usize,
    parent_id: usize,
    parent_file_name: usize,
    parent_creation_time: usize,
}

impl InitCols {
    fn new(out: &FileSink<'_, '_>, t: TableId) -> InitCols {
        let c = |n| out.builder(t).col(n);
        InitCols {
            account_name: c("InitiatingProcessAccountName"),
            file_name: c("InitiatingProcessFileName"),
            folder_path: c("InitiatingProcessFolderPath"),
            id: c("InitiatingProcessId"),
            command_line: c("InitiatingProcessCommandLine"),
            creation_time: c("InitiatingProcessCreationTime"),
            parent_id: c("InitiatingProcessParentId"),
            parent_file_name: c("InitiatingProcessParentFileName"),
            parent_creation_time: c("InitiatingProcessParentCreationTime"),
        }
    }
}

/// The columns every table shares.
struct Common {
    timestamp: usize,
    time_generated: usize,
    device_name: usize,
    action_type: usize,
    report_id: usize,
    additional: usize,
}

impl Common {
    fn new(out: &FileSink<'_, '_>, t: TableId) -> Common {
        let c = |n| out.builder(t).col(n);
        Common {
            timestamp: c("Timestamp"),
            time_generated: c("TimeGenerated"),
            device_name: c("DeviceName"),
            action_type: c("ActionType"),
            report_id: c("ReportId"),
            additional: c("AdditionalFields"),
        }
    }
}

struct ProcessCols {
    id: TableId,
    common: Common,
    file_name: usize,
    folder_path: usize,
    process_id: usize,
    command_line: usize,
    creation_time: usize,
    account_name: usize,
    logon_id: usize,
    init: InitCols,
}

struct FileCols {
    id: TableId,
    common: Common,
    file_name: usize,
    folder_path: usize,
    previous_folder_path: usize,
    previous_file_name: usize,
    init: InitCols,
}

struct NetworkCols {
    id: TableId,
    common: Common,
    remote_ip: usize,
    remote_port: usize,
    init: InitCols,
}

/// Turns events into rows, following processes across the stream.
pub struct Mapper {
    process: ProcessCols,
    file: FileCols,
    network: NetworkCols,
    /// `DeviceEvents`' columns, looked up when the first such event comes.
    device: Option<DeviceEventCols>,
    /// The processes seen so far.
    pub procs: Table,
    /// What the user said of the host.
    host: Arc<HostInfo>,
    /// The `DeviceInfo` readings of the devices that gave rows.
    inventory: Inventory,
}

/// What the initiating process of a row is known to be.
#[derive(Default)]
struct Init<'t> {
    account: Option<Cow<'t, str>>,
    file_name: Option<Cow<'t, str>>,
    folder_path: Option<Cow<'t, str>>,
    id: Option<i64>,
    command_line: Option<Cow<'t, str>>,
    creation: Option<i64>,
    parent_id: Option<i64>,
    parent_file_name: Option<Cow<'t, str>>,
    parent_creation: Option<i64>,
}

impl Mapper {
    /// Looks up the columns of the three tables in `out`.
    pub fn new(out: &mut FileSink<'_, '_>) -> Mapper {
        let p = out.table(device_process_events::NAME);
        let f = out.table(device_file_events::NAME);
        let n = out.table(device_network_events::NAME);
        let pc = |name| out.builder(p).col(name);
        let process = ProcessCols {
            id: p,
            common: Common::new(out, p),
            file_name: pc("FileName"),
            folder_path: pc("FolderPath"),
            process_id: pc("ProcessId"),
            command_line: pc("ProcessCommandLine"),
            creation_time: pc("ProcessCreationTime"),
            account_name: pc("AccountName"),
            logon_id: pc("LogonId"),
            init: InitCols::new(out, p),
        };
        let fc = |name| out.builder(f).col(name);
        let file = FileCols {
            id: f,
            common: Common::new(out, f),
            file_name: fc("FileName"),
            folder_path: fc("FolderPath"),
            previous_folder_path: fc("PreviousFolderPath"),
            previous_file_name: fc("PreviousFileName"),
            init: InitCols::new(out, f),
        };
        let nc = |name| out.builder(n).col(name);
        let network = NetworkCols {
            id: n,
            common: Common::new(out, n),
            remote_ip: nc("RemoteIP"),
            remote_port: nc("RemotePort"),
            init: InitCols::new(out, n),
        };
        Mapper {
            process,
            file,
            network,
            device: None,
            procs: Table::default(),
            host: out.host(),
            inventory: Inventory::default(),
        }
    }

    /// The account name of `ev`'s `uid`: the name auditd or Laurel wrote
    /// beside it (ENRICHED `UID="root"`), else the passwd file's
    /// (`--passwd`), else `root` for uid 0, else the number.
    fn account<'e>(&self, ev: &'e Event<'_>) -> Option<Cow<'e, str>> {
        if ev.uid.name.is_some() {
            return ev.uid.text();
        }
        let uid = ev.uid.id?;
        Some(match self.host.user(uid) {
            Some(name) => Cow::Owned(name.to_string()),
            None => Cow::Owned(uid.to_string()),
        })
    }

    /// Writes the rows of `ev`; an event that gives none is counted as
    /// skipped.
    pub fn event(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let wrote = match ev.call {
            Some(Call::Exec) if ev.success => self.exec(ev, out)?,
            Some(Call::Open | Call::Openat | Call::Openat2 | Call::Creat) if ev.success => self.open(ev, out)?,
            Some(Call::Unlink) if ev.success => self.unlink(ev, out)?,
            Some(Call::Rename) if ev.success => self.rename(ev, out)?,
            Some(Call::Connect) => self.connect(ev, out)?,
            Some(Call::Device(dev)) => self.device_event(ev, dev, out)?,
            Some(Call::Fork | Call::Clone) if ev.success => {
                self.fork(ev);
                false
            }
            _ => false,
        };
        if !wrote {
            out.skip();
            return Ok(());
        }
        let device = ev.node.as_ref().map(text).or_else(|| self.host.device_name.as_deref().map(Cow::Borrowed));
        if self.inventory.due(device.as_deref(), ev.time) {
            // An audit log is Linux's.
            let facts = HostFacts { name: device, os_platform: Some("Linux"), ..HostFacts::default() };
            self.inventory.note(out, ev.time, &facts)?;
        }
        Ok(())
    }

    fn exec(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<bool, OutputError> {
        let Some(pid) = ev.pid else { return Ok(false) };
        let node = self.procs.node(ev.node.as_deref());
        let image = ev
            .paths
            .iter()
            .find(|p| p.nametype != NameType::Parent && p.name.as_deref().is_some_and(|n| !n.is_empty()));
        // The image the kernel ran (`exe=`, symbolic links resolved), as
        // Defender reports it; the path given to execve only without it.
        let path: Option<String> = match (&ev.exe, image.and_then(|p| p.name.as_ref())) {
            (Some(exe), _) => Some(text(exe).into_owned()),
            (None, Some(name)) => Some(absolute(name, ev.cwd.as_ref())),
            (None, None) => None,
        };
        let Some(path) = path else { return Ok(false) };
        let args = ev.argv.as_ref().or(ev.proctitle.as_ref());
        let command_line = args.map(|a| command_line(a));
        let account = self.account(ev);

        if let Some(ppid) = ev.ppid {
            self.procs.touch(node, ppid);
            if let Some(gp) = self.procs.get(node, ppid).and_then(|p| p.ppid) {
                self.procs.touch(node, gp);
            }
        }
        let parent = ev.ppid.map(|ppid| self.parent(node, ppid, ev)).unwrap_or_default();

        let c = &self.process;
        let mut row = out.builder(c.id).row();
        common(&mut row, &c.common, ev, "ProcessCreated", self.host.device_name.as_deref());
        row.set(c.file_name, Value::str(base_name(&path)));
        row.set(c.folder_path, Value::str(path.as_str()));
        row.set(c.process_id, Value::Long(pid));
        if let Some(cmd) = &command_line {
            row.set(c.command_line, Value::str(cmd.as_str()));
        }
        row.set(c.creation_time, Value::Time(ev.time));
        if let Some(a) = &account {
            row.set(c.account_name, Value::str(a.as_ref()));
        }
        if let Some(s) = ev.session() {
            row.set(c.logon_id, Value::Long(s));
        }
        set_init(&mut row, &c.init, &parent);
        row.set(c.common.additional, Value::Json(additional(ev, &self.host, true).into()));
        out.push(c.id, &row)?;
        drop(row);
        drop(parent);

        let p = Proc::new(&path, None, command_line.as_deref(), account.as_deref(), ev.ppid, Some(ev.time));
        self.procs.insert(node, pid, p);
        Ok(true)
    }

    /// The parent `ppid` of an exec.
    fn parent<'s>(&'s self, node: u32, ppid: i64, ev: &'s Event<'_>) -> Init<'s> {
        let mut init = Init { id: Some(ppid), ..Init::default() };
        if let Some(p) = self.procs.get(node, ppid) {
            init.file_name = Some(Cow::Borrowed(p.file_name()));
            init.folder_path = Some(Cow::Borrowed(p.folder_path()));
            init.command_line = p.command_line().map(Cow::Borrowed);
            init.account = p.account().map(Cow::Borrowed);
            init.creation = p.start;
            init.parent_id = p.ppid;
            if let Some(gp) = p.ppid.and_then(|gp| self.procs.get(node, gp)) {
                init.parent_file_name = Some(Cow::Borrowed(gp.file_name()));
                init.parent_creation = gp.start;
            }
        } else if let Some(s) = &ev.spawner {
            if let Some(exe) = &s.exe {
                let exe = text(exe);
                init.file_name = Some(Cow::Owned(base_name(&exe).to_string()));
                init.folder_path = Some(exe);
            } else if let Some(comm) = &s.comm {
                init.file_name = Some(text(comm));
            }
            init.command_line = s.argv.as_ref().map(|a| Cow::Owned(command_line(a)));
            init.parent_id = s.ppid;
        }
        init
    }

    /// Marks the process of `ev` and its parent as used; their node's id.
    fn touch_actor(&mut self, ev: &Event<'_>) -> u32 {
        let node = self.procs.node(ev.node.as_deref());
        if let Some(pid) = ev.pid {
            self.procs.touch(node, pid);
        }
        if let Some(ppid) = ev.ppid {
            self.procs.touch(node, ppid);
        }
        node
    }

    /// The process making the system call of `ev` (file and network rows).
    fn actor<'s>(&'s self, node: u32, ev: &'s Event<'_>) -> Init<'s> {
        let mut init = Init { id: ev.pid, parent_id: ev.ppid, account: self.account(ev), ..Init::default() };
        let exe = ev.exe.as_ref().map(text);
        let known =
            ev.pid.and_then(|pid| self.procs.get(node, pid)).filter(|p| exe.as_deref().is_none_or(|e| e == p.exe()));
        match known {
            Some(p) => {
                init.file_name = Some(Cow::Borrowed(p.file_name()));
                init.folder_path = Some(Cow::Borrowed(p.folder_path()));
                init.command_line = p.command_line().map(Cow::Borrowed);
                init.creation = p.start;
            }
            None => {
                if let Some(exe) = exe {
                    init.file_name = Some(Cow::Owned(base_name(&exe).to_string()));
                    init.folder_path = Some(exe);
                } else if let Some(comm) = &ev.comm {
                    init.file_name = Some(text(comm));
                }
                init.command_line = ev.proctitle.as_ref().map(|a| Cow::Owned(command_line(a)));
            }
        }
        match ev.ppid.and_then(|ppid| self.procs.get(node, ppid)) {
            Some(parent) => {
                init.parent_file_name = Some(Cow::Borrowed(parent.file_name()));
                init.parent_creation = parent.start;
            }
            None => {
                if let Some(exe) = ev.spawner.as_ref().and_then(|s| s.exe.as_ref()) {
                    init.parent_file_name = Some(Cow::Owned(base_name(&text(exe)).to_string()));
                }
            }
        }
        init
    }

    fn open(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<bool, OutputError> {
        let Some(target) = ev.paths.iter().rev().find(|p| p.nametype != NameType::Parent && p.name.is_some()) else {
            return Ok(false);
        };
        if target.is_dir() {
            return Ok(false);
        }
        let created = ev.paths.iter().any(|p| p.nametype == NameType::Create);
        let flags = match ev.call {
            Some(Call::Open) => ev.args[1],
            Some(Call::Openat) => ev.args[2],
            Some(Call::Creat) => Some(O_CREAT | O_TRUNC | 1),
            _ => None,
        };
        let action = match flags {
            _ if created => "FileCreated",
            Some(f) if f & O_ACCMODE != 0 || f & O_TRUNC != 0 => "FileModified",
            _ => "FileOpened",
        };
        let path = absolute(target.name.as_ref().expect("found with a name"), ev.cwd.as_ref());
        self.file_row(ev, out, action, &path, None)
    }

    fn unlink(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<bool, OutputError> {
        let Some(target) = named(&ev.paths, NameType::Delete).next() else { return Ok(false) };
        if target.is_dir() {
            return Ok(false);
        }
        let path = absolute(target.name.as_ref().expect("named"), ev.cwd.as_ref());
        self.file_row(ev, out, "FileDeleted", &path, None)
    }

    fn rename(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<bool, OutputError> {
        let (Some(old), Some(new)) =
            (named(&ev.paths, NameType::Delete).next(), named(&ev.paths, NameType::Create).last())
        else {
            return Ok(false);
        };
        if new.is_dir() {
            return Ok(false);
        }
        let old = absolute(old.name.as_ref().expect("named"), ev.cwd.as_ref());
        let new = absolute(new.name.as_ref().expect("named"), ev.cwd.as_ref());
        self.file_row(ev, out, "FileRenamed", &new, Some(&old))
    }

    fn connect(&mut self, ev: &Event<'_>, out: &mut FileSink<'_, '_>) -> Result<bool, OutputError> {
        match &ev.sockaddr {
            Some(SockAddr::Inet(ip, port)) => {
                let action = match (ev.success, ev.exit) {
                    (true, _) => "ConnectionSuccess",
                    (false, Some(EINPROGRESS)) => "ConnectionAttempt",
                    (false, _) => "ConnectionFailed",
                };
                let node = self.touch_actor(ev);
                let init = self.actor(node, ev);
                let c = &self.network;
                let mut row = out.builder(c.id).row();
                common(&mut row, &c.common, ev, action, self.host.device_name.as_deref());
                row.set(c.remote_ip, Value::str(ip.to_string()));
                row.set(c.remote_port, Value::Long(i64::from(*port)));
                set_init(&mut row, &c.init, &init);
                row.set(c.common.additional, Value::Json(additional(ev, &self.host, false).into()));
                out.push(c.id, &row)?;
                Ok(true)
            }
            Some(SockAddr::Unix(path)) => {
                let action = if ev.success { "UnixSocketConnected" } else { "UnixSocketConnectFailed" };
                let path = if path.starts_with('/') || path.starts_with('@') {
                    path.clone()
                } else {
                    absolute(&Cow::Borrowed(path.as_bytes()), ev.cwd.as_ref())
                };
                self.file_row(ev, out, action, &path, None)
            }
            _ => Ok(false),
        }
    }

    fn file_row(
        &mut self,
        ev: &Event<'_>,
        out: &mut FileSink<'_, '_>,
        action: &'static str,
        path: &str,
        previous: Option<&str>,
    ) -> Result<bool, OutputError> {
        let node = self.touch_actor(ev);
        let init = self.actor(node, ev);
        let c = &self.file;
        let mut row = out.builder(c.id).row();
        common(&mut row, &c.common, ev, action, self.host.device_name.as_deref());
        row.set(c.file_name, Value::str(base_name(path)));
        row.set(c.folder_path, Value::str(path));
        if let Some(old) = previous {
            row.set(c.previous_file_name, Value::str(base_name(old)));
            row.set(c.previous_folder_path, Value::str(old));
        }
        set_init(&mut row, &c.init, &init);
        row.set(c.common.additional, Value::Json(additional(ev, &self.host, false).into()));
        out.push(c.id, &row)?;
        Ok(true)
    }

    /// A fork or clone: the child (its pid is the call's return value)
    /// runs its parent's image until it executes another.
    fn fork(&mut self, ev: &Event<'_>) {
        let (Some(pid), Some(child)) = (ev.pid, ev.exit.filter(|&c| c > 0)) else { return };
        // A clone that makes a thread (CLONE_THREAD in its flags, a0) makes
        // no new process.
        const CLONE_THREAD: u64 = 0x10000;
        if ev.call == Some(Call::Clone) && ev.args[0].is_some_and(|f| f & CLONE_THREAD != 0) {
            return;
        }
        let node = self.procs.node(ev.node.as_deref());
        let exe = ev.exe.as_ref().map(text);
        let same = self.procs.get(node, pid).filter(|p| exe.as_deref().is_none_or(|e| e == p.exe()));
        let child_proc = match same {
            Some(p) => {
                let mut c = p.clone();
                c.ppid = Some(pid);
                c.start = Some(ev.time);
                c
            }
            None => {
                let Some(exe) = exe else { return };
                let title = ev.proctitle.as_ref().map(|a| command_line(a));
                Proc::new(&exe, None, title.as_deref(), self.account(ev).as_deref(), Some(pid), Some(ev.time))
            }
        };
        self.procs.insert(node, child, child_proc);
    }
}

fn named<'e, 'a>(paths: &'e [PathItem<'a>], t: NameType) -> impl DoubleEndedIterator<Item = &'e PathItem<'a>> {
    paths.iter().filter(move |p| p.nametype == t && p.name.as_deref().is_some_and(|n| !n.is_empty()))
}

/// The columns every row has. `DeviceName` is the event's `node=`, else
/// the name the user gave the host (`--device-name`).
fn common<'r>(row: &mut Row<'r>, c: &Common, ev: &'r Event<'_>, action: &'static str, device: Option<&'r str>) {
    row.set(c.timestamp, Value::Time(ev.time));
    row.set(c.time_generated, Value::Time(ev.time));
    if let Some(node) = &ev.node {
        row.set(c.device_name, Value::Str(text(node)));
    } else if let Some(d) = device {
        row.set(c.device_name, Value::str(d));
    }
    row.set(c.action_type, Value::str(action));
    row.set(c.report_id, Value::Long(i64::try_from(ev.serial).unwrap_or(i64::MAX)));
}

fn set_init<'r>(row: &mut Row<'r>, c: &InitCols, i: &'r Init<'_>) {
    let s = |v: &'r Option<Cow<'_, str>>| v.as_deref().map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s)));
    let n = |v: Option<i64>| v.map_or(Value::Null, Value::Long);
    let t = |v: Option<i64>| v.map_or(Value::Null, Value::Time);
    row.set(c.account_name, s(&i.account));
    row.set(c.file_name, s(&i.file_name));
    row.set(c.folder_path, s(&i.folder_path));
    row.set(c.id, n(i.id));
    row.set(c.command_line, s(&i.command_line));
    row.set(c.creation_time, t(i.creation));
    row.set(c.parent_id, n(i.parent_id));
    row.set(c.parent_file_name, s(&i.parent_file_name));
    row.set(c.parent_creation_time, t(i.parent_creation));
}

/// `AdditionalFields`: the audit event id, the rule key, for a new process
/// its working directory, and the account of `uid` in Defender's shape
/// for Linux: `ProcessPosixRealUser` (a new process) or
/// `InitiatingProcessPosixRealUser` (the actor of a file or network row),
/// `{"Name", "PosixUserId", "PrimaryPosixGroup": {"Name", "PosixGroupId"}}`
/// with the name and group only when known.
fn additional(ev: &Event<'_>, host: &HostInfo, process: bool) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(s, "{{\"AuditEventId\":\"{}\"", ev.id);
    if let Some(key) = &ev.key {
        s.push_str(",\"AuditKey\":");
        json_str(&mut s, &text(key));
    }
    if process && let Some(cwd) = &ev.cwd {
        s.push_str(",\"ProcessCurrentWorkingDirectory\":");
        json_str(&mut s, &text(cwd));
    }
    if let Some(uid) = ev.uid.id.filter(|&u| u != u32::MAX) {
        s.push_str(if process { ",\"ProcessPosixRealUser\":{" } else { ",\"InitiatingProcessPosixRealUser\":{" });
        let name = match &ev.uid.name {
            Some(n) => Some(String::from_utf8_lossy(n)),
            None => host.user(uid).map(Cow::Borrowed),
        };
        if let Some(name) = name {
            s.push_str("\"Name\":");
            json_str(&mut s, &name);
            s.push(',');
        }
        let _ = write!(s, "\"PosixUserId\":{uid}");
        if let Some((gid, group)) = host.primary_group(uid) {
            s.push_str(",\"PrimaryPosixGroup\":{");
            if let Some(g) = group {
                s.push_str("\"Name\":");
                json_str(&mut s, g);
                s.push(',');
            }
            let _ = write!(s, "\"PosixGroupId\":{gid}}}");
        }
        s.push('}');
    }
    s.push('}');
    s
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text<'b>(b: &'b Bytes<'_>) -> Cow<'b, str> {
    lossy(b)
}

/// Bytes as text, invalid UTF-8 replaced; valid text (nearly all of it)
/// is checked by the fast validator and borrowed.
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The last part of a path.
pub fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// `name` made absolute against `cwd` (when relative), with `.` and `..`
/// parts resolved as text; an absolute name stays as the process wrote
/// it.
pub fn absolute(name: &Bytes<'_>, cwd: Option<&Bytes<'_>>) -> String {
    let name = text(name);
    let Some(cwd) = cwd.filter(|_| !name.starts_with('/')) else { return name.into_owned() };
    let cwd = text(cwd);
    let mut parts: Vec<&str> = Vec::new();
    for part in cwd.split('/').chain(name.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(cwd.len() + name.len() + 1);
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The arguments joined by spaces; an argument that is empty or holds a
/// space or a tab is put in double quotes, with `"` and `\` inside it
/// escaped by a backslash.
pub fn command_line(args: &[Bytes<'_>]) -> String {
    let mut out = String::with_capacity(args.iter().map(|a| a.len() + 1).sum());
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let t = text(a);
        if t.is_empty() || t.contains([' ', '\t']) {
            out.push('"');
            for c in t.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes<'_> {
        Cow::Borrowed(s.as_bytes())
    }

    #[test]
    fn command_lines_quote_empty_and_spaced_arguments() {
        assert_eq!(command_line(&[b("kubectl"), b("get"), b("pods")]), "kubectl get pods");
        assert_eq!(command_line(&[b("sh"), b("-c"), b("echo \"a b\""), b("")]), r#"sh -c "echo \"a b\"" """#);
        assert_eq!(command_line(&[Cow::Owned(vec![b'a', 0xff])]), "a\u{fffd}");
    }

    #[test]
    fn relative_names_join_the_working_directory() {
        assert_eq!(absolute(&b("out.txt"), Some(&b("/home/a"))), "/home/a/out.txt");
        assert_eq!(absolute(&b("./x/../y"), Some(&b("/srv/"))), "/srv/y");
        assert_eq!(absolute(&b("/etc/passwd"), Some(&b("/home/a"))), "/etc/passwd");
        assert_eq!(absolute(&b("x"), None), "x");
        assert_eq!(base_name("/var/run/docker.sock"), "docker.sock");
        assert_eq!(base_name("kubectl"), "kubectl");
    }
}
