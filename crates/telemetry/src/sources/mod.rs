//! Log formats, each recognised from a file's content, each read as a
//! stream into a [`FileSink`].
//!
//! A format is a [`Format`]: it says from the first bytes of a file
//! whether the file is its kind ([`Format::sniff`]), and reads the whole
//! stream ([`Format::read`]) in bounded memory, counting every record and
//! rejecting, with its line, each one it cannot read. [`FORMATS`] lists
//! them in the order they are tried: the most specific first.
//!
//! [`read_paths`] is the entry point: it expands folders, opens each file,
//! picks its format, and reads it. A file no format recognises is one
//! reject ("not a log format dragnet reads"), never skipped silently.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::sink::{FileSink, OutputError, Sink};

pub mod auditd;
pub mod defender;
pub mod defender_csv;
pub mod device;
pub mod dynamic;
pub mod ecs;
pub mod falco;
pub mod json;
mod json_split;
pub mod k8s_audit;
pub mod lines;
pub mod loose;
pub mod sysmon;
pub mod tetragon;

/// How many bytes of a file [`Format::sniff`] sees (fewer for a shorter file).
pub const HEAD_BYTES: usize = 64 * 1024;

/// One log format.
pub trait Format: Sync {
    /// Its name in stats and messages, e.g. `auditd`.
    fn name(&self) -> &'static str;

    /// Whether a file starting with `head` is of this format. `head` holds
    /// the first [`HEAD_BYTES`] bytes (or the whole file) and may end in
    /// the middle of a line or of a UTF-8 character.
    fn sniff(&self, head: &[u8]) -> bool;

    /// Reads every record of `input` into `out`. Bad records, unreadable
    /// bytes and a truncated end are rejects, not errors: only a failing
    /// output stops the read.
    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError>;
}

/// Every format, in the order they are tried.
pub static FORMATS: &[&dyn Format] = &[
    &defender::DefenderExport,
    &k8s_audit::K8sAudit,
    &tetragon::Tetragon,
    &falco::Falco,
    &ecs::Ecs,
    &auditd::Laurel,
    &sysmon::Sysmon,
    &auditd::Auditd,
    &defender_csv::DefenderCsv,
];

/// The first format that recognises `head`.
pub fn detect(head: &[u8]) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.sniff(head))
}

/// The files under `paths`: a file as is, a folder's files recursively
/// (hidden ones, starting with `.`, left out), each folder's in name order.
pub fn expand(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads every file under `paths` into `sink`, adding the bytes read to
/// `progress` as it goes. A file that cannot be opened, or that no format
/// recognises, is a reject of that file; only a failing output stops.
pub fn read_paths(paths: &[PathBuf], sink: &mut Sink<'_>, progress: &AtomicU64) -> Result<(), OutputError> {
    let files = expand(paths).map_err(|e| OutputError(e.to_string()))?;
    for path in files {
        read_file(&path, sink, progress)?;
    }
    Ok(())
}

/// Reads one file into `sink` (see [`read_paths`]).
pub fn read_file(path: &Path, sink: &mut Sink<'_>, progress: &AtomicU64) -> Result<(), OutputError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            sink.file(path, None).reject(0, format!("cannot open: {e}"), b"");
            return Ok(());
        }
    };
    let mut input = BufReader::with_capacity(256 * 1024, Counting { inner: file, progress });
    read_stream(path, &mut input, sink)
}

/// Reads one stream named `path` into `sink` (see [`read_paths`]).
pub fn read_stream(path: &Path, input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), OutputError> {
    read_stream_as(path, input, sink, None)
}

/// The format called `name` (its [`Format::name`]).
pub fn format_named(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// [`read_stream`], read as `format` when given instead of the format
/// recognised from the content.
pub fn read_stream_as(
    path: &Path,
    input: &mut dyn BufRead,
    sink: &mut Sink<'_>,
    format: Option<&'static dyn Format>,
) -> Result<(), OutputError> {
    let head = match head(input) {
        Ok(h) => h,
        Err(e) => {
            sink.file(path, None).reject(0, format!("cannot read: {e}"), b"");
            return Ok(());
        }
    };
    if head.is_empty() {
        sink.file(path, None);
        return Ok(());
    }
    let Some(format) = format.or_else(|| detect(&head)) else {
        let mut out = sink.file(path, None);
        out.bytes(head.len() as u64);
        out.record();
        out.reject(1, unrecognised(&head), first_line(&head));
        return Ok(());
    };
    let mut out = sink.file(path, Some(format.name()));
    let mut chained = io::Cursor::new(head).chain(input);
    let mut counted = CountBytes { inner: &mut chained, n: 0 };
    let mut buffered = BufReader::with_capacity(256 * 1024, &mut counted);
    let result = format.read(&mut buffered, &mut out);
    drop(buffered);
    let n = counted.n;
    out.bytes(n);
    result
}

/// The first [`HEAD_BYTES`] of `input`, consumed from it.
fn head(input: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    input.take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn first_line(head: &[u8]) -> &[u8] {
    let end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    &head[..end.min(200)]
}

/// Why no format took a file.
fn unrecognised(head: &[u8]) -> String {
    let sample = &head[..head.len().min(4096)];
    let binary = sample.iter().filter(|&&b| b == 0 || (b < 0x20 && !b"\t\n\r\x1d\x0c".contains(&b))).count();
    if binary * 10 > sample.len() || std::str::from_utf8(&sample[..sample.len().min(1024)]).is_err() && binary > 0 {
        "binary data, not a log format dragnet reads".into()
    } else {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        format!("not a log format dragnet reads (it reads: {})", names.join(", "))
    }
}

/// Counts bytes read into `progress` as they come.
struct Counting<'p, R> {
    inner: R,
    progress: &'p AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Counts bytes read.
struct CountBytes<'r> {
    inner: &'r mut dyn Read,
    n: u64,
}

impl Read for CountBytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::Collect;

    fn read(text: &[u8]) -> Vec<crate::sink::FileStats> {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out);
        read_stream(Path::new("x.log"), &mut &text[..], &mut sink).unwrap();
        sink.finish().unwrap();
        sink.files
    }

    #[test]
    fn an_unknown_file_is_one_reject_naming_the_formats() {
        let stats = read(b"hello world\nsecond line\n");
        let r = stats[0].rejects.clone().unwrap();
        assert_eq!(r.count, 1);
        assert!(r.first.1.starts_with("not a log format dragnet reads (it reads: "), "{}", r.first.1);
        assert_eq!(stats[0].format, None);
    }

    #[test]
    fn a_binary_blob_is_called_binary() {
        let blob: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 256) as u8).collect();
        let stats = read(&blob);
        assert_eq!(stats[0].rejects.clone().unwrap().first.1, "binary data, not a log format dragnet reads");
    }

    #[test]
    fn an_empty_file_is_neither_rows_nor_rejects() {
        let stats = read(b"");
        assert_eq!(stats[0].records, 0);
        assert!(stats[0].rejects.is_none());
    }
}
