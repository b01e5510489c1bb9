//! `AzureDiagnostics` rows of AKS audit records, as Log Analytics stores
//! them for a cluster whose diagnostic setting sends to the workspace in
//! "Azure diagnostics" mode: the path most published Sentinel Kubernetes
//! queries read (`AzureDiagnostics | where Category == "kube-audit" |
//! extend log_j = parse_json(log_s) | ...`).
//!
//! One row per `kube-audit` or `kube-audit-admin` record whose event is
//! read (an event rejected for `AKSAudit` gives no row here either):
//!
//! | column | from |
//! |---|---|
//! | `TimeGenerated` | the `AKSAudit` row's (the record's `time`, else the event's) |
//! | `Category` | `category` |
//! | `log_s` | `properties.log`: the event's JSON text (an object written as its text) |
//! | `pod_s`, `stream_s` | `properties.pod`, `properties.stream` |
//! | `ResourceId` | `resourceId`, upper-cased as Log Analytics stores it; `_ResourceId` lower-cased |
//! | `SubscriptionId`, `ResourceGroup`, `ResourceProvider`, `ResourceType`, `Resource` | the parts of `resourceId`, upper-cased |
//! | `SourceSystem`, `Type` | `Azure`, `AzureDiagnostics` |

use crate::batch::Value;
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::azure_diagnostics;

/// One record's cells.
pub struct Record<'a> {
    /// `TimeGenerated`.
    pub time: i64,
    /// `category`.
    pub category: &'a str,
    /// The event's JSON text.
    pub log: &'a str,
    /// `properties.pod`.
    pub pod: Option<&'a str>,
    /// `properties.stream`.
    pub stream: Option<&'a str>,
    /// `resourceId`.
    pub resource_id: Option<&'a str>,
}

/// Writes `AzureDiagnostics` rows for one file.
#[derive(Default)]
pub struct Diag {
    t: Option<TableId>,
}

impl Diag {
    /// Appends the row of `r`.
    pub fn push(&mut self, r: &Record<'_>, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let t = *self.t.get_or_insert_with(|| out.table(azure_diagnostics::NAME));
        let b = out.builder(t);
        let mut row = b.row();
        row.set(b.col("TimeGenerated"), Value::Time(r.time));
        row.set(b.col("Category"), Value::str(r.category));
        row.set(b.col("log_s"), Value::str(r.log));
        for (col, v) in [("pod_s", r.pod), ("stream_s", r.stream)] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                row.set(b.col(col), Value::str(v));
            }
        }
        if let Some(id) = r.resource_id.filter(|id| !id.is_empty()) {
            row.set(b.col("ResourceId"), Value::str(id.to_ascii_uppercase()));
            row.set(b.col("_ResourceId"), Value::str(id.to_ascii_lowercase()));
            for (col, v) in parts(id) {
                row.set(b.col(col), Value::str(v.to_ascii_uppercase()));
            }
        }
        row.set(b.col("SourceSystem"), Value::str("Azure"));
        row.set(b.col("Type"), Value::str(azure_diagnostics::NAME));
        out.push(t, &row)
    }
}

/// The named parts of an Azure resource ID
/// (`/subscriptions/S/resourceGroups/G/providers/P/T/NAME`), any case.
fn parts(id: &str) -> Vec<(&'static str, &str)> {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < segs.len() {
        let (key, value) = (segs[i], segs[i + 1]);
        if key.eq_ignore_ascii_case("subscriptions") {
            out.push(("SubscriptionId", value));
        } else if key.eq_ignore_ascii_case("resourceGroups") {
            out.push(("ResourceGroup", value));
        } else if key.eq_ignore_ascii_case("providers") {
            out.push(("ResourceProvider", value));
            if let (Some(ty), Some(name)) = (segs.get(i + 2), segs.get(i + 3)) {
                out.push(("ResourceType", ty));
                out.push(("Resource", name));
            }
            break;
        }
        i += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_id_names_its_parts() {
        let id = "/subscriptions/0b2e/resourceGroups/rg-1/providers/Microsoft.ContainerService/managedClusters/aks-1";
        assert_eq!(
            parts(id),
            [
                ("SubscriptionId", "0b2e"),
                ("ResourceGroup", "rg-1"),
                ("ResourceProvider", "Microsoft.ContainerService"),
                ("ResourceType", "managedClusters"),
                ("Resource", "aks-1")
            ]
        );
        assert!(parts("nonsense").is_empty());
        assert_eq!(parts("/subscriptions/s/providers/P"), [("SubscriptionId", "s"), ("ResourceProvider", "P")]);
    }
}
