//! `KubeEvents`: Kubernetes events (`v1` `Event`), as Container Insights
//! collects them.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/kubeevents>.
//! That page lists columns alphabetically; here they follow an event's
//! parts, then the Log Analytics standard columns (billing ones left out).
//! How they are filled: [`crate::sources::kube`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "KubeEvents";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        // The cluster and node.
        col("ClusterId", "string"),
        col("ClusterName", "string"),
        col("Computer", "string"),
        // The object the event is about.
        col("ObjectKind", "string"),
        col("Namespace", "string"),
        col("Name", "string"),
        // The event.
        col("KubeEventType", "string"),
        col("Reason", "string"),
        col("Message", "string"),
        col("SourceComponent", "string"),
        col("Count", "real"),
        col("FirstSeen", "datetime"),
        col("LastSeen", "datetime"),
        // Log Analytics standard columns.
        col("SourceSystem", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
