//! Cilium Tetragon events as its JSON export writes them (`tetra getevents
//! -o json`, the `export-filename` file): one `GetEventsResponse` per line,
//! `{"process_exec": {..}, "node_name": .., "time": ..}`, field names as in
//! `api/v1/tetragon/tetragon.proto` (snake_case, Tetragon's protojson
//! encoder keeps the proto names).
//!
//! | event | table, `ActionType` |
//! |---|---|
//! | `process_exec` | `DeviceProcessEvents`, `ProcessCreated` |
//! | `process_kprobe` / `process_lsm` on a file hook | `DeviceFileEvents` (below) |
//! | `process_kprobe` / `process_lsm` on a `*connect*` hook with an inet socket | `DeviceNetworkEvents` (below) |
//! | the same with a unix socket path (`sockaddrun_arg`) | `DeviceFileEvents`, `UnixSocketConnected`, `FolderPath` the socket path |
//! | `process_kprobe` / `process_lsm` on an `*mmap_file*` hook (`security_mmap_file`) mapping a file executable | `DeviceImageLoadEvents`, `ImageLoaded`, the library the `file_arg` |
//! | `process_exit`, `process_tracepoint`, `process_uprobe`, `process_usdt`, `process_loader`, `process_throttle`, `test`, `rate_limit_info`, hooks on other functions | skipped |
//!
//! A process: `binary` is `FolderPath` and its last component `FileName`;
//! `pid`; `start_time` the creation time; `exec_id` the unique id. Tetragon
//! gives `arguments` (argv[1..], space-joined, quoted where they hold
//! spaces) but not argv[0], so the command line is the binary's file name,
//! a space and `arguments` (just the file name without arguments): what a
//! shell user typed for a program found on `PATH` (`docker ps`, not
//! `/usr/bin/docker ps`). The account is `user.name` when Tetragon resolved
//! it, else `root` for uid 0, else unknown (the uid goes to
//! `AdditionalFields`). The exec's `parent` is the initiating process and
//! the first of its `ancestors` (when Tetragon sends them) the initiating
//! process's parent; a hook's `process` is the initiating process and its
//! `parent` that process's parent.
//!
//! File hooks, by the hooked function's name: `unlink`/`rmdir` in it is
//! `FileDeleted`; `rename`, `FileRenamed`; `creat`/`mkdir`/`mknod`/`symlink`,
//! `FileCreated`; `truncate`/`write`, `FileModified`; `permission`
//! (`security_file_permission`), by its mask argument: `MAY_WRITE` (2) or
//! `MAY_APPEND` (8) `FileModified`, `MAY_READ` (4) `FileRead`; `open`, by
//! the open flags when the hook has them (an integer after the path):
//! `O_CREAT` `FileCreated`, `O_WRONLY`/`O_RDWR`/`O_TRUNC` `FileModified`,
//! else `FileRead`, and without flags `FileOpened`; `fd_install`,
//! `FileOpened`; `read`, `FileRead`. The path is the first `file_arg`,
//! `path_arg` or (for syscall hooks) `string_arg`. (`FileRead` and
//! `FileOpened` are dragnet's values: Defender records no reads.)
//!
//! Map hooks (`security_mmap_file`, with the `file`, `uint32` protection and
//! `uint32` flags arguments of Tetragon's example policy): the file is
//! loaded as a library when the protection (the first `uint_arg` or
//! `int_arg` after the `file_arg`) has `PROT_EXEC` (4), and skipped when it
//! has not (a data mapping); without a protection argument, when the file's
//! name is a shared object's (`*.so`, `*.so.*`).
//!
//! `process_connect` (an event of Isovalent's earlier exports, with
//! `source_ip`/`source_port`/`destination_ip`/`destination_port`/`protocol`)
//! is a `DeviceNetworkEvents` row, `ConnectionAttempt` (it says nothing of
//! how the connect ended); its siblings `process_listen` and
//! `process_close` are read and skipped.
//!
//! Connect hooks: `sock_arg` (`tcp_connect`) gives `daddr`/`dport` as the
//! remote end, `saddr`/`sport` as the local one and `protocol`;
//! `sockaddr_arg` (`security_socket_connect`) gives the remote `addr` and
//! `port`. The hook's `return` value, when it has one, says how it went: 0
//! `ConnectionSuccess`, -115 (`EINPROGRESS`) `ConnectionAttempt`, another
//! error `ConnectionFailed`; a hook without a return value (a kprobe on
//! entry) is `ConnectionAttempt`.
//!
//! `AdditionalFields` holds `ContainerId` (the pod's container id without
//! its `containerd://`-style prefix, else `docker`), `ContainerName`,
//! `ContainerImage`, `KubernetesNamespace`, `KubernetesPod`,
//! `KubernetesWorkload`, `KubernetesCluster` (`cluster_name`), the working
//! directory and uid (`ProcessCurrentWorkingDirectory`/`AccountUid` for an
//! exec, `InitiatingProcessCurrentWorkingDirectory`/
//! `InitiatingProcessAccountUid` otherwise), and for hooks `TetragonPolicy`
//! and `TetragonFunction`.
//!
//! Rejected: a line that is not a JSON object, an event without a `time`
//! that reads as a datetime, one naming no event kind Tetragon has, an
//! exec or hook without its `process`, a number field that is no whole
//! number, and a file, map or connect hook without a path or an address.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::Format;
use super::device::{Conn, DeviceTables, Extra, FileTarget, Header, Outcome, Proc, basename, protocol, read_each_doc};
use super::json::first_doc;
use super::loose::{Int, MaybeStr};
use crate::batch::parse_datetime;
use crate::sink::{FileSink, OutputError};

