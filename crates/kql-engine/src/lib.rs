//! Runs KQL on Apache DataFusion with Kusto's semantics.
//!
//! This crate owns the meaning of a query: binding names to the columns of
//! a [`Catalog`], KQL's types and their Arrow form ([`types`]), the
//! function library as DataFusion UDFs ([`functions`]), and planning the
//! tabular operators into DataFusion logical plans. It does no IO of its
//! own: tables come in as DataFusion `TableProvider`s.
//!
//! ```
//! # tokio_test_block_on(async {
//! use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};
//! let engine = Engine::new(Catalog::new(), EngineConfig::unlimited());
//! let results = engine.run("print x = 1 + 2", QueryOptions { now: 0 }).await.unwrap();
//! assert_eq!(results[0].num_rows(), 1);
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! # }
//! ```

mod bind;
pub mod catalog;
mod deadline;
pub mod engine;
pub mod error;
mod filter_growth;
pub mod functions;
mod optimizer;
mod projection;
pub mod render;
mod scalar_aggregate;
pub mod stream;
pub mod types;

pub use catalog::{Catalog, ExternalFiles, ExternalRequest, RemoteData};
pub use engine::{Engine, EngineConfig, QueryOptions, QueryResult};
pub use error::EngineError;
pub use stream::QueryStream;
pub use types::KqlType;
