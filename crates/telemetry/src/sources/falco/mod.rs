//! Falco alerts written with `json_output: true`: one JSON object per line,
//! `{"output": .., "priority": .., "rule": .., "time": .., "output_fields":
//! {"evt.type": .., "proc.cmdline": .., ..}, "hostname": .., "source": ..,
//! "tags": [..]}`.
//!
//! An alert describes the one event that matched its rule, and
//! `output_fields` holds the fields its rule's output names (Falco's
//! "Supported Fields for Conditions and Outputs" reference). The event's
//! `evt.type` says which table it belongs to:
//!
//! | `evt.type` | table, `ActionType` |
//! |---|---|
//! | `execve`, `execveat` | `DeviceProcessEvents`, `ProcessCreated` |
//! | `open`, `openat`, `openat2`, `open_by_handle_at`, `creat` | `DeviceFileEvents` (below) |
//! | `connect` on an IPv4/IPv6 socket | `DeviceNetworkEvents`, `ConnectionSuccess` (`ConnectionAttempt` when `evt.res` is `EINPROGRESS`, `ConnectionFailed` for another error) |
//! | `connect` on a unix socket | `DeviceFileEvents`, `UnixSocketConnected` (`ConnectionFailed` for an error), `FolderPath` the socket's path |
//!
//! Every alert, of any rule and source, is a row of `FalcoAlerts` (see
//! [`crate::tables::falco_alerts`]: its fields, `output_fields` whole as
//! `OutputFields`). An alert of another event, one without `evt.type`
//! (whose event the alert does not say), and one of another source than
//! `syscall` (Kubernetes audit, a plugin) give that row alone.
//!
//! Process columns: `proc.exepath` is the image path (`FolderPath`), its
//! last component `FileName` (else `proc.name`); `proc.cmdline` (Falco's
//! `proc.name` + `proc.args`) is the command line; `proc.pid`, `user.name`.
//! The parent is `proc.ppid`, `proc.pname`, `proc.pexepath`,
//! `proc.pcmdline`; the grandparent `proc.apid[2]`, `proc.aname[2]`.
//!
//! A file open is `FileCreated` for `creat` or when `evt.arg.flags` has
//! Falco's `O_F_CREATED`; `FileModified` when opened for writing
//! (`evt.is_open_write`, or `O_WRONLY`/`O_RDWR` in the flags); `FileRead`
//! when opened read-only; `FileOpened` when the alert does not say.
//! (`FileRead` and `FileOpened` are dragnet's: Defender records no reads.)
//! The path is `fd.name`, else `evt.arg.name`, else `evt.arg.filename`.
//!
//! `AdditionalFields` holds `FalcoRule`, `FalcoPriority`, `FalcoSource`,
//! `FalcoTags`, `ContainerId`, `ContainerName`, `ContainerImage`
//! (`container.image.repository`:`container.image.tag`, else
//! `container.image`), `KubernetesNamespace`, `KubernetesPod`,
//! `ProcessCurrentWorkingDirectory` (`proc.cwd`) and `AccountUid`
//! (`user.uid`) for an exec, `InitiatingProcessCurrentWorkingDirectory`
//! and `InitiatingProcessAccountUid` for other events (where `proc.*` is
//! the acting process), each when the alert has it; a container id of
//! `host` (Falco's value outside containers) is left out.
//!
//! Rejected, with neither row: a line that is not a JSON object, an alert
//! without a `time` that reads as a datetime, one without `output_fields`,
//! and, for an alert whose event has a `Device*` row, a field of the
//! wrong type (a `proc.pid` that is no whole number) or a file or
//! connection event that names no file or address.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Format;
use super::device::{
    Conn, DeviceTables, Extra, FileTarget, Header, Outcome, Proc, protocol, push_json_str, read_each_doc,
};
use super::json::first_doc;
use super::loose::{Int, MaybeStr, Strs};
use crate::batch::{Value, parse_datetime};
use crate::sink::{FileSink, OutputError};
use crate::tables::falco_alerts;

