//! Elastic Common Schema (ECS) documents of process, file and network
//! events: Auditbeat (`auditd` and `system` modules), Elastic Agent's
//! `auditd_manager`, Elastic Defend. One document per line as Filebeat's
//! file output or an Elasticsearch export writes them, a search hit's
//! `{"_index": .., "_source": {..}}` wrapper included. A field may be
//! written nested (`"process": {"pid": 1}`), dotted (`"process.pid": 1`),
//! or any mix of the two: each field is found by its full dotted name.
//!
//! The ECS field reference names what is read: `@timestamp`,
//! `event.category`, `event.type`, `event.action`, `event.outcome`,
//! `event.dataset`; `process.{pid, executable, name, args, command_line,
//! working_directory, start, entity_id, hash.*}` and the same under
//! `process.parent`; `user.{name, id}`; `host.{name, hostname, id, ip, mac,
//! architecture}`, `host.os.{type, name, version, kernel, family}` (the
//! device's readings, [`super::device_info`]); `dll.{path, hash.sha256}`;
//! `file.{path, directory, name, hash.sha256}`; `source.{ip, port}`,
//! `destination.{ip, port}`, `network.{transport, direction}`;
//! `container.{id, name, image.name}`; `orchestrator.namespace`,
//! `kubernetes.{namespace, pod.name}`.
//!
//! | `event.category` | when | table, `ActionType` |
//! |---|---|---|
//! | `process` | `event.type` `start`, or `event.action` `exec`/`executed`/`process_started` (not `fork`) | `DeviceProcessEvents`, `ProcessCreated` |
//! | `file` | `event.type` `creation` / `deletion` / `change`, `event.action` `rename` / `opened-file` | `DeviceFileEvents`, `FileCreated` / `FileDeleted` / `FileModified` / `FileRenamed` / `FileOpened` |
//! | `network` | `event.type` `connection` or `start`, or an `event.action` of a connection | `DeviceNetworkEvents` (below) |
//! | `library` | `event.type` `start`, or `event.action` `load`/`loaded`/`library_loaded` | `DeviceImageLoadEvents`, `ImageLoaded`: the library is `dll.path` (else `file.path`), its SHA-256 `dll.hash.sha256` (else `file.hash.sha256`) |
//!
//! Auditbeat's host state (`event.dataset` `host`, or a document with
//! `system.audit.host.*`) is a reading of the machine itself: it gives
//! `DeviceInfo` and `DeviceNetworkInfo` rows whenever it comes, read from
//! `host.*` and, for what that lacks, `system.audit.host.*` (`hostname`,
//! `id`, `architecture`, `os.*`, `ip`, `mac`); one that names no machine is
//! skipped.
//!
//! Any other document is read and skipped. A network event is
//! `ConnectionFailed` when `event.outcome` is `failure`, else by
//! `event.action`: `connection_attempted` `ConnectionAttempt`,
//! `connection_accepted` `InboundConnectionAccepted` (the far end is then
//! `source`, else `destination`, as for `network.direction` `ingress` or
//! `inbound`), otherwise `ConnectionSuccess`; one whose `event.type` has
//! `end` (a disconnect) is skipped.
//!
//! The image's `FileName` is the last component of `executable` (else
//! `process.name`). The command line is `command_line`, else `args` joined
//! by spaces, an argument holding a space, a quote or nothing written in
//! double quotes (with `"` and `\` escaped by a backslash). `user.name` is
//! the account. `AdditionalFields` holds `EventAction`, `EventDataset`,
//! `ContainerId`, `ContainerName`, `ContainerImage`, `KubernetesNamespace`,
//! `KubernetesPod`, and the working directory and `user.id`
//! (`ProcessCurrentWorkingDirectory`/`AccountUid` for a process start,
//! `InitiatingProcessCurrentWorkingDirectory`/`InitiatingProcessAccountUid`
//! otherwise).
//!
//! Rejected: a line that is not a JSON object, a document without an
//! `@timestamp` that reads as a datetime, a number field (`process.pid`,
//! `destination.port`, ..) that is no whole number, a file event without
//! `file.path` (or `file.directory` and `file.name`), a library event
//! without `dll.path` or `file.path`, and a network event without the far
//! end's address.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Format;
use super::device::{Conn, DeviceTables, Extra, FileTarget, Header, Outcome, Proc, protocol, read_each_doc};
use super::device_info::{HostFacts, os_platform};
use super::json::first_doc;
use super::loose::{Int, MaybeStr, Strs};
use crate::batch::parse_datetime;
use crate::sink::{FileSink, OutputError};

