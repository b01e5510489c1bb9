//! Linux audit logs: `audit.log` as auditd writes it (`log_format=RAW` or
//! `ENRICHED`, with or without `node=`), and Laurel's JSON lines.
//!
//! # Reading
//!
//! A raw log is read line by line ([`record`]); the records of one event
//! (same `node` and `msg=audit(TIME:SERIAL)`) are grouped ([`group`]) and
//! decoded together ([`decode`]) into an [`event::Event`]; a Laurel line
//! is one event already ([`laurel`]). Both then become rows ([`rows`]).
//! One event is one record in the file's counts.
//!
//! Rejected, with the line and the reason: a line that is not an audit
//! record (no `type=`, no `msg=audit(SECONDS.MILLIS:SERIAL):`, or the
//! interpreted times of `ausearch -i`); a last line without its newline
//! (the log was cut while being written); an `EOE` whose event had
//! already been closed; an event with EXECVE, CWD, PATH, SOCKADDR or
//! PROCTITLE records but no SYSCALL; an event with a value that does not
//! decode (bad hex, an unterminated quote, EXECVE arguments out of
//! order); an event larger than [`group::MAX_EVENT_RECORDS`] records or
//! [`group::MAX_EVENT_BYTES`] bytes. Blank lines, and the `----` and
//! `time->` lines `ausearch` puts between events, are not records.
//!
//! # Rows
//!
//! Every record of an event the reader keeps is a `LinuxAuditLog` row, as
//! it stands (see [`raw`]); an event rejected for any of the reasons above
//! gives no row in any table. When the sink says nobody reads
//! `LinuxAuditLog` ([`crate::sink::Wanted`]), those rows are not made (the
//! file's stats say so); the records are still checked as the rows would
//! check them, so the same events are rejected either way. Besides, only events with a SYSCALL can
//! become rows of the Defender tables. Each gives at most one:
//!
//! | system call | condition | table | `ActionType` |
//! |---|---|---|---|
//! | `execve`, `execveat` | succeeded | `DeviceProcessEvents` | `ProcessCreated` |
//! | `open`, `openat`, `openat2`, `creat` | succeeded, a PATH item with the file is `nametype=CREATE` | `DeviceFileEvents` | `FileCreated` |
//! | same | opened for writing (`O_WRONLY`, `O_RDWR`) or with `O_TRUNC` (`creat` is both) | `DeviceFileEvents` | `FileModified` |
//! | same | opened read-only (or `openat2`, whose flags the record does not show) | `DeviceFileEvents` | `FileOpened` |
//! | `unlink`, `unlinkat` | succeeded | `DeviceFileEvents` | `FileDeleted` |
//! | `rename`, `renameat`, `renameat2` | succeeded | `DeviceFileEvents` | `FileRenamed` |
//! | `connect` to `AF_INET`/`AF_INET6` | succeeded / `-EINPROGRESS` / failed | `DeviceNetworkEvents` | `ConnectionSuccess` / `ConnectionAttempt` / `ConnectionFailed` |
//! | `connect` to an `AF_UNIX` path | succeeded / failed | `DeviceFileEvents` | `UnixSocketConnected` / `UnixSocketConnectFailed` |
//!
//! Logins (`USER_LOGIN`, and `USER_AUTH`/`USER_START` of programs that
//! write none) are `DeviceLogonEvents` rows: see [`login`].
//! Successful `init_module`/`finit_module`, `ptrace`, `mount`, the
//! `set*uid`/`set*gid` calls, `bpf` loading or attaching a program and
//! `memfd_create` are `DeviceEvents` rows: see `rows/device_events.rs`.
//!
//! Everything else is counted as skipped (its records are
//! `LinuxAuditLog` rows only): other system calls, failed
//! execs, opens, unlinks and renames (the tables record what happened,
//! and Defender reports no failed file operations), opens of directories,
//! connects to other families, and events without a SYSCALL other than
//! the logins above (service starts, credential records). `fork`,
//! `vfork`, `clone` (not of a thread) and `clone3` give no row but teach
//! the process table that the child runs its parent's image.
//!
//! Why these action types: `FileCreated`, `FileModified`, `FileDeleted`,
//! `FileRenamed`, `ConnectionSuccess`, `ConnectionAttempt` and
//! `ConnectionFailed` are Defender's own. An open with `O_CREAT` of a file
//! that already existed creates nothing (the kernel marks a new file's
//! PATH item `CREATE`), so it counts as a modification or an open, by its
//! access mode. Defender has no action for a read-only open, and an open
//! does not prove a read, so dragnet says `FileOpened`. A connect to a
//! Unix socket is file access (the socket is a file, and detections look
//! for `/var/run/docker.sock` in `DeviceFileEvents`), so it goes to that
//! table as `UnixSocketConnected`; a refused one is kept too
//! (`UnixSocketConnectFailed`), because probing a daemon's socket is the
//! signal whether or not it answers. A non-blocking `connect` (curl's)
//! returns `-EINPROGRESS`: the connection was started and its end is not
//! in the log, hence `ConnectionAttempt`.
//!
//! Columns, for every row: `Timestamp` and `TimeGenerated` are the
//! event's time; `DeviceName` is the `node=` name, else the name the user
//! gave the host (`ingest --device-name`), else null (auditd writes
//! `node=` only with `name_format` set; each named device that gives rows
//! also gets `DeviceInfo` readings, [`super::device_info`]); `ReportId` is the audit serial
//! number; `AdditionalFields` holds `AuditEventId`
//! (`SECONDS.MILLIS:SERIAL`), `AuditKey` (the rule's `-k` key, if any),
//! for a new process `ProcessCurrentWorkingDirectory` (the tables have
//! no such column), and the account of `uid` in the shape Defender gives
//! it on Linux: `ProcessPosixRealUser` for a new process,
//! `InitiatingProcessPosixRealUser` for the actor of a file or network
//! row, each `{"Name", "PosixUserId", "PrimaryPosixGroup": {"Name",
//! "PosixGroupId"}}` (the name when known, the group when `--passwd` has
//! the account, its name when `--group` has it). The numeric uid lives
//! there and not in `AccountSid`, which holds Windows security
//! identifiers and which Defender leaves empty on Linux. `DeviceId`,
//! hashes, sizes and `AccountDomain` stay null.
//!
//! `DeviceProcessEvents`: `FileName` and `FolderPath` are the image the
//! kernel ran, `exe=` (symbolic links resolved: `/usr/bin/python3.11` for
//! an exec of `/usr/bin/python3`, `dash` for `/bin/sh`), as Defender,
//! Sysmon for Linux and Elastic report it; the path given to `execve`
//! (the PATH record, made absolute against the CWD record) only when the
//! SYSCALL has no `exe=`. The tables have no column for the invoked path,
//! so it is not kept (`ProcessCommandLine` starts with `argv[0]`);
//! `ProcessCommandLine` is the EXECVE arguments (else PROCTITLE's) joined
//! by spaces, an empty argument or one with a space or tab in double
//! quotes (a `"` or `\` in it escaped with `\`); `ProcessId` is `pid`;
//! `ProcessCreationTime` the event time; `AccountName` the name auditd
//! (ENRICHED `UID=`) or Laurel translated `uid` to, else the passwd
//! file's (`ingest --passwd`), else `root` for uid 0, else the number as
//! text;
//! `LogonId` is `ses` unless unset.
//!
//! The initiating process. For a new process it is the parent, `ppid`:
//! `InitiatingProcessId` is always `ppid`; its file, folder, command line,
//! account and creation time, and its own parent's id, file name and
//! creation time (`InitiatingProcessParent*`), come from the process
//! table when the parent executed its image in the part of the log read
//! so far (and not evicted). When it did not, those columns stay null —
//! except that a Laurel event's `PPID`/`SPAWNED_BY`/`PARENT_INFO` gives
//! the parent's `exe` (file name and folder), its arguments
//! (`PARENT_INFO`) and its parent's id. (What the process ran before
//! `execve` replaced it is never known: the SYSCALL shows the new image.)
//! For a file or network row the initiating process is the one making the
//! call: `InitiatingProcessId` is `pid`, `InitiatingProcessAccountName`
//! its `uid`; its image and command line come from the table when it
//! executed that same `exe` there, otherwise from `exe=` and the
//! PROCTITLE record (which the kernel cuts at 128 bytes), with no creation
//! time; `InitiatingProcessParentId` is `ppid` and
//! `InitiatingProcessParentFileName` the parent's file name from the
//! table (or Laurel's `exe`).
//!
//! The process table ([`process`]) is keyed by node and pid and bounded:
//! at most 2^20 processes and about 256 MiB of text, the least recently
//! used forgotten first.
//!
//! `DeviceFileEvents`: `FolderPath` is the full path of the file (with its
//! name, as Defender writes it; relative names are made absolute against
//! the CWD record, which is wrong for an `openat` relative to another
//! directory), `FileName` its last part; for a rename,
//! `PreviousFolderPath`/`PreviousFileName` are the old path and name. For
//! a Unix socket, the socket's path (`@name` for an abstract socket).
//! `DeviceNetworkEvents`: `RemoteIP` and `RemotePort` from the SOCKADDR;
//! `Protocol` is null, because a connect does not show the socket's type,
//! and nor are the local address and port known.

