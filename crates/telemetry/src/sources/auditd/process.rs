//! The processes seen so far, by node and pid: what each one last
//! executed, so that later events can name their initiating process and
//! its parent.
//!
//! The table is bounded. It holds two generations of at most
//! [`MAX_PROCESSES`]` / 2` processes and [`MAX_BYTES`]` / 2` bytes of text
//! each: new and looked-up processes go into the current generation, and
//! when that is full the previous generation is dropped and the current
//! one becomes the previous. A process neither executed nor looked up
//! while half the table filled is forgotten: the least recently used go
//! first. At most [`MAX_PROCESSES`] processes and about [`MAX_BYTES`]
//! bytes of paths and command lines are kept.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The most processes kept.
pub const MAX_PROCESSES: usize = 1 << 20;
/// The most bytes of paths, command lines and names kept.
pub const MAX_BYTES: usize = 256 << 20;
/// The most distinct `node=` names told apart; further names share one id.
pub const MAX_NODES: usize = 1 << 16;

/// What the table knows of one process.
#[derive(Debug, Clone)]
pub struct Proc {
    text: Box<str>,
    name_start: u32,
    path_end: u32,
    exe_end: u32,
    cmd_end: u32,
    has_cmd: bool,
    has_account: bool,
    /// Its parent's pid.
    pub ppid: Option<i64>,
    /// When it executed its image, in nanoseconds since the epoch.
    pub start: Option<i64>,
}

impl Proc {
    /// A process whose image is `path` (as executed) and `exe` (the
    /// kernel's resolved path, if different).
    pub fn new(
        path: &str,
        exe: Option<&str>,
        command_line: Option<&str>,
        account: Option<&str>,
        ppid: Option<i64>,
        start: Option<i64>,
    ) -> Proc {
        let exe = exe.filter(|e| *e != path).unwrap_or("");
        let cmd = command_line.unwrap_or("");
        let acc = account.unwrap_or("");
        let mut text = String::with_capacity(path.len() + exe.len() + cmd.len() + acc.len());
        for part in [path, exe, cmd, acc] {
            text.push_str(part);
        }
        let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let path_end = len(path.len());
        let exe_end = len(path.len() + exe.len());
        Proc {
            name_start: len(path.rfind('/').map_or(0, |i| i + 1)),
            path_end,
            exe_end,
            cmd_end: len(path.len() + exe.len() + cmd.len()),
            has_cmd: command_line.is_some(),
            has_account: account.is_some(),
            text: text.into_boxed_str(),
            ppid,
            start,
        }
    }

    fn part(&self, from: u32, to: u32) -> &str {
        self.text.get(from as usize..to as usize).unwrap_or("")
    }

    /// The full path of its image.
    pub fn folder_path(&self) -> &str {
        self.part(0, self.path_end)
    }

    /// The file name of its image.
    pub fn file_name(&self) -> &str {
        self.part(self.name_start, self.path_end)
    }

    /// The kernel's path of its image (`exe=`).
    pub fn exe(&self) -> &str {
        if self.exe_end == self.path_end { self.folder_path() } else { self.part(self.path_end, self.exe_end) }
    }

    /// Its command line.
    pub fn command_line(&self) -> Option<&str> {
        self.has_cmd.then(|| self.part(self.exe_end, self.cmd_end))
    }

    /// The account it ran as.
    pub fn account(&self) -> Option<&str> {
        self.has_account.then(|| self.part(self.cmd_end, u32::try_from(self.text.len()).unwrap_or(u32::MAX)))
    }

    fn bytes(&self) -> usize {
        self.text.len() + std::mem::size_of::<Proc>()
    }
}

/// A multiplicative hash for the table's `u64` keys.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }
}

type Map = HashMap<u64, Proc, BuildHasherDefault<KeyHasher>>;

/// Processes by node and pid.
#[derive(Default)]
pub struct Table {
    current: Map,
    previous: Map,
    current_bytes: usize,
    nodes: HashMap<Vec<u8>, u32>,
}