mod scan;

/// ECS process, file and network events.
pub struct Ecs;

/// The fields read, by their dotted name.
#[derive(Default, Debug, PartialEq)]
struct Doc<'a> {
    timestamp: Option<Cow<'a, str>>,
    category: Strs<'a>,
    etype: Strs<'a>,
    action: Option<Cow<'a, str>>,
    outcome: Option<Cow<'a, str>>,
    dataset: Option<Cow<'a, str>>,
    process: EcsProc<'a>,
    parent: EcsProc<'a>,
    user_name: Option<Cow<'a, str>>,
    user_id: Option<Cow<'a, str>>,
    host: EcsHost<'a>,
    /// Auditbeat's host state (`system.audit.host.*`).
    audit_host: EcsHost<'a>,
    dll_path: Option<Cow<'a, str>>,
    dll_sha256: Option<Cow<'a, str>>,
    file_path: Option<Cow<'a, str>>,
    file_directory: Option<Cow<'a, str>>,
    file_name: Option<Cow<'a, str>>,
    file_sha256: Option<Cow<'a, str>>,
    source_ip: Option<Cow<'a, str>>,
    source_port: Int,
    destination_ip: Option<Cow<'a, str>>,
    destination_port: Int,
    transport: Option<Cow<'a, str>>,
    direction: Option<Cow<'a, str>>,
    container_id: Option<Cow<'a, str>>,
    container_name: Option<Cow<'a, str>>,
    container_image: Option<Cow<'a, str>>,
    namespace: Option<Cow<'a, str>>,
    pod: Option<Cow<'a, str>>,
}

/// What a document says of its machine: `host.*`, or Auditbeat's host
/// state under `system.audit.host.*`.
#[derive(Default, Debug, PartialEq)]
struct EcsHost<'a> {
    name: Option<Cow<'a, str>>,
    hostname: Option<Cow<'a, str>>,
    id: Option<Cow<'a, str>>,
    os_type: Option<Cow<'a, str>>,
    os_name: Option<Cow<'a, str>>,
    os_version: Option<Cow<'a, str>>,
    os_kernel: Option<Cow<'a, str>>,
    os_family: Option<Cow<'a, str>>,
    architecture: Option<Cow<'a, str>>,
    ip: Strs<'a>,
    mac: Strs<'a>,
}

impl<'a> EcsHost<'a> {
    /// Whether any field was read.
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.hostname.is_none()
            && self.id.is_none()
            && self.os_type.is_none()
            && self.os_name.is_none()
            && self.architecture.is_none()
            && self.ip.0.is_empty()
            && self.mac.0.is_empty()
    }

    /// Each field of `self`, else of `other`.
    fn or(self, other: EcsHost<'a>) -> EcsHost<'a> {
        let list = |a: Strs<'a>, b: Strs<'a>| if a.0.is_empty() { b } else { a };
        EcsHost {
            name: self.name.or(other.name),
            hostname: self.hostname.or(other.hostname),
            id: self.id.or(other.id),
            os_type: self.os_type.or(other.os_type),
            os_name: self.os_name.or(other.os_name),
            os_version: self.os_version.or(other.os_version),
            os_kernel: self.os_kernel.or(other.os_kernel),
            os_family: self.os_family.or(other.os_family),
            architecture: self.architecture.or(other.architecture),
            ip: list(self.ip, other.ip),
            mac: list(self.mac, other.mac),
        }
    }
}

#[derive(Default, Debug, PartialEq)]
struct EcsProc<'a> {
    pid: Int,
    executable: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    args: Strs<'a>,
    command_line: Option<Cow<'a, str>>,
    working_directory: Option<Cow<'a, str>>,
    start: Option<Cow<'a, str>>,
    entity_id: Option<Cow<'a, str>>,
    sha1: Option<Cow<'a, str>>,
    sha256: Option<Cow<'a, str>>,
    md5: Option<Cow<'a, str>>,
}

