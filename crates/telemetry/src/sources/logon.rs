//! Rows of `DeviceLogonEvents`, from what sshd writes to syslog and from
//! auditd's user-space login records.
//!
//! | source | `ActionType` | `LogonType` | other columns |
//! |---|---|---|---|
//! | sshd `Accepted <method> for <user> from <ip> port <port> <proto>` | `LogonSuccess` | `Network` | `AccountName`, `RemoteIP`, `RemotePort`, `Protocol` (`ssh2`, as sshd writes it) |
//! | sshd `Failed <method> for [invalid user ]<user> from ...` | `LogonFailed` | `Network` | the same, `FailureReason` `InvalidUserNameOrPassword` |
//! | auditd `USER_LOGIN` (and `USER_AUTH`, `USER_START` of programs that write none) | `LogonSuccess` / `LogonFailed` by `res=` | `Network` with a remote address, `Batch` for cron, else `Interactive` | see [`super::auditd::login`] |
//!
//! `LogonSuccess`, `LogonFailed`, `Network`, `Interactive` and
//! `InvalidUserNameOrPassword` are Defender's values. `InitiatingProcess*`
//! is the process that wrote the message (`sshd` and its pid, `sshd-session`
//! on OpenSSH 9.8 and later). `AdditionalFields` holds what has no column:
//! the authentication method (`AuthenticationMethod`: `password`,
//! `publickey`, `keyboard-interactive/pam`...), `InvalidUser: true` when
//! sshd said the account does not exist, and for auditd the record type and
//! operation (`AuditRecordType`, `AuditOperation`), the terminal and the
//! account's uid (`PosixUserId`: `AccountSid` holds Windows security
//! identifiers, and Defender leaves it empty on Linux).
//! `RemoteIPType` is classified as Defender does: `Loopback`, `Private`,
//! `LinkLocal`, `Public`, ... (see [`ip_type`]).

use std::borrow::Cow;
use std::net::IpAddr;

use super::device::Extra;
use crate::batch::Value;
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::device_logon_events;

/// One logon as a source describes it.
#[derive(Debug, Default, Clone)]
pub struct Logon<'a> {
    /// When, in nanoseconds since the epoch, UTC.
    pub time: i64,
    /// The machine's name.
    pub device: Option<Cow<'a, str>>,
    /// `LogonSuccess` or `LogonFailed`.
    pub action: &'static str,
    /// `Network` or `Interactive`.
    pub logon_type: Option<&'static str>,
    /// The account that signed in (or tried to).
    pub account: Option<Cow<'a, str>>,
    /// The protocol, as the source names it.
    pub protocol: Option<Cow<'a, str>>,
    /// Why it failed.
    pub failure: Option<&'static str>,
    /// The far end's address.
    pub remote_ip: Option<Cow<'a, str>>,
    /// The far end's port.
    pub remote_port: Option<i64>,
    /// The far end's name.
    pub remote_device: Option<Cow<'a, str>>,
    /// The process that recorded the logon: its file name, path and pid.
    pub process_name: Option<Cow<'a, str>>,
    /// Its full path.
    pub process_path: Option<Cow<'a, str>>,
    /// Its pid.
    pub process_id: Option<i64>,
    /// The login session's id (auditd `ses`).
    pub logon_id: Option<i64>,
    /// `AdditionalFields`, a JSON object's text.
    pub additional: Option<String>,
}

/// Column indexes of `DeviceLogonEvents`, looked up once per file.
struct Cols {
    t: TableId,
    timestamp: usize,
    time_generated: usize,
    device: usize,
    action: usize,
    logon_type: usize,
    account: usize,
    protocol: usize,
    failure: usize,
    remote_ip: usize,
    remote_ip_type: usize,
    remote_port: usize,
    remote_device: usize,
    logon_id: usize,
    ip_name: usize,
    ip_path: usize,
    ip_id: usize,
    additional: usize,
    source_system: usize,
    ty: usize,
}

/// Writes `DeviceLogonEvents` rows for one file.
#[derive(Default)]
pub struct LogonTable {
    cols: Option<Cols>,
}

