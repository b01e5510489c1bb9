//! Kubernetes events → `KubeEvents`, one row per event object.
//!
//! | column | `v1` Event | `events.k8s.io/v1` Event |
//! |---|---|---|
//! | `TimeGenerated` | `lastTimestamp`, else `eventTime`, `firstTimestamp`, `metadata.creationTimestamp` | `series.lastObservedTime`, else `deprecatedLastTimestamp`, `eventTime`, `metadata.creationTimestamp` |
//! | `FirstSeen`, `LastSeen` | `firstTimestamp`, `lastTimestamp` (else `eventTime`) | `deprecatedFirstTimestamp`, `deprecatedLastTimestamp` (else `eventTime`) |
//! | `ObjectKind`, `Name`, `Namespace` | `involvedObject` (namespace else the event's) | `regarding` |
//! | `KubeEventType`, `Reason` | `type`, `reason` | the same |
//! | `Message` | `message` | `note` |
//! | `SourceComponent` | `source.component`, else `reportingComponent` | `reportingController`, else `deprecatedSource.component` |
//! | `Computer` | `source.host` | `deprecatedSource.host` |
//! | `Count` | `count` | `series.count`, else `deprecatedCount` |
//!
//! Rejected: an event with none of those times, or a time that is not one.

use serde_json::Value as J;

use super::{s, set, time};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError};
use crate::tables::kube_events;

/// Writes `KubeEvents` rows.
#[derive(Default)]
pub struct Events;

impl Events {
    /// The row of event `e`; `Err` says why it is rejected.
    pub fn push(&mut self, e: &J, out: &mut FileSink<'_, '_>) -> Result<Result<(), OutputError>, String> {
        let new_api = e.get("regarding").is_some() || e.get("note").is_some();
        let first = time(e, if new_api { "/deprecatedFirstTimestamp" } else { "/firstTimestamp" })?;
        let last = time(e, if new_api { "/deprecatedLastTimestamp" } else { "/lastTimestamp" })?;
        let event_time = time(e, "/eventTime")?;
        let observed = time(e, "/series/lastObservedTime")?;
        let created = time(e, "/metadata/creationTimestamp")?;
        let Some(at) = observed.or(last).or(event_time).or(first).or(created) else {
            return Err("an event with no time (lastTimestamp, eventTime, firstTimestamp, creationTimestamp)".into());
        };
        let obj = if new_api { "/regarding" } else { "/involvedObject" };
        let count = e
            .get("count")
            .and_then(J::as_f64)
            .or_else(|| e.pointer("/series/count").and_then(J::as_f64))
            .or_else(|| e.get("deprecatedCount").and_then(J::as_f64));
        let component = if new_api {
            s(e, "/reportingController").or(s(e, "/deprecatedSource/component"))
        } else {
            s(e, "/source/component").or(s(e, "/reportingComponent"))
        };
        let host = if new_api { s(e, "/deprecatedSource/host") } else { s(e, "/source/host") };
        let t = out.table(kube_events::NAME);
        let b = out.builder(t);
        let mut r = b.row();
        r.set(b.col("TimeGenerated"), Value::Time(at));
        let text = |v: Option<&str>| v.map(|v| Value::str(v.to_string()));
        set(&mut r, b, "Computer", text(host));
        set(&mut r, b, "ObjectKind", text(s(e, &format!("{obj}/kind"))));
        set(&mut r, b, "Namespace", text(s(e, &format!("{obj}/namespace")).or(s(e, "/metadata/namespace"))));
        set(&mut r, b, "Name", text(s(e, &format!("{obj}/name"))));
        set(&mut r, b, "KubeEventType", text(s(e, "/type")));
        set(&mut r, b, "Reason", text(s(e, "/reason")));
        set(&mut r, b, "Message", text(s(e, if new_api { "/note" } else { "/message" })));
        set(&mut r, b, "SourceComponent", text(component));
        set(&mut r, b, "Count", count.map(Value::Real));
        set(&mut r, b, "FirstSeen", first.or(event_time).map(Value::Time));
        set(&mut r, b, "LastSeen", last.or(event_time).map(Value::Time));
        set(&mut r, b, "SourceSystem", Some(Value::str("Container")));
        set(&mut r, b, "Type", Some(Value::str(kube_events::NAME)));
        Ok(out.push(t, &r))
    }
}
