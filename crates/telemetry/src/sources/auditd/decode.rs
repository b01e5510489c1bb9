//! The records of one raw event decoded into an [`Event`].
//!
//! - SYSCALL: `arch`, `syscall`, `success`, `exit`, `a0`..`a3`, `pid`,
//!   `ppid`, `uid`, `auid`, `ses`, `tty`, `comm`, `exe`, `key`, and the
//!   enriched `ARCH`, `SYSCALL`, `UID`, `AUID`.
//! - EXECVE: `argc`, then `aN=` per argument; an argument too long for
//!   one record comes as `aN_len=LENGTH` and then `aN[0]=`, `aN[1]=`, ...
//!   pieces, each quoted or hex on its own, possibly over several EXECVE
//!   records, which are joined in order.
//! - PROCTITLE: `proctitle=`, the process's argument block (arguments
//!   separated by NUL bytes), hex unless it is one plain argument.
//! - CWD `cwd=`; PATH `item=`, `name=`, `nametype=`, `mode=`; SOCKADDR
//!   `saddr=` (see [`super::sockaddr`]).
//!
//! An event without a SYSCALL is nothing the tables hold (a login, a
//! service start: skipped) unless it carries records that only come with
//! a SYSCALL (EXECVE, PATH, ...): then the SYSCALL was lost and the event
//! is rejected, as is an event with a value that does not decode.

use std::borrow::Cow;

use super::event::{Bytes, Event, NameType, PathItem};
use super::record::{self, EventId, Field, Fields, Kind};
use super::sockaddr;
use super::syscalls::{self, Call};

/// One record of an event.
#[derive(Debug, Clone, Copy)]
pub struct Rec<'a> {
    /// Its kind.
    pub kind: Kind,
    /// Its `type=` name.
    pub type_name: &'a [u8],
    /// Its line number.
    pub line: u64,
    /// Its fields, after `msg=audit(...):`.
    pub body: &'a [u8],
}

/// Why an event is rejected, and the line to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// The line of the offending record.
    pub line: u64,
    /// What is wrong.
    pub why: String,
}

fn bad(line: u64, why: impl Into<String>) -> Bad {
    Bad { line, why: why.into() }
}

/// The most arguments an EXECVE may announce (the kernel's `ARG_MAX`
/// allows far fewer).
const MAX_ARGC: u64 = 1 << 20;

/// Decodes the records of the event `id` on `node`; `Ok(None)` for an
/// event without a SYSCALL that needs none.
pub fn event<'a, I>(node: Option<&'a [u8]>, id: EventId, recs: I) -> Result<Option<Event<'a>>, Bad>
where
    I: Iterator<Item = Rec<'a>> + Clone,
{
    let Some((sys_at, sys)) = recs.clone().enumerate().find(|(_, r)| r.kind == Kind::Syscall) else {
        return match recs.clone().find(|r| !matches!(r.kind, Kind::Other | Kind::Eoe)) {
            Some(r) => Err(bad(r.line, format!("{} without SYSCALL", String::from_utf8_lossy(r.type_name)))),
            None => Ok(None),
        };
    };
    let mut ev = Event { node: node.map(Cow::Borrowed), time: id.time_ns(), serial: id.serial, id, ..Event::default() };
    syscall(&mut ev, &sys)?;
    let mut execve = Execve::default();
    for (i, r) in recs.enumerate() {
        let r = &r;
        match r.kind {
            Kind::Syscall if i != sys_at => return Err(bad(r.line, "a second SYSCALL in one event")),
            Kind::Execve => execve.record(r)?,
            Kind::Proctitle => {
                for f in Fields::new(r.body) {
                    if f.key == b"proctitle" && !f.enriched {
                        let title = string(r, &f)?.unwrap_or_default();
                        ev.proctitle = Some(split_nul(title));
                    }
                }
            }
            Kind::Cwd => {
                for f in Fields::new(r.body) {
                    if f.key == b"cwd" && !f.enriched {
                        ev.cwd = string(r, &f)?;
                    }
                }
            }
            Kind::Path => path(&mut ev, r)?,
            Kind::Sockaddr => {
                for f in Fields::new(r.body) {
                    if f.key == b"saddr" && !f.enriched {
                        let mut raw = Vec::new();
                        if !record::unhex_into(f.value.bytes(), &mut raw) {
                            return Err(bad(r.line, "bad hex in saddr"));
                        }
                        let sa = sockaddr::decode(&raw).ok_or_else(|| bad(r.line, "saddr too short for its family"))?;
                        ev.sockaddr = Some(sa);
                    }
                }
            }
            _ => {}
        }
    }
    ev.argv = execve.finish();
    Ok(Some(ev))
}

