//! Rules loaded again while the server runs: on `SIGHUP`, and when a file
//! under the rule folders changes (watched with `notify`, changes within
//! [`RuleSource::debounce`] of each other taken as one). A set whose files
//! have errors is refused: the running set stays, the error is logged,
//! shown in `GET /api/rules` (`reload`) and counted in
//! `dragnet_rule_reload_failures_total`. Otherwise the new set (planned
//! off the async threads) is swapped in whole: batches and runs already
//! started finish under the set they started with, scheduled rules that
//! stay keep their next run, and the correlations that stay keep their
//! windows (by id).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use detect::pack::SigmaSet;
use detect::rule::Rule;
use notify::{RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::wall_now;
use crate::ruleset::RuleSet;
use crate::server::App;

/// Loads the rules: the rules and the Sigma documents behind them, or the
/// errors of the files that did not load.
pub type Load = dyn Fn() -> Result<(Vec<Rule>, SigmaSet), String> + Send + Sync;

/// Where the rules come from.
#[derive(Clone)]
pub struct RuleSource {
    /// The files and folders watched for changes.
    pub watch: Vec<PathBuf>,
    /// Loads them.
    pub load: Arc<Load>,
    /// Changes this close together are one reload.
    pub debounce: Duration,
    /// Reload on `SIGHUP` too.
    pub sighup: bool,
}

impl std::fmt::Debug for RuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSource")
            .field("watch", &self.watch)
            .field("debounce", &self.debounce)
            .field("sighup", &self.sighup)
            .finish_non_exhaustive()
    }
}

/// The last reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// When (wall clock, ns).
    pub at: i64,
    /// Why it was refused; `None` when it was taken.
    pub error: Option<String>,
    /// What set it off (`SIGHUP`, `file change`).
    pub cause: &'static str,
}

/// Starts watching `source` (and listening for `SIGHUP`); the task ends
/// when `stop` changes.
pub fn start(app: Arc<App>, source: RuleSource, stop: watch::Receiver<bool>) -> Result<JoinHandle<()>, String> {
    let (tx, rx) = mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access() && !e.kind.is_other()) {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch the rule files: {e}"))?;
    for path in &source.watch {
        // A file is watched through its folder, so that an editor that
        // writes a new file and renames it over the old one is seen.
        let (target, mode) = if path.is_dir() {
            (path.clone(), RecursiveMode::Recursive)
        } else {
            (path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")), RecursiveMode::NonRecursive)
        };
        watcher.watch(&target, mode).map_err(|e| format!("cannot watch {}: {e}", target.display()))?;
    }
    let hup = if source.sighup { Some(hangup()?) } else { None };
    Ok(tokio::spawn(run(app, source, watcher, rx, hup, stop)))
}

#[cfg(unix)]
type Hangup = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup() -> Result<Hangup, String> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup()).map_err(|e| format!("cannot listen for SIGHUP: {e}"))
}

#[cfg(not(unix))]
fn hangup() -> Result<Hangup, String> {
    Ok(())
}

#[cfg(unix)]
async fn hung_up(h: &mut Option<Hangup>) {
    match h {
        Some(s) => {
            if s.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn hung_up(_: &mut Option<Hangup>) {
    std::future::pending().await
}

async fn run(
    app: Arc<App>,
    source: RuleSource,
    // Watches as long as it lives.
    _watcher: notify::RecommendedWatcher,
    mut changes: mpsc::UnboundedReceiver<()>,
    mut hup: Option<Hangup>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let cause = tokio::select! {
            _ = crate::server::stopped(&mut stop) => return,
            _ = hung_up(&mut hup) => "SIGHUP",
            change = changes.recv() => {
                if change.is_none() {
                    return;
                }
                // Quiet for `debounce`: the whole change is written.
                while let Ok(Some(())) = tokio::time::timeout(source.debounce, changes.recv()).await {}
                "file change"
            }
        };
        reload(&app, &source, cause).await;
    }
}

/// Loads the rules again and swaps them in, or keeps the running set when
/// they have errors.
pub async fn reload(app: &App, source: &RuleSource, cause: &'static str) {
    let load = source.load.clone();
    let planned = tokio::task::spawn_blocking(move || {
        let (rules, sigma) = load()?;
        Ok::<_, String>(RuleSet::new(rules, sigma))
    })
    .await
    .unwrap_or_else(|e| Err(format!("internal error: {e}")));
    let at = wall_now();
    let error = match planned {
        Ok(set) => {
            tracing::info!(
                "rules reloaded ({cause}): {} rules, {} Sigma rules in scans, {} correlations",
                set.pack.rules.len(),
                set.sigma.len(),
                set.correlations.rules.len()
            );
            app.set_rules(Arc::new(set));
            app.metrics.reload(true);
            None
        }
        Err(e) => {
            tracing::error!("rules not reloaded ({cause}), the running ones stay: {e}");
            app.metrics.reload(false);
            Some(e)
        }
    };
    if let Ok(mut r) = app.reloaded.lock() {
        *r = Some(Reloaded { at, error, cause });
    }
}
