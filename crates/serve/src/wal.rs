//! The write-ahead log: every acknowledged batch, fsynced before the
//! acknowledgement, in numbered segment files `wal/<n>.wal`.
//!
//! A record is `DNW1`, the payload's length (u32, little-endian), the first
//! 8 bytes of the payload's SHA-256, then the payload: the batch's sequence
//! number, its source and its tables as Arrow IPC streams. Appends go to the
//! newest segment; [`Wal::seal`] starts a new one so the sealed one can be
//! compacted into Parquet and removed.
//!
//! On open, a record cut short or failing its checksum at the end of the
//! newest segment is a write that was never acknowledged (the process died
//! inside it): the segment is truncated there. Damage anywhere else is an
//! error: acknowledged data would be lost.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 4] = b"DNW1";
const HEADER: usize = 4 + 4 + 8;
/// The largest payload a record may have (a request is far smaller).
pub const MAX_RECORD: usize = 1 << 30;

/// One acknowledged batch.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its sequence number, counting from 1 over the life of the store.
    pub seq: u64,
    /// Where it came from (`ingest`, `k8s-audit`, ...).
    pub source: String,
    /// Table name and its rows.
    pub tables: Vec<(&'static str, RecordBatch)>,
}

impl Record {
    /// Rows over every table.
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|(_, b)| b.num_rows()).sum()
    }
}

/// A record as bytes on disk.
pub fn encode(rec: &Record) -> io::Result<Vec<u8>> {
    let mut p = Vec::new();
    p.extend_from_slice(&rec.seq.to_le_bytes());
    put_str(&mut p, &rec.source)?;
    let n = u16::try_from(rec.tables.len()).map_err(|_| invalid("too many tables in one batch"))?;
    p.extend_from_slice(&n.to_le_bytes());
    for (name, batch) in &rec.tables {
        put_str(&mut p, name)?;
        let mut ipc = Vec::new();
        let mut w = StreamWriter::try_new(&mut ipc, &batch.schema()).map_err(io::Error::other)?;
        w.write(batch).map_err(io::Error::other)?;
        w.finish().map_err(io::Error::other)?;
        drop(w);
        p.extend_from_slice(&(ipc.len() as u64).to_le_bytes());
        p.extend_from_slice(&ipc);
    }
    if p.len() > MAX_RECORD {
        return Err(invalid("a batch larger than a WAL record may be"));
    }
    let mut out = Vec::with_capacity(HEADER + p.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(&p));
    out.extend_from_slice(&p);
    Ok(out)
}

fn put_str(p: &mut Vec<u8>, s: &str) -> io::Result<()> {
    let n = u16::try_from(s.len()).map_err(|_| invalid("a name longer than 65535 bytes"))?;
    p.extend_from_slice(&n.to_le_bytes());
    p.extend_from_slice(s.as_bytes());
    Ok(())
}

fn checksum(p: &[u8]) -> [u8; 8] {
    let d = Sha256::digest(p);
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Reads a payload back into a record.
fn decode(p: &[u8]) -> Result<Record, String> {
    let mut c = Cursor { p, at: 0 };
    let seq = u64::from_le_bytes(c.array()?);
    let source = c.string()?;
    let n = u16::from_le_bytes(c.array()?);
    let mut tables = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let name = c.string()?;
        let table = telemetry::tables::all()
            .into_iter()
            .map(|(t, _)| t)
            .find(|t| *t == name)
            .ok_or_else(|| format!("unknown table {name}"))?;
        let len = usize::try_from(u64::from_le_bytes(c.array()?)).map_err(|_| "a length past memory".to_string())?;
        let ipc = c.take(len)?;
        let reader = StreamReader::try_new(ipc, None).map_err(|e| e.to_string())?;
        for b in reader {
            tables.push((table, b.map_err(|e| e.to_string())?));
        }
    }
    if c.at != p.len() {
        return Err("bytes after the last table".into());
    }
    Ok(Record { seq, source, tables })
}

struct Cursor<'a> {
    p: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.p.len()).ok_or("the record ends early")?;
        let s = &self.p[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = u16::from_le_bytes(self.array()?);
        let b = self.take(usize::from(n))?;
        String::from_utf8(b.to_vec()).map_err(|_| "a name that is not UTF-8".to_string())
    }
}

