//! Laurel's JSON lines (<https://github.com/threathunters-io/laurel>, its
//! `laurel-about(7)` page): one JSON object per audit event, with `ID`
//! (`SECONDS.MILLIS:SERIAL`), `NODE` when auditd had one, `SYSCALL`,
//! `EXECVE`, `CWD`, `PROCTITLE` as objects and `PATH`, `SOCKADDR` as
//! lists of objects, each holding the record's fields.
//!
//! What differs from the raw records:
//! - strings are decoded, and bytes that are not printable ASCII or valid
//!   UTF-8, and `%` and `+`, are percent-encoded (`%25`): they are
//!   decoded back here;
//! - `EXECVE.ARGV` lists the arguments (or `EXECVE.ARGV_STR` joins them
//!   with spaces: that text is split at spaces); `PROCTITLE.ARGV` lists
//!   the proctitle's parts;
//! - numbers are JSON numbers, or strings for hex (`"0x241"`) and octal
//!   (`"0o100644"`); `SYSCALL.a0`..`a3` may instead be a `SYSCALL.ARGV`
//!   list;
//! - translations are capitalised keys, as auditd's: `SYSCALL.SYSCALL`
//!   (`"execve"`), `SYSCALL.ARCH`, `SYSCALL.UID`; with `drop-raw` the
//!   numbers are gone and only the names stay;
//! - `SOCKADDR` items are translated (`saddr_fam`, `addr`, `port`,
//!   `path`) or hold the raw `saddr` bytes;
//! - the parent process, as Laurel tracked it: `SYSCALL.PPID` (`exe`,
//!   `comm`, `ppid`), `SYSCALL.SPAWNED_BY` (when its `pid` is the
//!   parent's) and the older top-level `PARENT_INFO` (`exe`, `comm`,
//!   `ARGV`, `ppid`). dragnet uses them for the initiating process when it
//!   has not seen the parent execute itself.

use std::borrow::Cow;

use serde_json::{Map, Value as J};

use super::decode::Bad;
use super::event::{Bytes, Event, NameType, PathItem, Spawner};
use super::record;
use super::sockaddr::{self, SockAddr};
use super::syscalls::{self, Call};

/// Percent-decodes a Laurel string.
pub fn unpercent(s: &str) -> Bytes<'_> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(pair) = b.get(i + 1..i + 3)
            && let Some(n) = record::hex_number(pair)
        {
            out.push(n as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(out)
}

fn bytes(v: Option<&J>) -> Option<Bytes<'_>> {
    match v? {
        J::String(s) => Some(unpercent(s)),
        J::Null => None,
        other => Some(Cow::Owned(other.to_string().into_bytes())),
    }
}

/// A number written as a number, a decimal string, `0x` hex or `0o` octal.
fn int(v: Option<&J>) -> Option<i64> {
    match v? {
        J::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)),
        J::String(s) => {
            let s = s.as_bytes();
            if s.starts_with(b"0x") {
                record::hex_number(s).map(|n| n as i64)
            } else if s.starts_with(b"0o") {
                record::octal(s).map(|n| n as i64)
            } else {
                record::signed(s)
            }
        }
        _ => None,
    }
}

fn list(v: Option<&J>) -> Option<Vec<Bytes<'_>>> {
    Some(v?.as_array()?.iter().map(|a| bytes(Some(a)).unwrap_or_default()).collect())
}

/// Parses the `ID`.
fn id(s: &str) -> Option<record::EventId> {
    let (time, serial) = s.split_once(':')?;
    let (secs, frac) = time.split_once('.')?;
    if frac.is_empty() || frac.len() > 9 {
        return None;
    }
    let mut nanos = u32::try_from(record::decimal(frac.as_bytes())?).ok()?;
    for _ in frac.len()..9 {
        nanos *= 10;
    }
    Some(record::EventId {
        secs: record::decimal(secs.as_bytes())?,
        nanos,
        serial: record::decimal(serial.as_bytes())?,
    })
}

/// Whether `doc` looks like a Laurel event: an object whose `ID` is an
/// audit event id.
pub fn is_event(doc: &J) -> bool {
    doc.get("ID").and_then(J::as_str).is_some_and(|s| id(s).is_some())
}

