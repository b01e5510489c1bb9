//! `ContainerLogV2`: what containers write to their standard output and
//! error, as Container Insights collects it.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/containerlogv2>.
//! That page lists columns alphabetically; here they follow a line's parts
//! (when, which container, what it said), then the Log Analytics standard
//! columns. The billing columns are left out. How the sources fill them is
//! written beside them: [`crate::sources::container_log`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "ContainerLogV2";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        // Where: the node, and the container by pod, namespace, name and id.
        col("Computer", "string"),
        col("PodName", "string"),
        col("PodNamespace", "string"),
        col("ContainerName", "string"),
        col("ContainerId", "string"),
        col("KubernetesMetadata", "dynamic"),
        // What: the stream, the level, and the message (a JSON message as
        // its object, any other as a string).
        col("LogSource", "string"),
        col("LogLevel", "string"),
        col("LogMessage", "dynamic"),
        // Log Analytics standard columns.
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
