//! Logons from auditd's user-space records: `USER_LOGIN`, `USER_AUTH` and
//! `USER_START`, which PAM-using programs (sshd, login, su, sudo, cron)
//! write with a second key/value list inside `msg='...'`:
//! `op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=10.0.0.5
//! terminal=ssh res=failed`.
//!
//! One logon is one row. sshd and login write `USER_LOGIN` for every
//! logon, successful or not, besides `USER_AUTH` and `USER_START` for the
//! same logon; so `USER_LOGIN` always gives a row, and the other two only
//! for programs that write no `USER_LOGIN` (su, sudo, cron...): a failed
//! `USER_AUTH` (a wrong password) as `LogonFailed`, a successful
//! `USER_START` (a session opened) as `LogonSuccess`. Every other record
//! of these types is skipped, as are all other user-space records.
//!
//! Columns: `ActionType` from `res=` (`success`/`yes` → `LogonSuccess`,
//! anything else → `LogonFailed`); `AccountName` from `acct=` (hex-decoded
//! when bare), else the account of `id=` (the ENRICHED `ID=` name, else
//! through `--passwd`, else the number); sshd's `acct="(invalid user)"` leaves it null and sets
//! `InvalidUser`. `RemoteIP` is `addr=` and `RemoteDeviceName`
//! `hostname=`, unless `?` (or, for the name, the address again).
//! `LogonType`: `Network` with a remote address, `Batch` for cron's
//! sessions (`terminal=cron`, Windows' type for scheduled work), else
//! `Interactive`. `LogonId` is `ses=` unless unset. `InitiatingProcess*`:
//! `exe=` (file name and folder) and `pid=`. `DeviceName` is the `node=`
//! name, else `--device-name`. `AdditionalFields`: `AuditRecordType`,
//! `AuditOperation` (`op=`), `Terminal`, `AuditEventId`, `PosixUserId` (the
//! account's uid, from `id=`, else `auid=` when the account is the login
//! user), `InvalidUser`.

use std::borrow::Cow;

use super::decode::{Bad, Rec};
use super::record::{EventId, Fields, Raw};
use crate::host::HostInfo;
use crate::sources::device::{Extra, basename};
use crate::sources::logon::Logon;

/// The logon an event without a SYSCALL records, if any (see the module docs).
pub fn logon<'a, I>(node: Option<&'a [u8]>, id: EventId, recs: I, host: &HostInfo) -> Result<Option<Logon<'a>>, Bad>
where
    I: Iterator<Item = Rec<'a>>,
{
    for r in recs {
        let kind = match r.type_name {
            b"USER_LOGIN" => Kind::Login,
            b"USER_AUTH" => Kind::Auth,
            b"USER_START" => Kind::Start,
            _ => continue,
        };
        return user_record(node, id, &r, kind, host);
    }
    Ok(None)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Login,
    Auth,
    Start,
}

/// What one user-space record says.
#[derive(Default)]
struct User<'a> {
    pid: Option<i64>,
    auid: Option<u32>,
    ses: Option<i64>,
    op: Option<Cow<'a, [u8]>>,
    acct: Option<Cow<'a, [u8]>>,
    id: Option<u32>,
    id_name: Option<&'a [u8]>,
    exe: Option<Cow<'a, [u8]>>,
    hostname: Option<&'a [u8]>,
    addr: Option<&'a [u8]>,
    terminal: Option<&'a [u8]>,
    res: Option<&'a [u8]>,
}