/// The log: the segment being appended to and the sealed ones not yet
/// compacted.
pub struct Wal {
    dir: PathBuf,
    current: File,
    current_no: u64,
    current_bytes: u64,
    current_records: u64,
    sealed: BTreeMap<u64, u64>,
    broken: Option<String>,
}

/// What [`Wal::open`] found: segment number and its records, oldest first.
pub type Replayed = Vec<(u64, Vec<Arc<Record>>)>;

impl Wal {
    /// Opens the log in `dir` (created if missing): removes the segments a
    /// checkpoint covers (`<= compacted`), reads every other one back, and
    /// starts a new segment after them.
    pub fn open(dir: &Path, compacted: u64) -> Result<(Wal, Replayed), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut numbers = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(n) = name.strip_suffix(".wal").and_then(|n| n.parse::<u64>().ok()) {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        let mut replayed = Vec::new();
        let mut sealed = BTreeMap::new();
        let last = numbers.last().copied();
        for n in numbers {
            let path = segment_path(dir, n);
            if n <= compacted {
                std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                continue;
            }
            let (records, bytes) = read_segment(&path, Some(n) == last)?;
            if records.is_empty() {
                std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                continue;
            }
            sealed.insert(n, bytes);
            replayed.push((n, records));
        }
        let next = last.unwrap_or(compacted).max(compacted).checked_add(1).ok_or("WAL segment numbers exhausted")?;
        let current = create_segment(dir, next)?;
        let wal = Wal {
            dir: dir.to_path_buf(),
            current,
            current_no: next,
            current_bytes: 0,
            current_records: 0,
            sealed,
            broken: None,
        };
        Ok((wal, replayed))
    }

    /// Appends a record and syncs it to disk; returns the segment it is in.
    /// A failed append is undone (the segment cut back), or, when it cannot
    /// be, every later append fails until a restart.
    pub fn append(&mut self, bytes: &[u8]) -> Result<u64, String> {
        self.append_all(&[bytes])
    }

    /// Appends records and syncs them to disk once; returns the segment
    /// they are in. On failure none of them is kept, as for [`Wal::append`].
    pub fn append_all(&mut self, records: &[&[u8]]) -> Result<u64, String> {
        if let Some(b) = &self.broken {
            return Err(b.clone());
        }
        let result = records.iter().try_for_each(|r| self.current.write_all(r)).and_then(|()| self.current.sync_data());
        if let Err(e) = result {
            let undo = self.current.set_len(self.current_bytes).and_then(|()| {
                self.current.seek(SeekFrom::Start(self.current_bytes))?;
                self.current.sync_data()
            });
            if let Err(u) = undo {
                self.broken = Some(format!("the WAL cannot be written after a failed append ({u}); restart"));
            }
            return Err(format!("cannot write the WAL: {e}"));
        }
        let written = records.iter().fold(0u64, |a, r| a.saturating_add(r.len() as u64));
        self.current_bytes = self.current_bytes.saturating_add(written);
        self.current_records = self.current_records.saturating_add(records.len() as u64);
        Ok(self.current_no)
    }

    /// Seals the current segment when it holds records and starts the next;
    /// returns the sealed segment's number.
    pub fn seal(&mut self) -> Result<Option<u64>, String> {
        if self.current_records == 0 {
            return Ok(None);
        }
        let next = self.current_no.checked_add(1).ok_or("WAL segment numbers exhausted")?;
        let file = create_segment(&self.dir, next)?;
        let old = std::mem::replace(&mut self.current, file);
        drop(old);
        self.sealed.insert(self.current_no, self.current_bytes);
        let sealed = self.current_no;
        self.current_no = next;
        self.current_bytes = 0;
        self.current_records = 0;
        Ok(Some(sealed))
    }

    /// Removes a sealed segment (its records are in Parquet now).
    pub fn remove(&mut self, n: u64) -> Result<(), String> {
        let path = segment_path(&self.dir, n);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
        }
        self.sealed.remove(&n);
        Ok(())
    }

    /// Bytes in the log: the current segment and the sealed ones.
    pub fn bytes(&self) -> u64 {
        self.sealed.values().fold(self.current_bytes, |a, b| a.saturating_add(*b))
    }

    /// Bytes in the current segment.
    pub fn current_bytes(&self) -> u64 {
        self.current_bytes
    }

    /// The sealed segments, oldest first.
    pub fn sealed(&self) -> Vec<u64> {
        self.sealed.keys().copied().collect()
    }
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:020}.wal"))
}