mod one_pass;

/// Falco's JSON alerts.
pub struct Falco;

#[derive(Deserialize, Default)]
struct Alert<'a> {
    #[serde(borrow, default)]
    rule: MaybeStr<'a>,
    #[serde(borrow, default)]
    priority: MaybeStr<'a>,
    #[serde(borrow, default)]
    time: MaybeStr<'a>,
    #[serde(borrow, default)]
    hostname: MaybeStr<'a>,
    #[serde(borrow, default)]
    output: MaybeStr<'a>,
    #[serde(borrow, default)]
    source: MaybeStr<'a>,
    #[serde(borrow, default)]
    tags: Strs<'a>,
    #[serde(borrow, default)]
    output_fields: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(default)]
struct Fields<'a> {
    #[serde(borrow, rename = "evt.type")]
    evt_type: MaybeStr<'a>,
    #[serde(borrow, rename = "evt.res")]
    evt_res: MaybeStr<'a>,
    #[serde(borrow, rename = "evt.arg.flags")]
    flags: MaybeStr<'a>,
    #[serde(rename = "evt.is_open_write")]
    is_open_write: Option<bool>,
    #[serde(rename = "evt.is_open_read")]
    is_open_read: Option<bool>,
    #[serde(borrow, rename = "evt.arg.name")]
    arg_name: MaybeStr<'a>,
    #[serde(borrow, rename = "evt.arg.filename")]
    arg_filename: MaybeStr<'a>,
    #[serde(borrow, rename = "evt.hostname")]
    evt_hostname: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.name")]
    name: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.exepath")]
    exepath: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.cmdline")]
    cmdline: MaybeStr<'a>,
    #[serde(rename = "proc.pid")]
    pid: Int,
    #[serde(borrow, rename = "proc.cwd")]
    cwd: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.pname")]
    pname: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.pexepath")]
    pexepath: MaybeStr<'a>,
    #[serde(borrow, rename = "proc.pcmdline")]
    pcmdline: MaybeStr<'a>,
    #[serde(rename = "proc.ppid")]
    ppid: Int,
    #[serde(borrow, rename = "proc.aname[2]")]
    gname: MaybeStr<'a>,
    #[serde(rename = "proc.apid[2]")]
    gpid: Int,
    #[serde(borrow, rename = "user.name")]
    user: MaybeStr<'a>,
    #[serde(rename = "user.uid")]
    uid: Int,
    #[serde(borrow, rename = "fd.name")]
    fd_name: MaybeStr<'a>,
    #[serde(borrow, rename = "fd.type")]
    fd_type: MaybeStr<'a>,
    #[serde(borrow, rename = "fd.typechar")]
    fd_typechar: MaybeStr<'a>,
    #[serde(borrow, rename = "fd.sockfamily")]
    fd_sockfamily: MaybeStr<'a>,
    #[serde(borrow, rename = "fd.rip")]
    rip: MaybeStr<'a>,
    #[serde(rename = "fd.rport")]
    rport: Int,
    #[serde(borrow, rename = "fd.lip")]
    lip: MaybeStr<'a>,
    #[serde(rename = "fd.lport")]
    lport: Int,
    #[serde(borrow, rename = "fd.sip")]
    sip: MaybeStr<'a>,
    #[serde(rename = "fd.sport")]
    sport: Int,
    #[serde(borrow, rename = "fd.cip")]
    cip: MaybeStr<'a>,
    #[serde(rename = "fd.cport")]
    cport: Int,
    #[serde(borrow, rename = "fd.l4proto")]
    l4proto: MaybeStr<'a>,
    #[serde(borrow, rename = "container.id")]
    container_id: MaybeStr<'a>,
    #[serde(borrow, rename = "container.name")]
    container_name: MaybeStr<'a>,
    #[serde(borrow, rename = "container.image")]
    container_image: MaybeStr<'a>,
    #[serde(borrow, rename = "container.image.repository")]
    image_repository: MaybeStr<'a>,
    #[serde(borrow, rename = "container.image.tag")]
    image_tag: MaybeStr<'a>,
    #[serde(borrow, rename = "k8s.ns.name")]
    k8s_ns: MaybeStr<'a>,
    #[serde(borrow, rename = "k8s.pod.name")]
    k8s_pod: MaybeStr<'a>,
}