/// A string field, hex-decoded if bare.
fn string<'a>(r: &Rec<'a>, f: &Field<'a>) -> Result<Option<Bytes<'a>>, Bad> {
    f.value.string().map_err(|_| bad(r.line, format!("bad hex in {}", String::from_utf8_lossy(f.key))))
}

fn number<T: TryFrom<i64>>(r: &Rec<'_>, f: &Field<'_>) -> Result<T, Bad> {
    record::signed(f.value.bytes())
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| bad(r.line, format!("{}= is not a number", String::from_utf8_lossy(f.key))))
}

fn syscall<'a>(ev: &mut Event<'a>, r: &Rec<'a>) -> Result<(), Bad> {
    let mut arch = None;
    let mut nr = None;
    let mut name = None;
    let mut fields = Fields::new(r.body);
    for f in fields.by_ref() {
        if f.enriched {
            match f.key {
                b"ARCH" if arch.is_none() => arch = syscalls::arch_by_name(f.value.bytes()),
                b"SYSCALL" => name = Some(f.value.bytes()),
                b"UID" => ev.uid.name = Some(Cow::Borrowed(f.value.bytes())),
                b"AUID" => ev.auid.name = Some(Cow::Borrowed(f.value.bytes())),
                _ => {}
            }
            continue;
        }
        match f.key {
            b"arch" => {
                arch = Some(record::hex_number(f.value.bytes()).ok_or_else(|| bad(r.line, "arch= is not hex"))?);
            }
            b"syscall" => nr = Some(number::<u64>(r, &f)?),
            b"success" => ev.success = f.value.bytes() == b"yes",
            b"exit" => ev.exit = Some(number(r, &f)?),
            b"a0" | b"a1" | b"a2" | b"a3" => {
                let i = usize::from(f.key[1] - b'0');
                ev.args[i] = Some(
                    record::hex_number(f.value.bytes())
                        .ok_or_else(|| bad(r.line, format!("{}= is not hex", String::from_utf8_lossy(f.key))))?,
                );
            }
            b"pid" => ev.pid = Some(number(r, &f)?),
            b"ppid" => ev.ppid = Some(number(r, &f)?),
            b"uid" => ev.uid.id = Some(number(r, &f)?),
            b"auid" => ev.auid.id = Some(number(r, &f)?),
            b"ses" => ev.ses = Some(number(r, &f)?),
            b"tty" => ev.tty = Some(Cow::Borrowed(f.value.bytes())),
            b"comm" => ev.comm = string(r, &f)?,
            b"exe" => ev.exe = string(r, &f)?,
            b"key" => ev.key = string(r, &f)?,
            _ => {}
        }
    }
    if fields.unterminated {
        return Err(bad(r.line, "a quoted value without its closing quote"));
    }
    if ev.pid.is_none() {
        return Err(bad(r.line, "SYSCALL without pid="));
    }
    ev.call = match (name, arch, nr) {
        (_, Some(a), Some(n)) => Some(syscalls::by_number(a, n)),
        (Some(name), _, _) => Some(syscalls::by_name(name)),
        (None, None, Some(_)) => return Err(bad(r.line, "SYSCALL without arch=")),
        (None, _, None) => return Err(bad(r.line, "SYSCALL without syscall=")),
    };
    if ev.call == Some(Call::Socketcall) && ev.args[0] == Some(syscalls::SYS_CONNECT) {
        ev.call = Some(Call::Connect);
    }
    Ok(())
}

fn path<'a>(ev: &mut Event<'a>, r: &Rec<'a>) -> Result<(), Bad> {
    let mut item = PathItem::default();
    let mut index = None;
    let mut fields = Fields::new(r.body);
    for f in fields.by_ref() {
        if f.enriched {
            continue;
        }
        match f.key {
            b"item" => index = Some(number::<usize>(r, &f)?),
            b"name" => item.name = string(r, &f)?,
            b"nametype" => item.nametype = NameType::of(f.value.bytes()),
            b"mode" => item.mode = record::octal(f.value.bytes()),
            _ => {}
        }
    }
    if fields.unterminated {
        return Err(bad(r.line, "a quoted value without its closing quote"));
    }
    // Items come in order; one out of order goes to its place.
    let at = index.map_or(ev.paths.len(), |i| i.min(ev.paths.len()));
    ev.paths.insert(at, item);
    Ok(())
}