fn create_segment(dir: &Path, n: u64) -> Result<File, String> {
    let path = segment_path(dir, n);
    let f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    sync_dir(dir)?;
    Ok(f)
}

/// Makes a folder's entries (files created, renamed, removed) durable.
pub fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| format!("cannot sync {}: {e}", dir.display()))
}

/// Every record of a segment, and its length after any torn tail is cut
/// (only when `newest`).
fn read_segment(path: &Path, newest: bool) -> Result<(Vec<Arc<Record>>, u64), String> {
    let shown = path.display();
    let mut f =
        OpenOptions::new().read(true).write(true).open(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
    let mut data = Vec::new();
    f.read_to_end(&mut data).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        match next_record(&data[at..]) {
            Ok((rec, used)) => {
                records.push(Arc::new(rec));
                at += used;
            }
            Err(why) if newest => {
                tracing::warn!("{shown}: unacknowledged write cut off at byte {at} ({why})");
                f.set_len(at as u64)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| format!("cannot truncate {shown}: {e}"))?;
                break;
            }
            Err(why) => return Err(format!("{shown} is damaged at byte {at}: {why}")),
        }
    }
    Ok((records, at as u64))
}

/// The record at the start of `data` and the bytes it takes.
fn next_record(data: &[u8]) -> Result<(Record, usize), String> {
    if data.len() < HEADER {
        return Err("a record header cut short".into());
    }
    if &data[..4] != MAGIC {
        return Err("not a record header".into());
    }
    let len = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let end = HEADER.checked_add(len).filter(|e| *e <= data.len()).ok_or("a record cut short")?;
    let payload = &data[HEADER..end];
    if checksum(payload) != data[8..16] {
        return Err("a record failing its checksum".into());
    }
    Ok((decode(payload)?, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry::batch::{TableBuilder, Value};

    fn record(seq: u64) -> Record {
        let mut b = TableBuilder::new(telemetry::tables::get("DeviceProcessEvents").unwrap());
        let c = b.col("FileName");
        let mut r = b.row();
        r.set(c, Value::str(format!("f{seq}")));
        b.push(&r);
        Record { seq, source: "test".into(), tables: vec![("DeviceProcessEvents", b.finish())] }
    }

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dragnet-wal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn records_come_back_and_a_torn_tail_is_cut() {
        let dir = temp("torn");
        let (mut wal, replayed) = Wal::open(&dir, 0).unwrap();
        assert!(replayed.is_empty());
        wal.append(&encode(&record(1)).unwrap()).unwrap();
        wal.append(&encode(&record(2)).unwrap()).unwrap();
        let third = encode(&record(3)).unwrap();
        wal.append(&third[..third.len() - 3]).unwrap();
        drop(wal);
        let (wal, replayed) = Wal::open(&dir, 0).unwrap();
        let seqs: Vec<u64> = replayed.iter().flat_map(|(_, r)| r.iter().map(|r| r.seq)).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(replayed[0].1[1].tables[0].1.num_rows(), 1);
        assert_eq!(wal.sealed(), [1]);
        drop(wal);
        // A checkpoint covering segment 1 removes it.
        let (_, replayed) = Wal::open(&dir, 1).unwrap();
        assert!(replayed.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damage_before_the_newest_segment_is_an_error() {
        let dir = temp("damage");
        let (mut wal, _) = Wal::open(&dir, 0).unwrap();
        wal.append(&encode(&record(1)).unwrap()).unwrap();
        wal.seal().unwrap();
        wal.append(&encode(&record(2)).unwrap()).unwrap();
        drop(wal);
        let first = segment_path(&dir, 1);
        let mut bytes = std::fs::read(&first).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&first, bytes).unwrap();
        let err = Wal::open(&dir, 0).err().unwrap();
        assert!(err.contains("is damaged at byte 0: a record failing its checksum"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