fn key(node: u32, pid: i64) -> u64 {
    (u64::from(node) << 32) | u64::from(pid as u32)
}

impl Table {
    /// The id of a `node=` name (0 for none).
    pub fn node(&mut self, name: Option<&[u8]>) -> u32 {
        let Some(name) = name else { return 0 };
        if let Some(&id) = self.nodes.get(name) {
            return id;
        }
        if self.nodes.len() >= MAX_NODES {
            return u32::MAX;
        }
        let id = u32::try_from(self.nodes.len() + 1).unwrap_or(u32::MAX);
        self.nodes.insert(name.to_vec(), id);
        id
    }

    /// Marks `pid` as used, so that it outlives processes not used since.
    pub fn touch(&mut self, node: u32, pid: i64) {
        let k = key(node, pid);
        if !self.current.contains_key(&k)
            && let Some(p) = self.previous.remove(&k)
        {
            self.put(k, p);
        }
    }

    /// The process `pid` of `node`.
    pub fn get(&self, node: u32, pid: i64) -> Option<&Proc> {
        let k = key(node, pid);
        self.current.get(&k).or_else(|| self.previous.get(&k))
    }

    /// Records what `pid` of `node` now is.
    pub fn insert(&mut self, node: u32, pid: i64, p: Proc) {
        let k = key(node, pid);
        self.previous.remove(&k);
        self.put(k, p);
    }

    fn put(&mut self, k: u64, p: Proc) {
        if self.current.len() >= MAX_PROCESSES / 2 || self.current_bytes >= MAX_BYTES / 2 {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += p.bytes();
        if let Some(old) = self.current.insert(k, p) {
            self.current_bytes = self.current_bytes.saturating_sub(old.bytes());
        }
    }

    /// How many processes are kept.
    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    /// Whether no process is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_keeps_its_parts() {
        let p = Proc::new("/usr/bin/python3", Some("/usr/bin/python3.11"), Some("python3 x.py"), None, Some(1), None);
        assert_eq!(p.file_name(), "python3");
        assert_eq!(p.folder_path(), "/usr/bin/python3");
        assert_eq!(p.exe(), "/usr/bin/python3.11");
        assert_eq!(p.command_line(), Some("python3 x.py"));
        assert_eq!(p.account(), None);
        let q = Proc::new("/bin/ls", Some("/bin/ls"), None, Some("root"), None, None);
        assert_eq!((q.exe(), q.command_line(), q.account()), ("/bin/ls", None, Some("root")));
    }

    #[test]
    fn nodes_keep_pids_apart() {
        let mut t = Table::default();
        let (a, b) = (t.node(Some(b"a")), t.node(Some(b"b")));
        assert_ne!(a, b);
        assert_eq!(t.node(Some(b"a")), a);
        t.insert(a, 7, Proc::new("/bin/a", None, None, None, None, None));
        assert!(t.get(b, 7).is_none());
        assert_eq!(t.get(a, 7).unwrap().file_name(), "a");
    }

    #[test]
    fn the_least_recently_used_are_forgotten_and_the_table_stays_bounded() {
        let mut t = Table::default();
        let half = (MAX_PROCESSES / 2) as i64;
        t.insert(0, 1, Proc::new("/bin/kept", None, None, None, None, None));
        t.insert(0, 2, Proc::new("/bin/dropped", None, None, None, None, None));
        for pid in 3..half + 2 {
            t.insert(0, pid, Proc::new("/x", None, None, None, None, None));
        }
        // pid 1 and 2 are now in the previous generation; using pid 1 keeps it.
        t.touch(0, 1);
        for pid in half + 2..2 * half + 2 {
            t.insert(0, pid, Proc::new("/x", None, None, None, None, None));
        }
        assert_eq!(t.get(0, 1).map(Proc::file_name), Some("kept"));
        assert!(t.get(0, 2).is_none());
        assert!(t.len() <= MAX_PROCESSES);
    }
}
