//! `--tail PATH`: local files followed as they grow, read by the same
//! sources as `POST /ingest` (the format recognised from the content) and
//! appended to the WAL like an HTTP batch.
//!
//! A file is read up to its last whole line, at most [`CHUNK`] bytes a
//! batch. Rotation by rename is noticed by the path naming another file
//! (device and inode): the new one is read from its start, and the old one
//! on until it has had nothing new for [`ROTATE_WAIT`] (its last line then
//! taken even without a newline). A file shorter than the offset was
//! truncated and is read again from its start.
//!
//! Where each path is (device, inode, offset) goes into the WAL with the
//! batch (its source is `tail:OFFSET:DEV:INO:PATH`) and into
//! `tail.json` in the data folder, written before the WAL lock is released
//! (so before the batch can be compacted). At a start the newer of the two
//! wins, so a batch is never read twice or skipped across a restart. A file
//! rotated while the server was down is found by its inode in the same
//! folder and its rest read first.
//!
//! Records the sources reject are counted (`dragnet_rejected_bodies_total`
//! under `tail`) and logged with the file and byte offset; the good records
//! of the same batch are kept.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::parse::parse_lenient;
use crate::server::App;
use crate::store::AppendError;
use crate::wal::Record;

/// The most bytes read into one batch.
pub const CHUNK: usize = 4 << 20;
/// How often files are looked at.
pub const TICK: Duration = Duration::from_millis(250);
/// A file rotated away is read on until it has had nothing new this long.
pub const ROTATE_WAIT: Duration = Duration::from_secs(5);
/// The offsets file in the data folder.
pub const OFFSETS: &str = "tail.json";

/// Where a followed path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The file's device.
    pub dev: u64,
    /// The file's inode.
    pub ino: u64,
    /// Bytes of it stored.
    pub offset: u64,
    /// The WAL batch that stored them (0 when none yet).
    pub seq: u64,
}

/// The cursors of every followed path.
pub type Cursors = BTreeMap<PathBuf, Cursor>;

/// A WAL record's source for a batch of `path` ending at `c`.
pub fn source(path: &Path, c: &Cursor) -> String {
    format!("tail:{}:{}:{}:{}", c.offset, c.dev, c.ino, path.display())
}

/// The path and cursor a WAL record's source names, if it is a tail's.
pub fn parse_source(source: &str, seq: u64) -> Option<(PathBuf, Cursor)> {
    let rest = source.strip_prefix("tail:")?;
    let mut parts = rest.splitn(4, ':');
    let offset = parts.next()?.parse().ok()?;
    let dev = parts.next()?.parse().ok()?;
    let ino = parts.next()?.parse().ok()?;
    let path = PathBuf::from(parts.next()?);
    Some((path, Cursor { dev, ino, offset, seq }))
}

/// The cursors at a start: `tail.json`, overruled by newer batches still in
/// the WAL.
pub fn recover(dir: &Path, replayed: &[Arc<Record>]) -> Result<Cursors, String> {
    let file = dir.join(OFFSETS);
    let mut cursors: Cursors = match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", file.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Cursors::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    for rec in replayed {
        if let Some((path, c)) = parse_source(&rec.source, rec.seq)
            && cursors.get(&path).is_none_or(|old| old.seq < c.seq)
        {
            cursors.insert(path, c);
        }
    }
    Ok(cursors)
}

/// Writes the cursors: a temporary file synced, then renamed over.
pub fn save(dir: &Path, cursors: &Cursors) -> Result<(), String> {
    let file = dir.join(OFFSETS);
    let tmp = dir.join(format!("{OFFSETS}.tmp"));
    let bytes = serde_json::to_vec_pretty(cursors).map_err(|e| e.to_string())?;
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        std::io::Write::write_all(&mut f, &bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &file)
    };
    write().map_err(|e| format!("cannot write {}: {e}", file.display()))
}

/// One followed path.
struct Follow {
    path: PathBuf,
    /// The file the path names, once it has existed.
    open: Option<(File, Cursor)>,
    /// A file rotated away, read on until it has had nothing new for
    /// [`ROTATE_WAIT`] (a writer may still add to it before it reopens).
    draining: Option<(File, Cursor, Instant)>,
    /// Since when the open file's offset has been held back at an event
    /// still being written.
    held: Option<(u64, Instant)>,
    /// How long an event still being written is held back at most.
    hold: Duration,
}

fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// The file in `path`'s folder that is `(dev, ino)`, if one is.
fn find_rotated(path: &Path, dev: u64, ino: u64) -> Option<(PathBuf, File)> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    for entry in std::fs::read_dir(folder).ok()?.flatten() {
        let p = entry.path();
        if p != path
            && let Ok(m) = std::fs::metadata(&p)
            && m.is_file()
            && identity(&m) == (dev, ino)
        {
            return File::open(&p).ok().map(|f| (p, f));
        }
    }
    None
}

impl Follow {
    fn new(path: PathBuf, cursor: Option<Cursor>, hold: Duration) -> Follow {
        let mut f = Follow { path, open: None, draining: None, held: None, hold };
        let Some(c) = cursor else { return f };
        match std::fs::metadata(&f.path) {
            Ok(m) if identity(&m) == (c.dev, c.ino) => {
                if let Ok(file) = File::open(&f.path) {
                    f.open = Some((file, c));
                }
            }
            _ => {
                // Rotated while the server was down: read the rest of the
                // old file first, if it is still beside the path.
                if let Some((p, file)) = find_rotated(&f.path, c.dev, c.ino) {
                    tracing::info!("{} was rotated to {}: reading its rest first", f.path.display(), p.display());
                    f.draining = Some((file, c, Instant::now()));
                } else {
                    tracing::warn!(
                        "{} is another file than at the last stop and the old one is gone: reading the new one from its start",
                        f.path.display()
                    );
                }
            }
        }
        f
    }

    /// The next batch of whole lines: the bytes and the cursor after them.
    /// `None` when there is nothing new.
    fn next(&mut self) -> std::io::Result<Option<(Vec<u8>, Cursor)>> {
        if let Some((file, c, quiet_since)) = &mut self.draining {
            let done = quiet_since.elapsed() >= ROTATE_WAIT;
            // Once quiet long enough, a last line without its newline is
            // taken too: nothing more will be written after it.
            if let Some(chunk) = read_chunk(file, c, done)? {
                *quiet_since = Instant::now();
                return Ok(Some(chunk));
            }
            if done {
                self.draining = None;
            }
        }
        let now = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let same = |c: &Cursor| now.as_ref().is_some_and(|m| identity(m) == (c.dev, c.ino));
        match &mut self.open {
            Some((file, c)) if same(c) => {
                if now.as_ref().is_some_and(|m| m.len() < c.offset) {
                    tracing::info!("{} was truncated: reading it from its start", self.path.display());
                    c.offset = 0;
                }
                let Some((mut bytes, mut after)) = read_chunk(file, c, false)? else { return Ok(None) };
                let stale = self.held.is_some_and(|(at, since)| at == c.offset && since.elapsed() >= self.hold);
                let keep = if stale { bytes.len() } else { whole_events(&bytes) };
                if keep == 0 {
                    if self.held.is_none_or(|(at, _)| at != c.offset) {
                        self.held = Some((c.offset, Instant::now()));
                    }
                    return Ok(None);
                }
                self.held = None;
                bytes.truncate(keep);
                after.offset = c.offset.saturating_add(keep as u64);
                return Ok(Some((bytes, after)));
            }
            Some(_) => {
                if self.draining.is_some() {
                    // Rotated twice within the wait: finish the older first.
                    return Ok(None);
                }
                if let Some((file, c)) = self.open.take() {
                    self.draining = Some((file, c, Instant::now()));
                }
                return Ok(None);
            }
            None => {}
        }
        if now.is_none() {
            return Ok(None);
        }
        let file = File::open(&self.path)?;
        // What was opened, not what was looked at before.
        let (dev, ino) = identity(&file.metadata()?);
        self.open = Some((file, Cursor { dev, ino, offset: 0, seq: 0 }));
        self.held = None;
        // Read as an open file (once more at most: it is open now).
        self.next()
    }

    /// Moves the cursor past a stored batch.
    fn stored(&mut self, c: Cursor) {
        let draining = self.draining.iter_mut().map(|(_, cur, _)| cur);
        for cur in draining.chain(self.open.iter_mut().map(|(_, cur)| cur)) {
            if (cur.dev, cur.ino) == (c.dev, c.ino) {
                *cur = c;
            }
        }
    }
}

/// The auditd event a record line belongs to (`msg=audit(TIME:SERIAL)`),
/// if it is one.
fn event_of(line: &[u8]) -> Option<&[u8]> {
    let at = line.windows(10).position(|w| w == b"msg=audit(")?;
    let rest = line.get(at + 10..)?;
    let end = rest.iter().position(|&b| b == b')')?;
    rest.get(..end)
}

