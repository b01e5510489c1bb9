//! One audit event as the tables see it, whichever way it was read (raw
//! records or a Laurel line): the system call, the process that made it,
//! and the arguments, paths and socket address that came with it.
//!
//! Strings are bytes: the kernel logs whatever bytes a process used, and
//! they become text (invalid UTF-8 replaced by U+FFFD) only when a row is
//! made.

use std::borrow::Cow;

use super::record::EventId;
use super::sockaddr::SockAddr;
use super::syscalls::Call;

/// Bytes that borrow from the input where they can.
pub type Bytes<'a> = Cow<'a, [u8]>;

/// An event with a SYSCALL.
#[derive(Debug, Default)]
pub struct Event<'a> {
    /// The `node=` name.
    pub node: Option<Bytes<'a>>,
    /// When, in nanoseconds since the epoch.
    pub time: i64,
    /// The serial number.
    pub serial: u64,
    /// The audit event id (`SECONDS.MILLIS:SERIAL`).
    pub id: EventId,
    /// The system call.
    pub call: Option<Call>,
    /// `success=yes`.
    pub success: bool,
    /// `exit=`: the return value, or minus the error number.
    pub exit: Option<i64>,
    /// `a0` to `a3`.
    pub args: [Option<u64>; 4],
    /// `pid=`.
    pub pid: Option<i64>,
    /// `ppid=`.
    pub ppid: Option<i64>,
    /// `uid=`, and its name when auditd or Laurel translated it.
    pub uid: Account<'a>,
    /// `auid=` (the login user), and its name.
    pub auid: Account<'a>,
    /// `ses=`, the login session (none when unset).
    pub ses: Option<i64>,
    /// `tty=`.
    pub tty: Option<Bytes<'a>>,
    /// `comm=`.
    pub comm: Option<Bytes<'a>>,
    /// `exe=`.
    pub exe: Option<Bytes<'a>>,
    /// `key=`, the audit rule's key.
    pub key: Option<Bytes<'a>>,
    /// The `execve` arguments, from EXECVE.
    pub argv: Option<Vec<Bytes<'a>>>,
    /// The arguments from PROCTITLE.
    pub proctitle: Option<Vec<Bytes<'a>>>,
    /// `cwd=` of CWD.
    pub cwd: Option<Bytes<'a>>,
    /// The PATH items, in `item=` order.
    pub paths: Vec<PathItem<'a>>,
    /// The SOCKADDR.
    pub sockaddr: Option<SockAddr>,
    /// What the source knew of the process that spawned this one (Laurel's
    /// `PPID`/`SPAWNED_BY`/`PARENT_INFO`), for when dragnet has not seen it.
    pub spawner: Option<Spawner<'a>>,
}

/// A user id and its name.
#[derive(Debug, Default, Clone)]
pub struct Account<'a> {
    /// The number.
    pub id: Option<u32>,
    /// The name, if translated.
    pub name: Option<Bytes<'a>>,
}

impl Account<'_> {
    /// The name, else the number as text, else nothing.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match (&self.name, self.id) {
            (Some(n), _) => Some(String::from_utf8_lossy(n)),
            (None, Some(id)) => Some(Cow::Owned(id.to_string())),
            (None, None) => None,
        }
    }
}

/// How a PATH item was used (`nametype=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameType {
    /// `NORMAL`: an existing file.
    #[default]
    Normal,
    /// `PARENT`: the directory of the file the call works on.
    Parent,
    /// `CREATE`: a file the call created.
    Create,
    /// `DELETE`: a file the call removed.
    Delete,
    /// Anything else (`UNKNOWN`).
    Unknown,
}

impl NameType {
    /// The `nametype=` word.
    pub fn of(word: &[u8]) -> NameType {
        match word {
            b"NORMAL" => NameType::Normal,
            b"PARENT" => NameType::Parent,
            b"CREATE" => NameType::Create,
            b"DELETE" => NameType::Delete,
            _ => NameType::Unknown,
        }
    }
}

/// One PATH item.
#[derive(Debug, Clone, Default)]
pub struct PathItem<'a> {
    /// `name=` as the process passed it (possibly relative).
    pub name: Option<Bytes<'a>>,
    /// `nametype=`.
    pub nametype: NameType,
    /// `mode=` (file type and permissions).
    pub mode: Option<u64>,
}

/// `S_IFMT`.
pub const S_IFMT: u64 = 0o170_000;
/// `S_IFDIR`.
pub const S_IFDIR: u64 = 0o040_000;

impl PathItem<'_> {
    /// Whether the item is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode.is_some_and(|m| m & S_IFMT == S_IFDIR)
    }
}

/// A source's own account of the spawning process.
#[derive(Debug, Clone, Default)]
pub struct Spawner<'a> {
    /// Its `exe`.
    pub exe: Option<Bytes<'a>>,
    /// Its `comm`.
    pub comm: Option<Bytes<'a>>,
    /// Its arguments.
    pub argv: Option<Vec<Bytes<'a>>>,
    /// Its parent's pid.
    pub ppid: Option<i64>,
}

impl<'a> Event<'a> {
    /// The account text of `uid`.
    pub fn account(&self) -> Option<Cow<'_, str>> {
        self.uid.text()
    }

    /// The login session, unless unset (`4294967295`).
    pub fn session(&self) -> Option<i64> {
        self.ses.filter(|&s| s != i64::from(u32::MAX))
    }
}
