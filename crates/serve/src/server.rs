//! Starting and stopping the server: recovery (the WAL replayed, NRT rules
//! run over the batches they had not seen, every replayed segment compacted)
//! before the listener opens, then the HTTP API, the NRT worker, the
//! scheduler and the compactor as tasks that end together.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{Config, check_listen, wall_now};
use crate::metrics::Metrics;
use crate::reload::Reloaded;
use crate::ruleset::RuleSet;
use crate::sigma::Live;
use crate::sinks::Sinks;
use crate::state::{Recorded, State};
use crate::store::Store;
use crate::wal::Record;

/// How often the compactor looks at the WAL.
const COMPACT_TICK: Duration = Duration::from_secs(1);
/// How often old Parquet days are removed.
const RETAIN_EVERY: Duration = Duration::from_secs(3600);

/// What every task and request handler shares.
pub struct App {
    /// The settings.
    pub config: Config,
    /// The events.
    pub store: Arc<Store>,
    /// Alerts and rule state.
    pub state: State,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Where new alerts are sent besides the live stream.
    pub sinks: Sinks,
    /// The highest batch NRT rules have run over.
    pub nrt_done: AtomicU64,
    /// New alerts, for the SSE stream.
    pub alerts: broadcast::Sender<Arc<Value>>,
    /// Incidents made or changed (their summaries), for the SSE stream.
    pub incidents: broadcast::Sender<Arc<Value>>,
    /// Acknowledged batches waiting for NRT rules.
    pub nrt_queue: mpsc::UnboundedSender<Arc<Record>>,
    /// Becomes `true` when the server stops.
    pub stop: watch::Receiver<bool>,
    /// The rules running now (swapped whole by a reload).
    rules: RwLock<Arc<RuleSet>>,
    /// The correlations' windows and the Sigma rules' runs.
    pub sigma: Live,
    /// The last reload, taken or refused.
    pub reloaded: Mutex<Option<Reloaded>>,
}

