//! `Syslog`: messages of the Linux syslog and of the systemd journal, as
//! the Azure Monitor agent collects them.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/syslog>.
//! That page lists columns alphabetically; here they follow a message's
//! parts (when, where, who, what), then the Log Analytics standard columns.
//! The billing columns `_BilledSize` and `_IsBillable` are left out.
//!
//! `Facility` and `SeverityLevel` are the names the agent writes (`auth`,
//! `authpriv`, `daemon`, `local0`...; `emerg`, `alert`, `crit`, `err`,
//! `warning`, `notice`, `info`, `debug`). How each source fills the
//! columns is written beside it: [`crate::sources::syslog`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "Syslog";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        // When: the collector's clock, then the message's own.
        col("TimeGenerated", "datetime"),
        col("EventTime", "datetime"),
        // Where it was written.
        col("Computer", "string"),
        col("HostName", "string"),
        col("HostIP", "string"),
        // Who wrote it, and how urgent it is.
        col("Facility", "string"),
        col("SeverityLevel", "string"),
        col("ProcessName", "string"),
        col("ProcessID", "int"),
        // The message.
        col("SyslogMessage", "string"),
        // Log Analytics standard columns.
        col("CollectorHostName", "string"),
        col("SourceSystem", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
