//! System call numbers of the calls the tables are built from, per
//! architecture (`arch=` of a SYSCALL record, an `AUDIT_ARCH_*` value), and
//! the names auditd and Laurel translate them to.
//!
//! The numbers are those of the kernel's system call tables
//! (`arch/x86/entry/syscalls/syscall_64.tbl`, `syscall_32.tbl`,
//! `include/uapi/asm-generic/unistd.h` for aarch64, and
//! `arch/arm/tools/syscall.tbl`). aarch64 has no `open`, `creat`,
//! `unlink`, `rename` or `fork`: programs there use the `*at` calls and
//! `clone`. On i386, `connect` may also come through `socketcall` with
//! `a0=3` (`SYS_CONNECT`).

/// The calls dragnet maps to rows (or uses to follow processes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `execve`, `execveat`.
    Exec,
    /// `open`: flags in `a1`.
    Open,
    /// `openat`: flags in `a2`.
    Openat,
    /// `openat2`: flags behind a pointer, unknown.
    Openat2,
    /// `creat`: always create, write-only, truncate.
    Creat,
    /// `connect` (or `socketcall(SYS_CONNECT, ...)`).
    Connect,
    /// `unlink`, `unlinkat`.
    Unlink,
    /// `rename`, `renameat`, `renameat2`.
    Rename,
    /// `fork`, `vfork`, `clone3`: a new process.
    Fork,
    /// `clone`: a new process, or a thread (`CLONE_THREAD` in `a0`).
    Clone,
    /// `socketcall` (i386, ARM): `a0` says which socket call.
    Socketcall,
    /// A call that gives a `DeviceEvents` row.
    Device(Dev),
    /// Anything else.
    Other,
}

/// The calls that give `DeviceEvents` rows (see [`super::rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dev {
    /// `init_module`.
    InitModule,
    /// `finit_module`.
    FinitModule,
    /// `ptrace`.
    Ptrace,
    /// `mount`.
    Mount,
    /// `setuid` (`setuid32`).
    Setuid,
    /// `setreuid`.
    Setreuid,
    /// `setresuid`.
    Setresuid,
    /// `setfsuid`.
    Setfsuid,
    /// `setgid`.
    Setgid,
    /// `setregid`.
    Setregid,
    /// `setresgid`.
    Setresgid,
    /// `setfsgid`.
    Setfsgid,
    /// `bpf`.
    Bpf,
    /// `memfd_create`.
    MemfdCreate,
}

impl Dev {
    /// The call's name.
    pub fn name(self) -> &'static str {
        match self {
            Dev::InitModule => "init_module",
            Dev::FinitModule => "finit_module",
            Dev::Ptrace => "ptrace",
            Dev::Mount => "mount",
            Dev::Setuid => "setuid",
            Dev::Setreuid => "setreuid",
            Dev::Setresuid => "setresuid",
            Dev::Setfsuid => "setfsuid",
            Dev::Setgid => "setgid",
            Dev::Setregid => "setregid",
            Dev::Setresgid => "setresgid",
            Dev::Setfsgid => "setfsgid",
            Dev::Bpf => "bpf",
            Dev::MemfdCreate => "memfd_create",
        }
    }
}

/// `AUDIT_ARCH_X86_64`.
pub const X86_64: u64 = 0xc000_003e;
/// `AUDIT_ARCH_AARCH64`.
pub const AARCH64: u64 = 0xc000_00b7;
/// `AUDIT_ARCH_I386`.
pub const I386: u64 = 0x4000_0003;
/// `AUDIT_ARCH_ARM` (little-endian EABI).
pub const ARM: u64 = 0x4000_0028;