/// The arguments of the EXECVE records of one event.
#[derive(Default)]
struct Execve<'a> {
    seen: bool,
    args: Vec<Bytes<'a>>,
    /// The argument being pieced together: its number and next piece.
    piece: Option<(u64, u64, Vec<u8>)>,
}

impl<'a> Execve<'a> {
    fn record(&mut self, r: &Rec<'a>) -> Result<(), Bad> {
        self.seen = true;
        let mut fields = Fields::new(r.body);
        for f in fields.by_ref() {
            if f.enriched {
                continue;
            }
            if f.key == b"argc" {
                if record::decimal(f.value.bytes()).is_none_or(|n| n > MAX_ARGC) {
                    return Err(bad(r.line, "argc= is not a count"));
                }
                continue;
            }
            let Some(rest) = f.key.strip_prefix(b"a") else { continue };
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let Some(n) = record::decimal(&rest[..digits]) else { continue };
            let expected = self.args.len() as u64;
            match &rest[digits..] {
                b"" => {
                    self.finish_piece();
                    if n != self.args.len() as u64 {
                        return Err(bad(r.line, format!("EXECVE argument a{n} where a{expected} was due")));
                    }
                    self.args.push(string(r, &f)?.unwrap_or_default());
                }
                b"_len" => {}
                [b'[', idx @ .., b']'] => {
                    let i = record::decimal(idx).ok_or_else(|| bad(r.line, "a piece index a_N[..] is not a number"))?;
                    let value = f.value.string().map_err(|_| bad(r.line, format!("bad hex in a{n}[{i}]")))?;
                    match &mut self.piece {
                        Some((arg, next, buf)) if *arg == n && *next == i => {
                            buf.extend_from_slice(value.as_deref().unwrap_or_default());
                            *next += 1;
                        }
                        _ if i == 0 => {
                            self.finish_piece();
                            if n != self.args.len() as u64 {
                                return Err(bad(r.line, format!("EXECVE argument a{n} where a{expected} was due")));
                            }
                            self.piece = Some((n, 1, value.map(Cow::into_owned).unwrap_or_default()));
                        }
                        _ => return Err(bad(r.line, format!("EXECVE piece a{n}[{i}] out of order"))),
                    }
                }
                _ => {}
            }
        }
        if fields.unterminated {
            return Err(bad(r.line, "a quoted value without its closing quote"));
        }
        if fields.stray {
            return Err(bad(r.line, "EXECVE with text that is not key=value"));
        }
        Ok(())
    }

    fn finish_piece(&mut self) {
        if let Some((_, _, buf)) = self.piece.take() {
            self.args.push(Cow::Owned(buf));
        }
    }

    fn finish(mut self) -> Option<Vec<Bytes<'a>>> {
        self.finish_piece();
        self.seen.then_some(self.args)
    }
}

