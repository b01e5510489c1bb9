//! The webhook sink: each alert `POST`ed as JSON to an `http://` or
//! `https://` URL (the system's CA certificates, plus `--sink-ca`), a new
//! connection per delivery. A connection error, a timeout, 408, 429
//! or a 5xx answer is retried after a backoff that doubles (up to
//! [`ATTEMPTS`](super::ATTEMPTS) tries); any other non-2xx answer is final.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::{ATTEMPTS, Feed, SinkSpec};
use crate::metrics::Metrics;

/// One delivery may take this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// An `http://` or `https://HOST[:PORT][/PATH]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `https`.
    pub tls: bool,
    /// The host without port or brackets (the TLS server name).
    pub server_name: String,
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
        let (tls, rest) = match (text.strip_prefix("http://"), text.strip_prefix("https://")) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err("a webhook URL starts with http:// or https://".into()),
        };
        let (host, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if host.is_empty() || host.contains('@') {
            return Err("a webhook URL needs a host (and no user info)".into());
        }
        let (name, has_port) = match host.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((h, p)) if !p.contains(']') => {
                if h.is_empty() || p.parse::<u16>().is_err() {
                    return Err(format!("invalid port in '{host}'"));
                }
                (h, true)
            }
            _ => (host, false),
        };
        let default_port = if tls { 443 } else { 80 };
        let authority = if has_port { host.to_string() } else { format!("{host}:{default_port}") };
        let server_name = name.trim_start_matches('[').trim_end_matches(']').to_string();
        Ok(Url { tls, server_name, authority, host: host.to_string(), path: path.to_string() })
    }
}

/// Why a delivery failed, and whether to try again.
struct Failed {
    reason: String,
    retry: bool,
}

async fn deliver(url: &Url, tls: Option<&TlsConnector>, body: Bytes) -> Result<(), Failed> {
    let transient = |reason: String| Failed { reason, retry: true };
    let stream = TcpStream::connect(&url.authority).await.map_err(|e| transient(format!("cannot connect: {e}")))?;
    if !url.tls {
        return post(url, stream, body).await;
    }
    let Some(tls) = tls else {
        return Err(Failed { reason: "no TLS client configured".into(), retry: false });
    };
    let name = ServerName::try_from(url.server_name.clone())
        .map_err(|e| Failed { reason: format!("invalid TLS server name: {e}"), retry: false })?;
    let stream = tls.connect(name, stream).await.map_err(|e| transient(format!("TLS: {e}")))?;
    post(url, stream, body).await
}

async fn post<S>(url: &Url, stream: S, body: Bytes) -> Result<(), Failed>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let transient = |reason: String| Failed { reason, retry: true };
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

/// The TLS client for `https://` webhooks: the system's CA certificates
/// and those in `extra_ca` (PEM).
pub fn connector(extra_ca: Option<&Path>) -> Result<TlsConnector, String> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::warn!("system CA certificates: {e}");
    }
    let (_, ignored) = roots.add_parsable_certificates(native.certs);
    if ignored > 0 {
        tracing::debug!("{ignored} system CA certificates could not be used");
    }
    if let Some(path) = extra_ca {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("--sink-ca: cannot read {}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--sink-ca: {}: not a PEM certificate file: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("--sink-ca: {}: no certificate in the file", path.display()));
        }
        for c in certs {
            roots.add(c).map_err(|e| format!("--sink-ca: {}: {e}", path.display()))?;
        }
    }
    let config = ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Posts each alert as it comes, retrying with backoff.
pub async fn run(
    url: Url,
    tls: Option<TlsConnector>,
    spec: SinkSpec,
    backoff: Duration,
    mut feed: Feed,
    metrics: Arc<Metrics>,
) {
    while let Some(a) = feed.next().await {
        let body = Bytes::from(a.get(spec.shape).to_string());
        let mut wait = backoff;
        let mut attempt = 1;
        loop {
            let attempt_once = tokio::time::timeout(TIMEOUT, deliver(&url, tls.as_ref(), body.clone()));
            let result = tokio::select! {
                r = attempt_once => match r {
                    Ok(r) => r,
                    Err(_) => Err(Failed { reason: format!("no answer within {} s", TIMEOUT.as_secs()), retry: true }),
                },
                _ = feed.halted() => return,
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
                        _ = feed.halted() => return,
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
        let u = Url::parse("https://siem.example/in").unwrap();
        assert_eq!((u.tls, u.authority.as_str(), u.server_name.as_str()), (true, "siem.example:443", "siem.example"));
        let u = Url::parse("https://[::1]:8443/").unwrap();
        assert_eq!((u.authority.as_str(), u.server_name.as_str()), ("[::1]:8443", "::1"));
        assert!(Url::parse("ftp://x/").unwrap_err().starts_with("a webhook URL starts with http:// or https://"));
        assert!(Url::parse("http:///x").is_err());
        assert!(Url::parse("http://h:99999/").unwrap_err().starts_with("invalid port"));
        assert!(Url::parse("http://u:p@h/").is_err());
    }
}