/// How much of `bytes` (whole lines) to store now: all of it, unless it
/// ends with auditd records of an event that may not be whole yet (no
/// `EOE` record closes it), which are held back (until a record of another
/// event follows, or for `--tail`'s hold time) so an event is not split
/// between two batches. 0 when everything is that one event.
fn whole_events(bytes: &[u8]) -> usize {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let last_start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let Some(last) = body.get(last_start..) else { return bytes.len() };
    let Some(event) = event_of(last) else { return bytes.len() };
    if last.windows(9).any(|w| w == b"type=EOE ") {
        return bytes.len();
    }
    // Back over the lines of the same event.
    let mut start = last_start;
    while start > 0 {
        let prev_end = start - 1;
        let prev_start = body.get(..prev_end).and_then(|b| b.iter().rposition(|&c| c == b'\n')).map_or(0, |i| i + 1);
        match body.get(prev_start..prev_end) {
            Some(prev) if event_of(prev) == Some(event) => start = prev_start,
            _ => break,
        }
    }
    start
}

/// Up to [`CHUNK`] bytes after `c.offset`, cut after the last newline (or
/// whole, at the end of a file read to its end: `to_end`).
fn read_chunk(file: &mut impl ReadAt, c: &Cursor, to_end: bool) -> std::io::Result<Option<(Vec<u8>, Cursor)>> {
    let mut buf = Vec::new();
    file.read_from(c.offset, CHUNK, &mut buf)?;
    if buf.is_empty() {
        return Ok(None);
    }
    let full = buf.len() >= CHUNK;
    let keep = match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        // A line longer than a chunk is taken whole as far as it goes.
        None if full || to_end => buf.len(),
        None => return Ok(None),
    };
    let keep = if to_end && !full { buf.len() } else { keep };
    buf.truncate(keep);
    let offset = c.offset.checked_add(keep as u64).ok_or_else(|| std::io::Error::other("offset overflow"))?;
    Ok(Some((buf, Cursor { offset, ..*c })))
}

/// Reading at an offset without moving a shared position.
trait ReadAt {
    fn read_from(&mut self, offset: u64, max: usize, out: &mut Vec<u8>) -> std::io::Result<()>;
}

impl ReadAt for File {
    fn read_from(&mut self, offset: u64, max: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
        (&*self).read_from(offset, max, out)
    }
}

impl ReadAt for &File {
    fn read_from(&mut self, offset: u64, max: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.seek(SeekFrom::Start(offset))?;
        self.take(max as u64).read_to_end(out)?;
        Ok(())
    }
}

/// Follows every path until the server stops.
pub async fn run(app: Arc<App>, paths: Vec<PathBuf>, cursors: Cursors, mut stop: watch::Receiver<bool>) {
    let shared = Arc::new(std::sync::Mutex::new(cursors));
    let mut follows: Vec<Follow> = {
        let c = shared.lock().map(|c| c.clone()).unwrap_or_default();
        let hold = app.config.tail_hold;
        paths.into_iter().map(|p| Follow::new(p.clone(), c.get(&p).copied(), hold)).collect()
    };
    loop {
        let mut busy = false;
        for f in &mut follows {
            // Drain what is there, a batch at a time, before sleeping.
            loop {
                if *stop.borrow() {
                    return;
                }
                let next = match f.next() {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!("cannot read {}: {e}", f.path.display());
                        break;
                    }
                };
                let Some((bytes, cursor)) = next else { break };
                match store(&app, &f.path, bytes, cursor, &shared).await {
                    Ok(c) => f.stored(c),
                    Err(Busy) => {
                        busy = true;
                        break;
                    }
                }
            }
        }
        let wait = if busy { Duration::from_secs(1) } else { TICK };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = crate::server::stopped(&mut stop) => return,
        }
    }
}

/// The WAL is behind (or failing): the same bytes are tried again later.
struct Busy;

