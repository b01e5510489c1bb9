//! Kubernetes objects as `kubectl` prints them: `kubectl get events`,
//! `get pods` and `get nodes -o json` snapshots (a `List`, `EventList`,
//! `PodList` or `NodeList` document, compact or pretty, read one item at a
//! time), the objects one per line, and watch streams (`kubectl get -w -o
//! json`, `{"type": "ADDED", "object": {..}}`). Events (`v1` and
//! `events.k8s.io/v1`) become `KubeEvents` rows ([`events`]), pods
//! `KubePodInventory` rows, one per container ([`pods`]), nodes
//! `KubeNodeInventory` rows ([`nodes`]); every other kind (a Namespace, a
//! Secret, ...) is read and skipped. Each object is one record.
//!
//! Kubernetes audit events (`audit.k8s.io`) are not read here: they are
//! [`super::k8s_audit`]'s.

use std::io::BufRead;

use serde_json::Value as J;

use super::Format;
use super::json::{Part, first_doc, first_element_of, for_each_part, has_member};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError};

pub mod events;
pub mod nodes;
pub mod pods;

/// `kubectl get events/pods -o json` output.
pub struct Kubectl;

/// Whether `v` is a Kubernetes object as `kubectl` prints it (or a watch
/// event of one): a `kind`, an `apiVersion` and a `metadata` object. Core
/// Events, Pods and Nodes become rows; other kinds (a Namespace) are
/// read and skipped. Audit events (`audit.k8s.io`) are not objects.
fn is_object(v: &J) -> bool {
    let v = v.get("object").filter(|_| v.get("type").is_some_and(J::is_string)).unwrap_or(v);
    let Some(api) = v.get("apiVersion").and_then(J::as_str) else { return false };
    v.get("kind").is_some_and(J::is_string)
        && v.get("metadata").is_some_and(J::is_object)
        && !api.starts_with("audit.k8s.io")
        && !api.is_empty()
}

/// Whether `v` is a list of core Events, Pods or Nodes.
fn is_list(v: &J) -> bool {
    matches!(v.get("kind").and_then(J::as_str), Some("List" | "EventList" | "PodList" | "NodeList"))
        && v.get("apiVersion").and_then(J::as_str).is_some_and(|a| !a.starts_with("audit.k8s.io"))
        && v.get("items").and_then(J::as_array).is_some_and(|items| items.first().is_none_or(is_item))
}

/// An item of a list: `kubectl` leaves out `kind` and `apiVersion` in a
/// typed list's items, so an item is recognised by its shape too.
fn is_item(v: &J) -> bool {
    is_object(v)
        || v.get("involvedObject").is_some()
        || v.get("regarding").is_some()
        || v.pointer("/spec/containers").is_some()
        || v.pointer("/status/nodeInfo").is_some()
}

impl Format for Kubectl {
    fn name(&self) -> &'static str {
        "kubectl"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        if let Some(doc) = first_doc(head) {
            return is_object(&doc) || is_list(&doc);
        }
        // A list cut by the end of the head.
        (has_member(head, "kind", "List\"")
            || has_member(head, "kind", "EventList\"")
            || has_member(head, "kind", "PodList\"")
            || has_member(head, "kind", "NodeList\""))
            && first_element_of(head, "items").is_some_and(|i| is_item(&i))
            && !has_member(head, "apiVersion", "audit.k8s.io/")
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut w = Writer::default();
        for_each_part(input, out, &["items"], &mut |line, part, out| match part {
            Part::Element(_, text) => w.item(line, text, None, out),
            Part::Doc(text) => {
                let doc: J = match serde_json::from_str(text) {
                    Ok(d) => d,
                    Err(e) => {
                        out.record();
                        out.reject(line, format!("not JSON: {e}"), text.as_bytes());
                        return Ok(());
                    }
                };
                match doc.get("items").and_then(J::as_array) {
                    Some(items) if doc.get("kind").and_then(J::as_str).is_some_and(|k| k.ends_with("List")) => {
                        let kind = list_item_kind(&doc);
                        for item in items {
                            w.value(line, item, kind, out)?;
                        }
                        Ok(())
                    }
                    _ => w.value(line, &doc, None, out),
                }
            }
        })
    }
}

/// The kind of a typed list's items (`EventList` → `Event`).
fn list_item_kind(list: &J) -> Option<&'static str> {
    match list.get("kind").and_then(J::as_str) {
        Some("EventList") => Some("Event"),
        Some("PodList") => Some("Pod"),
        Some("NodeList") => Some("Node"),
        _ => None,
    }
}

/// The rows of one file.
#[derive(Default)]
struct Writer {
    events: events::Events,
    pods: pods::Pods,
    nodes: nodes::Nodes,
}

impl Writer {
    fn item(
        &mut self,
        line: u64,
        text: &str,
        kind: Option<&str>,
        out: &mut FileSink<'_, '_>,
    ) -> Result<(), OutputError> {
        match serde_json::from_str::<J>(text) {
            Ok(v) => self.value(line, &v, kind, out),
            Err(e) => {
                out.record();
                out.reject(line, format!("not JSON: {e}"), text.as_bytes());
                Ok(())
            }
        }
    }

    /// One object (or a watch event of one): one record.
    fn value(
        &mut self,
        line: u64,
        v: &J,
        list_kind: Option<&str>,
        out: &mut FileSink<'_, '_>,
    ) -> Result<(), OutputError> {
        out.record();
        let obj = match (v.get("type").and_then(J::as_str), v.get("object")) {
            (Some(_), Some(o)) if o.is_object() => o,
            _ => v,
        };
        let kind = obj.get("kind").and_then(J::as_str).or(list_kind).or_else(|| {
            // A `List`'s items name their kind; a bare item is told by its shape.
            if obj.get("involvedObject").is_some() || obj.get("regarding").is_some() {
                Some("Event")
            } else if obj.pointer("/spec/containers").is_some() {
                Some("Pod")
            } else if obj.pointer("/status/nodeInfo").is_some() {
                Some("Node")
            } else {
                None
            }
        });
        let result = match kind {
            Some("Event") => self.events.push(obj, out),
            Some("Pod") => self.pods.push(obj, out),
            Some("Node") => self.nodes.push(obj, out),
            _ => {
                out.skip();
                return Ok(());
            }
        };
        match result {
            Ok(r) => r,
            Err(why) => {
                let text = obj.to_string();
                out.reject(line, why, &text.as_bytes()[..text.len().min(4096)]);
                Ok(())
            }
        }
    }
}

/// The string at `ptr` in `v`, unless empty.
fn s<'v>(v: &'v J, ptr: &str) -> Option<&'v str> {
    v.pointer(ptr).and_then(J::as_str).filter(|s| !s.is_empty())
}

/// The datetime at `ptr`: `Ok(None)` when absent or null, an error naming
/// the member when it is not a datetime.
fn time(v: &J, ptr: &str) -> Result<Option<i64>, String> {
    match v.pointer(ptr) {
        None | Some(J::Null) => Ok(None),
        Some(J::String(t)) if t.is_empty() => Ok(None),
        Some(J::String(t)) => {
            crate::batch::parse_datetime(t).map(Some).ok_or_else(|| format!("{ptr}: \"{t}\" is not a datetime"))
        }
        Some(other) => Err(format!("{ptr}: {} is not a datetime", crate::batch::short(other))),
    }
}

/// Sets column `name` of a row to `v` when it is `Some`.
fn set<'a>(row: &mut crate::batch::Row<'a>, b: &crate::batch::TableBuilder, name: &str, v: Option<Value<'a>>) {
    if let Some(v) = v {
        row.set(b.col(name), v);
    }
}
