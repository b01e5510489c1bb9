//! `dragnet query`: run KQL over datasets and print the results.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use kql_engine::{Catalog, Engine, EngineConfig, EngineError, QueryOptions, QueryResult};
use kql_syntax::{LineIndex, render};
use telemetry::spill::{SpillDir, SpillOptions};

use crate::cli::{QueryArgs, QueryFormat};
use crate::input::read_query;
use crate::output;

/// The default tables, with `externaldata` reading local files: the
/// command line's catalog (a server's reads no files of its host).
pub fn local_catalog() -> Catalog {
    let mut catalog = detect::run::default_catalog();
    catalog.set_external_files(std::sync::Arc::new(LocalFiles));
    catalog
}

/// `externaldata` over local files, by telemetry's readers.
struct LocalFiles;

impl kql_engine::ExternalFiles for LocalFiles {
    fn open(
        &self,
        r: &kql_engine::ExternalRequest,
    ) -> std::result::Result<std::sync::Arc<dyn datafusion::catalog::TableProvider>, String> {
        telemetry::external::open(&r.paths, r.format.as_deref(), &r.columns, r.ignore_first_record)
            .map_err(|e| e.to_string())
    }
}

/// Runs `query`; returns 0 when the query ran, 1 when it is invalid or failed.
pub fn run(args: &QueryArgs, out: &mut dyn Write) -> Result<i32> {
    let q = read_query(args.query.as_deref(), args.file.as_deref())?;
    let now = match &args.now {
        Some(t) => parse_now(t)?,
        None => QueryOptions::at_current_time().now,
    };
    let limits = Limits::parse(&args.timeout, &args.memory_limit, args.spill_dir.as_deref())?;
    let engine_spill = limits.engine_spill()?;
    let loaded = build_catalog(&args.data, &args.tables, args.quiet, &limits, &[q.text.as_str()])?;
    let _spill = loaded.spill;
    let engine = Engine::new(loaded.catalog, limits.engine(&engine_spill));
    let rt = runtime()?;
    let options = QueryOptions { now };
    let one_result = engine.plan(&q.text, options).is_ok_and(|p| p.len() == 1);
    if one_result && matches!(args.format, QueryFormat::Jsonl | QueryFormat::Csv) {
        let r = stream_rows(&rt, &engine, &q.text, options, args.format, out)
            .map(|r| r.map_or(0, |e| report_and_fail(&e, &q.text, &q.origin, &limits)));
        rt.shutdown_background();
        return r;
    }
    let result = rt.block_on(engine.run(&q.text, options));
    // Planning given up at the time budget may still run on a blocking
    // thread: exit without waiting for it.
    rt.shutdown_background();
    let results = match result {
        Ok(r) => r,
        Err(e) => {
            report(&e, &q.text, &q.origin, &limits);
            return Ok(1);
        }
    };
    for r in &results {
        match args.format {
            QueryFormat::Table => output::write_table(out, r)?,
            QueryFormat::Json => output::write_json(out, r)?,
            QueryFormat::Jsonl => output::write_jsonl(out, r)?,
            QueryFormat::Csv => output::write_csv(out, r)?,
        }
    }
    Ok(0)
}

/// Writes the one result of a query a batch at a time (JSON lines or CSV),
/// so that no more than a batch of rows is held; a failure after the first
/// rows comes back as the engine's error, the rows before it written.
fn stream_rows(
    rt: &tokio::runtime::Runtime,
    engine: &Engine,
    text: &str,
    options: QueryOptions,
    format: QueryFormat,
    out: &mut dyn Write,
) -> Result<Option<EngineError>> {
    let mut stream = match rt.block_on(engine.run_stream(text, options)) {
        Ok(s) => s,
        Err(e) => return Ok(Some(e)),
    };
    let mut result = QueryResult { schema: stream.schema().clone(), batches: Vec::new() };
    if format == QueryFormat::Csv {
        output::write_csv_header(out, &result)?;
    }
    while let Some(batch) = rt.block_on(stream.next()) {
        match batch {
            Ok(b) => result.batches = vec![b],
            Err(e) => return Ok(Some(e)),
        }
        match format {
            QueryFormat::Csv => output::write_csv_rows(out, &result)?,
            _ => output::write_jsonl(out, &result)?,
        }
    }
    Ok(None)
}