fn text(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

fn user_record<'a>(
    node: Option<&'a [u8]>,
    id: EventId,
    r: &Rec<'a>,
    kind: Kind,
    host: &HostInfo,
) -> Result<Option<Logon<'a>>, Bad> {
    let bad = |why: String| Bad { line: r.line, why };
    let mut u = User::default();
    let num = |v: Raw<'_>| std::str::from_utf8(v.bytes()).ok().and_then(|s| s.parse::<i64>().ok());
    for f in Fields::new(r.body) {
        if f.enriched {
            // ENRICHED logs translate `id=` after the record: `ID="alice"`.
            if f.key == b"ID" {
                u.id_name = Some(f.value.bytes());
            }
            continue;
        }
        match f.key {
            b"pid" => u.pid = num(f.value),
            b"auid" => u.auid = num(f.value).and_then(|n| u32::try_from(n).ok()).filter(|&n| n != u32::MAX),
            b"ses" => u.ses = num(f.value).filter(|&s| s != i64::from(u32::MAX)),
            b"msg" => {
                for g in Fields::new(f.value.bytes()) {
                    // Older auditd writes `(hostname=?, addr=?, terminal=cron res=success)`.
                    let key = g.key.strip_prefix(b"(").unwrap_or(g.key);
                    let value = match g.value {
                        Raw::Bare(b) => Raw::Bare(b.strip_suffix(b",").or(b.strip_suffix(b")")).unwrap_or(b)),
                        quoted => quoted,
                    };
                    match key {
                        b"op" => u.op = Some(Cow::Borrowed(value.bytes())),
                        // A name is quoted, or hex when it holds special
                        // characters; older auditd wrote it bare (`acct=root`).
                        b"acct" => {
                            u.acct = value.string().or_else(|_| Ok::<_, Bad>(Some(Cow::Borrowed(value.bytes()))))?
                        }
                        b"id" => u.id = num(value).and_then(|n| u32::try_from(n).ok()),
                        b"exe" => u.exe = value.string().map_err(|_| bad("bad hex in exe".into()))?,
                        b"hostname" => u.hostname = Some(value.bytes()),
                        b"addr" => u.addr = Some(value.bytes()),
                        b"terminal" => u.terminal = Some(value.bytes()),
                        b"res" => u.res = Some(value.bytes()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let Some(res) = u.res else { return Err(bad("no res= in the record's msg".into())) };
    let success = matches!(res, b"success" | b"yes");
    let exe_name = u.exe.as_deref().map(|e| basename(&text(e)).to_string());
    let writes_login = exe_name.as_deref().is_some_and(|n| matches!(n, "sshd" | "sshd-session" | "login"));
    match kind {
        Kind::Login => {}
        Kind::Auth if !success && !writes_login => {}
        Kind::Start if success && !writes_login => {}
        _ => return Ok(None),
    }
    let known = |b: Option<&'a [u8]>| b.filter(|b| !b.is_empty() && *b != b"?").map(text);
    let remote_ip = known(u.addr);
    let remote_name = known(u.hostname).filter(|h| remote_ip.as_deref() != Some(h.as_ref()));
    let invalid = u.acct.as_deref() == Some(b"(invalid user)");
    let account: Option<Cow<'a, str>> = match (&u.acct, u.id) {
        (Some(a), _) if !invalid => Some(Cow::Owned(text(a).into_owned())),
        (None, Some(uid)) => {
            Some(match (u.id_name.filter(|n| !n.is_empty() && !n.starts_with(b"unknown")), host.user(uid)) {
                (Some(n), _) => Cow::Owned(text(n).into_owned()),
                (None, Some(n)) => Cow::Owned(n.to_string()),
                (None, None) => Cow::Owned(uid.to_string()),
            })
        }
        _ => None,
    };
    let uid = u.id.or(u.auid.filter(|&a| account.as_deref().is_some_and(|n| host.user(a) == Some(n))));
    let terminal = u.terminal.map(text);
    let logon_type = if remote_ip.as_deref().is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok()) {
        "Network"
    } else if terminal.as_deref() == Some("cron") {
        "Batch"
    } else {
        "Interactive"
    };
    let type_name = text(r.type_name);
    let event_id = id.to_string();
    let mut extra = Extra::default();
    extra
        .str("AuditRecordType", Some(&type_name))
        .str("AuditOperation", u.op.as_deref().map(text).as_deref())
        .str("Terminal", terminal.as_deref())
        .str("AuditEventId", Some(&event_id))
        .num("PosixUserId", uid.map(i64::from))
        .bool("InvalidUser", invalid.then_some(true));
    let device = node.map(text).or_else(|| host.device_name.clone().map(Cow::Owned));
    Ok(Some(Logon {
        time: id.time_ns(),
        device: device.map(|d| Cow::Owned(d.into_owned())),
        action: if success { "LogonSuccess" } else { "LogonFailed" },
        logon_type: Some(logon_type),
        account,
        protocol: None,
        failure: None,
        remote_ip: remote_ip.map(|s| Cow::Owned(s.into_owned())),
        remote_port: None,
        remote_device: remote_name.map(|s| Cow::Owned(s.into_owned())),
        process_name: exe_name.map(Cow::Owned),
        process_path: u.exe.as_deref().map(|e| Cow::Owned(text(e).into_owned())),
        process_id: u.pid,
        logon_id: u.ses,
        additional: extra.finish(),
    }))
}