/// The arguments of a NUL-separated block. The kernel leaves out the
/// NUL that ends the last argument, so a block ending in NUL has an empty
/// last argument (`ls -la ""` is `ls\0-la\0`).
pub fn split_nul(b: Bytes<'_>) -> Vec<Bytes<'_>> {
    if b.is_empty() {
        return Vec::new();
    }
    match b {
        Cow::Borrowed(s) => s.split(|&c| c == 0).map(Cow::Borrowed).collect(),
        Cow::Owned(v) => v.split(|&c| c == 0).map(|p| Cow::Owned(p.to_vec())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(lines: &[&str]) -> Result<Option<Event<'static>>, Bad> {
        let lines: Vec<&'static str> = lines.iter().map(|l| &*Box::leak(l.to_string().into_boxed_str())).collect();
        let mut recs = Vec::new();
        let mut first = None;
        for (i, l) in lines.iter().enumerate() {
            let h = record::header(l.as_bytes()).unwrap();
            first.get_or_insert(h);
            recs.push(Rec { kind: h.kind, type_name: h.type_name, line: i as u64 + 1, body: &l.as_bytes()[h.body..] });
        }
        let h = first.unwrap();
        event(h.node, h.id, recs.into_iter())
    }

    fn text(b: &Bytes<'_>) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn execve_with_hex_quoted_and_split_arguments() {
        let ev = decode(&[
            "type=SYSCALL msg=audit(1.5:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=10 pid=11 auid=1000 uid=0 ses=3 comm=\"sh\" exe=\"/usr/bin/dash\" key=(null)",
            "type=EXECVE msg=audit(1.5:7): argc=4 a0=\"sh\" a1=\"-c\" a2_len=10 a2[0]=6563686F a2[1]=\" hi\"",
            "type=EXECVE msg=audit(1.5:7): a2[2]=\"!!!\" a3=\"\"",
            "type=PROCTITLE msg=audit(1.5:7): proctitle=7368002D63",
        ])
        .unwrap()
        .unwrap();
        let argv: Vec<String> = ev.argv.as_ref().unwrap().iter().map(text).collect();
        assert_eq!(argv, ["sh", "-c", "echo hi!!!", ""]);
        let title: Vec<String> = ev.proctitle.as_ref().unwrap().iter().map(text).collect();
        assert_eq!(title, ["sh", "-c"]);
        let empty_last: Vec<String> = split_nul(Cow::Borrowed(b"ls\0-la\0")).iter().map(text).collect();
        assert_eq!(empty_last, ["ls", "-la", ""]);
        assert!(split_nul(Cow::Borrowed(b"")).is_empty());
        assert_eq!((ev.call, ev.pid, ev.ppid, ev.success), (Some(Call::Exec), Some(11), Some(10), true));
        assert_eq!(ev.id.to_string(), "1.500:7");
        assert_eq!(ev.account().unwrap(), "0");
        assert_eq!(ev.session(), Some(3));
        assert_eq!(ev.key, None);
    }

    #[test]
    fn enriched_names_and_syscall() {
        let ev = decode(&[
            "type=SYSCALL msg=audit(1.0:1): arch=c00000b7 syscall=221 success=yes exit=0 pid=5 ppid=1 uid=1000 auid=1000 exe=\"/bin/ls\"\x1dARCH=aarch64 SYSCALL=execve AUID=\"alice\" UID=\"alice\"",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(ev.call, Some(Call::Exec));
        assert_eq!(ev.account().unwrap(), "alice");
    }

    #[test]
    fn records_without_syscall() {
        let e = decode(&["type=EXECVE msg=audit(1.0:1): argc=1 a0=\"ls\""]).unwrap_err();
        assert_eq!(e, Bad { line: 1, why: "EXECVE without SYSCALL".into() });
        assert!(
            decode(&["type=USER_LOGIN msg=audit(1.0:1): pid=1 uid=0 msg='op=login res=success'"]).unwrap().is_none()
        );
    }

    #[test]
    fn bad_values_are_rejected_with_their_line() {
        let sys = "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes exit=0 pid=5 ppid=1 uid=0";
        let e = decode(&[sys, "type=EXECVE msg=audit(1.0:1): argc=1 a0=2F62696"]).unwrap_err();
        assert_eq!(e, Bad { line: 2, why: "bad hex in a0".into() });
        let e = decode(&[sys, "type=EXECVE msg=audit(1.0:1): argc=2 a1=\"x\""]).unwrap_err();
        assert_eq!(e.why, "EXECVE argument a1 where a0 was due");
        let e = decode(&[sys, "type=EXECVE msg=audit(1.0:1): argc=1 a0_len=4 a0[1]=\"ab\""]).unwrap_err();
        assert_eq!(e.why, "EXECVE piece a0[1] out of order");
        let e = decode(&[sys, "type=EXECVE msg=audit(1.0:1): argc=1 a0=\"ls\"'"]).unwrap_err();
        assert_eq!(e.why, "EXECVE with text that is not key=value");
        let e = decode(&["type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 exe=zz pid=1"]).unwrap_err();
        assert_eq!(e.why, "bad hex in exe");
        let e = decode(&["type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59"]).unwrap_err();
        assert_eq!(e.why, "SYSCALL without pid=");
        let e = decode(&[sys, "type=SOCKADDR msg=audit(1.0:1): saddr=0200"]).unwrap_err();
        assert_eq!(e.why, "saddr too short for its family");
    }

    #[test]
    fn path_items_and_hex_names() {
        let ev = decode(&[
            "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 pid=5 ppid=1 uid=0",
            "type=CWD msg=audit(1.0:1): cwd=2F686F6D652F6120622F",
            "type=PATH msg=audit(1.0:1): item=1 name=\"out.txt\" inode=2 dev=fd:01 mode=0100644 nametype=CREATE",
            "type=PATH msg=audit(1.0:1): item=0 name=\"/tmp/\" inode=1 dev=fd:01 mode=040755 nametype=PARENT",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(text(ev.cwd.as_ref().unwrap()), "/home/a b/");
        assert_eq!(ev.paths.len(), 2);
        assert_eq!(ev.paths[0].nametype, NameType::Parent);
        assert!(ev.paths[0].is_dir());
        assert_eq!(text(ev.paths[1].name.as_ref().unwrap()), "out.txt");
        assert_eq!(ev.args[2], Some(0x241));
    }
}