/// The call numbered `nr` on architecture `arch`.
pub fn by_number(arch: u64, nr: u64) -> Call {
    match arch {
        X86_64 => match nr {
            59 | 322 => Call::Exec,
            2 => Call::Open,
            257 => Call::Openat,
            437 => Call::Openat2,
            85 => Call::Creat,
            42 => Call::Connect,
            87 | 263 => Call::Unlink,
            82 | 264 | 316 => Call::Rename,
            56 => Call::Clone,
            57 | 58 | 435 => Call::Fork,
            175 => Call::Device(Dev::InitModule),
            313 => Call::Device(Dev::FinitModule),
            101 => Call::Device(Dev::Ptrace),
            165 => Call::Device(Dev::Mount),
            105 => Call::Device(Dev::Setuid),
            113 => Call::Device(Dev::Setreuid),
            117 => Call::Device(Dev::Setresuid),
            122 => Call::Device(Dev::Setfsuid),
            106 => Call::Device(Dev::Setgid),
            114 => Call::Device(Dev::Setregid),
            119 => Call::Device(Dev::Setresgid),
            123 => Call::Device(Dev::Setfsgid),
            321 => Call::Device(Dev::Bpf),
            319 => Call::Device(Dev::MemfdCreate),
            _ => Call::Other,
        },
        AARCH64 => match nr {
            221 | 281 => Call::Exec,
            56 => Call::Openat,
            437 => Call::Openat2,
            203 => Call::Connect,
            35 => Call::Unlink,
            38 | 276 => Call::Rename,
            220 => Call::Clone,
            435 => Call::Fork,
            105 => Call::Device(Dev::InitModule),
            273 => Call::Device(Dev::FinitModule),
            117 => Call::Device(Dev::Ptrace),
            40 => Call::Device(Dev::Mount),
            146 => Call::Device(Dev::Setuid),
            145 => Call::Device(Dev::Setreuid),
            147 => Call::Device(Dev::Setresuid),
            151 => Call::Device(Dev::Setfsuid),
            144 => Call::Device(Dev::Setgid),
            143 => Call::Device(Dev::Setregid),
            149 => Call::Device(Dev::Setresgid),
            152 => Call::Device(Dev::Setfsgid),
            280 => Call::Device(Dev::Bpf),
            279 => Call::Device(Dev::MemfdCreate),
            _ => Call::Other,
        },
        I386 => match nr {
            11 | 358 => Call::Exec,
            5 => Call::Open,
            295 => Call::Openat,
            437 => Call::Openat2,
            8 => Call::Creat,
            362 => Call::Connect,
            102 => Call::Socketcall,
            10 | 301 => Call::Unlink,
            38 | 302 | 353 => Call::Rename,
            120 => Call::Clone,
            2 | 190 | 435 => Call::Fork,
            128 => Call::Device(Dev::InitModule),
            350 => Call::Device(Dev::FinitModule),
            26 => Call::Device(Dev::Ptrace),
            21 => Call::Device(Dev::Mount),
            23 | 213 => Call::Device(Dev::Setuid),
            70 | 203 => Call::Device(Dev::Setreuid),
            164 | 208 => Call::Device(Dev::Setresuid),
            138 | 215 => Call::Device(Dev::Setfsuid),
            46 | 214 => Call::Device(Dev::Setgid),
            71 | 204 => Call::Device(Dev::Setregid),
            170 | 210 => Call::Device(Dev::Setresgid),
            139 | 216 => Call::Device(Dev::Setfsgid),
            357 => Call::Device(Dev::Bpf),
            356 => Call::Device(Dev::MemfdCreate),
            _ => Call::Other,
        },
        ARM => match nr {
            11 | 387 => Call::Exec,
            5 => Call::Open,
            322 => Call::Openat,
            437 => Call::Openat2,
            8 => Call::Creat,
            283 => Call::Connect,
            102 => Call::Socketcall,
            10 | 328 => Call::Unlink,
            38 | 329 | 382 => Call::Rename,
            120 => Call::Clone,
            2 | 190 | 435 => Call::Fork,
            128 => Call::Device(Dev::InitModule),
            379 => Call::Device(Dev::FinitModule),
            26 => Call::Device(Dev::Ptrace),
            21 => Call::Device(Dev::Mount),
            23 | 213 => Call::Device(Dev::Setuid),
            70 | 203 => Call::Device(Dev::Setreuid),
            164 | 208 => Call::Device(Dev::Setresuid),
            138 | 215 => Call::Device(Dev::Setfsuid),
            46 | 214 => Call::Device(Dev::Setgid),
            71 | 204 => Call::Device(Dev::Setregid),
            170 | 210 => Call::Device(Dev::Setresgid),
            139 | 216 => Call::Device(Dev::Setfsgid),
            386 => Call::Device(Dev::Bpf),
            385 => Call::Device(Dev::MemfdCreate),
            _ => Call::Other,
        },
        _ => Call::Other,
    }
}