impl Format for Falco {
    fn name(&self) -> &'static str {
        "falco"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_doc(head).is_some_and(|d| {
            d.get("rule").is_some_and(|r| r.is_string())
                && d.get("priority").is_some()
                && d.get("output_fields").is_some_and(|f| f.is_object())
        })
    }

    fn read(&self, input: &mut dyn std::io::BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut tables = DeviceTables::default();
        let mut alerts = None;
        read_each_doc(input, out, &mut |text, out| alert(text, out, &mut tables, &mut alerts))
    }
}

fn s(v: MaybeStr<'_>) -> Option<Cow<'_, str>> {
    v.nonempty()
}

fn int(v: Int, name: &str) -> Result<Option<i64>, String> {
    v.get(&format_args!("output_fields.{name}"))
}

/// The columns of `FalcoAlerts`.
struct AlertCols {
    id: crate::sink::TableId,
    timestamp: usize,
    rule: usize,
    priority: usize,
    source: usize,
    hostname: usize,
    output: usize,
    tags: usize,
    output_fields: usize,
}

impl AlertCols {
    fn new(out: &mut FileSink<'_, '_>) -> AlertCols {
        let id = out.table(falco_alerts::NAME);
        let c = |n| out.builder(id).col(n);
        AlertCols {
            id,
            timestamp: c("TimeGenerated"),
            rule: c("Rule"),
            priority: c("Priority"),
            source: c("Source"),
            hostname: c("Hostname"),
            output: c("Output"),
            tags: c("Tags"),
            output_fields: c("OutputFields"),
        }
    }
}

/// One alert: its `FalcoAlerts` row, and the `Device*` row its event
/// gives, if any. A reject writes neither.
fn alert(text: &str, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables, alerts: &mut Option<AlertCols>) -> Outcome {
    if !text.trim_start().starts_with('{') {
        return Err("not a Falco alert: not a JSON object".into());
    }
    // Read in one pass when plain; else as before, output_fields taken as
    // raw JSON, then read (the same row, or the same reject and reason).
    let mut a = Alert::default();
    let mut f = Fields::default();
    let read_once = one_pass::read(text, &mut a, &mut f);
    match read_once {
        #[cfg(debug_assertions)]
        Some(raw) => one_pass::check(text, &a, &f, raw),
        #[cfg(not(debug_assertions))]
        Some(_) => {}
        None => a = serde_json::from_str::<Alert>(text).map_err(|e| format!("not a Falco alert: {e}"))?,
    }
    let time = a.time.0.as_deref().ok_or("no \"time\"")?;
    let time = parse_datetime(time).ok_or_else(|| format!("\"time\" {time:?} is not a datetime"))?;
    let fields_json = match read_once {
        Some((raw, true)) => Cow::Borrowed(raw),
        Some((raw, false)) => super::dynamic::compact(raw),
        None => {
            let raw = a.output_fields.filter(|r| r.get().starts_with('{')).ok_or("no \"output_fields\" object")?;
            f = serde_json::from_str(raw.get()).map_err(|e| format!("output_fields: {e}"))?;
            super::dynamic::compact(raw.get())
        }
    };
    if let Err(e) = device_row(&a, &f, time, out, tables)? {
        return Ok(Err(e));
    }
    let c = alerts.get_or_insert_with(|| AlertCols::new(out));
    let mut row = out.builder(c.id).row();
    row.set(c.timestamp, Value::Time(time));
    fn text_of<'a>(v: &MaybeStr<'a>) -> Value<'a> {
        v.0.clone().map_or(Value::Null, Value::Str)
    }
    row.set(c.rule, text_of(&a.rule));
    row.set(c.priority, text_of(&a.priority));
    row.set(c.source, text_of(&a.source));
    row.set(c.hostname, text_of(if a.hostname.0.is_some() { &a.hostname } else { &f.evt_hostname }));
    row.set(c.output, text_of(&a.output));
    if !a.tags.0.is_empty() {
        row.set(c.tags, Value::Json(Cow::Owned(tags_json(&a.tags.0))));
    }
    row.set(c.output_fields, Value::Json(fields_json));
    Ok(out.push(c.id, &row))
}

