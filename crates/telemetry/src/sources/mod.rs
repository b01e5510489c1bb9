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
use segment::Segments;

pub mod auditd;
pub mod container_log;
pub mod defender;
pub mod defender_csv;
pub mod device;
pub mod device_info;
pub mod dynamic;
pub mod ecs;
pub mod falco;
pub mod json;
pub mod json_scan;
mod json_split;
pub mod k8s_audit;
pub mod kube;
pub mod lines;
pub mod logon;
pub mod loose;
pub mod segment;
pub mod syslog;
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
    &kube::Kubectl,
    &tetragon::Tetragon,
    &falco::Falco,
    &ecs::Ecs,
    &auditd::Laurel,
    &sysmon::Sysmon,
    &auditd::Auditd,
    &syslog::Journal,
    &container_log::DockerJson,
    &container_log::Cri,
    &syslog::Syslog,
    &defender_csv::DefenderCsv,
];

/// The format named `name`.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// The names of every format, comma separated (for messages).
pub fn names() -> String {
    FORMATS.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

/// How many line starts [`detect`] looks at.
pub const WINDOW_LINES: usize = 64;

/// How many of those a format must recognise for [`detect`] to stop early.
const ENOUGH: usize = 4;

/// What [`detect`] found at the start of a stream.
#[derive(Clone, Copy)]
pub struct Detected {
    /// The format, or `None` when none recognised any line start.
    pub format: Option<&'static dyn Format>,
    /// Leading comment (`#`) lines passed over before the records.
    pub comments: u64,
    /// Leading comment and blank lines passed over.
    pub lines: u64,
    /// Their bytes.
    pub bytes: usize,
}

/// The format of a stream starting with `head`, decided from a window of
/// records rather than from its first line: leading comment (`#`) and
/// blank lines are passed over, then each of the next [`WINDOW_LINES`]
/// lines that start in the first column is offered to every format (as
/// the start of the rest of `head`). The format recognising the most of
/// them wins; a tie goes to the one that recognised an earlier line, then
/// to the order of [`FORMATS`]. Lines before the winner's first are left
/// to its reader, which rejects those it cannot read.
pub fn detect(head: &[u8]) -> Detected {
    let (mut lines, mut bytes, mut comments) = (0u64, 0usize, 0u64);
    loop {
        let rest = &head[bytes..];
        let Some(nl) = memchr::memchr(b'\n', rest) else { break };
        let line = rest[..nl].trim_ascii();
        let line = if bytes == 0 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
        if line.starts_with(b"#") {
            comments += 1;
        } else if !line.is_empty() {
            break;
        }
        lines += 1;
        bytes += nl + 1;
    }
    let mut score = vec![(0usize, usize::MAX); FORMATS.len()];
    let mut start = bytes;
    let mut seen = 0;
    while start < head.len() && seen < WINDOW_LINES {
        let rest = &head[start..];
        let first = rest.first().copied().unwrap_or(b' ');
        if !first.is_ascii_whitespace() && first != b'#' {
            seen += 1;
            for (i, f) in FORMATS.iter().enumerate() {
                if f.sniff(rest) {
                    score[i].0 += 1;
                    score[i].1 = score[i].1.min(start);
                }
            }
            if score.iter().any(|s| s.0 >= ENOUGH) {
                break;
            }
        }
        match memchr::memchr(b'\n', rest) {
            Some(nl) => start += nl + 1,
            None => break,
        }
    }
    let best =
        (0..FORMATS.len()).filter(|&i| score[i].0 > 0).min_by_key(|&i| (std::cmp::Reverse(score[i].0), score[i].1, i));
    Detected { format: best.map(|i| FORMATS[i]), comments, lines, bytes }
}

/// How files are read.
#[derive(Clone, Copy, Default)]
pub struct ReadOptions {
    /// Read every file as this format instead of recognising it.
    pub format: Option<&'static dyn Format>,
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
    read_paths_with(paths, ReadOptions::default(), sink, progress)
}

/// [`read_paths`] with `options`.
pub fn read_paths_with(
    paths: &[PathBuf],
    options: ReadOptions,
    sink: &mut Sink<'_>,
    progress: &AtomicU64,
) -> Result<(), OutputError> {
    let files = expand(paths).map_err(|e| OutputError(e.to_string()))?;
    for path in files {
        read_file_with(&path, options, sink, progress)?;
    }
    Ok(())
}

/// Reads one file into `sink` (see [`read_paths`]).
pub fn read_file(path: &Path, sink: &mut Sink<'_>, progress: &AtomicU64) -> Result<(), OutputError> {
    read_file_with(path, ReadOptions::default(), sink, progress)
}

/// [`read_file`] with `options`.
pub fn read_file_with(
    path: &Path,
    options: ReadOptions,
    sink: &mut Sink<'_>,
    progress: &AtomicU64,
) -> Result<(), OutputError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            sink.file(path, None).reject(0, format!("cannot open: {e}"), b"");
            return Ok(());
        }
    };
    let mut input = BufReader::with_capacity(256 * 1024, Counting { inner: file, progress });
    read_stream_with(path, &mut input, options, sink)
}

