//! `KubeNodeInventory`: the nodes of a cluster, one row per node, as
//! Container Insights collects them.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/kubenodeinventory>.
//! That page lists columns alphabetically; here they follow the node, then
//! the Log Analytics standard columns (billing ones left out). How they are
//! filled: [`crate::sources::kube::nodes`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "KubeNodeInventory";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        col("ClusterId", "string"),
        col("ClusterName", "string"),
        col("Computer", "string"),
        col("CreationTimeStamp", "datetime"),
        col("Labels", "string"),
        col("Status", "string"),
        col("LastTransitionTimeReady", "datetime"),
        col("KubeletVersion", "string"),
        col("KubeProxyVersion", "string"),
        col("KubernetesProviderID", "string"),
        col("OperatingSystem", "string"),
        col("DockerVersion", "string"),
        // Log Analytics standard columns.
        col("SourceSystem", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
