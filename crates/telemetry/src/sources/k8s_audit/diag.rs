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
    cols: Option<DiagCols>,
    /// The cells of the last resource ID seen: a file's records name one
    /// cluster, so they are made once, not per record.
    resource: Option<Resource>,
}

/// Column positions of `AzureDiagnostics`, looked up once per file.
struct DiagCols {
    t: TableId,
    time_generated: usize,
    category: usize,
    log: usize,
    pod: usize,
    stream: usize,
    resource_id: usize,
    resource_id_lower: usize,
    source_system: usize,
    type_: usize,
    /// `SubscriptionId`, `ResourceGroup`, `ResourceProvider`, `ResourceType`, `Resource`.
    parts: [usize; 5],
}

/// The names of the columns a resource ID's parts go to, in the order of
/// [`DiagCols::parts`].
const PART_COLS: [&str; 5] = ["SubscriptionId", "ResourceGroup", "ResourceProvider", "ResourceType", "Resource"];

impl DiagCols {
    fn new(out: &mut FileSink<'_, '_>) -> DiagCols {
        let t = out.table(azure_diagnostics::NAME);
        let b = out.builder(t);
        DiagCols {
            t,
            time_generated: b.col("TimeGenerated"),
            category: b.col("Category"),
            log: b.col("log_s"),
            pod: b.col("pod_s"),
            stream: b.col("stream_s"),
            resource_id: b.col("ResourceId"),
            resource_id_lower: b.col("_ResourceId"),
            source_system: b.col("SourceSystem"),
            type_: b.col("Type"),
            parts: PART_COLS.map(|c| b.col(c)),
        }
    }
}

/// A resource ID as written, and the cells made of it.
struct Resource {
    id: String,
    upper: String,
    lower: String,
    /// Upper-cased, by the index of the column in [`PART_COLS`].
    parts: Vec<(usize, String)>,
}

impl Resource {
    fn new(id: &str) -> Resource {
        let parts = parts(id)
            .into_iter()
            .filter_map(|(col, v)| Some((PART_COLS.iter().position(|c| *c == col)?, v.to_ascii_uppercase())))
            .collect();
        Resource { id: id.to_string(), upper: id.to_ascii_uppercase(), lower: id.to_ascii_lowercase(), parts }
    }
}

impl Diag {
    /// Appends the row of `r`.
    pub fn push(&mut self, r: &Record<'_>, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let c = self.cols.get_or_insert_with(|| DiagCols::new(out));
        let mut row = out.builder(c.t).row();
        row.set(c.time_generated, Value::Time(r.time));
        row.set(c.category, Value::str(r.category));
        row.set(c.log, Value::str(r.log));
        for (col, v) in [(c.pod, r.pod), (c.stream, r.stream)] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                row.set(col, Value::str(v));
            }
        }
        if let Some(id) = r.resource_id.filter(|id| !id.is_empty()) {
            if self.resource.as_ref().is_none_or(|known| known.id != id) {
                self.resource = Some(Resource::new(id));
            }
            if let Some(res) = &self.resource {
                row.set(c.resource_id, Value::str(res.upper.as_str()));
                row.set(c.resource_id_lower, Value::str(res.lower.as_str()));
                for (i, v) in &res.parts {
                    row.set(c.parts[*i], Value::str(v.as_str()));
                }
            }
        }
        row.set(c.source_system, Value::str("Azure"));
        row.set(c.type_, Value::str(azure_diagnostics::NAME));
        out.push(c.t, &row)
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
