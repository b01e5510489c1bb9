//! What `dragnet serve` is given.

use std::net::SocketAddr;
use std::time::Duration;

use detect::alert::AlertCaps;
use detect::rule::Rule;
use kql_engine::EngineConfig;

use crate::store::StoreConfig;

/// The default listener: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7474";

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Only loopback addresses are accepted until TLS and
    /// tokens exist (see [`check_listen`]).
    pub listen: SocketAddr,
    /// The store: data folder, compaction, the WAL's bound, retention.
    pub store: StoreConfig,
    /// The rules to run (NRT over each batch, scheduled on their frequency).
    pub rules: Vec<Rule>,
    /// Limits for queries and rule runs.
    pub engine: EngineConfig,
    /// The caps on alerts per rule run and evidence rows per alert.
    pub caps: AlertCaps,
    /// The largest request body accepted (larger ones get 413).
    pub max_body: usize,
    /// A client that has not sent a request's head within this is
    /// disconnected.
    pub header_timeout: Duration,
    /// The most rows `POST /api/query` returns.
    pub max_rows: usize,
    /// How late events may arrive: scheduled rules look back this much
    /// further (their `now()` is this long before the run).
    pub ingestion_delay: Duration,
    /// A fixed `now()` for every rule and query instead of the clock (to
    /// replay recorded logs as if they were live).
    pub now: Option<i64>,
}

/// Refuses a listener the server cannot protect: anything but loopback
/// needs TLS and an access token, which are not supported yet.
pub fn check_listen(addr: &SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "refusing to listen on {addr}: a listener reachable from other machines needs TLS and an access token, \
             which dragnet serve does not support yet; listen on 127.0.0.1 or [::1] (and put a TLS proxy in front)"
        ))
    }
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
    fn only_loopback_listeners_are_accepted() {
        assert!(check_listen(&"127.0.0.1:0".parse().unwrap()).is_ok());
        assert!(check_listen(&"[::1]:7474".parse().unwrap()).is_ok());
        let e = check_listen(&"0.0.0.0:7474".parse().unwrap()).unwrap_err();
        assert!(e.starts_with("refusing to listen on 0.0.0.0:7474: "), "{e}");
    }
}