impl LogonTable {
    /// Appends the row of `l`.
    pub fn push(&mut self, l: &Logon<'_>, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let c = match &self.cols {
            Some(c) => c,
            None => {
                let t = out.table(device_logon_events::NAME);
                let b = out.builder(t);
                self.cols.insert(Cols {
                    t,
                    timestamp: b.col("Timestamp"),
                    time_generated: b.col("TimeGenerated"),
                    device: b.col("DeviceName"),
                    action: b.col("ActionType"),
                    logon_type: b.col("LogonType"),
                    account: b.col("AccountName"),
                    protocol: b.col("Protocol"),
                    failure: b.col("FailureReason"),
                    remote_ip: b.col("RemoteIP"),
                    remote_ip_type: b.col("RemoteIPType"),
                    remote_port: b.col("RemotePort"),
                    remote_device: b.col("RemoteDeviceName"),
                    logon_id: b.col("LogonId"),
                    ip_name: b.col("InitiatingProcessFileName"),
                    ip_path: b.col("InitiatingProcessFolderPath"),
                    ip_id: b.col("InitiatingProcessId"),
                    additional: b.col("AdditionalFields"),
                    source_system: b.col("SourceSystem"),
                    ty: b.col("Type"),
                })
            }
        };
        let mut r = out.builder(c.t).row();
        fn s<'v>(v: &'v Option<Cow<'_, str>>) -> Option<Value<'v>> {
            v.as_deref().filter(|s| !s.is_empty()).map(Value::str)
        }
        r.set(c.timestamp, Value::Time(l.time)).set(c.time_generated, Value::Time(l.time));
        r.set(c.action, Value::str(l.action));
        let cells = [
            (c.device, s(&l.device)),
            (c.logon_type, l.logon_type.map(Value::str)),
            (c.account, s(&l.account)),
            (c.protocol, s(&l.protocol)),
            (c.failure, l.failure.map(Value::str)),
            (c.remote_ip, s(&l.remote_ip)),
            (c.remote_ip_type, l.remote_ip.as_deref().and_then(ip_type).map(Value::str)),
            (c.remote_port, l.remote_port.map(Value::Long)),
            (c.remote_device, s(&l.remote_device)),
            (c.logon_id, l.logon_id.map(Value::Long)),
            (c.ip_name, s(&l.process_name)),
            (c.ip_path, s(&l.process_path)),
            (c.ip_id, l.process_id.map(Value::Long)),
            (c.additional, l.additional.as_deref().map(|a| Value::Json(a.into()))),
        ];
        for (col, v) in cells {
            if let Some(v) = v {
                r.set(col, v);
            }
        }
        r.set(c.source_system, Value::str("Linux")).set(c.ty, Value::str(device_logon_events::NAME));
        out.push(c.t, &r)
    }
}

/// Defender's `RemoteIPType` of an address: `Loopback`, `Private`
/// (RFC 1918, IPv6 unique local), `LinkLocal`, `Multicast`, `Broadcast`,
/// `Reserved` (unspecified, documentation and other special ranges),
/// `FourToSixMapping` (an IPv4-mapped IPv6 address), else `Public`; `None`
/// for text that is not an address.
pub fn ip_type(text: &str) -> Option<&'static str> {
    let ip: IpAddr = text.trim().parse().ok()?;
    Some(match ip {
        IpAddr::V4(v4) => {
            if v4.is_loopback() {
                "Loopback"
            } else if v4.is_private() {
                "Private"
            } else if v4.is_link_local() {
                "LinkLocal"
            } else if v4.is_multicast() {
                "Multicast"
            } else if v4.is_broadcast() {
                "Broadcast"
            } else if v4.is_unspecified() || v4.is_documentation() || v4.octets()[0] >= 240 {
                "Reserved"
            } else {
                "Public"
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                "Loopback"
            } else if v6.to_ipv4_mapped().is_some() {
                "FourToSixMapping"
            } else if first & 0xfe00 == 0xfc00 {
                "Private"
            } else if first & 0xffc0 == 0xfe80 {
                "LinkLocal"
            } else if v6.is_multicast() {
                "Multicast"
            } else if v6.is_unspecified() || first == 0x2001 && v6.segments()[1] == 0x0db8 {
                "Reserved"
            } else {
                "Public"
            }
        }
    })
}

