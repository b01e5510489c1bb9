//! `dragnet ingest`: read logs of any supported format and write them as a
//! Parquet dataset that `query --data` reads.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use telemetry::host::HostInfo;
use telemetry::parquet_out::ParquetDataset;
use telemetry::sink::{FileStats, Sink};
use telemetry::sources::ReadOptions;

use crate::cli::IngestArgs;
use crate::progress::Progress;

/// Runs `ingest`; returns 0 when every record was read, 1 when some were rejected.
pub fn run(args: &IngestArgs, out: &mut dyn Write) -> Result<i32> {
    let options = read_options(args)?;
    let host = host_info(args)?;
    let mut dataset = ParquetDataset::create(&args.out)?;
    let rejects_file = match &args.rejects {
        Some(p) => Some(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?),
        None => None,
    };
    let progress = Progress::start(&args.logs, args.quiet);
    let files = {
        let mut sink = Sink::new(&mut dataset).with_host(host);
        if let Some(f) = rejects_file {
            sink = sink.with_rejects(Box::new(std::io::BufWriter::new(f)));
        }
        let read = telemetry::sources::read_paths_with(&args.logs, options, &mut sink, &progress.bytes);
        progress.finish();
        read.and_then(|()| sink.finish())?;
        std::mem::take(&mut sink.files)
    };
    for (name, table) in crate::cmd::query::user_tables(&args.tables)? {
        write_table(&mut dataset, name, table)?;
    }
    dataset.finish()?;
    report_rejects(&files);
    if args.stats {
        write_stats(out, &files)?;
    }
    let rejected: u64 = files.iter().filter_map(|f| f.rejects.as_ref()).map(|r| r.count).sum();
    Ok(if rejected > 0 { 1 } else { 0 })
}

/// Writes a user's table into the dataset, a batch at a time.
fn write_table(
    dataset: &mut ParquetDataset,
    name: String,
    table: std::sync::Arc<dyn datafusion::catalog::TableProvider>,
) -> Result<()> {
    use futures::StreamExt;
    use telemetry::sink::Output;
    // The dataset names its tables with static names; a run has few --table flags.
    let name: &'static str = Box::leak(name.into_boxed_str());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let ctx = datafusion::prelude::SessionContext::new();
        let mut stream = ctx.read_table(table)?.execute_stream().await?;
        while let Some(batch) = stream.next().await {
            dataset.write(name, batch?).map_err(|e| anyhow::anyhow!("--table {name}: {e}"))?;
        }
        Ok(())
    })
}

/// How the logs are read, from the command line.
fn read_options(args: &IngestArgs) -> Result<ReadOptions> {
    let mut options = ReadOptions::default();
    if let Some(name) = &args.format {
        options.format = Some(telemetry::sources::by_name(name).ok_or_else(|| {
            anyhow::anyhow!("--format {name}: no such format (the formats are: {})", telemetry::sources::names())
        })?);
    }
    Ok(options)
}

/// What the command line says of the host the logs come from.
fn host_info(args: &IngestArgs) -> Result<HostInfo> {
    let mut host = HostInfo::default();
    host.device_name = args.device_name.clone();
    host.year = args.year;
    let read = |p: &std::path::Path| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    if let Some(p) = &args.passwd {
        host = host.with_passwd(&read(p)?).map_err(|e| anyhow::anyhow!("--passwd {}: {e}", p.display()))?;
    }
    if let Some(p) = &args.group {
        host = host.with_group(&read(p)?).map_err(|e| anyhow::anyhow!("--group {}: {e}", p.display()))?;
    }
    Ok(host)
}

/// One warning line per file with rejects, on standard error.
pub fn report_rejects(files: &[FileStats]) {
    for r in files.iter().filter_map(|f| f.rejects.as_ref()) {
        eprintln!("dragnet: warning: {r}");
    }
}

/// Counts per source format, then rows per table.
fn write_stats(out: &mut dyn Write, files: &[FileStats]) -> Result<()> {
    #[derive(Default)]
    struct Totals {
        files: u64,
        bytes: u64,
        records: u64,
        skipped: u64,
        rejected: u64,
    }
    let mut by_format: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut rows: BTreeMap<&str, u64> = BTreeMap::new();
    for f in files {
        let t = by_format.entry(f.format.unwrap_or("(unrecognised)")).or_default();
        t.files += 1;
        t.bytes += f.bytes;
        t.records += f.records;
        t.skipped += f.skipped;
        t.rejected += f.rejects.as_ref().map_or(0, |r| r.count);
        for (table, n) in &f.rows {
            *rows.entry(table).or_default() += n;
        }
    }
    writeln!(
        out,
        "{:<16} {:>6} {:>12} {:>12} {:>10} {:>10}",
        "source", "files", "bytes", "records", "skipped", "rejected"
    )?;
    for (name, t) in &by_format {
        writeln!(
            out,
            "{name:<16} {:>6} {:>12} {:>12} {:>10} {:>10}",
            t.files, t.bytes, t.records, t.skipped, t.rejected
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{:<24} {:>12}", "table", "rows")?;
    for (table, n) in &rows {
        writeln!(out, "{table:<24} {n:>12}")?;
    }
    // A file read in parts (two formats in one file) has one entry per part.
    let mut formats: Vec<(&std::path::Path, Vec<&str>)> = Vec::new();
    for f in files {
        let name = f.format.unwrap_or("(unrecognised)");
        match formats.last_mut() {
            Some((p, names)) if *p == f.path.as_path() => {
                if !names.contains(&name) {
                    names.push(name)
                }
            }
            _ => formats.push((&f.path, vec![name])),
        }
    }
    writeln!(out)?;
    writeln!(out, "{:<24} file", "format")?;
    for (path, names) in formats {
        writeln!(out, "{:<24} {}", names.join("+"), path.display())?;
    }
    Ok(())
}
