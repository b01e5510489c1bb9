//! Telemetry sources and the Defender/Sentinel table shapes they fill.
//! Knows nothing of KQL.
//!
//! [`tables`] holds the Arrow schema of every table a detection can read,
//! column for column as Microsoft documents it.
//!
//! ```
//! let schema = telemetry::tables::get("DeviceProcessEvents").unwrap();
//! assert_eq!(schema.field(0).name(), "Timestamp");
//! ```

pub mod batch;
pub mod dataset;
pub mod external;
pub mod host;
pub mod json_lines;
pub mod load;
pub mod parquet_out;
mod rfc3339;
pub mod sink;
pub mod sources;
pub mod spill;
pub mod spill_dir;
pub mod tables;
pub mod user_table;