fn report_and_fail(e: &EngineError, text: &str, origin: &str, limits: &Limits) -> i32 {
    report(e, text, origin, limits);
    1
}

/// Prints an engine error to stderr: diagnostics with their source lines,
/// or one line.
fn report(e: &EngineError, text: &str, origin: &str, limits: &Limits) {
    let diags = e.diagnostics();
    if diags.is_empty() {
        eprintln!("dragnet: {}", limits.describe(e));
        return;
    }
    let index = LineIndex::new(text);
    for d in diags {
        eprintln!("{}", render(d, &index, origin));
    }
    let n = diags.len();
    eprintln!("{n} error{} in {origin}", if n == 1 { "" } else { "s" });
}

/// The share of `--memory-limit` that rows read from logs may hold in
/// memory before they spill to disk: one part in [`READER_SHARE`].
pub const READER_SHARE: usize = 8;

/// The share of `--memory-limit` that is DataFusion's memory pool (what
/// sorts, aggregations, joins and held results count against): one part
/// in [`POOL_SHARE`]. The rest, after the readers' share, is headroom for
/// what the pool does not count: the batches passing between operators,
/// the values a function builds while it computes a batch (a group's
/// `make_list` is held as a list and as its JSON text at once), and the
/// process itself.
pub const POOL_SHARE: usize = 2;

/// `--timeout`, `--memory-limit` and `--spill-dir`, and how the memory is
/// split between the log readers' buffers, the engine's pool and headroom.
pub struct Limits {
    /// How long a query may run.
    pub timeout: Duration,
    /// The whole budget.
    pub memory: usize,
    /// Where spilled rows go.
    pub spill_dir: Option<PathBuf>,
}

impl Limits {
    /// Reads the flags.
    pub fn parse(timeout: &str, memory: &str, spill_dir: Option<&Path>) -> Result<Limits> {
        let t = parse_duration(timeout).with_context(|| format!("invalid --timeout '{timeout}'"))?;
        let m = parse_size(memory).with_context(|| format!("invalid --memory-limit '{memory}'"))?;
        Ok(Limits { timeout: t, memory: m, spill_dir: spill_dir.map(Path::to_path_buf) })
    }

    /// What the log readers may hold before spilling.
    pub fn reader_budget(&self) -> usize {
        self.memory / READER_SHARE
    }

    /// The engine's memory pool.
    pub fn pool(&self) -> usize {
        (self.memory / POOL_SHARE).max(1)
    }