/// The event of one Laurel line (`line` for rejects); `Ok(None)` for an
/// event without a SYSCALL that needs none.
pub fn event(doc: &J, line: u64) -> Result<Option<Event<'_>>, Bad> {
    let bad = |why: &str| Bad { line, why: why.to_string() };
    let obj = doc.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let id_text = obj.get("ID").and_then(J::as_str).ok_or_else(|| bad("no \"ID\""))?;
    let id = id(id_text).ok_or_else(|| bad("\"ID\" is not SECONDS.MILLIS:SERIAL"))?;
    let Some(sys) = obj.get("SYSCALL") else {
        return match ["EXECVE", "PATH", "CWD", "SOCKADDR", "PROCTITLE"].iter().find(|k| obj.contains_key(**k)) {
            Some(k) => Err(bad(&format!("{k} without SYSCALL"))),
            None => Ok(None),
        };
    };
    let sys = sys.as_object().ok_or_else(|| bad("\"SYSCALL\" is not an object"))?;
    let mut ev = Event { node: bytes(obj.get("NODE")), time: id.time_ns(), serial: id.serial, id, ..Event::default() };
    syscall(&mut ev, sys).map_err(bad)?;
    if let Some(execve) = obj.get("EXECVE") {
        let argv = list(execve.get("ARGV")).or_else(|| {
            let s = execve.get("ARGV_STR")?.as_str()?;
            Some(s.split(' ').map(unpercent).collect())
        });
        ev.argv = Some(argv.unwrap_or_default());
    }
    ev.proctitle = obj.get("PROCTITLE").and_then(|p| list(p.get("ARGV")));
    ev.cwd = obj.get("CWD").and_then(|c| bytes(c.get("cwd")));
    if let Some(paths) = obj.get("PATH").and_then(J::as_array) {
        ev.paths = paths
            .iter()
            .map(|p| PathItem {
                name: bytes(p.get("name")),
                nametype: p
                    .get("nametype")
                    .and_then(J::as_str)
                    .map_or(NameType::Unknown, |t| NameType::of(t.as_bytes())),
                mode: int(p.get("mode")).map(|m| m as u64),
            })
            .collect();
    }
    if let Some(sa) = obj.get("SOCKADDR").and_then(J::as_array).and_then(|l| l.first()) {
        ev.sockaddr = Some(socket(sa).ok_or_else(|| bad("SOCKADDR without a readable address"))?);
    }
    ev.spawner = spawner(obj, sys, ev.ppid);
    Ok(Some(ev))
}

fn syscall<'a>(ev: &mut Event<'a>, sys: &'a Map<String, J>) -> Result<(), &'static str> {
    ev.pid = int(sys.get("pid"));
    ev.ppid = int(sys.get("ppid"));
    if ev.pid.is_none() {
        return Err("SYSCALL without pid");
    }
    ev.success = sys.get("success").and_then(J::as_str) == Some("yes");
    ev.exit = int(sys.get("exit"));
    match sys.get("ARGV").and_then(J::as_array) {
        Some(a) => {
            for (i, v) in a.iter().take(4).enumerate() {
                ev.args[i] = int(Some(v)).map(|n| n as u64);
            }
        }
        None => {
            for (i, k) in ["a0", "a1", "a2", "a3"].iter().enumerate() {
                ev.args[i] = int(sys.get(*k)).map(|n| n as u64);
            }
        }
    }
    ev.uid.id = int(sys.get("uid")).and_then(|n| u32::try_from(n).ok());
    ev.uid.name = bytes(sys.get("UID"));
    ev.auid.id = int(sys.get("auid")).and_then(|n| u32::try_from(n).ok());
    ev.auid.name = bytes(sys.get("AUID"));
    ev.ses = int(sys.get("ses"));
    ev.tty = bytes(sys.get("tty"));
    ev.comm = bytes(sys.get("comm"));
    ev.exe = bytes(sys.get("exe"));
    ev.key = bytes(sys.get("key"));
    let arch = int(sys.get("arch")).map(|a| a as u64).or_else(|| {
        let name = sys.get("ARCH")?.as_str()?;
        syscalls::arch_by_name(name.as_bytes())
    });
    let name = sys.get("SYSCALL").and_then(J::as_str);
    ev.call = match (name, arch, int(sys.get("syscall"))) {
        (_, Some(a), Some(n)) => Some(syscalls::by_number(a, n as u64)),
        (Some(name), _, _) => Some(syscalls::by_name(name.as_bytes())),
        (None, None, Some(_)) => return Err("SYSCALL without arch"),
        (None, _, None) => return Err("SYSCALL without syscall"),
    };
    if ev.call == Some(Call::Socketcall) && ev.args[0] == Some(syscalls::SYS_CONNECT) {
        ev.call = Some(Call::Connect);
    }
    Ok(())
}

