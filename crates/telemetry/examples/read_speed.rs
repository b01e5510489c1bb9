//! How fast each source reads: every file named on the command line (or
//! under a folder) is read on one thread into batches that are counted and
//! dropped, and its format, size, events, rows, rejects, MB/s and events/s
//! are printed, one line per file (and the first reject, if any).
//!
//! ```text
//! cargo run --release -p telemetry --example read_speed -- [--tables A,B,...] FILE_OR_DIR...
//! ```
//!
//! `--tables` builds only the tables named (as `hunt` and `query` do for
//! the tables their rules and queries read); by default every table is
//! built, as `ingest` does. Tables a reader left out are named after the
//! file.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use datafusion::arrow::record_batch::RecordBatch;
use telemetry::sink::{Output, OutputError, Sink, Wanted};

/// The allocator `dragnet` itself runs with, so the rates are the
/// product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Counts rows and drops the batches.
#[derive(Default)]
struct Count {
    rows: u64,
}

impl Output for Count {
    fn write(&mut self, _: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        self.rows += batch.num_rows() as u64;
        Ok(())
    }
}

fn main() {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut wanted = Wanted::All;
    if args.first().is_some_and(|a| a.as_os_str() == "--tables") {
        let Some(list) = args.get(1) else {
            eprintln!("read_speed: --tables needs a list of tables");
            std::process::exit(2);
        };
        let names: BTreeSet<String> = list.to_string_lossy().split(',').map(str::to_string).collect();
        wanted = Wanted::Only(names);
        args.drain(..2);
    }
    if args.is_empty() {
        eprintln!("usage: read_speed [--tables A,B,...] FILE_OR_DIR...");
        std::process::exit(2);
    }
    let files = telemetry::sources::expand(&args).unwrap_or_else(|e| {
        eprintln!("read_speed: {e}");
        std::process::exit(2);
    });
    println!(
        "{:<12} {:>10} {:>12} {:>12} {:>9} {:>9} {:>12}  file",
        "format", "MB", "events", "rows", "rejects", "MB/s", "events/s"
    );
    for file in files {
        let mut out = Count::default();
        let mut sink = Sink::new(&mut out).with_wanted(wanted.clone());
        let start = Instant::now();
        telemetry::sources::read_file(&file, &mut sink, &AtomicU64::new(0)).expect("counting never fails");
        sink.finish().expect("counting never fails");
        let secs = start.elapsed().as_secs_f64();
        let f = &sink.files[0];
        let mb = f.bytes as f64 / 1e6;
        let rejects = f.rejects.as_ref().map_or(0, |r| r.count);
        let first_reject = f.rejects.as_ref().map(|r| format!("  first reject: line {}: {}", r.first.0, r.first.1));
        let (records, format) = (f.records, f.format.unwrap_or("none"));
        let not_built = f.not_built.iter().copied().collect::<Vec<_>>().join(", ");
        drop(sink);
        println!(
            "{format:<12} {mb:>10.1} {records:>12} {:>12} {rejects:>9} {:>9.1} {:>12.0}  {}",
            out.rows,
            mb / secs,
            records as f64 / secs,
            file.display()
        );
        if let Some(r) = first_reject {
            println!("{r}");
        }
        if !not_built.is_empty() {
            println!("  not built: {not_built}");
        }
    }
}