use std::io::BufRead;

use super::Format;
use super::json::{first_doc, for_each_doc};
use super::lines::Lines;
use super::logon::LogonTable;
use crate::host::HostInfo;
use crate::sink::{FileSink, OutputError};

pub mod decode;
pub mod event;
pub mod group;
pub mod laurel;
pub mod login;
pub mod process;
pub mod raw;
pub mod record;
pub mod rows;
pub mod sockaddr;
pub mod syscalls;

use group::{Added, Grouper};
use raw::RawRecords;
use rows::Mapper;

/// Raw `audit.log` (RAW or ENRICHED).
pub struct Auditd;

/// Laurel's JSON lines.
pub struct Laurel;

/// Whether a line is no record but a separator `ausearch` writes.
fn is_separator(line: &[u8]) -> bool {
    line.trim_ascii().is_empty() || line == b"----" || line.starts_with(b"time->")
}

impl Format for Auditd {
    fn name(&self) -> &'static str {
        "auditd"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let mut lines = head.split(|&b| b == b'\n').filter(|l| !is_separator(l));
        lines.next().is_some_and(|l| {
            let l = l.strip_prefix(b"node=").map_or(l, |rest| {
                let end = memchr::memchr(b' ', rest).map_or(rest.len(), |i| i + 1);
                &rest[end..]
            });
            l.starts_with(b"type=") && memchr::memmem::find(l, b" msg=audit(").is_some()
        })
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut lines = Lines::new(input);
        let mut groups = Grouper::default();
        let mut mapper = Mapper::new(out);
        let mut logons = LogonTable::default();
        let linux_audit_log = crate::tables::linux_audit_log::NAME;
        let mut raw = RawRecords::new(out.wants(linux_audit_log));
        if !out.wants(linux_audit_log) {
            out.not_built(linux_audit_log);
        }
        let host = out.host();
        while let Some((n, line, ended)) = lines.next_line_ended(out) {
            if is_separator(line) {
                continue;
            }
            if line.starts_with(b"#") {
                // A comment line: a record understood and not kept.
                out.record();
                out.skip();
                continue;
            }
            if !ended {
                out.record();
                out.reject(n, "truncated last line (no newline at the end)", line);
                continue;
            }
            match record::header(line) {
                Err(why) => {
                    out.record();
                    out.reject(n, why, line);
                }
                Ok(h) => {
                    if groups.add(n, line, &h) == Added::LoneEoe {
                        out.record();
                        out.reject(n, "EOE of an event that is not open (its records came too far apart)", line);
                    }
                }
            }
            drain(&mut groups, &mut mapper, &mut logons, &mut raw, &host, out)?;
        }
        groups.finish();
        drain(&mut groups, &mut mapper, &mut logons, &mut raw, &host, out)
    }
}