/// Where a field's value goes.
enum Slot {
    Str(for<'r, 'a> fn(&'r mut Doc<'a>) -> &'r mut Option<Cow<'a, str>>),
    Int(for<'r, 'a> fn(&'r mut Doc<'a>) -> &'r mut Int),
    Strs(for<'r, 'a> fn(&'r mut Doc<'a>) -> &'r mut Strs<'a>),
}

/// The slot of a dotted field name, if it is read.
fn slot(path: &str) -> Option<Slot> {
    use Slot::{Int as I, Str as S, Strs as L};
    Some(match path {
        "@timestamp" => S(|d| &mut d.timestamp),
        "event.category" => L(|d| &mut d.category),
        "event.type" => L(|d| &mut d.etype),
        "event.action" => S(|d| &mut d.action),
        "event.outcome" => S(|d| &mut d.outcome),
        "event.dataset" => S(|d| &mut d.dataset),
        "process.pid" => I(|d| &mut d.process.pid),
        "process.executable" => S(|d| &mut d.process.executable),
        "process.name" => S(|d| &mut d.process.name),
        "process.args" => L(|d| &mut d.process.args),
        "process.command_line" => S(|d| &mut d.process.command_line),
        "process.working_directory" => S(|d| &mut d.process.working_directory),
        "process.start" => S(|d| &mut d.process.start),
        "process.entity_id" => S(|d| &mut d.process.entity_id),
        "process.hash.sha1" => S(|d| &mut d.process.sha1),
        "process.hash.sha256" => S(|d| &mut d.process.sha256),
        "process.hash.md5" => S(|d| &mut d.process.md5),
        "process.parent.pid" => I(|d| &mut d.parent.pid),
        "process.parent.executable" => S(|d| &mut d.parent.executable),
        "process.parent.name" => S(|d| &mut d.parent.name),
        "process.parent.args" => L(|d| &mut d.parent.args),
        "process.parent.command_line" => S(|d| &mut d.parent.command_line),
        "process.parent.start" => S(|d| &mut d.parent.start),
        "process.parent.entity_id" => S(|d| &mut d.parent.entity_id),
        "user.name" => S(|d| &mut d.user_name),
        "user.id" => S(|d| &mut d.user_id),
        "host.name" => S(|d| &mut d.host.name),
        "host.hostname" => S(|d| &mut d.host.hostname),
        "host.id" => S(|d| &mut d.host.id),
        "host.os.type" => S(|d| &mut d.host.os_type),
        "host.os.name" => S(|d| &mut d.host.os_name),
        "host.os.version" => S(|d| &mut d.host.os_version),
        "host.os.kernel" => S(|d| &mut d.host.os_kernel),
        "host.os.family" => S(|d| &mut d.host.os_family),
        "host.architecture" => S(|d| &mut d.host.architecture),
        "host.ip" => L(|d| &mut d.host.ip),
        "host.mac" => L(|d| &mut d.host.mac),
        "system.audit.host.hostname" => S(|d| &mut d.audit_host.hostname),
        "system.audit.host.id" => S(|d| &mut d.audit_host.id),
        "system.audit.host.os.type" => S(|d| &mut d.audit_host.os_type),
        "system.audit.host.os.name" => S(|d| &mut d.audit_host.os_name),
        "system.audit.host.os.version" => S(|d| &mut d.audit_host.os_version),
        "system.audit.host.os.kernel" => S(|d| &mut d.audit_host.os_kernel),
        "system.audit.host.os.family" => S(|d| &mut d.audit_host.os_family),
        "system.audit.host.architecture" => S(|d| &mut d.audit_host.architecture),
        "system.audit.host.ip" => L(|d| &mut d.audit_host.ip),
        "system.audit.host.mac" => L(|d| &mut d.audit_host.mac),
        "dll.path" => S(|d| &mut d.dll_path),
        "dll.hash.sha256" => S(|d| &mut d.dll_sha256),
        "file.path" => S(|d| &mut d.file_path),
        "file.directory" => S(|d| &mut d.file_directory),
        "file.name" => S(|d| &mut d.file_name),
        "file.hash.sha256" => S(|d| &mut d.file_sha256),
        "source.ip" => S(|d| &mut d.source_ip),
        "source.port" => I(|d| &mut d.source_port),
        "destination.ip" => S(|d| &mut d.destination_ip),
        "destination.port" => I(|d| &mut d.destination_port),
        "network.transport" => S(|d| &mut d.transport),
        "network.direction" => S(|d| &mut d.direction),
        "container.id" => S(|d| &mut d.container_id),
        "container.name" => S(|d| &mut d.container_name),
        "container.image.name" => S(|d| &mut d.container_image),
        "orchestrator.namespace" | "kubernetes.namespace" => S(|d| &mut d.namespace),
        "kubernetes.pod.name" => S(|d| &mut d.pod),
        _ => return None,
    })
}

/// Whether some field read is under the object at `path`.
fn holds_fields(path: &str) -> bool {
    matches!(
        path,
        "event"
            | "process"
            | "process.hash"
            | "process.parent"
            | "user"
            | "host"
            | "host.os"
            | "system"
            | "system.audit"
            | "system.audit.host"
            | "system.audit.host.os"
            | "dll"
            | "dll.hash"
            | "file"
            | "file.hash"
            | "source"
            | "destination"
            | "network"
            | "container"
            | "container.image"
            | "orchestrator"
            | "kubernetes"
            | "kubernetes.pod"
    )
}

/// The document `text` read with serde_json.
fn walk<'a>(text: &'a str, path: &mut String) -> Result<Doc<'a>, serde_json::Error> {
    let mut d = Doc::default();
    path.clear();
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Walk { doc: &mut d, path }).and_then(|()| de.end())?;
    Ok(d)
}

