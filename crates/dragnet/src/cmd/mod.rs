//! One module per subcommand. Each returns the process exit status.

pub mod check;
pub mod ingest;
pub mod query;
