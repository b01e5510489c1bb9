//! Turning what a user points at into tables: dataset folders (a folder
//! per table, as `ingest` writes them) are opened where they lie; log files
//! and folders of logs are read through the [sources](crate::sources) into
//! a [`SpillStore`]: in memory up to a budget, past it into a temporary
//! Parquet dataset.
//!
//! A folder is a dataset when one of its subfolders is named after a known
//! table (`DeviceProcessEvents/`, ...); any other folder is a folder of logs,
//! read recursively.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;

use crate::dataset::{DatasetError, open_dir};
use crate::sink::{FileStats, Output, OutputError, Rejects, Sink, Wanted};
use crate::spill::{SpillDir, SpillOptions, SpillStore};

/// Tables from datasets and logs, and what reading them gave.
#[derive(Default)]
pub struct Loaded {
    /// Table name and table; a table found in several inputs appears once per input.
    pub tables: Vec<(String, Arc<dyn TableProvider>)>,
    /// Per log file: format, counts, rejects.
    pub files: Vec<FileStats>,
    /// Rejected records of dataset JSON-lines files.
    pub dataset_rejects: Vec<Rejects>,
    /// The temporary dataset the logs spilled to, if they did: keep it as
    /// long as the tables are queried (dropping it removes the files).
    pub spill: Option<SpillDir>,
}

impl Loaded {
    /// Every reject, from logs and datasets alike.
    pub fn rejects(&self) -> impl Iterator<Item = &Rejects> {
        self.files.iter().filter_map(|f| f.rejects.as_ref()).chain(&self.dataset_rejects)
    }
}

/// Whether `dir` is a dataset folder (see the module docs).
pub fn is_dataset(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| e.path().is_dir() && crate::tables::get(&e.file_name().to_string_lossy()).is_some())
}

/// Where the batches of some tables read from logs go as they are read,
/// instead of (or as well as) into the tables [`load_tapped`] returns.
pub struct Tap<'t> {
    /// Receives every batch of the tapped tables, in reading order.
    pub output: &'t mut dyn Output,
    /// The tapped tables, each with whether its rows are also kept as a
    /// table of the result.
    pub tables: BTreeMap<String, bool>,
}

/// The store, with the tapped tables' batches sent to the tap.
struct Tee<'a, 't> {
    store: &'a mut SpillStore,
    tap: Option<&'a mut Tap<'t>>,
}

impl Output for Tee<'_, '_> {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        let Some(tap) = self.tap.as_deref_mut() else { return self.store.write(table, batch) };
        match tap.tables.get(table) {
            None => self.store.write(table, batch),
            Some(false) => tap.output.write(table, batch),
            Some(true) => {
                tap.output.write(table, batch.clone())?;
                self.store.write(table, batch)
            }
        }
    }
}

/// Opens every input: datasets as they are, logs read into memory (under
/// `spill`'s budget), the bytes read counted into `progress`. Logs give
/// rows of the `wanted` tables (a reader may leave others out, and says
/// so in [`Loaded::files`]); datasets are opened whole.
pub fn load(
    inputs: &[PathBuf],
    progress: &AtomicU64,
    spill: &SpillOptions,
    wanted: &Wanted,
) -> Result<Loaded, DatasetError> {
    load_tapped(inputs, progress, spill, wanted, None)
}

/// [`load`], the batches of the tables `tap` names handed to it as the
/// logs are read; a tapped table not also kept is not among the tables
/// returned (and holds no memory, nor spills).
pub fn load_tapped(
    inputs: &[PathBuf],
    progress: &AtomicU64,
    spill: &SpillOptions,
    wanted: &Wanted,
    tap: Option<&mut Tap<'_>>,
) -> Result<Loaded, DatasetError> {
    let mut loaded = Loaded::default();
    let (datasets, logs): (Vec<&PathBuf>, Vec<&PathBuf>) = inputs.iter().partition(|p| p.is_dir() && is_dataset(p));
    for dir in datasets {
        let ds = open_dir(dir)?;
        loaded.dataset_rejects.extend(ds.rejects);
        loaded.tables.extend(ds.tables);
    }
    if logs.is_empty() {
        return Ok(loaded);
    }
    let logs: Vec<PathBuf> = logs.into_iter().cloned().collect();
    read_logs(&mut loaded, &logs[0], spill, wanted, tap, |sink| crate::sources::read_paths(&logs, sink, progress))?;
    Ok(loaded)
}

/// Reads logs already in memory, each a (name, bytes) pair, as [`load`]
/// reads log files: the format recognised from the content, the name in
/// every count and reject; under the default [`SpillOptions`] (no budget:
/// the inputs are in memory already).
pub fn load_bytes(inputs: &[(PathBuf, &[u8])]) -> Result<Loaded, DatasetError> {
    let mut loaded = Loaded::default();
    let Some((first, _)) = inputs.first() else { return Ok(loaded) };
    read_logs(&mut loaded, first, &SpillOptions::default(), &Wanted::All, None, |sink| {
        for (name, mut bytes) in inputs.iter().map(|(n, b)| (n, *b)) {
            crate::sources::read_stream(name, &mut bytes, sink)?;
        }
        Ok(())
    })?;
    Ok(loaded)
}

/// Runs `read` into a [`SpillStore`] (the tapped tables into `tap`) and
/// adds its tables and per-file stats to `loaded`; errors are named after
/// `first`.
fn read_logs(
    loaded: &mut Loaded,
    first: &Path,
    spill: &SpillOptions,
    wanted: &Wanted,
    tap: Option<&mut Tap<'_>>,
    read: impl FnOnce(&mut Sink<'_>) -> Result<(), OutputError>,
) -> Result<(), DatasetError> {
    let mut out = SpillStore::new(spill.clone());
    let mut tee = Tee { store: &mut out, tap };
    let mut sink = Sink::new(&mut tee).with_wanted(wanted.clone());
    read(&mut sink)
        .and_then(|()| sink.finish())
        .map_err(|e| DatasetError { path: first.to_path_buf(), message: e.0 })?;
    loaded.files.extend(std::mem::take(&mut sink.files));
    drop(sink);
    let (tables, dir) = out.finish()?;
    loaded.tables.extend(tables);
    if dir.is_some() {
        loaded.spill = dir;
    }
    Ok(())
}