/// Reads one stream named `path` into `sink` (see [`read_paths`]).
pub fn read_stream(path: &Path, input: &mut dyn BufRead, sink: &mut Sink<'_>) -> Result<(), OutputError> {
    read_stream_with(path, input, ReadOptions::default(), sink)
}

/// [`read_stream`] with `options`. The stream is read part by part
/// ([`segment`]): a file holding two formats gives one entry of stats per
/// part, each with its format.
pub fn read_stream_with(
    path: &Path,
    input: &mut dyn BufRead,
    options: ReadOptions,
    sink: &mut Sink<'_>,
) -> Result<(), OutputError> {
    let mut parts = Segments::new(input, options.format.is_none());
    let mut base = 0;
    loop {
        read_part(path, &mut parts, base, options, sink)?;
        match parts.next_part() {
            Some(lines) => base = lines,
            None => return Ok(()),
        }
    }
}

/// Reads one part of a stream, starting after line `base` of the file.
fn read_part(
    path: &Path,
    input: &mut Segments<'_>,
    base: u64,
    options: ReadOptions,
    sink: &mut Sink<'_>,
) -> Result<(), OutputError> {
    let head = match head(input) {
        Ok(h) => h,
        Err(e) => {
            sink.file(path, None).at_line(base).reject(1, format!("cannot read: {e}"), b"");
            return Ok(());
        }
    };
    if head.is_empty() {
        if base == 0 {
            sink.file(path, None);
        }
        return Ok(());
    }
    let found = match options.format {
        Some(f) => Detected { format: Some(f), comments: 0, lines: 0, bytes: 0 },
        None => detect(&head),
    };
    let Some(format) = found.format else {
        let mut out = sink.file(path, None).at_line(base);
        out.bytes(head.len() as u64);
        out.record();
        out.reject(1, unrecognised(&head), first_line(&head));
        let mut rest = io::sink();
        if let Ok(n) = io::copy(input, &mut rest) {
            out.bytes(n);
        }
        return Ok(());
    };
    let mut out = sink.file(path, Some(format.name())).at_line(base + found.lines);
    for _ in 0..found.comments {
        out.record();
        out.skip();
    }
    // The head and the part are buffers already: the reader reads from
    // them without a third copy.
    let mut chained = io::Cursor::new(&head[found.bytes..]).chain(input);
    let mut counted = CountBytes { inner: &mut chained, n: 0 };
    let result = format.read(&mut counted, &mut out);
    // A reader that gave up on the rest of its part (a malformed JSON
    // document, an over-long CSV record) said so in a reject; the bytes it
    // left are still read, so the file's byte count is whole.
    if result.is_ok() {
        let _ = io::copy(&mut counted, &mut io::sink());
    }
    let n = counted.n;
    out.bytes(n + found.bytes as u64);
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
        format!("not a log format dragnet reads (it reads: {})", names())
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

/// Counts bytes read, whether with `read` or `fill_buf` and `consume`.
struct CountBytes<'r> {
    inner: &'r mut dyn BufRead,
    n: u64,
}

impl Read for CountBytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

impl BufRead for CountBytes<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.n += n as u64;
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
    fn every_byte_is_counted_even_past_where_a_reader_gave_up() {
        let text = b"{\n \"kind\": \"Event\", \"apiVersion\": \"audit.k8s.io/v1\",\n oops\n}\n{\"more\": 1}\n";
        let stats = read(text);
        assert_eq!(stats.iter().map(|f| f.bytes).sum::<u64>(), text.len() as u64);
    }

    #[test]
    fn comment_lines_are_skipped_records_and_lines_keep_their_numbers() {
        let text = b"# written by hand\n\n# host a\ntype=SYSCALL msg=audit(1.000:1): oops=\"\n";
        let stats = read(text);
        assert_eq!(stats[0].format, Some("auditd"));
        assert_eq!((stats[0].records, stats[0].skipped), (3, 2));
        assert_eq!(stats[0].rejects.clone().unwrap().first.0, 4);
    }

    #[test]
    fn an_empty_file_is_neither_rows_nor_rejects() {
        let stats = read(b"");
        assert_eq!(stats[0].records, 0);
        assert!(stats[0].rejects.is_none());
    }
}