/// The call named `name` (auditd's `SYSCALL=` translation, Laurel's
/// `SYSCALL.SYSCALL`).
pub fn by_name(name: &[u8]) -> Call {
    match name {
        b"execve" | b"execveat" => Call::Exec,
        b"open" => Call::Open,
        b"openat" => Call::Openat,
        b"openat2" => Call::Openat2,
        b"creat" => Call::Creat,
        b"connect" => Call::Connect,
        b"unlink" | b"unlinkat" => Call::Unlink,
        b"rename" | b"renameat" | b"renameat2" => Call::Rename,
        b"fork" | b"vfork" | b"clone3" => Call::Fork,
        b"clone" => Call::Clone,
        b"socketcall" => Call::Socketcall,
        b"init_module" => Call::Device(Dev::InitModule),
        b"finit_module" => Call::Device(Dev::FinitModule),
        b"ptrace" => Call::Device(Dev::Ptrace),
        b"mount" => Call::Device(Dev::Mount),
        b"setuid" | b"setuid32" => Call::Device(Dev::Setuid),
        b"setreuid" | b"setreuid32" => Call::Device(Dev::Setreuid),
        b"setresuid" | b"setresuid32" => Call::Device(Dev::Setresuid),
        b"setfsuid" | b"setfsuid32" => Call::Device(Dev::Setfsuid),
        b"setgid" | b"setgid32" => Call::Device(Dev::Setgid),
        b"setregid" | b"setregid32" => Call::Device(Dev::Setregid),
        b"setresgid" | b"setresgid32" => Call::Device(Dev::Setresgid),
        b"setfsgid" | b"setfsgid32" => Call::Device(Dev::Setfsgid),
        b"bpf" => Call::Device(Dev::Bpf),
        b"memfd_create" => Call::Device(Dev::MemfdCreate),
        _ => Call::Other,
    }
}

/// `socketcall`'s `SYS_CONNECT`.
pub const SYS_CONNECT: u64 = 3;

/// The `AUDIT_ARCH_*` value of an architecture name (`ARCH=` of an
/// enriched record).
pub fn arch_by_name(name: &[u8]) -> Option<u64> {
    match name {
        b"x86_64" => Some(X86_64),
        b"aarch64" => Some(AARCH64),
        b"i386" | b"i686" => Some(I386),
        b"armeb" | b"arm" => Some(ARM),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_agree() {
        assert_eq!(by_number(X86_64, 59), Call::Exec);
        assert_eq!(by_number(AARCH64, 221), Call::Exec);
        assert_eq!(by_number(AARCH64, 59), Call::Other, "59 is not execve on aarch64");
        assert_eq!(by_number(X86_64, 257), Call::Openat);
        assert_eq!(by_number(AARCH64, 56), Call::Openat);
        assert_eq!(by_number(X86_64, 42), Call::Connect);
        assert_eq!(by_number(AARCH64, 203), Call::Connect);
        assert_eq!(by_number(I386, 102), Call::Socketcall);
        assert_eq!(by_number(0x1234, 59), Call::Other);
        assert_eq!(by_name(b"openat2"), Call::Openat2);
        assert_eq!(by_name(b"renameat2"), Call::Rename);
        assert_eq!(arch_by_name(b"aarch64"), Some(AARCH64));
    }
}
