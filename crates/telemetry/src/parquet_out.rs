//! Writing tables as a Parquet dataset: `DIR/<Table>/<YYYY-MM-DD>/<run>-<n>.parquet`,
//! one folder per table and, inside it, one per UTC day of the rows'
//! `TimeGenerated` (else `Timestamp`); rows without either go to `undated/`.
//!
//! [`dataset::open_dir`](crate::dataset::open_dir) reads the result back,
//! all days of a table as one table. Each run names its files after its
//! start time and process id, so ingesting more logs into the same folder
//! adds files and never overwrites. Files are zstd-compressed, in row
//! groups of [`ROW_GROUP`] rows; a file stays open until [`ParquetDataset::finish`].

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch, TimestampNanosecondArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampNanosecondType};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use crate::sink::{Output, OutputError};

/// Rows per Parquet row group.
pub const ROW_GROUP: usize = 128 * 1024;

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// A Parquet dataset being written.
pub struct ParquetDataset {
    dir: PathBuf,
    run: String,
    writers: BTreeMap<(&'static str, String), ArrowWriter<File>>,
    files: Vec<PathBuf>,
    row_group: usize,
}

impl ParquetDataset {
    /// A dataset under `dir` (created if missing).
    pub fn create(dir: &Path) -> Result<ParquetDataset, OutputError> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        ParquetDataset::create_named(dir, &format!("{}-{}", now.as_secs(), std::process::id()))
    }

    /// A dataset under `dir` whose files are all named `<run>.parquet`:
    /// writing the same rows under the same name again replaces the files
    /// rather than adding to them.
    pub fn create_named(dir: &Path, run: &str) -> Result<ParquetDataset, OutputError> {
        std::fs::create_dir_all(dir).map_err(|e| OutputError(format!("cannot create {}: {e}", dir.display())))?;
        let run = run.to_string();
        Ok(ParquetDataset {
            dir: dir.to_path_buf(),
            run,
            writers: BTreeMap::new(),
            files: Vec::new(),
            row_group: ROW_GROUP,
        })
    }

    /// Writes row groups of `rows` rows (at least 1) instead of [`ROW_GROUP`]:
    /// each open file buffers a row group in memory.
    pub fn with_row_group(mut self, rows: usize) -> Self {
        self.row_group = rows.max(1);
        self
    }

    /// Closes every file; returns the files written.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, OutputError> {
        for ((table, day), w) in std::mem::take(&mut self.writers) {
            w.close().map_err(|e| OutputError(format!("cannot finish {table}/{day}: {e}")))?;
        }
        Ok(self.files)
    }

    fn writer(
        &mut self,
        table: &'static str,
        day: String,
        batch: &RecordBatch,
    ) -> Result<&mut ArrowWriter<File>, OutputError> {
        let key = (table, day);
        if !self.writers.contains_key(&key) {
            // Made under the dataset's folder, never the folder itself: a
            // spill folder removed at a signal is not made again.
            let folder = self.dir.join(table).join(&key.1);
            for f in [self.dir.join(table), folder.clone()] {
                match std::fs::create_dir(&f) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                        return Err(OutputError(format!("cannot create {}: {e}", f.display())));
                    }
                    _ => {}
                }
            }
            let path = folder.join(format!("{}.parquet", self.run));
            let file =
                File::create(&path).map_err(|e| OutputError(format!("cannot create {}: {e}", path.display())))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("a valid level")))
                .set_max_row_group_row_count(Some(self.row_group))
                .build();
            let w = ArrowWriter::try_new(file, batch.schema(), Some(props))
                .map_err(|e| OutputError(format!("cannot write {}: {e}", path.display())))?;
            self.files.push(path);
            self.writers.insert(key.clone(), w);
        }
        Ok(self.writers.get_mut(&key).expect("inserted above"))
    }
}

impl Output for ParquetDataset {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        for (day, part) in split_by_day(&batch) {
            let w = self.writer(table, day.clone(), &part)?;
            w.write(&part).map_err(|e| OutputError(format!("cannot write {table}/{day}: {e}")))?;
        }
        Ok(())
    }
}

/// The rows of `batch` grouped by the UTC day of their time column.
fn split_by_day(batch: &RecordBatch) -> Vec<(String, RecordBatch)> {
    let schema = batch.schema();
    // A table of the user's own may have a column of that name of another type.
    let time = ["TimeGenerated", "Timestamp"]
        .iter()
        .filter_map(|n| schema.index_of(n).ok())
        .filter(|&i| matches!(schema.field(i).data_type(), DataType::Timestamp(TimeUnit::Nanosecond, _)))
        .map(|i| batch.column(i).as_primitive::<TimestampNanosecondType>().clone())
        .collect::<Vec<TimestampNanosecondArray>>();
    let day_of = |row: usize| -> Option<i64> {
        time.iter().find(|c| c.is_valid(row)).map(|c| c.value(row).div_euclid(NS_PER_DAY))
    };
    let days: Vec<Option<i64>> = (0..batch.num_rows()).map(day_of).collect();
    let first = days.first().copied().flatten();
    if days.iter().all(|d| *d == first) {
        return vec![(day_name(first), batch.clone())];
    }
    let mut distinct = days.clone();
    distinct.sort();
    distinct.dedup();
    distinct
        .into_iter()
        .map(|d| {
            let mask: BooleanArray = days.iter().map(|x| Some(*x == d)).collect();
            (day_name(d), filter_record_batch(batch, &mask).expect("mask matches the batch"))
        })
        .collect()
}

fn day_name(day: Option<i64>) -> String {
    match day.and_then(|d| jiff::Timestamp::from_second(d * 86_400).ok()) {
        Some(t) => t.strftime("%Y-%m-%d").to_string(),
        None => "undated".into(),
    }
}

/// The schema of a written file, for tests.
pub fn file_schema(path: &Path) -> Option<Arc<datafusion::arrow::datatypes::Schema>> {
    let f = File::open(path).ok()?;
    let b = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).ok()?;
    Some(b.schema().clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{TableBuilder, Value};

    #[test]
    fn rows_land_in_a_folder_per_table_and_day() {
        let dir = std::env::temp_dir().join(format!("dragnet-parquet-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ds = ParquetDataset::create(&dir).unwrap();
        let mut b = TableBuilder::new(crate::tables::get("DeviceProcessEvents").unwrap());
        let tg = b.col("TimeGenerated");
        for t in [0, NS_PER_DAY + 5, 7, -1] {
            let mut r = b.row();
            r.set(tg, Value::Time(t));
            b.push(&r);
        }
        b.push(&b.row());
        ds.write("DeviceProcessEvents", b.finish()).unwrap();
        let files = ds.finish().unwrap();
        let mut days: Vec<String> =
            files.iter().map(|f| f.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned()).collect();
        days.sort();
        assert_eq!(days, ["1969-12-31", "1970-01-01", "1970-01-02", "undated"]);
        assert!(files.iter().all(|f| f.starts_with(dir.join("DeviceProcessEvents"))));
        assert_eq!(file_schema(&files[0]).unwrap().field(0).name(), "Timestamp");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