    /// The folder spill folders are made in: `--spill-dir`, else the
    /// system's temporary folder.
    pub fn spill_parent(&self) -> PathBuf {
        self.spill_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// This run's folder for the engine's spill files (see [`engine_spill`]).
    pub fn engine_spill(&self) -> Result<SpillDir> {
        engine_spill(&self.spill_parent())
    }

    /// The engine's limits, its spill files in `spill`.
    pub fn engine(&self, spill: &SpillDir) -> EngineConfig {
        EngineConfig {
            memory_limit: Some(self.pool()),
            timeout: Some(self.timeout),
            spill_dir: Some(spill.path().to_path_buf()),
            ..EngineConfig::unlimited()
        }
    }

    /// An engine error in one line; running out of memory names the limit.
    pub fn describe(&self, e: &EngineError) -> String {
        match e {
            EngineError::ResourcesExhausted(_) => format!(
                "{e}; --memory-limit is {} ({} for queries, {} for rows read from logs)",
                size_text(self.memory),
                size_text(self.pool()),
                size_text(self.reader_budget())
            ),
            other => other.to_string(),
        }
    }

    fn spill(&self) -> SpillOptions {
        SpillOptions { budget: Some(self.reader_budget()), dir: Some(self.spill_parent()) }
    }
}

/// Removes the spill folders that runs which are gone left in `parent`,
/// then makes this run's folder there for the engine's spill files.
pub fn engine_spill(parent: &Path) -> Result<SpillDir> {
    for dir in telemetry::spill_dir::remove_stale(parent) {
        eprintln!("dragnet: removed {}, left by an earlier run that was killed", dir.display());
    }
    Ok(SpillDir::create(parent)?)
}

/// A catalog, and the temporary dataset its log tables spilled to (removed
/// when dropped).
pub struct Loaded {
    /// The tables.
    pub catalog: Catalog,
    /// Keep alive while the catalog is queried.
    pub spill: Option<SpillDir>,
}

/// The default tables, empty, then the tables of the logs and datasets in
/// `data` over them, then the user's own `tables` (`NAME=PATH`). Rejected
/// records are reported on stderr.
pub fn build_catalog(
    data: &[PathBuf],
    tables: &[String],
    quiet: bool,
    limits: &Limits,
    reads: &[&str],
) -> Result<Loaded> {
    build_catalog_tapped(data, tables, quiet, limits, reads, None)
}

/// [`build_catalog`], the batches of the tables `tap` names handed to it
/// as the logs are read (`telemetry::load::load_tapped`).
pub fn build_catalog_tapped(
    data: &[PathBuf],
    tables: &[String],
    quiet: bool,
    limits: &Limits,
    reads: &[&str],
    tap: Option<&mut telemetry::load::Tap<'_>>,
) -> Result<Loaded> {
    let mut catalog = local_catalog();
    let mut seen = std::collections::HashSet::new();
    let own = user_tables(tables)?;
    if data.is_empty() {
        for (name, table) in own {
            catalog.register(&name, table);
        }
        return Ok(Loaded { catalog, spill: None });
    }
    let wanted = wanted_tables(&catalog, &own, limits, reads);
    let progress = crate::progress::Progress::start(data, quiet);
    let loaded = telemetry::load::load_tapped(data, &progress.bytes, &limits.spill(), &wanted, tap);
    progress.finish();
    let loaded = loaded?;
    for r in loaded.rejects() {
        eprintln!("dragnet: warning: {r}");
    }
    for (name, table) in loaded.tables {
        if !seen.insert(name.clone()) {
            bail!("table {name} comes from more than one --data input; ingest them into one dataset instead");
        }
        catalog.register(&name, table);
    }
    for (name, table) in own {
        if seen.contains(&name) {
            bail!("--table {name}: the --data inputs already have a table {name}");
        }
        catalog.register(&name, table);
    }
    Ok(Loaded { catalog, spill: loaded.spill })
}

/// The tables the logs are read into: those `reads` (queries) read, bound
/// over the tables' schemas and the user's own tables, within the time
/// budget; every table when one of them does not bind.
fn wanted_tables(
    catalog: &Catalog,
    own: &[(String, std::sync::Arc<dyn datafusion::catalog::TableProvider>)],
    limits: &Limits,
    reads: &[&str],
) -> telemetry::sink::Wanted {
    let mut catalog = catalog.clone();
    for (name, table) in own {
        catalog.register(name, table.clone());
    }
    let config = EngineConfig { timeout: Some(limits.timeout), ..EngineConfig::unlimited() };
    detect::tables_read::wanted(&Engine::new(catalog, config), reads.iter().copied())
}

/// The user's own tables, `NAME=PATH` each (see `--table`); their rejects
/// are reported on stderr.
pub fn user_tables(specs: &[String]) -> Result<Vec<(String, std::sync::Arc<dyn datafusion::catalog::TableProvider>)>> {
    let mut out: Vec<(String, std::sync::Arc<dyn datafusion::catalog::TableProvider>)> = Vec::new();
    for spec in specs {
        let Some((name, path)) = spec.split_once('=') else {
            bail!("--table {spec}: expected NAME=PATH");
        };
        if !telemetry::user_table::valid_name(name) {
            bail!("--table {spec}: {name:?} is not a table name (letters, digits and _, not starting with a digit)");
        }
        if out.iter().any(|(n, _)| n == name) {
            bail!("--table {name} is given twice");
        }
        let (table, rejects) = telemetry::user_table::open(std::path::Path::new(path))
            .map_err(|e| anyhow::anyhow!("--table {name}: {e}"))?;
        for r in rejects {
            eprintln!("dragnet: warning: {r}");
        }
        out.push((name.to_string(), table));
    }
    Ok(out)
}

/// `--now`: a datetime in any form a KQL `datetime()` literal takes.
pub fn parse_now(t: &str) -> Result<i64> {
    match kql_syntax::parse_datetime_nanos(t) {
        Some(nanos) => Ok(nanos),
        None => bail!(
            "invalid --now '{t}': expected a datetime from 1677-09-22 to 2262-04-11, such as 2026-11-20T12:00:00Z"
        ),
    }
}

/// A duration as a KQL timespan (`30s`, `5m`, `1h`, `00:05:00`).
pub fn parse_duration(t: &str) -> Result<Duration> {
    let ticks = kql_syntax::parse_timespan(t).filter(|v| *v > 0);
    match ticks {
        // Ticks of 100 ns; no positive i64 of them overflows a Duration.
        Some(ticks) => Ok(Duration::new(ticks as u64 / 10_000_000, (ticks as u64 % 10_000_000) as u32 * 100)),
        None => bail!("expected a positive duration such as 30s, 5m or 1h"),
    }
}

/// Bytes for people: `32 KiB`, `256 MiB`, `3.5 GiB`.
fn size_text(n: usize) -> String {
    let k = n as f64 / 1024.0;
    if k < 1024.0 {
        format!("{k:.0} KiB")
    } else if k < 1024.0 * 1024.0 {
        format!("{:.0} MiB", k / 1024.0)
    } else {
        format!("{:.1} GiB", k / 1024.0 / 1024.0)
    }
}

/// A size such as `512MB`, `4GB`, `1024` (bytes).
pub fn parse_size(t: &str) -> Result<usize> {
    let t = t.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| anyhow::anyhow!("expected a size such as 512MB or 4GB"))?;
    let mult = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" | "KIB" => 1024.0,
        "M" | "MB" | "MIB" => 1024.0 * 1024.0,
        "G" | "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        other => bail!("unknown size unit '{other}'; use B, KB, MB or GB"),
    };
    Ok((n * mult) as usize)
}

