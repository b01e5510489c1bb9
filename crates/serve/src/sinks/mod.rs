//! Alert sinks: every new alert, once, to each `--sink`: a JSON-lines file,
//! an HTTP webhook (retried with backoff) or syslog over UDP (RFC 5424),
//! as dragnet's alert JSON or, with `+ocsf` after the kind, as an OCSF
//! Detection Finding (`detect::output::ocsf`).
//!
//! Each sink has its own task behind a bounded queue: a slow or failing
//! sink never holds up ingest, rules or the other sinks. An alert that
//! finds the queue full is dropped for that sink and counted
//! (`dragnet_sink_dropped_total`), as is one the sink gave up on
//! (`dragnet_sink_failures_total`); alerts stay in the state database and
//! `GET /api/alerts` either way. When the server stops, each sink goes on
//! delivering the alerts already queued for it for up to [`DRAIN`] (a
//! webhook's retries included), then stops; what is left then stays
//! undelivered to it (and in the state database).

mod file;
mod syslog;
mod webhook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use detect::Alert;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;

/// Alerts waiting for one sink, at most.
pub const QUEUE: usize = 1024;
/// Deliveries a webhook tries before it gives up on an alert.
pub const ATTEMPTS: u32 = 5;
/// How long a sink goes on delivering its queue once the server stops.
pub const DRAIN: Duration = Duration::from_secs(5);

/// What a sink gets: dragnet's alert JSON or an OCSF finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `Alert::to_json` with its status.
    Alert,
    /// `detect::output::to_ocsf`.
    Ocsf,
}

/// Where a sink sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Appended to a file, one JSON document a line.
    Jsonl(PathBuf),
    /// `POST`ed to an `http://` or `https://` URL, one JSON document a request.
    Webhook(webhook::Url),
    /// One RFC 5424 message a datagram to `host:port`.
    Syslog(String),
}

/// One `--sink`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkSpec {
    /// The text it was given as (its name in metrics).
    pub name: String,
    /// Where.
    pub target: Target,
    /// What.
    pub shape: Shape,
}

impl SinkSpec {
    /// Reads `KIND[+ocsf]:TARGET`: `jsonl:PATH`, `webhook:http[s]://HOST[:PORT]/PATH`,
    /// `syslog:udp://HOST:PORT`.
    pub fn parse(text: &str) -> Result<SinkSpec, String> {
        let bad = |why: &str| format!("invalid sink '{text}': {why}");
        let Some((kind, target)) = text.split_once(':') else {
            return Err(bad("expected KIND:TARGET, e.g. jsonl:/var/log/dragnet/alerts.jsonl"));
        };
        let (kind, shape) = match kind.strip_suffix("+ocsf") {
            Some(k) => (k, Shape::Ocsf),
            None => (kind, Shape::Alert),
        };
        let target = match kind {
            "jsonl" if !target.is_empty() => Target::Jsonl(PathBuf::from(target)),
            "jsonl" => return Err(bad("no file after jsonl:")),
            "webhook" => Target::Webhook(webhook::Url::parse(target).map_err(|e| bad(&e))?),
            "syslog" => {
                let Some(addr) = target.strip_prefix("udp://") else {
                    return Err(bad("expected syslog:udp://HOST:PORT"));
                };
                if addr.rsplit_once(':').is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err()) {
                    return Err(bad("expected syslog:udp://HOST:PORT"));
                }
                Target::Syslog(addr.to_string())
            }
            _ => return Err(bad(&format!("unknown kind '{kind}' (known: jsonl, webhook, syslog, each with +ocsf)"))),
        };
        Ok(SinkSpec { name: text.to_string(), target, shape })
    }
}

/// One alert as both shapes, made once for every sink.
pub struct Outgoing {
    /// The alert JSON.
    pub alert: Value,
    /// The OCSF finding.
    pub ocsf: Value,
}

impl Outgoing {
    /// The alert in `shape`.
    pub fn get(&self, shape: Shape) -> &Value {
        match shape {
            Shape::Alert => &self.alert,
            Shape::Ocsf => &self.ocsf,
        }
    }
}

/// The running sinks.
#[derive(Default)]
pub struct Sinks {
    queues: Vec<(String, mpsc::Sender<Arc<Outgoing>>)>,
}