/// Walks one JSON object whose members are at `path`, filling `doc`.
struct Walk<'p, 'a> {
    doc: &'p mut Doc<'a>,
    path: &'p mut String,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Walk<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Walk<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ECS document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.path.len();
        while let Some(MaybeStr(key)) = map.next_key::<MaybeStr<'de>>()? {
            let key = key.unwrap_or_default();
            if base == 0 && key == "_source" {
                map.next_value_seed(Walk { doc: self.doc, path: self.path })?;
                continue;
            }
            if base > 0 {
                self.path.push('.');
            }
            self.path.push_str(&key);
            match slot(self.path) {
                Some(Slot::Str(f)) => *f(self.doc) = map.next_value::<MaybeStr<'de>>()?.0,
                Some(Slot::Int(f)) => *f(self.doc) = map.next_value::<Int>()?,
                Some(Slot::Strs(f)) => *f(self.doc) = map.next_value::<Strs<'de>>()?,
                None if holds_fields(self.path) => map.next_value_seed(Walk { doc: self.doc, path: self.path })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            self.path.truncate(base);
        }
        Ok(())
    }

    // An object where another value stands holds no field: ignored.
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

impl Format for Ecs {
    fn name(&self) -> &'static str {
        "ecs"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let Some(doc) = first_doc(head) else { return false };
        let doc = doc.get("_source").cloned().unwrap_or(doc);
        let Some(m) = doc.as_object() else { return false };
        m.contains_key("@timestamp")
            && (m.get("event").is_some_and(|e| e.is_object())
                || m.keys().any(|k| k.starts_with("event."))
                || m.contains_key("ecs")
                || m.contains_key("ecs.version"))
    }

    fn read(&self, input: &mut dyn std::io::BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut tables = DeviceTables::default();
        let mut path = String::with_capacity(64);
        read_each_doc(input, out, &mut |text, out| document(text, &mut path, out, &mut tables))
    }
}

/// The datetime `v`, if any; `what` names the field in the error (made
/// only then).
fn time_of(v: Option<&str>, what: &dyn fmt::Display) -> Result<Option<i64>, String> {
    match v {
        None | Some("") => Ok(None),
        Some(t) => parse_datetime(t).map(Some).ok_or_else(|| format!("{what} {t:?} is not a datetime")),
    }
}

/// `args` as one command line (see the module docs).
pub fn join_args<S: AsRef<str>>(args: &[S]) -> String {
    let mut line = String::with_capacity(args.iter().map(|a| a.as_ref().len() + 1).sum());
    for (i, a) in args.iter().enumerate() {
        let a = a.as_ref();
        if i > 0 {
            line.push(' ');
        }
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"') {
            line.push('"');
            for c in a.chars() {
                if c == '"' || c == '\\' {
                    line.push('\\');
                }
                line.push(c);
            }
            line.push('"');
        } else {
            line.push_str(a);
        }
    }
    line
}

fn proc<'a>(p: EcsProc<'a>, what: &str, account: Option<Cow<'a, str>>) -> Result<Proc<'a>, String> {
    let command_line = p.command_line.or_else(|| (!p.args.0.is_empty()).then(|| Cow::Owned(join_args(&p.args.0))));
    Ok(Proc {
        pid: p.pid.get(&format_args!("{what}.pid"))?,
        created: time_of(p.start.as_deref(), &format_args!("{what}.start"))?,
        name: if p.executable.is_none() { p.name } else { None },
        path: p.executable,
        command_line,
        account,
        unique_id: p.entity_id,
        sha1: p.sha1,
        sha256: p.sha256,
        md5: p.md5,
    })
}

