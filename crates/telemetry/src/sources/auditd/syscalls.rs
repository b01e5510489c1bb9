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
    /// Anything else.
    Other,
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
