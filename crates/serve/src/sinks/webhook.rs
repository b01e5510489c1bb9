//! The webhook sink: each alert `POST`ed as JSON to an `http://` URL, a
//! new connection per delivery. A connection error, a timeout, 408, 429
//! or a 5xx answer is retried after a backoff that doubles (up to
//! [`ATTEMPTS`](super::ATTEMPTS) tries); any other non-2xx answer is final.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::{ATTEMPTS, Outgoing, SinkSpec, next};
use crate::metrics::Metrics;

/// One delivery may take this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// An `http://HOST[:PORT][/PATH]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `HOST:PORT`, what is connected to.
    pub authority: String,
    /// The host as the `Host` header carries it.
    pub host: String,
    /// The path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Reads a webhook URL.
    pub fn parse(text: &str) -> Result<Url, String> {
        let Some(rest) = text.strip_prefix("http://") else {
            return Err("a webhook URL starts with http:// (send to an HTTPS endpoint through a local proxy)".into());
        };
        let (host, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if host.is_empty() || host.contains('@') {
            return Err("a webhook URL needs a host (and no user info)".into());
        }
        let has_port = match host.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((h, p)) if !p.contains(']') => {
                if h.is_empty() || p.parse::<u16>().is_err() {
                    return Err(format!("invalid port in '{host}'"));
                }
                true
            }
            _ => false,
        };
        let authority = if has_port { host.to_string() } else { format!("{host}:80") };
        Ok(Url { authority, host: host.to_string(), path: path.to_string() })
    }
}

/// Why a delivery failed, and whether to try again.
struct Failed {
    reason: String,
    retry: bool,
}

async fn deliver(url: &Url, body: Bytes) -> Result<(), Failed> {
    let transient = |reason: String| Failed { reason, retry: true };
    let stream = TcpStream::connect(&url.authority).await.map_err(|e| transient(format!("cannot connect: {e}")))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| transient(format!("HTTP: {e}")))?;
    let conn = tokio::spawn(conn);
    let req = Request::post(&url.path)
        .header(hyper::header::HOST, &url.host)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, concat!("dragnet/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(body))
        .map_err(|e| Failed { reason: e.to_string(), retry: false })?;
    let res = sender.send_request(req).await.map_err(|e| transient(format!("HTTP: {e}")));
    conn.abort();
    let status = res?.status();
    if status.is_success() {
        return Ok(());
    }
    let retry =
        status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS;
    Err(Failed { reason: format!("answered {status}"), retry })
}

/// Posts each alert as it comes, retrying with backoff.
pub async fn run(
    url: Url,
    spec: SinkSpec,
    backoff: Duration,
    mut rx: mpsc::Receiver<Arc<Outgoing>>,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    while let Some(a) = next(&mut rx, &mut stop).await {
        let body = Bytes::from(a.get(spec.shape).to_string());
        let mut wait = backoff;
        let mut attempt = 1;
        loop {
            let result = match tokio::time::timeout(TIMEOUT, deliver(&url, body.clone())).await {
                Ok(r) => r,
                Err(_) => Err(Failed { reason: format!("no answer within {} s", TIMEOUT.as_secs()), retry: true }),
            };
            match result {
                Ok(()) => {
                    metrics.sink_delivered(&spec.name);
                    break;
                }
                Err(f) if f.retry && attempt < ATTEMPTS => {
                    tracing::warn!("sink {} (try {attempt} of {ATTEMPTS}): {}", spec.name, f.reason);
                    metrics.sink_retried(&spec.name);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = crate::server::stopped(&mut stop) => return,
                    }
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                Err(f) => {
                    tracing::error!("sink {}: gave up on an alert after {attempt} tries: {}", spec.name, f.reason);
                    metrics.sink_failed(&spec.name);
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_port_and_path() {
        let u = Url::parse("http://siem.local:8080/hook?x=1").unwrap();
        assert_eq!(
            (u.authority.as_str(), u.host.as_str(), u.path.as_str()),
            ("siem.local:8080", "siem.local:8080", "/hook?x=1")
        );
        let u = Url::parse("http://siem.local").unwrap();
        assert_eq!((u.authority.as_str(), u.path.as_str()), ("siem.local:80", "/"));
        let u = Url::parse("http://[::1]/a").unwrap();
        assert_eq!(u.authority, "[::1]:80");
        assert!(Url::parse("https://x/").unwrap_err().starts_with("a webhook URL starts with http://"));
        assert!(Url::parse("http:///x").is_err());
        assert!(Url::parse("http://h:99999/").unwrap_err().starts_with("invalid port"));
        assert!(Url::parse("http://u:p@h/").is_err());
    }
}