/// What an sshd message says of a logon: `Accepted ...` or `Failed ...`.
/// `None` for any other message (sshd writes many).
pub fn sshd<'a>(message: &'a str) -> Option<Logon<'a>> {
    let (action, rest) = if let Some(r) = message.strip_prefix("Accepted ") {
        ("LogonSuccess", r)
    } else if let Some(r) = message.strip_prefix("Failed ") {
        ("LogonFailed", r)
    } else {
        return None;
    };
    let (method, rest) = rest.split_once(" for ")?;
    if method.is_empty() || method.contains(' ') {
        return None;
    }
    let (invalid, rest) = match rest.strip_prefix("invalid user ") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    // The user name may itself hold spaces: the address is after the last " from ".
    let (user, rest) = rest.rsplit_once(" from ")?;
    let mut words = rest.split(' ');
    let ip = words.next()?;
    if words.next()? != "port" {
        return None;
    }
    let port: i64 = words.next()?.parse().ok().filter(|p| (0..=65535).contains(p))?;
    let proto = words.next().map(|p| p.trim_end_matches(':')).filter(|p| !p.is_empty());
    let mut extra = Extra::default();
    extra.str("AuthenticationMethod", Some(method));
    if invalid {
        extra.bool("InvalidUser", Some(true));
    }
    Some(Logon {
        action,
        logon_type: Some("Network"),
        account: Some(Cow::Borrowed(user)),
        protocol: proto.map(Cow::Borrowed),
        failure: (action == "LogonFailed").then_some("InvalidUserNameOrPassword"),
        remote_ip: Some(Cow::Borrowed(ip)),
        remote_port: Some(port),
        additional: extra.finish(),
        ..Logon::default()
    })
}

/// Whether a process name is sshd's (the daemon, or its per-session
/// process on OpenSSH 9.8 and later).
pub fn is_sshd(name: &str) -> bool {
    matches!(name, "sshd" | "sshd-session")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sshd_accepted_and_failed_lines_are_logons() {
        let l = sshd("Accepted publickey for alice from 10.0.0.5 port 52144 ssh2: RSA SHA256:abc").unwrap();
        assert_eq!(
            (l.action, l.account.as_deref(), l.remote_ip.as_deref()),
            ("LogonSuccess", Some("alice"), Some("10.0.0.5"))
        );
        assert_eq!((l.remote_port, l.protocol.as_deref(), l.failure), (Some(52144), Some("ssh2"), None));
        assert_eq!(l.additional.as_deref(), Some(r#"{"AuthenticationMethod":"publickey"}"#));
        let l = sshd("Failed password for invalid user admin from 203.0.113.9 port 4444 ssh2").unwrap();
        assert_eq!(
            (l.action, l.account.as_deref(), l.failure),
            ("LogonFailed", Some("admin"), Some("InvalidUserNameOrPassword"))
        );
        assert_eq!(l.additional.as_deref(), Some(r#"{"AuthenticationMethod":"password","InvalidUser":true}"#));
        assert!(sshd("Failed password for root from 1.2.3.4 port 99999 ssh2").is_none());
        assert!(sshd("Accepted password for root from 1.2.3.4").is_none());
        assert!(sshd("Connection closed by 1.2.3.4 port 22").is_none());
        assert!(sshd("Failed ").is_none());
    }

    #[test]
    fn ip_types_are_defenders() {
        assert_eq!(ip_type("127.0.0.1"), Some("Loopback"));
        assert_eq!(ip_type("10.1.2.3"), Some("Private"));
        assert_eq!(ip_type("169.254.1.1"), Some("LinkLocal"));
        assert_eq!(ip_type("8.8.8.8"), Some("Public"));
        assert_eq!(ip_type("::ffff:10.0.0.1"), Some("FourToSixMapping"));
        assert_eq!(ip_type("fd00::1"), Some("Private"));
        assert_eq!(ip_type("2606:4700::1"), Some("Public"));
        assert_eq!(ip_type("host.example"), None);
    }
}