/// Tetragon's JSON export.
pub struct Tetragon;

/// Event kinds of `GetEventsResponse` that no table holds.
const SKIPPED_KINDS: &[&str] = &[
    "process_connect",
    "process_listen",
    "process_close",
    "process_exit",
    "process_tracepoint",
    "process_loader",
    "process_uprobe",
    "process_throttle",
    "process_usdt",
    "test",
    "rate_limit_info",
];

/// The event kinds a table holds are boxed: each holds processes, and
/// unboxed they would make the event kilobytes large, copied whole as
/// it is built and returned.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    process_exec: Option<Box<Exec<'a>>>,
    #[serde(borrow)]
    process_kprobe: Option<Box<Hook<'a>>>,
    #[serde(borrow)]
    process_lsm: Option<Box<Hook<'a>>>,
    #[serde(borrow)]
    process_connect: Option<Box<Connect<'a>>>,
    process_listen: Option<IgnoredAny>,
    process_close: Option<IgnoredAny>,
    process_exit: Option<IgnoredAny>,
    process_tracepoint: Option<IgnoredAny>,
    process_loader: Option<IgnoredAny>,
    process_uprobe: Option<IgnoredAny>,
    process_throttle: Option<IgnoredAny>,
    process_usdt: Option<IgnoredAny>,
    test: Option<IgnoredAny>,
    rate_limit_info: Option<IgnoredAny>,
    #[serde(borrow, default)]
    node_name: MaybeStr<'a>,
    #[serde(borrow, default)]
    cluster_name: MaybeStr<'a>,
    #[serde(borrow, default)]
    time: MaybeStr<'a>,
}

/// `process_connect`, an event type of Isovalent's earlier exports.
#[derive(Deserialize)]
struct Connect<'a> {
    #[serde(borrow)]
    process: Option<P<'a>>,
    #[serde(borrow)]
    parent: Option<P<'a>>,
    #[serde(borrow, default)]
    source_ip: MaybeStr<'a>,
    #[serde(default)]
    source_port: Int,
    #[serde(borrow, default)]
    destination_ip: MaybeStr<'a>,
    #[serde(default)]
    destination_port: Int,
    #[serde(borrow, default)]
    protocol: MaybeStr<'a>,
}

#[derive(Deserialize)]
struct Exec<'a> {
    #[serde(borrow)]
    process: Option<P<'a>>,
    #[serde(borrow)]
    parent: Option<P<'a>>,
    #[serde(borrow, default)]
    ancestors: Vec<P<'a>>,
}

