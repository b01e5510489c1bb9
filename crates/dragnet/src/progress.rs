//! A progress bar on standard error while logs are read: shown only on a
//! terminal, only for inputs large enough to take a moment, and cleared
//! when done.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this read without a bar.
const MIN_BYTES: u64 = 64 * 1024 * 1024;

/// Bytes read so far, and the bar that shows them.
pub struct Progress {
    /// Bytes read; sources add to it.
    pub bytes: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts a bar for reading `inputs` (files or folders), unless `quiet`,
    /// standard error is not a terminal, or the inputs are small.
    pub fn start(inputs: &[PathBuf], quiet: bool) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let total: u64 = telemetry::sources::expand(inputs)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let draw = ProgressDrawTarget::stderr();
        let thread = (!quiet && !draw.is_hidden() && total >= MIN_BYTES).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), draw);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} reading logs {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("a valid template"),
            );
            let (bytes, done) = (bytes.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(bytes.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        });
        Progress { bytes, done, thread }
    }

    /// Clears the bar.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
