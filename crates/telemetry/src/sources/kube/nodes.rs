//! Nodes → `KubeNodeInventory`, one row per node.
//!
//! A snapshot carries no time of its own: `TimeGenerated` is the latest
//! time the node's object records (its creation, and its conditions' last
//! heartbeat and transition times), the time the row is known to be true
//! at. A node with none of these is rejected.
//!
//! | column | from |
//! |---|---|
//! | `Computer` | `metadata.name` |
//! | `CreationTimeStamp` | `metadata.creationTimestamp` |
//! | `Labels` | `metadata.labels` as Container Insights writes it: `[{"kubernetes.io/os":"linux"}]` |
//! | `Status` | the `type`s of the conditions whose `status` is `"True"`, comma-separated (`Ready`; empty when none is) |
//! | `LastTransitionTimeReady` | the `Ready` condition's `lastTransitionTime` |
//! | `KubeletVersion`, `KubeProxyVersion` | `status.nodeInfo.kubeletVersion`, `.kubeProxyVersion` |
//! | `KubernetesProviderID` | `spec.providerID` up to its first `:` (`azure`, `aws`, `gce`, `kind`), `onprem` when the node has none |
//! | `OperatingSystem` | `status.nodeInfo.osImage` |
//! | `DockerVersion` | `status.nodeInfo.containerRuntimeVersion`, without `docker://` for Docker (`containerd://1.7.2` as it is) |
//!
//! `ClusterId` and `ClusterName` are not in a node's object and stay null.

use serde_json::Value as J;

use super::{s, set, time};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError};
use crate::tables::kube_node_inventory;

/// Writes `KubeNodeInventory` rows.
#[derive(Default)]
pub struct Nodes;

/// The latest of the times `n` records.
fn latest(n: &J) -> Result<Option<i64>, String> {
    let mut best = time(n, "/metadata/creationTimestamp")?;
    for c in n.pointer("/status/conditions").and_then(J::as_array).into_iter().flatten() {
        for ptr in ["/lastHeartbeatTime", "/lastTransitionTime"] {
            best = best.max(time(c, ptr)?);
        }
    }
    Ok(best)
}

/// `spec.providerID` as Container Insights reports it.
fn provider(n: &J) -> String {
    match s(n, "/spec/providerID") {
        None => "onprem".to_string(),
        Some(id) => match id.split(':').next() {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => id.to_string(),
        },
    }
}

/// The container runtime's version: Docker's without its scheme.
fn runtime(n: &J) -> Option<String> {
    let v = s(n, "/status/nodeInfo/containerRuntimeVersion")?;
    let docker = v.get(..9).is_some_and(|p| p.eq_ignore_ascii_case("docker://"));
    Some(if docker { v.get(9..).unwrap_or_default().to_string() } else { v.to_string() })
}

impl Nodes {
    /// The row of node `n`; `Err` says why it is rejected.
    pub fn push(&mut self, n: &J, out: &mut FileSink<'_, '_>) -> Result<Result<(), OutputError>, String> {
        let Some(at) = latest(n)? else {
            return Err("a node with no time (creationTimestamp, conditions' heartbeat...)".into());
        };
        let conditions = n.pointer("/status/conditions").and_then(J::as_array);
        let status = conditions.map(|cs| {
            cs.iter()
                .filter(|c| c.get("status").and_then(J::as_str) == Some("True"))
                .filter_map(|c| c.get("type").and_then(J::as_str))
                .collect::<Vec<_>>()
                .join(",")
        });
        let ready = conditions
            .into_iter()
            .flatten()
            .filter(|c| c.get("type").and_then(J::as_str) == Some("Ready"))
            .map(|c| time(c, "/lastTransitionTime"))
            .next_back()
            .transpose()?
            .flatten();
        let labels = n.pointer("/metadata/labels").filter(|l| l.is_object()).map(|l| format!("[{l}]"));
        let text = |v: Option<&str>| v.map(|v| Value::str(v.to_string()));
        let t = out.table(kube_node_inventory::NAME);
        let b = out.builder(t);
        let mut r = b.row();
        r.set(b.col("TimeGenerated"), Value::Time(at));
        set(&mut r, b, "Computer", text(s(n, "/metadata/name")));
        set(&mut r, b, "CreationTimeStamp", time(n, "/metadata/creationTimestamp")?.map(Value::Time));
        set(&mut r, b, "Labels", labels.map(Value::str));
        set(&mut r, b, "Status", Some(Value::str(status.unwrap_or_default())));
        set(&mut r, b, "LastTransitionTimeReady", ready.map(Value::Time));
        set(&mut r, b, "KubeletVersion", text(s(n, "/status/nodeInfo/kubeletVersion")));
        set(&mut r, b, "KubeProxyVersion", text(s(n, "/status/nodeInfo/kubeProxyVersion")));
        set(&mut r, b, "KubernetesProviderID", Some(Value::str(provider(n))));
        set(&mut r, b, "OperatingSystem", text(s(n, "/status/nodeInfo/osImage")));
        set(&mut r, b, "DockerVersion", runtime(n).map(Value::str));
        set(&mut r, b, "SourceSystem", Some(Value::str("Container")));
        set(&mut r, b, "Type", Some(Value::str(kube_node_inventory::NAME)));
        Ok(out.push(t, &r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_and_runtime_of_hostile_values() {
        let node =
            |spec: J| serde_json::json!({"spec": spec, "status": {"nodeInfo": {"containerRuntimeVersion": "dö://x"}}});
        // A multi-byte character where the scheme would end is kept whole.
        assert_eq!(runtime(&node(J::Null)).as_deref(), Some("dö://x"));
        let docker = serde_json::json!({"status": {"nodeInfo": {"containerRuntimeVersion": "DOCKER://24.0.7"}}});
        assert_eq!(runtime(&docker).as_deref(), Some("24.0.7"));
        let scheme_only = serde_json::json!({"status": {"nodeInfo": {"containerRuntimeVersion": "docker://"}}});
        assert_eq!(runtime(&scheme_only).as_deref(), Some(""));
        assert_eq!(provider(&node(serde_json::json!({"providerID": ":x"}))), ":x");
        assert_eq!(provider(&node(serde_json::json!({"providerID": "ɑzure:///a"}))), "ɑzure");
        assert_eq!(provider(&node(serde_json::json!({"providerID": ""}))), "onprem");
        assert_eq!(provider(&node(serde_json::json!({"providerID": 7}))), "onprem");
    }

    #[test]
    fn times_out_of_range_are_errors_not_rows() {
        let n = serde_json::json!({"metadata": {"creationTimestamp": "99999-01-01T00:00:00Z"}});
        assert!(latest(&n).is_err());
        let n = serde_json::json!({"status": {"conditions": [{"lastHeartbeatTime": 9223372036854775807_i64}]}});
        assert!(latest(&n).is_err());
        let many: Vec<J> =
            (0..10_000).map(|_| serde_json::json!({"lastHeartbeatTime": "2024-01-05T01:00:00Z"})).collect();
        let n = serde_json::json!({"status": {"conditions": many}});
        assert_eq!(latest(&n).unwrap(), crate::batch::parse_datetime("2024-01-05T01:00:00Z"));
    }
}
