//! `KubePodInventory`: the pods of a cluster and their containers, one row
//! per container, as Container Insights collects them.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/kubepodinventory>.
//! That page lists columns alphabetically; here they follow the pod, then
//! its container, then the Log Analytics standard columns (billing ones
//! left out). How they are filled: [`crate::sources::kube`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "KubePodInventory";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        // The cluster and node.
        col("ClusterId", "string"),
        col("ClusterName", "string"),
        col("Computer", "string"),
        // The pod.
        col("Name", "string"),
        col("Namespace", "string"),
        col("PodUid", "string"),
        col("PodLabel", "string"),
        col("PodStatus", "string"),
        col("PodIp", "string"),
        col("PodCreationTimeStamp", "datetime"),
        col("PodStartTime", "datetime"),
        col("PodRestartCount", "int"),
        col("ControllerKind", "string"),
        col("ControllerName", "string"),
        col("ServiceName", "string"),
        // One of its containers.
        col("ContainerName", "string"),
        col("ContainerID", "string"),
        col("ContainerStatus", "string"),
        col("ContainerStatusReason", "string"),
        col("ContainerLastStatus", "string"),
        col("ContainerRestartCount", "int"),
        col("ContainerCreationTimeStamp", "datetime"),
        col("ContainerStartTime", "datetime"),
        col("InstanceName", "string"),
        // Log Analytics standard columns.
        col("SourceSystem", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
