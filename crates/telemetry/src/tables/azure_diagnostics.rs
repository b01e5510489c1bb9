//! `AzureDiagnostics`: the resource logs of every Azure service sent in
//! "Azure diagnostics" mode, one table for all, each service's fields as
//! typed custom columns (`log_s`, `pod_s`, ...).
//!
//! Its columns are too many and too service-specific to copy here: the
//! schema is the documented one ([`super::documented`], generated with
//! the additions of `scripts/schema/extra.tsv`: the standard columns the
//! reference page leaves out and the AKS control plane's `log_s`, `pod_s`
//! and `stream_s`). The columns dragnet fills are those of AKS's
//! `kube-audit` and `kube-audit-admin` categories, written beside their
//! source, [`crate::sources::k8s_audit`].

use arrow_schema::Schema;

/// The table name.
pub const NAME: &str = "AzureDiagnostics";

/// The table's schema: the documented one.
pub fn schema() -> Schema {
    match super::documented::documented(NAME) {
        Some(s) => s.as_ref().clone(),
        // The documented list is built into the binary and has this table
        // (a test checks); an empty schema would fail that test.
        None => Schema::empty(),
    }
}