fn socket(sa: &J) -> Option<SockAddr> {
    match sa.get("saddr_fam").and_then(J::as_str) {
        Some("inet" | "inet6") => {
            let ip = sa.get("addr")?.as_str()?.parse().ok()?;
            let port = u16::try_from(int(sa.get("port"))?).ok()?;
            Some(SockAddr::Inet(ip, port))
        }
        Some("local") => match bytes(sa.get("path")) {
            Some(p) if !p.is_empty() => {
                let p = if p[0] == 0 {
                    format!("@{}", String::from_utf8_lossy(&p[1..]))
                } else {
                    String::from_utf8_lossy(&p).into_owned()
                };
                Some(SockAddr::Unix(p))
            }
            _ => Some(SockAddr::Other),
        },
        Some(_) => Some(SockAddr::Other),
        None => sockaddr::decode(&bytes(sa.get("saddr"))?),
    }
}

/// Laurel's account of the parent process `ppid`.
fn spawner<'a>(obj: &'a Map<String, J>, sys: &'a Map<String, J>, ppid: Option<i64>) -> Option<Spawner<'a>> {
    let from = |m: &'a J| Spawner {
        exe: bytes(m.get("exe")),
        comm: bytes(m.get("comm")),
        argv: list(m.get("ARGV")),
        ppid: int(m.get("ppid")),
    };
    if let Some(p) = sys.get("PPID").filter(|p| p.get("exe").is_some() || p.get("comm").is_some()) {
        return Some(from(p));
    }
    if let Some(s) = sys.get("SPAWNED_BY").filter(|s| ppid.is_some() && int(s.get("pid")) == ppid) {
        return Some(Spawner { ppid: None, ..from(s) });
    }
    obj.get("PARENT_INFO").map(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_is_undone() {
        assert_eq!(unpercent("a%20b%25c").as_ref(), b"a b%c");
        assert_eq!(unpercent("%ff%zz").as_ref(), b"\xff%zz");
        assert!(matches!(unpercent("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_execve_event_with_parent_info() {
        let doc: J = serde_json::from_str(
            r#"{"ID":"1700000000.250:77","NODE":"n1","SYSCALL":{"arch":"0xc000003e","syscall":59,"success":"yes","exit":0,"ppid":10,"pid":11,"uid":0,"UID":"root","ses":4,"comm":"ls","exe":"/usr/bin/ls","key":null,"PPID":{"EVENT_ID":"1.0:1","comm":"bash","exe":"/usr/bin/bash","ppid":9}},"EXECVE":{"argc":2,"ARGV":["ls","a%20b"]},"CWD":{"cwd":"/root"},"PATH":[{"item":0,"name":"/usr/bin/ls","mode":"0o100755","nametype":"NORMAL"}]}"#,
        )
        .unwrap();
        let ev = event(&doc, 1).unwrap().unwrap();
        assert_eq!(ev.call, Some(Call::Exec));
        assert_eq!(ev.time, 1_700_000_000_250_000_000);
        assert_eq!(ev.argv.as_ref().unwrap()[1].as_ref(), b"a b");
        assert_eq!(ev.account().unwrap(), "root");
        assert_eq!(ev.paths[0].mode, Some(0o100_755));
        let s = ev.spawner.as_ref().unwrap();
        assert_eq!(s.exe.as_deref(), Some(&b"/usr/bin/bash"[..]));
        assert_eq!(s.ppid, Some(9));
    }

    #[test]
    fn sockaddrs_translated_or_raw() {
        let j = |s: &str| serde_json::from_str::<J>(s).unwrap();
        assert_eq!(
            socket(&j(r#"{"saddr_fam":"inet","addr":"127.0.0.1","port":2375}"#)),
            Some(SockAddr::Inet("127.0.0.1".parse().unwrap(), 2375))
        );
        assert_eq!(
            socket(&j(r#"{"saddr_fam":"local","path":"/var/run/docker.sock"}"#)),
            Some(SockAddr::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(socket(&j(r#"{"saddr":"%01%00/run/x.sock%00"}"#)), Some(SockAddr::Unix("/run/x.sock".into())));
    }

    #[test]
    fn bad_events() {
        let j = |s: &str| serde_json::from_str::<J>(s).unwrap();
        assert_eq!(
            event(&j(r#"{"ID":"1.0:1","EXECVE":{"ARGV":["ls"]}}"#), 3).unwrap_err().why,
            "EXECVE without SYSCALL"
        );
        assert_eq!(event(&j(r#"{"ID":"x"}"#), 3).unwrap_err().why, "\"ID\" is not SECONDS.MILLIS:SERIAL");
        assert!(event(&j(r#"{"ID":"1.0:1","USER_LOGIN":[{"pid":1}]}"#), 3).unwrap().is_none());
    }
}