#[derive(Deserialize)]
struct Hook<'a> {
    #[serde(borrow)]
    process: Option<P<'a>>,
    #[serde(borrow)]
    parent: Option<P<'a>>,
    #[serde(borrow, default)]
    function_name: MaybeStr<'a>,
    #[serde(borrow, default)]
    args: Vec<Arg<'a>>,
    #[serde(borrow, rename = "return")]
    ret: Option<Arg<'a>>,
    #[serde(borrow, default)]
    policy_name: MaybeStr<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct P<'a> {
    #[serde(borrow)]
    exec_id: MaybeStr<'a>,
    pid: Int,
    uid: Int,
    #[serde(borrow)]
    cwd: MaybeStr<'a>,
    #[serde(borrow)]
    binary: MaybeStr<'a>,
    #[serde(borrow)]
    arguments: MaybeStr<'a>,
    #[serde(borrow)]
    start_time: MaybeStr<'a>,
    #[serde(borrow)]
    pod: Option<Pod<'a>>,
    #[serde(borrow)]
    docker: MaybeStr<'a>,
    #[serde(borrow)]
    user: Option<User<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    #[serde(borrow)]
    name: MaybeStr<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pod<'a> {
    #[serde(borrow)]
    namespace: MaybeStr<'a>,
    #[serde(borrow)]
    name: MaybeStr<'a>,
    #[serde(borrow)]
    workload: MaybeStr<'a>,
    #[serde(borrow)]
    container: Option<Container<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Container<'a> {
    #[serde(borrow)]
    id: MaybeStr<'a>,
    #[serde(borrow)]
    name: MaybeStr<'a>,
    #[serde(borrow)]
    image: Option<Image<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Image<'a> {
    #[serde(borrow)]
    name: MaybeStr<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Arg<'a> {
    #[serde(borrow)]
    file_arg: Option<PathArg<'a>>,
    #[serde(borrow)]
    path_arg: Option<PathArg<'a>>,
    #[serde(borrow)]
    string_arg: MaybeStr<'a>,
    int_arg: Int,
    uint_arg: Int,
    #[serde(borrow)]
    sock_arg: Option<Sock<'a>>,
    #[serde(borrow)]
    sockaddr_arg: Option<Sockaddr<'a>>,
    #[serde(borrow)]
    sockaddrun_arg: Option<PathArg<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PathArg<'a> {
    #[serde(borrow)]
    path: MaybeStr<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sock<'a> {
    #[serde(borrow)]
    family: MaybeStr<'a>,
    #[serde(borrow)]
    protocol: MaybeStr<'a>,
    #[serde(borrow)]
    saddr: MaybeStr<'a>,
    #[serde(borrow)]
    daddr: MaybeStr<'a>,
    sport: Int,
    dport: Int,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sockaddr<'a> {
    #[serde(borrow)]
    family: MaybeStr<'a>,
    #[serde(borrow)]
    addr: MaybeStr<'a>,
    port: Int,
}

impl Format for Tetragon {
    fn name(&self) -> &'static str {
        "tetragon"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        const KINDS: &[&str] = &["process_exec", "process_kprobe", "process_lsm"];
        first_doc(head).and_then(|d| d.as_object().cloned()).is_some_and(|m| {
            m.contains_key("time")
                && m.keys().any(|k| KINDS.contains(&k.as_str()) || SKIPPED_KINDS.contains(&k.as_str()))
                && (m.contains_key("node_name") || m.keys().any(|k| k.starts_with("process_")))
        })
    }

    fn read(&self, input: &mut dyn std::io::BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        // Sysmon for Linux and Tetragon run on Linux only.
        let mut tables = DeviceTables::on("Linux");
        read_each_doc(input, out, &mut |text, out| event(text, out, &mut tables))
    }
}

