//! One module per subcommand. Each returns the process exit status.

pub mod catalog;
pub mod check;
pub mod coverage;
pub mod hunt;
pub mod hunt_stream;
pub mod ingest;
pub mod isolate;
pub mod query;
pub mod rule_set;
pub mod rules;
pub mod serve;
pub mod sigma;
pub mod test;
