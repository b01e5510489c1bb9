//! Reads the sample corpus listed in `testdata/corpus/ORIGINS.tsv` and
//! renders what each producer's files gave: files, records, rows,
//! rejects, and every reject with its file, line and reason. Shared by the
//! `corpus` example and the `corpus` test.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use datafusion::arrow::record_batch::RecordBatch;
use telemetry::sink::{Output, OutputError, Sink};

/// The list of origins, beside the expected report.
pub fn origins_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus/ORIGINS.tsv")
}

/// One sample file: its path under the corpus folder and the format its
/// producer writes (the corpus's own label, never used to read it).
pub struct Origin {
    pub path: String,
    pub producer: String,
}

/// The rows of `ORIGINS.tsv` (header skipped).
pub fn origins(tsv: &str) -> Result<Vec<Origin>, String> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate().skip(1) {
        let mut cols = line.split('\t');
        match (cols.next(), cols.next()) {
            (Some(path), Some(producer)) if !path.is_empty() => {
                out.push(Origin { path: path.to_string(), producer: producer.to_string() })
            }
            _ => return Err(format!("ORIGINS.tsv line {}: expected path and producer", i + 1)),
        }
    }
    Ok(out)
}

/// What one file gave.
pub struct FileResult {
    pub path: String,
    pub producer: String,
    /// The formats it was read as, in reading order (`none` for a part no
    /// format recognised).
    pub formats: Vec<&'static str>,
    pub records: u64,
    pub skipped: u64,
    pub rows: u64,
    /// `line: reason`, one per rejected record.
    pub rejects: Vec<String>,
}

#[derive(Default)]
struct Count(u64);

impl Output for Count {
    fn write(&mut self, _: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        self.0 += batch.num_rows() as u64;
        Ok(())
    }
}

/// Reads one sample file (missing: one reject saying so).
pub fn read(dir: &Path, origin: &Origin) -> FileResult {
    let full = dir.join(&origin.path);
    let mut count = Count::default();
    let mut rejected = Vec::new();
    let mut result = FileResult {
        path: origin.path.clone(),
        producer: origin.producer.clone(),
        formats: Vec::new(),
        records: 0,
        skipped: 0,
        rows: 0,
        rejects: Vec::new(),
    };
    {
        let mut sink = Sink::new(&mut count).with_rejects(Box::new(&mut rejected));
        telemetry::sources::read_file(&full, &mut sink, &AtomicU64::new(0)).expect("counting never fails");
        sink.finish().expect("counting never fails");
        for f in &sink.files {
            result.formats.push(f.format.unwrap_or("none"));
            result.records += f.records;
            result.skipped += f.skipped;
        }
    }
    result.rows = count.0;
    let prefix = format!("{}:", full.display());
    for line in String::from_utf8_lossy(&rejected).lines() {
        if let Some(rest) = line.strip_prefix(&prefix) {
            result.rejects.push(rest.to_string());
        }
    }
    result
}

/// The report: a table per producer format, one line per file, then
/// every reject.
pub fn render(results: &[FileResult]) -> String {
    #[derive(Default)]
    struct Totals {
        files: u64,
        records: u64,
        skipped: u64,
        rows: u64,
        rejects: u64,
    }
    let mut by_producer: BTreeMap<&str, Totals> = BTreeMap::new();
    for r in results {
        let t = by_producer.entry(&r.producer).or_default();
        t.files += 1;
        t.records += r.records;
        t.skipped += r.skipped;
        t.rows += r.rows;
        t.rejects += r.rejects.len() as u64;
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<14} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "producer", "files", "records", "skipped", "rows", "rejects"
    );
    let mut all = Totals::default();
    for (name, t) in &by_producer {
        let _ =
            writeln!(s, "{name:<14} {:>6} {:>8} {:>8} {:>8} {:>8}", t.files, t.records, t.skipped, t.rows, t.rejects);
        all.files += t.files;
        all.records += t.records;
        all.skipped += t.skipped;
        all.rows += t.rows;
        all.rejects += t.rejects;
    }
    let _ = writeln!(
        s,
        "{:<14} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "total", all.files, all.records, all.skipped, all.rows, all.rejects
    );
    let _ = writeln!(s, "\nfile: read as; records, skipped, rows, rejects");
    for r in results {
        let _ = writeln!(
            s,
            "{}: {}; {} {} {} {}",
            r.path,
            r.formats.join("+"),
            r.records,
            r.skipped,
            r.rows,
            r.rejects.len()
        );
    }
    let _ = writeln!(s, "\nrejects");
    for r in results {
        for why in &r.rejects {
            let _ = writeln!(s, "{}:{why}", r.path);
        }
    }
    s
}