impl App {
    /// The rules running now. A batch or a run holds the set it started
    /// with to its end.
    pub fn rules(&self) -> Arc<RuleSet> {
        match self.rules.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `set` the rules running from now on.
    pub fn set_rules(&self, set: Arc<RuleSet>) {
        match self.rules.write() {
            Ok(mut r) => *r = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }

    /// Counts new and suppressed alerts, and sends the new ones, then the
    /// incidents they made or changed, to the live stream.
    pub fn publish(&self, recorded: Recorded) {
        let published = recorded.published.len() as u64;
        for rule in &recorded.suppressed {
            self.metrics.suppressed(rule);
        }
        for (a, incident) in recorded.published {
            let mut v = a.to_json();
            if let Value::Object(m) = &mut v {
                m.insert("status".into(), Value::String("New".into()));
                m.insert("incident_id".into(), incident.map(Value::String).unwrap_or(Value::Null));
                m.insert("suppressed".into(), Value::Bool(false));
            }
            self.sinks.send(&a, &v, &self.metrics);
            // No subscriber is not an error.
            let _ = self.alerts.send(Arc::new(v));
        }
        // Counted once handed to the sinks and the stream.
        self.metrics.alerts(published);
        self.publish_incidents(&recorded.incidents);
    }

    /// Sends incidents `ids` as they are now to the live stream.
    pub fn publish_incidents(&self, ids: &[String]) {
        if ids.is_empty() || self.incidents.receiver_count() == 0 {
            return;
        }
        match self.state.incident_summaries(ids) {
            Ok(list) => {
                for v in list {
                    let _ = self.incidents.send(Arc::new(v));
                }
            }
            Err(e) => tracing::error!("cannot read incidents for the live stream: {e}"),
        }
    }
}

/// A running server.
pub struct Running {
    /// The address it listens on (the port chosen when 0 was asked for).
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// The shared state, for tests and the command.
    pub app: Arc<App>,
}

impl Running {
    /// Stops accepting requests, ends the live streams and the tasks, and
    /// waits for them. Batches NRT rules had not run over are run at the
    /// next start.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Waits until the server stops (a task failed or [`Running::stop`]
    /// was called from elsewhere).
    pub async fn wait(&mut self) {
        if let Some(first) = self.tasks.first_mut() {
            let _ = first.await;
        }
    }
}

/// Recovers the store and starts serving.
pub async fn start(config: Config) -> Result<Running, String> {
    check_listen(&config.listen, &config.security)?;
    let tls = config.security.tls.as_ref().map(crate::tls::acceptor).transpose()?;
    let dir = config.store.dir.clone();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let state = State::open_at(&config.state, &dir)?;
    let store_config = config.store.clone();
    let (store, replayed) = tokio::task::spawn_blocking(move || Store::open(store_config))
        .await
        .map_err(|e| format!("internal error: {e}"))??;
    let store = Arc::new(store);
    let cursors = crate::tail::recover(&dir, &replayed)?;
    let done = state.nrt_done()?;
    store.number_after(done)?;
    let live = Live::open(&dir)?;
    let rules = Arc::new(RuleSet::new(config.rules.clone(), config.sigma.clone()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    let (alerts, _) = broadcast::channel(1024);
    let (incidents, _) = broadcast::channel(1024);
    let metrics = Arc::new(Metrics::default());
    let (sinks, sink_tasks) =
        Sinks::start(&config.sinks, config.sink_ca.as_deref(), config.sink_backoff, metrics.clone(), stop_rx.clone())
            .await?;
    let app = Arc::new(App {
        config,
        store: store.clone(),
        state,
        metrics,
        sinks,
        nrt_done: AtomicU64::new(done),
        alerts,
        incidents,
        nrt_queue: queue_tx,
        stop: stop_rx.clone(),
        rules: RwLock::new(rules),
        sigma: live,
        reloaded: Mutex::new(None),
    });
    for rec in replayed.iter().filter(|r| r.seq <= done && r.seq > app.sigma.seq()) {
        crate::rules::refeed(&app, rec).await?;
    }
    let pending: Vec<Arc<Record>> = replayed.into_iter().filter(|r| r.seq > done).collect();
    if !pending.is_empty() {
        tracing::info!("running NRT rules over {} batches acknowledged before the restart", pending.len());
    }
    for rec in pending {
        crate::rules::nrt(&app, &rec).await?;
    }
    let done = app.nrt_done.load(Ordering::SeqCst);
    let s = store.clone();
    let compacted = tokio::task::spawn_blocking(move || s.compact(done, true))
        .await
        .map_err(|e| format!("internal error: {e}"))??;
    if !compacted.is_empty() {
        tracing::info!("compacted {} WAL segments left by the last run", compacted.len());
    }
    let listener = tokio::net::TcpListener::bind(app.config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", app.config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let router = crate::api::router(app.clone());
    let scheme = if tls.is_some() { "https" } else { "http" };
    let http = tokio::spawn(crate::http::serve(listener, router, tls, app.config.header_timeout, stop_rx.clone()));
    let mut tasks = vec![http];
    if !app.config.tails.is_empty() {
        tasks.push(tokio::spawn(crate::tail::run(app.clone(), app.config.tails.clone(), cursors, stop_rx.clone())));
    }
    tasks.extend([
        tokio::spawn(nrt_worker(app.clone(), queue_rx, stop_rx.clone())),
        tokio::spawn(crate::rules::scheduler(app.clone(), stop_rx.clone())),
        tokio::spawn(compactor(app.clone(), stop_rx.clone())),
    ]);
    tasks.extend(sink_tasks);
    if let Some(source) = app.config.reload.clone() {
        tasks.push(crate::reload::start(app.clone(), source, stop_rx.clone())?);
    }
    tracing::info!("listening on {scheme}://{addr}");
    Ok(Running { addr, stop: stop_tx, tasks, app })
}

/// Resolves once the server is stopping.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn nrt_worker(app: Arc<App>, mut queue: mpsc::UnboundedReceiver<Arc<Record>>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            rec = queue.recv() => match rec {
                Some(rec) => {
                    if let Err(e) = crate::rules::nrt(&app, &rec).await {
                        tracing::error!(batch = rec.seq, "cannot store NRT alerts: {e}; they run again at the next start");
                        return;
                    }
                }
                None => return,
            },
            _ = crate::server::stopped(&mut stop) => return,
        }
    }
}

async fn compactor(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut last_retain: Option<std::time::Instant> = None;
    loop {
        let done = app.nrt_done.load(Ordering::SeqCst);
        let store = app.store.clone();
        let retain = last_retain.is_none_or(|t| t.elapsed() >= RETAIN_EVERY);
        if retain {
            last_retain = Some(std::time::Instant::now());
        }
        let now = app.config.now.unwrap_or_else(wall_now);
        let work = tokio::task::spawn_blocking(move || {
            let compacted = store.compact(done, false)?;
            let removed = if retain { store.retain(now)? } else { Vec::new() };
            Ok::<_, String>((compacted, removed))
        });
        match work.await {
            Ok(Ok((compacted, removed))) => {
                for s in compacted {
                    tracing::debug!("compacted WAL segment {s}");
                }
                for d in removed {
                    tracing::info!("removed {} (past the retention)", d.display());
                }
            }
            Ok(Err(e)) => tracing::error!("compaction failed: {e}"),
            Err(e) => tracing::error!("compaction failed: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(COMPACT_TICK) => {}
            _ = crate::server::stopped(&mut stop) => return,
        }
    }
}
