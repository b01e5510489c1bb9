//! What `dragnet serve` is given.

use std::net::SocketAddr;
use std::time::Duration;

use detect::alert::AlertCaps;
use detect::pack::SigmaSet;
use detect::rule::Rule;
use kql_engine::EngineConfig;

use crate::auth::Tokens;
use crate::reload::RuleSource;
use crate::sinks::SinkSpec;
use crate::state::StateDb;
use crate::store::StoreConfig;
use crate::tls::TlsFiles;

/// The default listener: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7474";

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Anything but loopback needs TLS and tokens (see
    /// [`check_listen`]).
    pub listen: SocketAddr,
    /// TLS and access tokens.
    pub security: Security,
    /// The store: data folder, compaction, the WAL's bound, retention.
    pub store: StoreConfig,
    /// Where alert and incident state is kept (`--state`): SQLite in the
    /// data folder by default, or PostgreSQL.
    pub state: StateDb,
    /// The rules to run (NRT over each batch, scheduled on their frequency,
    /// Sigma rules in their tables' scans over each batch).
    pub rules: Vec<Rule>,
    /// The Sigma documents behind the Sigma rules in `rules`, and the
    /// correlations over them.
    pub sigma: SigmaSet,
    /// Where the rules come from, to load them again on `SIGHUP` and when
    /// their files change; `None`: never reloaded.
    pub reload: Option<RuleSource>,
    /// Limits for queries and rule runs.
    pub engine: EngineConfig,
    /// The caps on alerts per rule run and evidence rows per alert.
    pub caps: AlertCaps,
    /// The largest request body accepted (larger ones get 413).
    pub max_body: usize,
    /// A client that has not sent a request's head within this is
    /// disconnected.
    pub header_timeout: Duration,
    /// A client that has not sent a request's whole body within this
    /// (after its head) gets 408 and nothing of it is stored.
    pub body_timeout: Duration,
    /// The most rows `POST /api/query` returns.
    pub max_rows: usize,
    /// How late events may arrive: scheduled rules look back this much
    /// further (their `now()` is this long before the run).
    pub ingestion_delay: Duration,
    /// Local files followed as they grow (`--tail`).
    pub tails: Vec<std::path::PathBuf>,
    /// The trailing records of an auditd event still being written in a
    /// followed file are held back until a record of another event follows
    /// them, or this long.
    pub tail_hold: Duration,
    /// Where new alerts are sent (`--sink`).
    pub sinks: Vec<SinkSpec>,
    /// CA certificates (PEM) `https://` webhooks are trusted by, besides
    /// the system's (`--sink-ca`).
    pub sink_ca: Option<std::path::PathBuf>,
    /// A failed webhook delivery is tried again after this, doubled at each
    /// further failure.
    pub sink_backoff: Duration,
    /// A fixed `now()` for every rule and query instead of the clock (to
    /// replay recorded logs as if they were live).
    pub now: Option<i64>,
    /// A catalog folder (written by `dragnet catalog build`) served under
    /// `/catalog/` instead of the catalog of `rules` built at start.
    pub catalog: Option<std::path::PathBuf>,
}

/// TLS and access tokens. The default (neither) suits loopback only.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Serve HTTPS with these files.
    pub tls: Option<TlsFiles>,
    /// Require a bearer token with a role (see [`crate::auth`]).
    pub tokens: Option<Tokens>,
}

impl Security {
    /// Whether the audit webhook requires a client certificate.
    pub fn client_ca(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.client_ca.is_some())
    }
}

/// Refuses a listener the server cannot protect: anything but loopback
/// needs TLS and access tokens.
pub fn check_listen(addr: &SocketAddr, security: &Security) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    let missing = match (&security.tls, &security.tokens) {
        (Some(_), Some(_)) => return Ok(()),
        (None, None) => "TLS (--tls-cert, --tls-key) and access tokens (--token-file)",
        (None, Some(_)) => "TLS (--tls-cert, --tls-key)",
        (Some(_), None) => "access tokens (--token-file)",
    };
    Err(format!(
        "refusing to listen on {addr}: a listener reachable from other machines needs {missing}; \
         give them or listen on 127.0.0.1 or [::1]"
    ))
}

/// Wall-clock time in ns since the epoch (what schedules and triage
/// times are in, whatever `now` says).
pub fn wall_now() -> i64 {
    kql_engine::QueryOptions::at_current_time().now
}

impl Config {
    /// `now()` for rules and queries: the fixed time, else the clock.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(wall_now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_listeners_need_tls_and_tokens() {
        let open = Security::default();
        assert!(check_listen(&"127.0.0.1:0".parse().unwrap(), &open).is_ok());
        assert!(check_listen(&"[::1]:7474".parse().unwrap(), &open).is_ok());
        let any: SocketAddr = "0.0.0.0:7474".parse().unwrap();
        let e = check_listen(&any, &open).unwrap_err();
        assert!(e.starts_with("refusing to listen on 0.0.0.0:7474: "), "{e}");
        assert!(e.contains("TLS (--tls-cert, --tls-key) and access tokens (--token-file)"), "{e}");
        let tokens = Some(Tokens::parse("read aaaaaaaaaaaaaaaa").unwrap());
        let tls = Some(TlsFiles { cert: "c.pem".into(), key: "k.pem".into(), client_ca: None });
        let e = check_listen(&any, &Security { tls: None, tokens: tokens.clone() }).unwrap_err();
        assert!(e.contains("needs TLS (--tls-cert, --tls-key);"), "{e}");
        let e = check_listen(&any, &Security { tls: tls.clone(), tokens: None }).unwrap_err();
        assert!(e.contains("needs access tokens (--token-file);"), "{e}");
        assert!(check_listen(&any, &Security { tls, tokens }).is_ok());
    }
}