/// `tags` as a JSON array, written as serde_json writes it: quotes and
/// backslashes are escaped alike by [`push_json_str`]; a tag with a
/// control character (which the two escape differently) is left to
/// serde_json.
fn tags_json(tags: &[Cow<'_, str>]) -> String {
    if tags.iter().any(|t| t.bytes().any(|b| b < 0x20)) {
        return serde_json::to_string(tags).unwrap_or_default();
    }
    let mut out = String::with_capacity(tags.iter().map(|t| t.len() + 3).sum::<usize>() + 2);
    for (i, t) in tags.iter().enumerate() {
        out.push(if i == 0 { '[' } else { ',' });
        push_json_str(&mut out, t);
    }
    out.push(']');
    out
}

/// The `Device*` row of an alert whose event fits one (see the module
/// docs); none for the others.
fn device_row(
    a: &Alert<'_>,
    f: &Fields<'_>,
    time: i64,
    out: &mut FileSink<'_, '_>,
    tables: &mut DeviceTables,
) -> Outcome {
    if a.source.0.as_deref().is_some_and(|s| s != "syscall") {
        return Ok(Ok(()));
    }
    let Some(evt_type) = f.evt_type.0.clone() else {
        return Ok(Ok(()));
    };
    let kind = match evt_type.as_ref() {
        "execve" | "execveat" => Kind::Exec,
        "open" | "openat" | "openat2" | "open_by_handle_at" => Kind::Open,
        "creat" => Kind::Creat,
        "connect" => Kind::Connect,
        _ => return Ok(Ok(())),
    };

    // proc.name and proc.pname are the kernel's comm, cut at 16 characters:
    // the image path's last component, when there is a path, is the name.
    let (path, pname_path) = (s(f.exepath.clone()), s(f.pexepath.clone()));
    let process = Proc {
        name: if path.is_none() { s(f.name.clone()) } else { None },
        path,
        pid: int(f.pid, "proc.pid")?,
        command_line: s(f.cmdline.clone()),
        account: s(f.user.clone()),
        ..Proc::default()
    };
    let parent = Proc {
        name: if pname_path.is_none() { s(f.pname.clone()) } else { None },
        path: pname_path,
        pid: int(f.ppid, "proc.ppid")?,
        command_line: s(f.pcmdline.clone()),
        ..Proc::default()
    };
    let grandparent = Proc { name: s(f.gname.clone()), pid: int(f.gpid, "proc.apid[2]")?, ..Proc::default() };

    let mut extra = Extra::default();
    extra.str("FalcoRule", a.rule.0.as_deref()).str("FalcoPriority", a.priority.0.as_deref());
    extra.str("FalcoSource", a.source.0.as_deref()).strs("FalcoTags", &a.tags.0);
    let container = f.container_id.0.as_deref().filter(|c| *c != "host");
    extra.str("ContainerId", container);
    if container.is_some() {
        extra.str("ContainerName", f.container_name.0.as_deref());
        let image = match (f.image_repository.0.as_deref(), f.image_tag.0.as_deref()) {
            (Some(r), Some(t)) if !r.is_empty() && !t.is_empty() => Some(Cow::Owned(format!("{r}:{t}"))),
            (Some(r), _) if !r.is_empty() => Some(Cow::Borrowed(r)),
            _ => f.container_image.0.clone(),
        };
        extra.str("ContainerImage", image.as_deref());
    }
    extra.str("KubernetesNamespace", f.k8s_ns.0.as_deref()).str("KubernetesPod", f.k8s_pod.0.as_deref());
    // The proc.* fields are the created process for an exec, the acting
    // (initiating) process otherwise; the keys say which.
    let (cwd_key, uid_key) = match kind {
        Kind::Exec => ("ProcessCurrentWorkingDirectory", "AccountUid"),
        _ => ("InitiatingProcessCurrentWorkingDirectory", "InitiatingProcessAccountUid"),
    };
    extra.str(cwd_key, f.cwd.0.as_deref());
    extra.num(uid_key, int(f.uid, "user.uid")?);

    let device = s(a.hostname.clone()).or(s(f.evt_hostname.clone()));
    let header = |action| Header { time, device, device_id: None, action, additional: extra.finish() };

    match kind {
        Kind::Exec => Ok(tables.process(out, header("ProcessCreated"), process, parent, grandparent)),
        Kind::Open | Kind::Creat => {
            let path =
                s(f.fd_name.clone()).or(s(f.arg_name.clone())).or(s(f.arg_filename.clone())).ok_or_else(|| {
                    format!("evt.type {evt_type} without fd.name, evt.arg.name or evt.arg.filename: no file to record")
                })?;
            let flags = f.flags.0.as_deref().unwrap_or("");
            let action = if kind == Kind::Creat || flags.contains("O_F_CREATED") {
                "FileCreated"
            } else if f.is_open_write == Some(true) || flags.contains("O_WRONLY") || flags.contains("O_RDWR") {
                "FileModified"
            } else if f.is_open_read == Some(true) || flags.contains("O_RDONLY") {
                "FileRead"
            } else {
                "FileOpened"
            };
            let file = FileTarget { path, sha256: None };
            Ok(tables.file(out, header(action), file, process, parent))
        }
        Kind::Connect => {
            let action = match f.evt_res.0.as_deref() {
                None | Some("SUCCESS") => "ConnectionSuccess",
                Some("EINPROGRESS") => "ConnectionAttempt",
                Some(_) => "ConnectionFailed",
            };
            let fd_name = f.fd_name.0.as_deref().unwrap_or("");
            let from_tuple = tuple(fd_name);
            let unix = matches!(f.fd_type.0.as_deref(), Some("unix"))
                || matches!(f.fd_typechar.0.as_deref(), Some("u"))
                || matches!(f.fd_sockfamily.0.as_deref(), Some("unix"))
                || (f.rip.0.is_none() && f.sip.0.is_none() && from_tuple.is_none() && unix_path(fd_name).is_some());
            if unix {
                let path = unix_path(fd_name)
                    .ok_or_else(|| format!("a unix socket connect whose fd.name {fd_name:?} names no path"))?;
                let file = FileTarget { path: Cow::Owned(path.to_string()), sha256: None };
                let action = if action == "ConnectionFailed" { action } else { "UnixSocketConnected" };
                return Ok(tables.file(out, header(action), file, process, parent));
            }
            // connect() is made by the client: the server is the far end.
            let remote_ip = s(f.rip.clone()).or(s(f.sip.clone())).or(from_tuple.map(|t| Cow::Owned(t.2.to_string())));
            let remote_port = int(f.rport, "fd.rport")?.or(int(f.sport, "fd.sport")?).or(from_tuple.map(|t| t.3));
            let local_ip = s(f.lip.clone()).or(s(f.cip.clone())).or(from_tuple.map(|t| Cow::Owned(t.0.to_string())));
            let local_port = int(f.lport, "fd.lport")?.or(int(f.cport, "fd.cport")?).or(from_tuple.map(|t| t.1));
            if remote_ip.is_none() {
                return Err(format!(
                    "a connect event without fd.rip, fd.sip or an address tuple in fd.name ({fd_name:?})"
                ));
            }
            let conn = Conn {
                remote_ip,
                remote_port,
                local_ip,
                local_port,
                protocol: f.l4proto.0.as_deref().map(|p| Cow::Owned(protocol(p).into_owned())),
            };
            Ok(tables.network(out, header(action), conn, process, parent))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exec,
    Open,
    Creat,
    Connect,
}

/// The `client_ip:port->server_ip:port` tuple Falco writes as a socket's
/// `fd.name` (an IPv6 address keeps its colons: the port is after the last).
fn tuple(name: &str) -> Option<(&str, i64, &str, i64)> {
    let (client, server) = split_arrow(name)?;
    fn end(s: &str) -> Option<(&str, i64)> {
        let (ip, port) = s.trim().rsplit_once(':')?;
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        let ok = !ip.is_empty() && ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
        if !ok {
            return None;
        }
        Some((ip, port.parse().ok()?))
    }
    let (cip, cport) = end(client)?;
    let (sip, sport) = end(server)?;
    Some((cip, cport, sip, sport))
}

/// `name` around its first `->`, as `split_once("->")` cuts it, found
/// with `memchr` (the general substring search costs more to set up than
/// such short names take to read).
fn split_arrow(name: &str) -> Option<(&str, &str)> {
    let b = name.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'-', b.get(from..)?) {
        let at = from + i;
        if b.get(at + 1) == Some(&b'>') {
            return Some((name.get(..at)?, name.get(at + 2..)?));
        }
        from = at + 1;
    }
    None
}

/// The path of a unix socket's `fd.name`: the whole name when it is a path,
/// else what follows the `->` tuple of kernel addresses (`ffff..->ffff..
/// /run/docker.sock`).
fn unix_path(name: &str) -> Option<&str> {
    let name = name.trim();
    if name.starts_with('/') || name.starts_with('@') {
        return Some(name);
    }
    let (_, rest) = split_arrow(name)?;
    let (_, path) = rest.split_once(' ')?;
    let path = path.trim();
    (path.starts_with('/') || path.starts_with('@')).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_written_as_serde_json_writes_them() {
        let cases: [&[&str]; 6] = [
            &["container", "mitre_execution"],
            &[""],
            &["q\"uote", "back\\slash", "/ é 日本 \u{7f}"],
            &["tab\there", "bell\u{7}", "\u{8}\u{c}\n\r"],
            &["a", "\u{1f}"],
            &["\u{10ffff}"],
        ];
        for tags in cases {
            let cows: Vec<Cow<'_, str>> = tags.iter().map(|t| Cow::Borrowed(*t)).collect();
            assert_eq!(tags_json(&cows), serde_json::to_string(tags).unwrap(), "{tags:?}");
        }
    }

    #[test]
    fn socket_tuples_split_into_client_and_server() {
        assert_eq!(tuple("10.0.0.7:43210->10.0.0.1:10250"), Some(("10.0.0.7", 43210, "10.0.0.1", 10250)));
        assert_eq!(tuple("::1:5000->::1:2375"), Some(("::1", 5000, "::1", 2375)));
        assert_eq!(tuple("/etc/shadow"), None);
        assert_eq!(tuple("ffff9a->ffff9b /var/run/docker.sock"), None);
    }

    #[test]
    fn names_split_at_the_first_arrow_as_split_once_splits_them() {
        for name in ["a->b", "a->b->c", "-->", "a-b->c", "->", "", "-", "a-", "é->ü", "a- >b", "x-->y", "a>-b"] {
            assert_eq!(split_arrow(name), name.split_once("->"), "{name:?}");
        }
    }

    #[test]
    fn unix_socket_names_give_their_path() {
        assert_eq!(unix_path("ffff9a->ffff9b /var/run/docker.sock"), Some("/var/run/docker.sock"));
        assert_eq!(unix_path("/run/containerd/containerd.sock"), Some("/run/containerd/containerd.sock"));
        assert_eq!(unix_path("ffff9a->ffff9b"), None);
    }

    #[test]
    fn sniffs_alerts_only() {
        let alert = br#"{"output":"x","priority":"Warning","rule":"Terminal shell in container","time":"2026-11-20T10:00:00Z","output_fields":{}}"#;
        assert!(Falco.sniff(alert));
        assert!(!Falco.sniff(br#"{"rule":"x","time":"2026-11-20T10:00:00Z"}"#));
    }
}