fn s(v: MaybeStr<'_>) -> Option<Cow<'_, str>> {
    v.nonempty()
}

fn time_of(v: &MaybeStr<'_>, what: &str) -> Result<Option<i64>, String> {
    match v.0.as_deref() {
        None | Some("") => Ok(None),
        Some(t) => parse_datetime(t).map(Some).ok_or_else(|| format!("{what} {t:?} is not a datetime")),
    }
}

fn event(text: &str, out: &mut FileSink<'_, '_>, tables: &mut DeviceTables) -> Outcome {
    if !text.trim_start().starts_with('{') {
        return Err("not a Tetragon event: not a JSON object".into());
    }
    let e: Event = serde_json::from_str(text).map_err(|e| format!("not a Tetragon event: {e}"))?;
    // An exec's time is its process's start (Tetragon's own export leaves
    // `time` out of some process_exec events); any other event needs `time`.
    let exec_start = e.process_exec.as_ref().and_then(|x| x.process.as_ref()).and_then(|p| p.start_time.0.as_deref());
    let t = e.time.0.as_deref().or(exec_start).ok_or("no \"time\"")?;
    let time = parse_datetime(t).ok_or_else(|| format!("\"time\" {t:?} is not a datetime"))?;
    let device = s(e.node_name);
    let cluster = s(e.cluster_name);
    if let Some(exec) = e.process_exec.map(|x| *x) {
        let process = exec.process.ok_or("process_exec without \"process\"")?;
        let mut extra = Extra::default();
        context(&mut extra, &process, cluster.as_deref(), true)?;
        let process = proc(process, "process")?;
        let parent = exec.parent.map(|p| proc(p, "parent")).transpose()?.unwrap_or_default();
        let grandparent = exec.ancestors.into_iter().next().map(|p| proc(p, "ancestors")).transpose()?;
        let h = Header { time, device, device_id: None, action: "ProcessCreated", additional: extra.finish() };
        return Ok(tables.process(out, h, process, parent, grandparent.unwrap_or_default()));
    }
    if let Some(c) = e.process_connect.map(|x| *x) {
        let process = c.process.ok_or("process_connect without \"process\"")?;
        let mut extra = Extra::default();
        context(&mut extra, &process, cluster.as_deref(), false)?;
        let actor = proc(process, "process")?;
        let parent = c.parent.map(|p| proc(p, "parent")).transpose()?.unwrap_or_default();
        let conn = Conn {
            remote_ip: s(c.destination_ip),
            remote_port: c.destination_port.get(&"process_connect.destination_port")?,
            local_ip: s(c.source_ip),
            local_port: c.source_port.get(&"process_connect.source_port")?,
            protocol: s(c.protocol).map(|p| Cow::Owned(protocol(&p).into_owned())),
        };
        if conn.remote_ip.is_none() {
            return Err("process_connect without destination_ip".into());
        }
        let h = Header { time, device, device_id: None, action: "ConnectionAttempt", additional: extra.finish() };
        return Ok(tables.network(out, h, conn, actor, parent));
    }
    let (kind, hook) = match (e.process_kprobe, e.process_lsm) {
        (Some(h), _) => ("process_kprobe", *h),
        (None, Some(h)) => ("process_lsm", *h),
        (None, None) => {
            let other = [
                e.process_listen,
                e.process_close,
                e.process_exit,
                e.process_tracepoint,
                e.process_loader,
                e.process_uprobe,
                e.process_throttle,
                e.process_usdt,
                e.test,
                e.rate_limit_info,
            ];
            if other.iter().any(Option::is_some) {
                out.skip();
                return Ok(Ok(()));
            }
            return Err("no Tetragon event in this record (process_exec, process_kprobe, process_exit, ..)".into());
        }
    };
    let function = hook.function_name.0.clone().unwrap_or_default();
    let Some(what) = classify(&function) else {
        out.skip();
        return Ok(Ok(()));
    };
    let process = hook.process.ok_or_else(|| format!("{kind} without \"process\""))?;
    let mut extra = Extra::default();
    context(&mut extra, &process, cluster.as_deref(), false)?;
    extra.str("TetragonPolicy", hook.policy_name.0.as_deref()).str("TetragonFunction", Some(&function));
    let actor = proc(process, "process")?;
    let parent = hook.parent.map(|p| proc(p, "parent")).transpose()?.unwrap_or_default();
    let ret = match &hook.ret {
        Some(r) => r.int_arg.get(&"return.int_arg")?,
        None => None,
    };
    let header = |action| Header { time, device, device_id: None, action, additional: extra.finish() };
    match what {
        Hooked::Connect => {
            let action = match ret {
                None | Some(-115) => "ConnectionAttempt",
                Some(0) => "ConnectionSuccess",
                Some(_) => "ConnectionFailed",
            };
            for arg in hook.args {
                if let Some(un) = arg.sockaddrun_arg {
                    let path = s(un.path).ok_or_else(|| format!("{function}: a sockaddrun_arg without a path"))?;
                    let action = if action == "ConnectionFailed" { action } else { "UnixSocketConnected" };
                    let file = FileTarget { path, sha256: None };
                    return Ok(tables.file(out, header(action), file, actor, parent));
                }
                if let Some(sock) = arg.sock_arg {
                    if sock.family.0.as_deref() == Some("AF_UNIX") {
                        out.skip();
                        return Ok(Ok(()));
                    }
                    let conn = Conn {
                        remote_ip: s(sock.daddr),
                        remote_port: sock.dport.get(&"sock_arg.dport")?,
                        local_ip: s(sock.saddr),
                        local_port: sock.sport.get(&"sock_arg.sport")?,
                        protocol: s(sock.protocol).map(|p| Cow::Owned(protocol(&p).into_owned())),
                    };
                    if conn.remote_ip.is_none() {
                        return Err(format!("{function}: a sock_arg without daddr"));
                    }
                    return Ok(tables.network(out, header(action), conn, actor, parent));
                }
                if let Some(sa) = arg.sockaddr_arg {
                    if sa.family.0.as_deref() == Some("AF_UNIX") {
                        out.skip();
                        return Ok(Ok(()));
                    }
                    let conn = Conn {
                        remote_ip: s(sa.addr),
                        remote_port: sa.port.get(&"sockaddr_arg.port")?,
                        ..Conn::default()
                    };
                    if conn.remote_ip.is_none() {
                        return Err(format!("{function}: a sockaddr_arg without addr"));
                    }
                    return Ok(tables.network(out, header(action), conn, actor, parent));
                }
            }
            Err(format!("{function}: no sock_arg, sockaddr_arg or sockaddrun_arg to take the address from"))
        }
        Hooked::Map => {
            let mut path = None;
            let mut prot = None;
            for arg in hook.args {
                match arg.file_arg.and_then(|a| s(a.path)) {
                    Some(p) if path.is_none() => path = Some(p),
                    _ if path.is_some() && prot.is_none() => {
                        prot = arg.uint_arg.get(&"args[].uint_arg")?.or(arg.int_arg.get(&"args[].int_arg")?);
                    }
                    _ => {}
                }
            }
            let path = path.ok_or_else(|| format!("{function}: no file_arg with a path"))?;
            // PROT_EXEC; without the protection, a shared object's name.
            let loads = match prot {
                Some(p) => p & 4 != 0,
                None => is_shared_object(basename(&path)),
            };
            if !loads {
                out.skip();
                return Ok(Ok(()));
            }
            Ok(tables.image_load(out, header("ImageLoaded"), FileTarget { path, sha256: None }, actor, parent))
        }
        Hooked::File(rule) => {
            let mut path = None;
            let mut ints = Vec::new();
            for arg in hook.args {
                let p = arg.file_arg.map(|a| a.path).or(arg.path_arg.map(|a| a.path)).or(Some(arg.string_arg));
                match p.and_then(s) {
                    Some(p) if path.is_none() => path = Some(p),
                    _ => {
                        if let Some(n) = arg.int_arg.get(&"args[].int_arg")? {
                            ints.push((path.is_some(), n));
                        }
                    }
                }
            }
            let path = path.ok_or_else(|| format!("{function}: no file_arg, path_arg or string_arg with a path"))?;
            let action = match rule {
                FileRule::Fixed(a) => a,
                FileRule::Permission => match ints.first().map(|i| i.1) {
                    Some(m) if m & (2 | 8) != 0 => "FileModified",
                    Some(m) if m & 4 != 0 => "FileRead",
                    _ => "FileOpened",
                },
                FileRule::Open => match ints.iter().find(|i| i.0).map(|i| i.1) {
                    Some(f) if f & 0o100 != 0 => "FileCreated",
                    Some(f) if f & (0o1 | 0o2 | 0o1000) != 0 => "FileModified",
                    Some(_) => "FileRead",
                    None => "FileOpened",
                },
            };
            Ok(tables.file(out, header(action), FileTarget { path, sha256: None }, actor, parent))
        }
    }
}

/// Whether a file name is a shared object's: `libc.so`, `libssl.so.3`.
fn is_shared_object(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

/// What a hooked function does, as far as the tables care.
enum Hooked {
    Connect,
    File(FileRule),
    /// A file mapped into memory: a library load when mapped executable.
    Map,
}

/// How a file hook's `ActionType` is found.
enum FileRule {
    Fixed(&'static str),
    Permission,
    Open,
}

/// The hook kinds of a kernel function's name (see the module docs).
fn classify(function: &str) -> Option<Hooked> {
    let f = function.to_ascii_lowercase();
    let has = |w: &str| f.contains(w);
    Some(if has("connect") {
        Hooked::Connect
    } else if has("mmap_file") {
        Hooked::Map
    } else if has("bprm") {
        // An exec check: process_exec records the exec.
        return None;
    } else if has("unlink") || has("rmdir") {
        Hooked::File(FileRule::Fixed("FileDeleted"))
    } else if has("rename") {
        Hooked::File(FileRule::Fixed("FileRenamed"))
    } else if has("creat") || has("mkdir") || has("mknod") || has("symlink") {
        Hooked::File(FileRule::Fixed("FileCreated"))
    } else if has("truncate") || has("write") {
        Hooked::File(FileRule::Fixed("FileModified"))
    } else if has("file_permission") {
        Hooked::File(FileRule::Permission)
    } else if has("open") {
        Hooked::File(FileRule::Open)
    } else if has("fd_install") {
        Hooked::File(FileRule::Fixed("FileOpened"))
    } else if has("read") && !has("thread") {
        Hooked::File(FileRule::Fixed("FileRead"))
    } else {
        return None;
    })
}

/// One Tetragon process as a [`Proc`]; `what` names it in errors.
fn proc<'a>(p: P<'a>, what: &str) -> Result<Proc<'a>, String> {
    let pid = p.pid.get(&format_args!("{what}.pid"))?;
    let uid = p.uid.get(&format_args!("{what}.uid"))?;
    let created = time_of(&p.start_time, &format!("{what}.start_time"))?;
    let binary = s(p.binary);
    let command_line = binary.as_deref().map(|b| {
        let name = basename(b);
        match p.arguments.0.as_deref().filter(|a| !a.is_empty()) {
            Some(args) => Cow::Owned(format!("{name} {args}")),
            None => Cow::Owned(name.to_string()),
        }
    });
    let account = p.user.and_then(|u| s(u.name)).or_else(|| (uid == Some(0)).then_some(Cow::Borrowed("root")));
    Ok(Proc { path: binary, pid, command_line, account, created, unique_id: s(p.exec_id), ..Proc::default() })
}

/// The process's container, pod, working directory and uid into `extra`;
/// `created` says whether it is the created process (an exec) or the
/// acting one.
fn context(extra: &mut Extra, p: &P<'_>, cluster: Option<&str>, created: bool) -> Result<(), String> {
    let pod = p.pod.as_ref();
    let container = pod.and_then(|p| p.container.as_ref());
    let id = container.and_then(|c| c.id.0.as_deref()).map(|id| id.split_once("://").map_or(id, |(_, id)| id));
    extra.str("ContainerId", id.or(p.docker.0.as_deref()));
    extra.str("ContainerName", container.and_then(|c| c.name.0.as_deref()));
    extra.str("ContainerImage", container.and_then(|c| c.image.as_ref()).and_then(|i| i.name.0.as_deref()));
    extra.str("KubernetesNamespace", pod.and_then(|p| p.namespace.0.as_deref()));
    extra.str("KubernetesPod", pod.and_then(|p| p.name.0.as_deref()));
    extra.str("KubernetesWorkload", pod.and_then(|p| p.workload.0.as_deref()));
    extra.str("KubernetesCluster", cluster);
    let (cwd, uid) = if created {
        ("ProcessCurrentWorkingDirectory", "AccountUid")
    } else {
        ("InitiatingProcessCurrentWorkingDirectory", "InitiatingProcessAccountUid")
    };
    extra.str(cwd, p.cwd.0.as_deref());
    extra.num(uid, p.uid.get(&"process.uid")?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_are_classified_by_function_name() {
        assert!(matches!(classify("tcp_connect"), Some(Hooked::Connect)));
        assert!(matches!(classify("security_socket_connect"), Some(Hooked::Connect)));
        assert!(matches!(classify("security_file_permission"), Some(Hooked::File(FileRule::Permission))));
        assert!(matches!(classify("__x64_sys_openat"), Some(Hooked::File(FileRule::Open))));
        assert!(matches!(classify("fd_install"), Some(Hooked::File(FileRule::Fixed("FileOpened")))));
        assert!(matches!(classify("security_path_unlink"), Some(Hooked::File(FileRule::Fixed("FileDeleted")))));
        assert!(classify("security_bprm_check").is_none());
        assert!(classify("tcp_close").is_none());
    }

    #[test]
    fn sniffs_exports_only() {
        assert!(Tetragon.sniff(br#"{"process_exec":{"process":{}},"node_name":"n","time":"2026-11-20T10:00:00Z"}"#));
        assert!(!Tetragon.sniff(br#"{"process":{},"time":"2026-11-20T10:00:00Z"}"#));
    }
}