/// Reads every closed event.
fn drain(
    groups: &mut Grouper,
    mapper: &mut Mapper,
    logons: &mut LogonTable,
    raw: &mut RawRecords,
    host: &HostInfo,
    out: &mut FileSink<'_, '_>,
) -> Result<(), OutputError> {
    while let Some(open) = groups.pop_ready() {
        out.record();
        if open.overflow {
            let why = format!(
                "event with more than {} records or {} bytes",
                group::MAX_EVENT_RECORDS,
                group::MAX_EVENT_BYTES
            );
            out.reject(open.first_line, why, open.line_text(open.first_line));
        } else {
            let device = host.device_name.as_deref();
            let ids = raw.event_text(open.id);
            match raw.rows(open.node(), &ids, open.recs_with_lines(), device, out) {
                Err(bad) => out.reject(bad.line, bad.why, open.line_text(bad.line)),
                Ok(records) => match decode::event(open.node(), open.id, open.recs()) {
                    Ok(Some(ev)) => {
                        raw.push(&records, out)?;
                        mapper.event(&ev, out)?;
                    }
                    Ok(None) => match login::logon(open.node(), open.id, open.recs(), host) {
                        Ok(Some(l)) => {
                            raw.push(&records, out)?;
                            logons.push(&l, out)?
                        }
                        Ok(None) => {
                            raw.push(&records, out)?;
                            out.skip();
                        }
                        Err(bad) => out.reject(bad.line, bad.why, open.line_text(bad.line)),
                    },
                    Err(bad) => out.reject(bad.line, bad.why, open.line_text(bad.line)),
                },
            }
        }
        groups.recycle(open);
    }
    Ok(())
}

impl Format for Laurel {
    fn name(&self) -> &'static str {
        "laurel"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_doc(head).is_some_and(|d| laurel::is_event(&d))
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut mapper = Mapper::new(out);
        for_each_doc(input, out, &mut |line, text, out| {
            out.record();
            let doc: serde_json::Value = match serde_json::from_str(text) {
                Ok(d) => d,
                Err(e) => {
                    out.reject(line, format!("not a Laurel event: {e}"), text.as_bytes());
                    return Ok(());
                }
            };
            match laurel::event(&doc, line) {
                Ok(Some(ev)) => mapper.event(&ev, out),
                Ok(None) => {
                    out.skip();
                    Ok(())
                }
                Err(bad) => {
                    out.reject(bad.line, bad.why, text.as_bytes());
                    Ok(())
                }
            }
        })
    }
}
