//! `AKSAudit`: every Kubernetes API server audit event of an AKS cluster
//! (the `kube-audit` diagnostic category, sent to resource-specific tables),
//! including `get` and `list` requests.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/aksaudit>.
//! That page lists columns alphabetically, which says nothing of their order
//! in the table; here they follow the fields of the Kubernetes audit event
//! they carry (`audit.k8s.io/v1` `Event`), then the Log Analytics standard
//! columns. The billing columns `_BilledSize` and `_IsBillable`, which every
//! Log Analytics table has and no detection reads, are left out.

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "AKSAudit";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("TimeGenerated", "datetime"),
        // The audit event: what was asked, by whom, from where.
        col("Level", "string"),
        col("AuditId", "string"),
        col("Stage", "string"),
        col("RequestUri", "string"),
        col("Verb", "string"),
        col("User", "dynamic"),
        // The identity the request impersonated, from the audit event's `impersonatedUser`.
        col("ImpersonatedUser", "dynamic"),
        col("SourceIps", "dynamic"),
        col("UserAgent", "string"),
        // What it was asked of, and the answer.
        col("ObjectRef", "dynamic"),
        col("ResponseStatus", "dynamic"),
        col("RequestObject", "dynamic"),
        col("ResponseObject", "dynamic"),
        // When.
        col("RequestReceivedTime", "datetime"),
        col("StageReceivedTime", "datetime"),
        // Annotations set while serving the request, and the API server pod
        // that emitted the event.
        col("Annotations", "dynamic"),
        col("PodName", "string"),
        // Log Analytics standard columns.
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
