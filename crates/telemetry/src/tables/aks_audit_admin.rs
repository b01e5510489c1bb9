//! `AKSAuditAdmin`: the Kubernetes API server audit events of an AKS
//! cluster that change something (the `kube-audit-admin` diagnostic
//! category: every event but `get` and `list` requests), sent to
//! resource-specific tables.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/aksauditadmin>:
//! `AKSAudit`'s without `ImpersonatedUser`, in [`super::aks_audit`]'s order.

use arrow_schema::Schema;

/// The table name.
pub const NAME: &str = "AKSAuditAdmin";

/// The table's schema.
pub fn schema() -> Schema {
    let audit = super::aks_audit::schema();
    Schema::new(audit.fields().iter().filter(|f| f.name() != "ImpersonatedUser").cloned().collect::<Vec<_>>())
}
