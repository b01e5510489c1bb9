//! `DeviceEvents` rows of successful system calls that are not process,
//! file or network events. The `ActionType` names are dragnet's: Defender
//! documents none for these Linux events.
//!
//! | call | `ActionType` | also |
//! |---|---|---|
//! | `init_module`, `finit_module` | `KernelModuleLoad` | |
//! | `ptrace` | `Ptrace` | `ProcessId` the target (`a1`), except for `PTRACE_TRACEME`; `PtraceRequest` (`PTRACE_ATTACH`, `PTRACE_POKETEXT`, ... else the number) |
//! | `mount` | `Mount` | `Paths`: the PATH records' names |
//! | `setuid`, `setreuid`, `setresuid`, `setfsuid` | `SetUid` | `TargetUid`: the (effective) uid asked for, unless -1 (unchanged) |
//! | `setgid`, `setregid`, `setresgid`, `setfsgid` | `SetGid` | `TargetGid`, the same way |
//! | `bpf` with `BPF_PROG_LOAD` | `BpfProgramLoad` | `BpfCommand` |
//! | `bpf` with `BPF_PROG_ATTACH`, `BPF_RAW_TRACEPOINT_OPEN`, `BPF_LINK_CREATE` | `BpfProgramAttach` | `BpfCommand` |
//! | `memfd_create` | `MemfdCreate` | `FileDescriptor`: the new descriptor |
//!
//! Other `bpf` commands (map reads and writes, many per second) and
//! failed calls are skipped. The `InitiatingProcess*` columns are the
//! process that made the call, as in `DeviceFileEvents`; `AccountName` is
//! its account; `AdditionalFields` has what every auditd row has (see
//! [`super::super`]) and `Syscall`, the call's name.

use std::fmt::Write as _;

use super::super::event::Event;
use super::super::syscalls::Dev;
use super::{Common, InitCols, Mapper, additional, common, json_str, set_init, text};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::device_events;

/// Column indexes of `DeviceEvents`.
pub(super) struct DeviceEventCols {
    id: TableId,
    common: Common,
    process_id: usize,
    account_name: usize,
    init: InitCols,
}

impl DeviceEventCols {
    pub(super) fn new(out: &mut FileSink<'_, '_>) -> DeviceEventCols {
        let id = out.table(device_events::NAME);
        DeviceEventCols {
            id,
            common: Common::new(out, id),
            process_id: out.builder(id).col("ProcessId"),
            account_name: out.builder(id).col("AccountName"),
            init: InitCols::new(out, id),
        }
    }
}

/// `ptrace` requests by number (`<sys/ptrace.h>`).
fn ptrace_request(n: u64) -> Option<&'static str> {
    Some(match n {
        0 => "PTRACE_TRACEME",
        1 => "PTRACE_PEEKTEXT",
        2 => "PTRACE_PEEKDATA",
        3 => "PTRACE_PEEKUSER",
        4 => "PTRACE_POKETEXT",
        5 => "PTRACE_POKEDATA",
        6 => "PTRACE_POKEUSER",
        7 => "PTRACE_CONT",
        8 => "PTRACE_KILL",
        9 => "PTRACE_SINGLESTEP",
        12 => "PTRACE_GETREGS",
        13 => "PTRACE_SETREGS",
        16 => "PTRACE_ATTACH",
        17 => "PTRACE_DETACH",
        24 => "PTRACE_SYSCALL",
        0x4200 => "PTRACE_SETOPTIONS",
        0x4201 => "PTRACE_GETEVENTMSG",
        0x4206 => "PTRACE_SEIZE",
        0x4207 => "PTRACE_INTERRUPT",
        _ => return None,
    })
}

/// `bpf` commands that load or attach a program (`<linux/bpf.h>`).
fn bpf_action(cmd: u64) -> Option<(&'static str, &'static str)> {
    Some(match cmd {
        5 => ("BpfProgramLoad", "BPF_PROG_LOAD"),
        8 => ("BpfProgramAttach", "BPF_PROG_ATTACH"),
        17 => ("BpfProgramAttach", "BPF_RAW_TRACEPOINT_OPEN"),
        28 => ("BpfProgramAttach", "BPF_LINK_CREATE"),
        _ => return None,
    })
}

