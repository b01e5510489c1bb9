//! The JSON-lines file sink: one document a line, appended and flushed
//! per alert.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::fs::{File, OpenOptions};
use tokio::io::AsyncWriteExt;

use super::{Feed, SinkSpec};
use crate::metrics::Metrics;

/// Opens `path` for appending, making it if missing.
pub async fn open(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|e| format!("cannot open sink file {}: {e}", path.display()))
}

/// Writes each alert as it comes.
pub async fn run(mut out: File, path: PathBuf, spec: SinkSpec, mut feed: Feed, metrics: Arc<Metrics>) {
    while let Some(a) = feed.next().await {
        let mut line = a.get(spec.shape).to_string();
        line.push('\n');
        let written = async {
            out.write_all(line.as_bytes()).await?;
            out.flush().await
        };
        match written.await {
            Ok(()) => metrics.sink_delivered(&spec.name),
            Err(e) => {
                tracing::error!("cannot write an alert to {}: {e}", path.display());
                metrics.sink_failed(&spec.name);
            }
        }
    }
}
