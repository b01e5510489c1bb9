//! Sigma rules (specification v2.1) for dragnet: loading, the logsource and
//! field mapping, and compilation to KQL over dragnet's tables.
//!
//! ```text
//! rule.yml ──► load::load ──► Document (model) ──► kql::compile (mapping + table schemas) ──► KQL text
//! ```
//!
//! The loader is dragnet's own, on saphyr's `MarkedYaml` like the Sentinel
//! rule loader, so every problem names file, line, column and key. It
//! never panics and bounds every recursion (YAML nesting, conditions).
//! No DataFusion here: the engine lives in `kql-engine`, and a compiled
//! rule is KQL the engine plans like any other query, plus its condition as
//! a tree (`expr`) that `detect`'s one-scan executor evaluates over Arrow.

pub mod condition;
pub mod correlation;
pub mod diag;
pub mod expr;
pub mod kql;
pub mod load;
pub mod mapping;
pub mod model;
pub mod tree;
pub mod value;
pub mod yaml;

pub use kql::{ColumnType, CompileError, Compiled, Schema, compile};
pub use load::{is_sigma, load};
pub use mapping::{Mapping, Target};
pub use model::Document;
