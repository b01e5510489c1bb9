//! Where sources put what they read: rows for the tables, rejected records,
//! and counts.
//!
//! A [`Sink`] keeps one [`TableBuilder`] per table a source has written to
//! and hands each full batch ([`Sink::batch_rows`] rows) to its output: a
//! [`Collect`] in memory for `query`, or a Parquet writer for `ingest`. A
//! source sees the sink through a [`FileSink`], which knows the file being
//! read, so that every reject is counted against that file with its line.
//!
//! Invariant: every record a source reads either becomes rows (possibly
//! zero, for a record that describes nothing a table holds, counted as
//! `skipped`) or a reject. Nothing is dropped without a count.
//!
//! A sink may be told which tables anyone will read ([`Wanted`], set by
//! `hunt` and `query` from what their rules and queries read; `ingest`
//! builds them all). A source may then leave out the rows of a table not
//! wanted; it names the table in [`FileStats::not_built`], so that no
//! count reads as "the file had none". Whether a record is rejected or
//! skipped does not depend on which tables are built.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use datafusion::arrow::record_batch::RecordBatch;

use crate::batch::{Row, TableBuilder};
use crate::host::HostInfo;

/// Rows per batch handed to the output.
pub const BATCH_ROWS: usize = 8192;

/// The output failed (a disk full, a Parquet write): the run cannot go on.
#[derive(Debug)]
pub struct OutputError(pub String);

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OutputError {}

/// What receives full batches.
pub trait Output {
    /// Takes one batch of table `table`.
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError>;
}

/// Keeps every batch in memory, by table.
#[derive(Default)]
pub struct Collect {
    /// Table name and its batches, in the order they came.
    pub tables: BTreeMap<&'static str, Vec<RecordBatch>>,
}

impl Output for Collect {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        self.tables.entry(table).or_default().push(batch);
        Ok(())
    }
}

/// Which tables a run builds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Wanted {
    /// Every table (what `ingest` writes).
    #[default]
    All,
    /// Only the tables named; a source may leave out the rows of others.
    Only(BTreeSet<String>),
}

impl Wanted {
    /// Whether table `name` is built.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Only(names) => names.contains(name),
        }
    }
}

/// A table a source writes to, by its position in the sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableId(usize);

/// The records of one file that were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejects {
    /// The file.
    pub path: PathBuf,
    /// How many records.
    pub count: u64,
    /// The first one: its 1-based line and the reason.
    pub first: (u64, String),
}

impl fmt::Display for Rejects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, why) = &self.first;
        let s = if self.count == 1 { "" } else { "s" };
        write!(f, "{} record{s} rejected in {}; first at line {line}: {why}", self.count, self.path.display())
    }
}

/// What one file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    /// The file.
    pub path: PathBuf,
    /// The format it was read as, or `None` when none was recognised.
    pub format: Option<&'static str>,
    /// Bytes read.
    pub bytes: u64,
    /// Records (events) read, rejected ones included.
    pub records: u64,
    /// Records that describe nothing a table holds (an auditd event of a
    /// syscall no table records, say): read, understood, and not kept.
    /// (Every auditd event kept is also `LinuxAuditLog` rows, one per
    /// audit record: a skipped one gives those and no other row. It is
    /// counted as skipped whether or not `LinuxAuditLog` is built.)
    pub skipped: u64,
    /// Rows written, per table. A table left out (see `not_built`) has
    /// no entry.
    pub rows: BTreeMap<&'static str, u64>,
    /// Tables whose rows a source left out of this file's, as nobody
    /// reads them ([`Wanted`]): their row counts are unknown, not 0.
    pub not_built: BTreeSet<&'static str>,
    /// Rejected records.
    pub rejects: Option<Rejects>,
}

/// Rows, rejects and counts of a whole run.
pub struct Sink<'o> {
    tables: Vec<TableBuilder>,
    names: Vec<&'static str>,
    output: &'o mut dyn Output,
    rejects_to: Option<Box<dyn Write + 'o>>,
    batch_rows: usize,
    host: std::sync::Arc<HostInfo>,
    wanted: Wanted,
    /// Rows of each table (by [`TableId`]) pushed for the file being read
    /// and not yet added to its [`FileStats::rows`]: counted here, a row
    /// costs an add, not a lookup by name.
    pending_rows: Vec<u64>,
    /// One entry per file read, in reading order.
    pub files: Vec<FileStats>,
}