/// The runtime queries run on. DataFusion evaluates expressions by
/// recursion, on the worker threads for data read in several partitions:
/// they get room (reserved, used as needed).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(64 * 1024 * 1024)
        .enable_all()
        .build()
        .context("cannot start the runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("4GB").unwrap(), 4 << 30);
        assert_eq!(parse_size("512mb").unwrap(), 512 << 20);
        assert!(parse_size("12 parsecs").is_err());
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("00:05:00").unwrap(), Duration::from_secs(300));
        assert!(parse_duration("-1s").is_err());
        assert_eq!(parse_now("2026-11-20T12:00:00Z").unwrap(), 1_795_176_000_000_000_000);
    }

    #[test]
    fn times_out_of_range_are_errors_not_wrapped() {
        // Valid dates that nanoseconds since 1970 in an i64 cannot hold.
        assert!(parse_now("9999-12-31").is_err());
        assert!(parse_now("0001-01-01").is_err());
        assert!(parse_now("2024-01-01 00:00:00.000000é").is_err());
        // The longest timespan is not cut short.
        let longest = parse_duration("106751.00:00:00").unwrap();
        assert_eq!(longest, Duration::from_secs(106_751 * 86_400));
        assert_eq!(parse_duration("300000d").unwrap(), Duration::from_secs(300_000 * 86_400));
    }
}
