//! `dragnet serve`: telemetry arriving all the time, rules on their
//! schedule, alerts kept.
//!
//! ```text
//! POST /ingest, /k8s-audit ──► parse whole ──► WAL (fsync) ──► ack ──► NRT + Sigma rules ──► alerts (SQLite or PostgreSQL) ──► SSE
//!                                                  │
//!                                                  └──► compaction ──► Parquet dataset ◄── queries, scheduled rules
//! ```
//!
//! Invariants: a batch is acknowledged only after it is fsynced in the WAL;
//! a batch is stored whole or not at all; acknowledged rows are visible to
//! queries at once (WAL and Parquet read together, never a row twice); an
//! alert is stored once, by its stable id, however often it is raised.
//!
//! Nothing here prints, reads the environment or exits: the `dragnet`
//! binary does. Logs go through `tracing`.

pub mod api;
pub mod auth;
pub mod body;
pub mod catalog_pages;
pub mod config;
pub mod console;
pub mod http;
pub mod incidents;
pub mod metrics;
pub mod openapi;
pub mod parse;
pub mod reload;
pub mod rules;
pub mod ruleset;
pub mod server;
pub mod sigma;
pub mod sinks;
pub mod state;
pub mod store;
pub mod tail;
pub mod tls;
pub mod union;
pub mod wal;
pub mod window;

pub use config::{Config, DEFAULT_LISTEN, Security, check_listen};
pub use server::{Running, start};
pub use store::StoreConfig;