enum Kind {
    Process,
    File(&'static str),
    Network(&'static str),
    Library,
    /// Auditbeat's host state: a reading of the machine, no event.
    Host,
}

fn kind(d: &Doc<'_>) -> Option<Kind> {
    if d.dataset.as_deref() == Some("host") || !d.audit_host.is_empty() {
        return Some(Kind::Host);
    }
    let action = d.action.as_deref().unwrap_or("");
    let ty = |t: &str| d.etype.has(t);
    if d.category.has("process") {
        let start = ty("start") || matches!(action, "exec" | "executed" | "process_started");
        return (start && action != "fork").then_some(Kind::Process);
    }
    if d.category.has("library") {
        return (ty("start") || matches!(action, "load" | "loaded" | "library_loaded")).then_some(Kind::Library);
    }
    if d.category.has("file") {
        return Some(Kind::File(if ty("creation") || action == "creation" {
            "FileCreated"
        } else if ty("deletion") || action == "deletion" {
            "FileDeleted"
        } else if action == "rename" {
            "FileRenamed"
        } else if ty("change") || action == "modification" || action == "overwrite" {
            "FileModified"
        } else if action == "opened-file" {
            "FileOpened"
        } else {
            return None;
        }));
    }
    if d.category.has("network") {
        if ty("end") {
            return None;
        }
        if d.outcome.as_deref() == Some("failure") {
            return Some(Kind::Network("ConnectionFailed"));
        }
        return Some(Kind::Network(match action {
            "connection_attempted" => "ConnectionAttempt",
            "connection_accepted" => "InboundConnectionAccepted",
            _ if ty("connection") || ty("start") || action.contains("connect") => "ConnectionSuccess",
            _ => return None,
        }));
    }
    None
}

fn document(text: &str, path: &mut String, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Outcome {
    if !text.trim_start().starts_with('{') {
        return Err("not an ECS document: not a JSON object".into());
    }
    let mut d = Doc::default();
    match scan::read(text, path, &mut d) {
        #[cfg(debug_assertions)]
        Some(()) => scan::check(text, &d),
        #[cfg(not(debug_assertions))]
        Some(()) => {}
        None => d = walk(text, path).map_err(|e| format!("not an ECS document: {e}"))?,
    }
    let t = d.timestamp.as_deref().ok_or("no \"@timestamp\"")?;
    let time = parse_datetime(t).ok_or_else(|| format!("\"@timestamp\" {t:?} is not a datetime"))?;
    let Some(kind) = kind(&d) else {
        out.skip();
        return Ok(Ok(()));
    };
    let mut extra = Extra::default();
    extra.str("EventAction", d.action.as_deref()).str("EventDataset", d.dataset.as_deref());
    extra.str("ContainerId", d.container_id.as_deref()).str("ContainerName", d.container_name.as_deref());
    extra.str("ContainerImage", d.container_image.as_deref());
    extra.str("KubernetesNamespace", d.namespace.as_deref()).str("KubernetesPod", d.pod.as_deref());
    let (cwd, uid) = match kind {
        Kind::Process => ("ProcessCurrentWorkingDirectory", "AccountUid"),
        _ => ("InitiatingProcessCurrentWorkingDirectory", "InitiatingProcessAccountUid"),
    };
    extra.str(cwd, d.process.working_directory.as_deref()).str(uid, d.user_id.as_deref());
    let process = proc(d.process, "process", d.user_name)?;
    let parent = proc(d.parent, "process.parent", None)?;
    let host = std::mem::take(&mut d.host).or(std::mem::take(&mut d.audit_host));
    // An empty name names no machine.
    let device = host.name.filter(|n| !n.is_empty()).or(host.hostname).filter(|n| !n.is_empty());
    let facts = || {
        let owned = |v: Option<Cow<'_, str>>| v.map(|v| Cow::Owned(v.into_owned()));
        let all = |v: Strs<'_>| v.0.into_iter().map(|v| Cow::Owned(v.into_owned())).collect();
        HostFacts {
            os_platform: host.os_type.as_deref().and_then(os_platform),
            os_distribution: owned(host.os_name),
            os_version: owned(host.os_version),
            architecture: owned(host.architecture),
            kernel: owned(host.os_kernel),
            os_family: owned(host.os_family),
            ips: all(host.ip),
            macs: all(host.mac),
            ..HostFacts::default()
        }
    };
    let state = matches!(kind, Kind::Host);
    let due =
        state || tables.due(&Header { time, device: device.clone(), device_id: None, action: "", additional: None });
    let host_id = host.id.clone();
    let mut host = due.then(facts);
    let header = |action| Header {
        time,
        device: device.clone(),
        device_id: host_id.clone(),
        action,
        additional: extra.finish(),
    };
    // Every check is done before this: the reading goes with a row written.
    let mut dispatch = |tables: &mut DeviceTables| tables.host = host.take();
    match kind {
        Kind::Host => {
            let Some(name) = device else {
                out.skip();
                return Ok(Ok(()));
            };
            let mut facts = host.take().unwrap_or_default();
            facts.name = Some(Cow::Owned(name.into_owned()));
            facts.id = host_id.map(|v| Cow::Owned(v.into_owned()));
            Ok(tables.reading(out, time, &facts))
        }
        Kind::Process => {
            dispatch(tables);
            Ok(tables.process(out, header("ProcessCreated"), process, parent, Proc::default()))
        }
        Kind::Library => {
            let path = d.dll_path.or(d.file_path).ok_or("a library event without dll.path (or file.path)")?;
            let file = FileTarget { path, sha256: d.dll_sha256.or(d.file_sha256) };
            dispatch(tables);
            Ok(tables.image_load(out, header("ImageLoaded"), file, process, parent))
        }
        Kind::File(action) => {
            let path = match (d.file_path, d.file_directory, d.file_name) {
                (Some(p), _, _) => p,
                (None, Some(dir), Some(name)) => Cow::Owned(format!("{}/{name}", dir.trim_end_matches('/'))),
                _ => return Err("a file event without file.path (or file.directory and file.name)".into()),
            };
            let file = FileTarget { path, sha256: d.file_sha256 };
            dispatch(tables);
            Ok(tables.file(out, header(action), file, process, parent))
        }
        Kind::Network(action) => {
            let source_port = d.source_port.get(&"source.port")?;
            let destination_port = d.destination_port.get(&"destination.port")?;
            let inbound =
                action == "InboundConnectionAccepted" || matches!(d.direction.as_deref(), Some("ingress" | "inbound"));
            let (remote_ip, remote_port, local_ip, local_port) = if inbound {
                (d.source_ip, source_port, d.destination_ip, destination_port)
            } else {
                (d.destination_ip, destination_port, d.source_ip, source_port)
            };
            if remote_ip.is_none() {
                let far = if inbound { "source.ip" } else { "destination.ip" };
                return Err(format!("a network event without {far}"));
            }
            let protocol = d.transport.map(|t| Cow::Owned(protocol(&t).into_owned()));
            let conn = Conn { remote_ip, remote_port, local_ip, local_port, protocol };
            dispatch(tables);
            Ok(tables.network(out, header(action), conn, process, parent))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc<'_> {
        let mut d = Doc::default();
        let mut path = String::new();
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(Walk { doc: &mut d, path: &mut path }).unwrap();
        d
    }

    #[test]
    fn nested_dotted_and_mixed_fields_read_alike() {
        for text in [
            r#"{"process":{"pid":7,"parent":{"name":"bash"}}}"#,
            r#"{"process.pid":7,"process.parent.name":"bash"}"#,
            r#"{"process":{"pid":7,"parent.name":"bash"}}"#,
            r#"{"_index":"x","_source":{"process.parent":{"name":"bash"},"process":{"pid":"7"}}}"#,
        ] {
            let d = doc(text);
            assert_eq!(d.process.pid, Int::Is(7), "{text}");
            assert_eq!(d.parent.name.as_deref(), Some("bash"), "{text}");
        }
    }

    #[test]
    fn unread_fields_of_any_shape_are_passed_over() {
        let d = doc(r#"{"process":{"Ext":{"ancestry":["a","b"]},"pid":1},"event":"odd","host":[1,2]}"#);
        assert_eq!(d.process.pid, Int::Is(1));
    }

    #[test]
    fn args_join_with_quotes_where_needed() {
        assert_eq!(join_args(&["docker", "ps"]), "docker ps");
        assert_eq!(join_args(&["sh", "-c", "echo \"hi\" > /tmp/x", ""]), r#"sh -c "echo \"hi\" > /tmp/x" """#);
    }
}
