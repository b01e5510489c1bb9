//! The folders a run spills to: `dragnet-spill-<pid>-<random>` under the
//! folder given (`--spill-dir`) or the system's temporary folder.
//!
//! Each is removed when its [`SpillDir`] is dropped. A run that is stopped
//! by a signal calls [`remove_live`] before it exits, which removes every
//! folder still open and lets no new one be made. A run that is killed
//! outright leaves its folders behind: [`remove_stale`], called when a run
//! starts, removes those and nothing else. A folder is stale only when its
//! name has the form above, it is a folder (not a link to one), the process
//! it names is not running, and no process holds its lock (a run holds an
//! exclusive lock on each of its folders while it lives, which also covers
//! a live run whose pid means another process here, as when containers
//! with their own process ids share the folder).

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How every spill folder's name starts.
pub const PREFIX: &str = "dragnet-spill-";

/// The folders this process made and has not removed yet; `None` once
/// [`remove_live`] has run (no folder may be made after it).
static LIVE: Mutex<Option<Vec<PathBuf>>> = Mutex::new(Some(Vec::new()));

fn live() -> MutexGuard<'static, Option<Vec<PathBuf>>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A spill folder of this run, removed (with everything in it) when dropped.
#[derive(Debug)]
pub struct SpillDir {
    path: PathBuf,
    /// The folder opened and locked, while the platform allows it.
    _lock: Option<File>,
}

impl SpillDir {
    /// Makes a new folder `dragnet-spill-<pid>-<random>` in `parent`
    /// (created if missing).
    pub fn create(parent: &Path) -> io::Result<SpillDir> {
        std::fs::create_dir_all(parent).map_err(|e| located(e, parent))?;
        let mut live = live();
        let Some(list) = live.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "the run is stopping"));
        };
        loop {
            let path = parent.join(format!("{PREFIX}{}-{:016x}", std::process::id(), random()));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let lock = File::open(&path).ok().filter(|f| f.try_lock().is_ok());
                    list.push(path.clone());
                    return Ok(SpillDir { path, _lock: lock });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(located(e, &path)),
            }
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        // Removed before it leaves the list, so that a signal in between
        // still finds it.
        remove(&self.path);
        if let Some(list) = live().as_mut() {
            list.retain(|p| p != &self.path);
        }
    }
}

/// Removes every spill folder of this process still open, and lets no new
/// one be made: for a run that is about to exit on a signal.
pub fn remove_live() {
    let mut live = live();
    for path in live.take().unwrap_or_default() {
        remove(&path);
    }
}

/// Removes the spill folders in `parent` that runs which are gone left
/// behind (see the module docs for what counts); returns them. A `parent`
/// that cannot be read has none.
pub fn remove_stale(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(spill_pid) else { continue };
        // The entry itself, not what a link points at.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if live().as_ref().is_some_and(|list| list.contains(&path)) {
            continue;
        }
        // A folder with this process's id that is not in its list was left
        // by an earlier process that had the same id.
        if pid != std::process::id() && process_alive(pid) {
            continue;
        }
        let Ok(dir) = File::open(&path) else { continue };
        match dir.try_lock() {
            Err(TryLockError::WouldBlock) => continue,
            Ok(()) | Err(TryLockError::Error(_)) => {}
        }
        if remove(&path) {
            removed.push(path);
        }
    }
    removed
}

/// The process id in a spill folder's name, when the name has the form
/// `dragnet-spill-<pid>-<hex digits>`.
fn spill_pid(name: &str) -> Option<u32> {
    let (pid, suffix) = name.strip_prefix(PREFIX)?.split_once('-')?;
    let digits = |s: &str, hex: bool| {
        !s.is_empty() && s.bytes().all(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
    };
    if !digits(pid, false) || !digits(suffix, true) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` runs here. Where that cannot be told (no
/// `/proc`), every process counts as running.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Removes `path` and everything in it; a file written into it meanwhile
/// (by a thread still spilling) is removed on a second try. Whether it is
/// gone.
fn remove(path: &Path) -> bool {
    for _ in 0..3 {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
            Err(_) => continue,
        }
    }
    false
}

/// A number that differs between folders and between runs.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.finish()
}

fn located(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("cannot create the spill folder {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dragnet-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn names_are_read_strictly() {
        assert_eq!(spill_pid("dragnet-spill-42-00ff"), Some(42));
        assert_eq!(spill_pid("dragnet-spill-42-7"), Some(42));
        for other in
            ["dragnet-spill-42", "dragnet-spill--1", "dragnet-spill-x-1", "dragnet-spill-42-", "dragnet-spill-42-zz"]
        {
            assert_eq!(spill_pid(other), None, "{other}");
        }
        assert_eq!(spill_pid("dragnet-spill-99999999999-1"), None, "not a pid");
    }

    #[test]
    fn a_spill_folder_is_removed_with_its_guard() {
        let parent = scratch("guard");
        let dir = SpillDir::create(&parent).unwrap();
        let path = dir.path().to_path_buf();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(spill_pid(name), Some(std::process::id()));
        std::fs::write(path.join("part"), b"x").unwrap();
        assert!(live().as_ref().unwrap().contains(&path));
        drop(dir);
        assert!(!path.exists());
        assert!(!live().as_ref().unwrap().contains(&path));
        std::fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn only_folders_of_runs_that_are_gone_are_removed() {
        let parent = scratch("stale");
        // No process has this id (past Linux's largest).
        let dead = |suffix: &str| parent.join(format!("{PREFIX}4294967295-{suffix}"));
        std::fs::create_dir(dead("1")).unwrap();
        std::fs::write(dead("1").join("part.parquet"), b"x").unwrap();
        std::fs::create_dir_all(dead("2").join("DeviceProcessEvents")).unwrap();
        // Left by an earlier process with this process's id.
        let reused = parent.join(format!("{PREFIX}{}-ab", std::process::id()));
        std::fs::create_dir(&reused).unwrap();
        // Kept: this run's own folder, a running process's, names of
        // another form, a file, a link, a folder whose lock is held.
        let own = SpillDir::create(&parent).unwrap();
        let init = parent.join(format!("{PREFIX}1-ab"));
        std::fs::create_dir(&init).unwrap();
        let others = ["dragnet-spill-test", "dragnet-spill-4294967295", "dragnet-spill-4294967295-x1"];
        for o in others {
            std::fs::create_dir(parent.join(o)).unwrap();
        }
        std::fs::write(dead("3"), b"a file").unwrap();
        let target = parent.join("kept");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("data"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, dead("4")).unwrap();
        std::fs::create_dir(dead("5")).unwrap();
        let held = File::open(dead("5")).unwrap();
        held.try_lock().unwrap();

        let mut removed = remove_stale(&parent);
        removed.sort();
        let mut want = vec![dead("1"), dead("2"), reused.clone()];
        want.sort();
        assert_eq!(removed, want);
        for gone in &want {
            assert!(!gone.exists(), "{}", gone.display());
        }
        assert!(own.path().exists() && init.exists() && dead("3").is_file() && dead("5").exists());
        assert!(target.join("data").exists());
        for o in others {
            assert!(parent.join(o).exists(), "{o}");
        }
        #[cfg(unix)]
        assert!(dead("4").symlink_metadata().unwrap().file_type().is_symlink());
        drop(held);
        drop(own);
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