/// An id argument of a set*id call, unless -1 (unchanged), as a 32-bit id.
fn id_arg(v: Option<u64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v & 0xffff_ffff).ok()).filter(|&v| v != u32::MAX)
}

impl Mapper {
    /// The `DeviceEvents` row of `ev`, a call of `dev`; whether it wrote one.
    pub(super) fn device_event(
        &mut self,
        ev: &Event<'_>,
        dev: Dev,
        out: &mut FileSink<'_, '_>,
    ) -> Result<bool, OutputError> {
        if !ev.success {
            return Ok(false);
        }
        let mut extra = String::new();
        let mut target_pid = None;
        let action = match dev {
            Dev::InitModule | Dev::FinitModule => "KernelModuleLoad",
            Dev::Ptrace => {
                let request = ev.args[0].unwrap_or(u64::MAX);
                extra.push_str(",\"PtraceRequest\":");
                match ptrace_request(request) {
                    Some(name) => json_str(&mut extra, name),
                    None => {
                        let _ = write!(extra, "{request}");
                    }
                }
                if request != 0 {
                    target_pid = ev.args[1].and_then(|p| i64::try_from(p).ok());
                }
                "Ptrace"
            }
            Dev::Mount => {
                let names: Vec<String> =
                    ev.paths.iter().filter_map(|p| p.name.as_ref()).map(|n| text(n).into_owned()).collect();
                if !names.is_empty() {
                    extra.push_str(",\"Paths\":[");
                    for (i, n) in names.iter().enumerate() {
                        if i > 0 {
                            extra.push(',');
                        }
                        json_str(&mut extra, n);
                    }
                    extra.push(']');
                }
                "Mount"
            }
            Dev::Setuid | Dev::Setfsuid | Dev::Setreuid | Dev::Setresuid => {
                let arg = if matches!(dev, Dev::Setuid | Dev::Setfsuid) { ev.args[0] } else { ev.args[1] };
                if let Some(uid) = id_arg(arg) {
                    let _ = write!(extra, ",\"TargetUid\":{uid}");
                }
                "SetUid"
            }
            Dev::Setgid | Dev::Setfsgid | Dev::Setregid | Dev::Setresgid => {
                let arg = if matches!(dev, Dev::Setgid | Dev::Setfsgid) { ev.args[0] } else { ev.args[1] };
                if let Some(gid) = id_arg(arg) {
                    let _ = write!(extra, ",\"TargetGid\":{gid}");
                }
                "SetGid"
            }
            Dev::Bpf => {
                let Some((action, cmd)) = ev.args[0].and_then(bpf_action) else { return Ok(false) };
                extra.push_str(",\"BpfCommand\":");
                json_str(&mut extra, cmd);
                action
            }
            Dev::MemfdCreate => {
                if let Some(fd) = ev.exit.filter(|&fd| fd >= 0) {
                    let _ = write!(extra, ",\"FileDescriptor\":{fd}");
                }
                "MemfdCreate"
            }
        };
        if self.device.is_none() {
            self.device = Some(DeviceEventCols::new(out));
        }
        let node = self.touch_actor(ev);
        let init = self.actor(node, ev);
        let Some(c) = &self.device else { return Ok(false) };
        let mut row = out.builder(c.id).row();
        common(&mut row, &c.common, ev, action, self.host.device_name.as_deref());
        if let Some(pid) = target_pid {
            row.set(c.process_id, Value::Long(pid));
        }
        if let Some(account) = &init.account {
            row.set(c.account_name, Value::str(account.as_ref()));
        }
        set_init(&mut row, &c.init, &init);
        let mut fields = additional(ev, &self.host, false);
        fields.pop();
        fields.push_str(",\"Syscall\":");
        json_str(&mut fields, dev.name());
        fields.push_str(&extra);
        fields.push('}');
        row.set(c.common.additional, Value::Json(fields.into()));
        out.push(c.id, &row)?;
        Ok(true)
    }
}