/// Parses and appends one batch; the cursor after it once stored.
async fn store(
    app: &Arc<App>,
    path: &Path,
    bytes: Vec<u8>,
    mut cursor: Cursor,
    cursors: &Arc<std::sync::Mutex<Cursors>>,
) -> Result<Cursor, Busy> {
    let start = cursor.offset.saturating_sub(bytes.len() as u64);
    let parsed = match tokio::task::spawn_blocking(move || parse_lenient(&bytes, None)).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("cannot read a batch of {}: {e}", path.display());
            return Err(Busy);
        }
    };
    let (parsed, rejected) = match parsed {
        Ok(p) => p,
        Err(bad) => {
            // Nothing in it is a log: skipped, counted and said.
            app.metrics.reject("tail");
            tracing::warn!("{} from byte {start}: {bad}; skipped", path.display());
            return Ok(cursor);
        }
    };
    if let Some(r) = rejected {
        app.metrics.reject("tail");
        tracing::warn!("{} from byte {start}: {} records rejected, the first at {}", path.display(), r.count, r.first);
    }
    let records = parsed.records;
    if parsed.tables.is_empty() {
        app.metrics.events("tail", records);
        return Ok(cursor);
    }
    let shared = app.clone();
    let path = path.to_path_buf();
    let cursors = cursors.clone();
    let appended = tokio::task::spawn_blocking(move || {
        let dir = shared.config.store.dir.clone();
        let queue = shared.nrt_queue.clone();
        let from = source(&path, &cursor);
        shared.store.append(&from, parsed.tables, move |rec| {
            let _ = queue.send(rec.clone());
            // Saved before the WAL lock is released, so before the batch
            // can be compacted out of the WAL.
            if let Ok(mut all) = cursors.lock() {
                all.insert(path.clone(), Cursor { seq: rec.seq, ..cursor });
                if let Err(e) = save(&dir, &all) {
                    tracing::error!("{e} (the WAL still holds the offset)");
                }
            }
        })
    })
    .await;
    match appended {
        Ok(Ok(rec)) => {
            app.metrics.events("tail", records);
            cursor.seq = rec.seq;
            Ok(cursor)
        }
        Ok(Err(AppendError::Busy)) => {
            app.metrics.busy();
            Err(Busy)
        }
        Ok(Err(AppendError::Failed(e))) => {
            tracing::error!("cannot store a batch of a followed file: {e}");
            Err(Busy)
        }
        Err(e) => {
            tracing::error!("cannot store a batch of a followed file: {e}");
            Err(Busy)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_carry_the_cursor() {
        let c = Cursor { dev: 2049, ino: 77, offset: 1234, seq: 9 };
        let s = source(Path::new("/var/log/a:b.log"), &c);
        assert_eq!(s, "tail:1234:2049:77:/var/log/a:b.log");
        assert_eq!(parse_source(&s, 9), Some((PathBuf::from("/var/log/a:b.log"), c)));
        assert_eq!(parse_source("ingest", 1), None);
        assert_eq!(parse_source("tail:x:1:2:/p", 1), None);
    }

    #[test]
    fn an_auditd_event_still_being_written_is_held_back() {
        let a = b"type=SYSCALL msg=audit(1.000:7): x\ntype=EOE msg=audit(1.000:7): \n";
        assert_eq!(whole_events(a), a.len());
        let b = b"type=SYSCALL msg=audit(1.000:7): x\ntype=EOE msg=audit(1.000:7): \ntype=SYSCALL msg=audit(1.000:8): y\ntype=EXECVE msg=audit(1.000:8): argc=1\n";
        assert_eq!(whole_events(b), a.len());
        let c = b"node=n type=SYSCALL msg=audit(1.000:8): y\nnode=n type=CWD msg=audit(1.000:8): cwd=\"/\"\n";
        assert_eq!(whole_events(c), 0);
        let json = b"{\"kind\":\"Event\"}\n";
        assert_eq!(whole_events(json), json.len());
    }

    #[test]
    fn chunks_end_after_the_last_whole_line() {
        let dir = std::env::temp_dir().join(format!("dragnet-tail-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f.log");
        std::fs::write(&p, b"one\ntwo\nthr").unwrap();
        let f = File::open(&p).unwrap();
        let c = Cursor { dev: 0, ino: 0, offset: 0, seq: 0 };
        let (bytes, after) = read_chunk(&mut &f, &c, false).unwrap().unwrap();
        assert_eq!((bytes.as_slice(), after.offset), (&b"one\ntwo\n"[..], 8));
        assert!(read_chunk(&mut &f, &after, false).unwrap().is_none());
        let (bytes, end) = read_chunk(&mut &f, &after, true).unwrap().unwrap();
        assert_eq!((bytes.as_slice(), end.offset), (&b"thr"[..], 11));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