impl Sinks {
    /// Opens every sink (a file that cannot be opened is an error now, not
    /// at the first alert) and starts its task.
    pub async fn start(
        specs: &[SinkSpec],
        sink_ca: Option<&std::path::Path>,
        backoff: Duration,
        metrics: Arc<Metrics>,
        stop: watch::Receiver<bool>,
    ) -> Result<(Sinks, Vec<JoinHandle<()>>), String> {
        let mut queues = Vec::new();
        let mut tasks = Vec::new();
        let https = specs.iter().any(|s| matches!(&s.target, Target::Webhook(u) if u.tls));
        let tls = if https { Some(webhook::connector(sink_ca)?) } else { None };
        for spec in specs {
            let (tx, rx) = mpsc::channel(QUEUE);
            let task = match &spec.target {
                Target::Jsonl(path) => {
                    let out = file::open(path).await?;
                    tokio::spawn(file::run(
                        out,
                        path.clone(),
                        spec.clone(),
                        Feed::new(rx, stop.clone()),
                        metrics.clone(),
                    ))
                }
                Target::Webhook(url) => tokio::spawn(webhook::run(
                    url.clone(),
                    tls.clone(),
                    spec.clone(),
                    backoff,
                    Feed::new(rx, stop.clone()),
                    metrics.clone(),
                )),
                Target::Syslog(addr) => {
                    let socket = syslog::open(addr).await?;
                    tokio::spawn(syslog::run(socket, spec.clone(), Feed::new(rx, stop.clone()), metrics.clone()))
                }
            };
            metrics.sink(&spec.name);
            queues.push((spec.name.clone(), tx));
            tasks.push(task);
        }
        Ok((Sinks { queues }, tasks))
    }

    /// Hands `alert` to every sink; a full queue drops it for that sink
    /// (counted), never waits.
    pub fn send(&self, alert: &Alert, json: &Value, metrics: &Metrics) {
        if self.queues.is_empty() {
            return;
        }
        let out = Arc::new(Outgoing { alert: json.clone(), ocsf: detect::output::to_ocsf(alert) });
        for (name, q) in &self.queues {
            match q.try_send(out.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!("sink {name} is behind: an alert was dropped for it");
                    metrics.sink_dropped(name);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    tracing::info!("sink {name} has stopped with the server: an alert was not queued for it");
                    metrics.sink_dropped(name);
                }
            }
        }
    }
}

/// The alerts for one sink: each as it comes, and once the server stops,
/// those already queued, until [`DRAIN`] has passed.
pub struct Feed {
    rx: mpsc::Receiver<Arc<Outgoing>>,
    stop: watch::Receiver<bool>,
    /// When the draining ends, once the server has stopped.
    until: Option<tokio::time::Instant>,
}

impl Feed {
    fn new(rx: mpsc::Receiver<Arc<Outgoing>>, stop: watch::Receiver<bool>) -> Feed {
        Feed { rx, stop, until: None }
    }

    /// Marks the server stopped: no alert is queued from now on, and the
    /// queue drains until [`DRAIN`] from now.
    fn stopping(&mut self) -> tokio::time::Instant {
        *self.until.get_or_insert_with(|| {
            self.rx.close();
            tokio::time::Instant::now() + DRAIN
        })
    }

    /// The next alert, or `None` once the server has stopped and the queue
    /// is empty or the draining time is over.
    pub async fn next(&mut self) -> Option<Arc<Outgoing>> {
        if self.until.is_none() {
            tokio::select! {
                biased;
                a = self.rx.recv() => return a,
                _ = crate::server::stopped(&mut self.stop) => {
                    self.stopping();
                }
            }
        }
        let until = self.stopping();
        if tokio::time::Instant::now() >= until {
            return None;
        }
        self.rx.try_recv().ok()
    }

    /// Completes when a sink must give up what it is doing: at the end of
    /// the draining time (the server stopping starts it).
    pub async fn halted(&mut self) {
        if self.until.is_none() {
            crate::server::stopped(&mut self.stop).await;
        }
        let until = self.stopping();
        tokio::time::sleep_until(until).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_specs_are_read_with_clear_errors() {
        let s = SinkSpec::parse("jsonl:/tmp/a.jsonl").unwrap();
        assert_eq!((s.target, s.shape), (Target::Jsonl("/tmp/a.jsonl".into()), Shape::Alert));
        let s = SinkSpec::parse("syslog+ocsf:udp://127.0.0.1:514").unwrap();
        assert_eq!((s.target, s.shape), (Target::Syslog("127.0.0.1:514".into()), Shape::Ocsf));
        let s = SinkSpec::parse("webhook:http://siem.local:8080/hook?x=1").unwrap();
        assert!(matches!(s.target, Target::Webhook(_)));
        let e = |t: &str| SinkSpec::parse(t).unwrap_err();
        assert_eq!(e("file"), "invalid sink 'file': expected KIND:TARGET, e.g. jsonl:/var/log/dragnet/alerts.jsonl");
        assert!(e("kafka:x").ends_with("unknown kind 'kafka' (known: jsonl, webhook, syslog, each with +ocsf)"));
        assert!(e("syslog:tcp://h:514").ends_with("expected syslog:udp://HOST:PORT"));
        assert!(e("syslog:udp://h:port").ends_with("expected syslog:udp://HOST:PORT"));
        assert!(e("jsonl:").ends_with("no file after jsonl:"));
        assert!(e("webhook:ftp://h/").contains("webhook"), "{}", e("webhook:ftp://h/"));
    }
}