impl<'o> Sink<'o> {
    /// A sink that hands full batches to `output`.
    pub fn new(output: &'o mut dyn Output) -> Sink<'o> {
        Sink {
            tables: Vec::new(),
            names: Vec::new(),
            output,
            rejects_to: None,
            batch_rows: BATCH_ROWS,
            host: std::sync::Arc::default(),
            wanted: Wanted::All,
            pending_rows: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Also writes every rejected record to `w`, as `file:line: reason`
    /// followed by the record itself on the next line, indented by a tab.
    pub fn with_rejects(mut self, w: Box<dyn Write + 'o>) -> Self {
        self.rejects_to = Some(w);
        self
    }

    /// Tells sources what the user said of the host the logs came from.
    pub fn with_host(mut self, host: HostInfo) -> Self {
        self.host = std::sync::Arc::new(host);
        self
    }

    /// Builds only the tables `wanted` names (sources may still build
    /// others where leaving them out costs more than it saves).
    pub fn with_wanted(mut self, wanted: Wanted) -> Self {
        self.wanted = wanted;
        self
    }

    /// Hands batches of `n` rows (at least 1) instead of [`BATCH_ROWS`].
    pub fn with_batch_rows(mut self, n: usize) -> Self {
        self.batch_rows = n.max(1);
        self
    }

    /// The rows per batch.
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    /// Starts reading `path`: what sources write until the next call is
    /// counted against it.
    pub fn file(&mut self, path: &Path, format: Option<&'static str>) -> FileSink<'_, 'o> {
        self.files.push(FileStats { path: path.to_path_buf(), format, ..FileStats::default() });
        FileSink { sink: self, line_base: 0 }
    }

    /// Hands every partial batch to the output; call once at the end.
    pub fn finish(&mut self) -> Result<(), OutputError> {
        for i in 0..self.tables.len() {
            if !self.tables[i].is_empty() {
                let batch = self.tables[i].finish();
                self.output.write(self.names[i], batch)?;
            }
        }
        if let Some(w) = &mut self.rejects_to {
            w.flush().map_err(|e| OutputError(format!("cannot write the rejects file: {e}")))?;
        }
        Ok(())
    }

    /// Every file's rejects, in reading order.
    pub fn rejects(&self) -> impl Iterator<Item = &Rejects> {
        self.files.iter().filter_map(|f| f.rejects.as_ref())
    }

    /// Rejected records over all files.
    pub fn reject_count(&self) -> u64 {
        self.rejects().map(|r| r.count).sum()
    }
}

/// The sink as one source sees it while reading one file.
pub struct FileSink<'s, 'o> {
    sink: &'s mut Sink<'o>,
    /// Lines of the file before the part being read: added to every
    /// line a source gives, so rejects name the line in the file.
    line_base: u64,
}

/// The rows counted while reading are added to the file's stats when its
/// sink goes, so they are whole whenever the stats are read.
impl Drop for FileSink<'_, '_> {
    fn drop(&mut self) {
        let Sink { names, pending_rows, files, .. } = &mut *self.sink;
        let Some(stats) = files.last_mut() else { return };
        for (name, n) in names.iter().zip(pending_rows.iter_mut()) {
            if *n > 0 {
                *stats.rows.entry(name).or_default() += std::mem::take(n);
            }
        }
    }
}

impl FileSink<'_, '_> {
    /// The same sink, for a part of the file starting after line `base`.
    pub fn at_line(mut self, base: u64) -> Self {
        self.line_base = base;
        self
    }

    fn stats(&mut self) -> &mut FileStats {
        self.sink.files.last_mut().expect("file() pushed one")
    }

    /// The table named `name` (one of [`tables::TABLES`](crate::tables::TABLES)).
    /// Panics on an unknown name: sources only write documented tables.
    pub fn table(&mut self, name: &'static str) -> TableId {
        if let Some(i) = self.sink.names.iter().position(|n| *n == name) {
            return TableId(i);
        }
        let schema = crate::tables::get(name).unwrap_or_else(|| panic!("no table {name}"));
        self.sink.names.push(name);
        self.sink.tables.push(TableBuilder::new(schema));
        self.sink.pending_rows.push(0);
        TableId(self.sink.names.len() - 1)
    }

    /// Whether table `name` is built: a source asks before making rows of
    /// a table that is costly to make, and when it leaves them out calls
    /// [`FileSink::not_built`].
    pub fn wants(&self, name: &str) -> bool {
        self.sink.wanted.contains(name)
    }

    /// Notes that this file's rows of table `name` were left out.
    pub fn not_built(&mut self, name: &'static str) {
        self.stats().not_built.insert(name);
    }

    /// The path of the file being read (as given; for a stream, its name).
    /// Sources read metadata from it only where the path is the producer's
    /// own naming scheme (a container's log file), never its format.
    pub fn path(&self) -> &Path {
        &self.sink.files.last().expect("file() pushed one").path
    }

    /// What the user said of the host the logs came from.
    pub fn host(&self) -> std::sync::Arc<HostInfo> {
        self.sink.host.clone()
    }

    /// The builder of a table, to look its columns up and make rows.
    #[inline]
    pub fn builder(&self, t: TableId) -> &TableBuilder {
        &self.sink.tables[t.0]
    }

    /// Appends a row to a table; a full batch goes to the output.
    pub fn push(&mut self, t: TableId, row: &Row<'_>) -> Result<(), OutputError> {
        let name = self.sink.names[t.0];
        if let Some(n) = self.sink.pending_rows.get_mut(t.0) {
            *n += 1;
        }
        let b = &mut self.sink.tables[t.0];
        b.push(row);
        if b.len() >= self.sink.batch_rows {
            let batch = b.finish();
            self.sink.output.write(name, batch)?;
        }
        Ok(())
    }

    /// Counts one record read (call once per record, whatever becomes of it).
    #[inline]
    pub fn record(&mut self) {
        self.stats().records += 1;
    }

    /// Counts one record read and understood that no table holds.
    #[inline]
    pub fn skip(&mut self) {
        self.stats().skipped += 1;
    }

    /// Adds `n` to the bytes read.
    pub fn bytes(&mut self, n: u64) {
        self.stats().bytes += n;
    }

    /// Rejects the record at 1-based `line`: `why` says what is wrong,
    /// `text` is the record (or its first line), for the rejects file.
    pub fn reject(&mut self, line: u64, why: impl Into<String>, text: &[u8]) {
        let why = why.into();
        let line = if line == 0 { 0 } else { line.saturating_add(self.line_base) };
        let stats = self.sink.files.last_mut().expect("file() pushed one");
        if let Some(w) = &mut self.sink.rejects_to {
            let shown = String::from_utf8_lossy(&text[..text.len().min(4096)]);
            // A failed write to the rejects file must not lose the count:
            // the count and the first reject live in the stats regardless.
            let _ = writeln!(w, "{}:{line}: {why}\n\t{}", stats.path.display(), shown.trim_end());
        }
        match &mut stats.rejects {
            Some(r) => r.count += 1,
            None => stats.rejects = Some(Rejects { path: stats.path.clone(), count: 1, first: (line, why) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Value;

    #[test]
    fn full_batches_go_out_and_the_rest_at_finish() {
        let mut out = Collect::default();
        let mut sink = Sink::new(&mut out).with_batch_rows(2);
        {
            let mut f = sink.file(Path::new("a.log"), Some("test"));
            let t = f.table("DeviceProcessEvents");
            let c = f.builder(t).col("FileName");
            for name in ["a", "b", "c"] {
                f.record();
                let mut r = f.builder(t).row();
                r.set(c, Value::str(name));
                f.push(t, &r).unwrap();
            }
            f.record();
            f.reject(7, "EXECVE without SYSCALL", b"type=EXECVE msg=audit(1.0:2): argc=1");
            f.record();
            f.reject(9, "bad", b"x");
        }
        sink.finish().unwrap();
        let stats = sink.files[0].clone();
        drop(sink);
        assert_eq!(stats.records, 5);
        assert_eq!(stats.rows["DeviceProcessEvents"], 3);
        assert_eq!(
            stats.rejects.unwrap().to_string(),
            "2 records rejected in a.log; first at line 7: EXECVE without SYSCALL"
        );
        let sizes: Vec<usize> = out.tables["DeviceProcessEvents"].iter().map(|b| b.num_rows()).collect();
        assert_eq!(sizes, [2, 1]);
    }

    #[test]
    fn rejects_file_names_file_line_and_record() {
        let mut out = Collect::default();
        let mut buf = Vec::new();
        {
            let mut sink = Sink::new(&mut out).with_rejects(Box::new(&mut buf));
            sink.file(Path::new("k.json"), Some("test")).reject(3, "not JSON", b"{oops\n");
            sink.finish().unwrap();
            assert_eq!(sink.reject_count(), 1);
        }
        assert_eq!(String::from_utf8(buf).unwrap(), "k.json:3: not JSON\n\t{oops\n");
    }
}
