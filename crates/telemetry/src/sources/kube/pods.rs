//! Pods → `KubePodInventory`, one row per container of `spec.containers`
//! (one row with the pod's columns only for a pod without containers).
//!
//! A snapshot carries no time of its own: `TimeGenerated` is the latest
//! time the pod's object records (its creation, start, condition
//! transitions and container state changes), the time the row is known to
//! be true at. A pod with none of these is rejected.
//!
//! | column | from |
//! |---|---|
//! | `Computer` | `spec.nodeName` |
//! | `Name`, `Namespace`, `PodUid` | `metadata.name`, `.namespace`, `.uid` |
//! | `PodLabel` | `metadata.labels` as Container Insights writes it: `[{"app":"web"}]` |
//! | `PodStatus` | `status.phase`, `Terminating` when `metadata.deletionTimestamp` is set |
//! | `PodIp`, `PodStartTime`, `PodCreationTimeStamp` | `status.podIP`, `status.startTime`, `metadata.creationTimestamp` |
//! | `PodRestartCount` | the sum of the containers' `restartCount` |
//! | `ControllerKind`, `ControllerName` | the first `metadata.ownerReferences` |
//! | `ContainerName` | `<pod uid>/<container name>`, as Container Insights writes it |
//! | `ContainerID` | the status's `containerID` without its runtime scheme (`containerd://`) |
//! | `ContainerStatus`, `ContainerStatusReason` | the state's name (`running`, `waiting`, `terminated`) and its `reason` |
//! | `ContainerLastStatus` | `lastState` as JSON text, when not empty |
//! | `ContainerRestartCount`, `ContainerStartTime` | `restartCount`, the state's `startedAt` |

use serde_json::Value as J;

use super::{s, set, time};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError};
use crate::tables::kube_pod_inventory;

/// Writes `KubePodInventory` rows.
#[derive(Default)]
pub struct Pods;

/// The latest of the times `p` records.
fn latest(p: &J) -> Result<Option<i64>, String> {
    let mut best = None;
    let mut see = |t: Option<i64>| {
        if t > best {
            best = t;
        }
    };
    see(time(p, "/metadata/creationTimestamp")?);
    see(time(p, "/metadata/deletionTimestamp")?);
    see(time(p, "/status/startTime")?);
    for c in p.pointer("/status/conditions").and_then(J::as_array).into_iter().flatten() {
        see(time(c, "/lastTransitionTime")?);
    }
    for c in p.pointer("/status/containerStatuses").and_then(J::as_array).into_iter().flatten() {
        for ptr in ["/state/running/startedAt", "/state/terminated/finishedAt", "/lastState/terminated/finishedAt"] {
            see(time(c, ptr)?);
        }
    }
    Ok(best)
}

impl Pods {
    /// The rows of pod `p`; `Err` says why it is rejected.
    pub fn push(&mut self, p: &J, out: &mut FileSink<'_, '_>) -> Result<Result<(), OutputError>, String> {
        let Some(at) = latest(p)? else { return Err("a pod with no time (creationTimestamp, startTime...)".into()) };
        let statuses: Vec<&J> = p
            .pointer("/status/containerStatuses")
            .and_then(J::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let restarts = statuses
            .iter()
            .filter_map(|c| c.get("restartCount").and_then(J::as_i64))
            .fold(0i64, i64::saturating_add)
            .min(i64::from(i32::MAX));
        let containers: Vec<&str> = p
            .pointer("/spec/containers")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(|c| c.get("name").and_then(J::as_str)).collect())
            .unwrap_or_default();
        let uid = s(p, "/metadata/uid");
        let labels = p.pointer("/metadata/labels").filter(|l| l.is_object()).map(|l| format!("[{l}]"));
        let status = if p.pointer("/metadata/deletionTimestamp").is_some_and(|d| !d.is_null()) {
            Some("Terminating")
        } else {
            s(p, "/status/phase")
        };
        let owner = p.pointer("/metadata/ownerReferences/0");
        let t = out.table(kube_pod_inventory::NAME);
        let names: Vec<Option<&str>> =
            if containers.is_empty() { vec![None] } else { containers.into_iter().map(Some).collect() };
        let mut rows = Vec::with_capacity(names.len());
        for name in names {
            let b = out.builder(t);
            let mut r = b.row();
            let text = |v: Option<&str>| v.map(|v| Value::str(v.to_string()));
            r.set(b.col("TimeGenerated"), Value::Time(at));
            set(&mut r, b, "Computer", text(s(p, "/spec/nodeName")));
            set(&mut r, b, "Name", text(s(p, "/metadata/name")));
            set(&mut r, b, "Namespace", text(s(p, "/metadata/namespace")));
            set(&mut r, b, "PodUid", text(uid));
            set(&mut r, b, "PodLabel", labels.clone().map(Value::str));
            set(&mut r, b, "PodStatus", text(status));
            set(&mut r, b, "PodIp", text(s(p, "/status/podIP")));
            set(&mut r, b, "PodCreationTimeStamp", time(p, "/metadata/creationTimestamp")?.map(Value::Time));
            set(&mut r, b, "PodStartTime", time(p, "/status/startTime")?.map(Value::Time));
            set(&mut r, b, "PodRestartCount", Some(Value::Long(restarts)));
            set(&mut r, b, "ControllerKind", text(owner.and_then(|o| s(o, "/kind"))));
            set(&mut r, b, "ControllerName", text(owner.and_then(|o| s(o, "/name"))));
            if let Some(name) = name {
                let full = match uid {
                    Some(u) => format!("{u}/{name}"),
                    None => name.to_string(),
                };
                set(&mut r, b, "ContainerName", Some(Value::str(full)));
                if let Some(c) = statuses.iter().find(|c| c.get("name").and_then(J::as_str) == Some(name)) {
                    let id = s(c, "/containerID").map(|id| id.split_once("://").map_or(id, |(_, id)| id));
                    set(&mut r, b, "ContainerID", text(id));
                    let state = c.get("state").and_then(J::as_object).and_then(|m| m.iter().next());
                    set(&mut r, b, "ContainerStatus", text(state.map(|(k, _)| k.as_str())));
                    set(&mut r, b, "ContainerStatusReason", text(state.and_then(|(_, v)| s(v, "/reason"))));
                    let last = c.get("lastState").filter(|l| l.as_object().is_some_and(|m| !m.is_empty()));
                    set(&mut r, b, "ContainerLastStatus", last.map(|l| Value::str(l.to_string())));
                    let count = c.get("restartCount").and_then(J::as_i64).filter(|n| i32::try_from(*n).is_ok());
                    set(&mut r, b, "ContainerRestartCount", count.map(Value::Long));
                    let started = match state {
                        Some((_, v)) => time(v, "/startedAt")?,
                        None => None,
                    };
                    set(&mut r, b, "ContainerStartTime", started.map(Value::Time));
                }
            }
            set(&mut r, b, "SourceSystem", Some(Value::str("Container")));
            set(&mut r, b, "Type", Some(Value::str(kube_pod_inventory::NAME)));
            rows.push(r);
        }
        // Every row is made before any is written: a pod is rows or a reject, never both.
        for r in &rows {
            if let Err(e) = out.push(t, r) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }
}
