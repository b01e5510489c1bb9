//! Kubernetes API server audit events (`audit.k8s.io/v1` and `v1beta1`
//! `Event`s) into `AKSAudit`, in every way files hold them:
//!
//! - JSON lines, one `Event` per line (the API server's log backend);
//! - `EventList` documents (`{"kind": "EventList", "items": [..]}`, what
//!   the webhook backend sends), pretty-printed or not;
//! - top-level JSON arrays of events;
//! - AKS control-plane resource logs (Azure Monitor diagnostic settings,
//!   to a storage account or an event hub): records
//!   `{"time": .., "resourceId": .., "category": "kube-audit",
//!   "properties": {"log": "<the event as JSON text>", "pod": ..}}`, one per
//!   line or wrapped in `{"records": [..]}` documents. Records of the
//!   `kube-audit` (into `AKSAudit`) and `kube-audit-admin` (into
//!   `AKSAuditAdmin`, as Azure's resource-specific mode sends it)
//!   categories are read, each also into an `AzureDiagnostics` row (see
//!   [`diag`]); those of the
//!   other control-plane categories (`kube-apiserver`, `guard`, ...) are
//!   counted as skipped. A `log` that is not a JSON audit event is a
//!   reject.
//!
//! How an event becomes a row, and what makes it a reject, is in [`map`].
//!
//! - EKS control-plane logs exported from CloudWatch Logs: `aws logs
//!   filter-log-events`/`get-log-events` output (`{"events": [{"message":
//!   "<the event as JSON text>", "timestamp": ..}, ..]}`) and subscription
//!   messages (`{"messageType": "DATA_MESSAGE", "logEvents": [..]}`); a
//!   message that is not JSON (the group's other streams) is skipped;
//! - GKE audit entries as Cloud Logging exports them (`protoPayload`
//!   of `serviceName` `k8s.io`; see [`gke`]), one per line or in arrays.
//!
//! A file is taken when its first document is an `Event` or an
//! `EventList` of an `audit.k8s.io/` version, or a resource-log record
//! (alone or first in `records`) of a `kube-audit*` category or of an AKS
//! cluster (a `resourceId` naming `Microsoft.ContainerService/managedClusters`).
//! Defender exports also come in `{"records": [..]}` wrappers; theirs carry
//! `AdvancedHunting-*` categories and no AKS resource ID, so neither
//! format takes the other's files.

use std::borrow::Cow;
use std::io::BufRead;

use serde_json::Value as J;

use super::Format;
use super::json::{Part, first_doc, first_element_of, for_each_part, has_member, line_offset};
use crate::batch::Value;
use crate::sink::{FileSink, OutputError};

pub mod diag;
pub mod doc;
pub mod gke;
pub mod map;
mod plain;

use doc::Doc;
use map::{Cols, Wrapper};

/// The Kubernetes audit format.
pub struct K8sAudit;

impl Format for K8sAudit {
    fn name(&self) -> &'static str {
        "k8s-audit"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        if let Some(doc) = first_doc(head) {
            if let Some(events) = doc.get("events").or(doc.get("logEvents")).and_then(J::as_array) {
                return events.first().is_some_and(is_cloudwatch_audit_event);
            }
            return match doc.get("records").and_then(J::as_array) {
                Some(records) => records.first().is_some_and(is_aks_record),
                None => is_event_or_list(&doc) || is_aks_record(&doc) || gke::is_entry(&doc),
            };
        }
        // A first document cut by the end of the head.
        if let Some(record) = first_element_of(head, "records") {
            return is_aks_record(&record);
        }
        if let Some(event) = first_element_of(head, "events").or_else(|| first_element_of(head, "logEvents")) {
            return is_cloudwatch_audit_event(&event);
        }
        has_member(head, "kind", "EventList\"") && has_member(head, "apiVersion", "audit.k8s.io/")
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let reader = Reader {
            records: std::cell::Cell::new(true),
            cols: Cols::new(out),
            admin: Default::default(),
            diag: Default::default(),
            log: Default::default(),
        };
        // An EventList or a records wrapper spread over lines is read one
        // element at a time.
        for_each_part(input, out, &["items", "records", "events", "logEvents"], &mut |line, part, out| match part {
            Part::Doc(text) => reader.doc(line, text, out),
            Part::Element("records", text) => reader.wrapped(line, text, out),
            Part::Element("events" | "logEvents", text) => reader.cloudwatch(line, text, out),
            Part::Element(_, text) => reader.item(line, text, out),
        })
    }
}

/// An `Event` or `EventList` of an `audit.k8s.io/` version, or an `Event`
/// with no `apiVersion` at all that has an audit event's own fields (as
/// Falco's k8saudit plugin stores them: keys sorted, `annotations` first).
fn is_event_or_list(doc: &J) -> bool {
    let kind = doc.get("kind").and_then(J::as_str);
    match doc.get("apiVersion") {
        Some(v) => {
            matches!(kind, Some("Event" | "EventList")) && v.as_str().is_some_and(|v| v.starts_with("audit.k8s.io/"))
        }
        None => {
            kind == Some("Event") && ["auditID", "stage", "verb", "requestURI"].iter().all(|k| doc.get(k).is_some())
        }
    }
}

/// A CloudWatch Logs event whose message is an audit event (EKS).
fn is_cloudwatch_audit_event(event: &J) -> bool {
    event
        .get("message")
        .and_then(J::as_str)
        .and_then(|m| serde_json::from_str::<J>(m).ok())
        .is_some_and(|ev| is_event_or_list(&ev))
}

fn is_aks_record(record: &J) -> bool {
    let category = record.get("category").and_then(J::as_str);
    let resource = record.get("resourceId").and_then(J::as_str);
    category.is_some_and(|c| c.starts_with(AUDIT_CATEGORY))
        || category.is_some() && resource.is_some_and(|r| r.to_ascii_lowercase().contains(AKS_PROVIDER))
}

/// The resource-log categories of audit events: `kube-audit`, `kube-audit-admin`.
const AUDIT_CATEGORY: &str = "kube-audit";

/// The category of the audit events that change something (no `get`, `list`).
const ADMIN_CATEGORY: &str = "kube-audit-admin";

/// What an AKS cluster's resource ID contains, lower-cased.
const AKS_PROVIDER: &str = "/providers/microsoft.containerservice/managedclusters/";

/// A document as a [`Doc`]; anything but an object is named for what it is.
fn parse(text: &str) -> Result<Doc<'_>, String> {
    let what = match text.trim_start().as_bytes().first() {
        Some(b'{') => return serde_json::from_str(text).map_err(|e| e.to_string()),
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => "a number",
        None => "empty",
    };
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Err(format!("{what}, not a JSON object")),
        Err(e) => Err(e.to_string()),
    }
}

/// What a resource-log record gives, whichever way it was read.
struct Rec<'a> {
    category: &'a str,
    /// `properties.log` as text.
    log: Option<Result<Cow<'a, str>, String>>,
    time: Option<&'a str>,
    pod: Option<&'a str>,
    stream: Option<&'a str>,
    resource_id: Option<&'a str>,
}

impl<'a> Rec<'a> {
    fn of_doc(d: &'a Doc<'a>) -> Rec<'a> {
        let props = d.properties.as_ref();
        Rec {
            category: d.category.as_deref().unwrap_or_default(),
            log: props.and_then(|p| p.log_text()),
            time: d.time.as_deref(),
            pod: props.and_then(|p| p.pod.as_deref()),
            stream: props.and_then(|p| p.stream.as_deref()),
            resource_id: d.resource_id.as_deref(),
        }
    }

    fn of_plain(p: &'a plain::Plain<'a, 'a>) -> Rec<'a> {
        Rec {
            category: &p.category,
            log: p.log.as_deref().map(|l| Ok(Cow::Borrowed(l))),
            time: p.time.as_deref(),
            pod: p.pod.as_deref(),
            stream: p.stream.as_deref(),
            resource_id: p.resource_id.as_deref(),
        }
    }

    fn of_record(r: &'a doc::Record<'a>) -> Rec<'a> {
        let props = r.properties.as_ref();
        Rec {
            category: r.category.as_deref().unwrap_or_default(),
            log: props.and_then(|p| p.log.as_deref()).map(|l| Ok(Cow::Borrowed(l))),
            time: r.time.as_deref(),
            pod: props.and_then(|p| p.pod.as_deref()),
            stream: props.and_then(|p| p.stream.as_deref()),
            resource_id: r.resource_id.as_deref(),
        }
    }
}

struct Reader {
    /// Whether the last document was a resource-log record, so the next
    /// is tried as a plain one first.
    records: std::cell::Cell<bool>,
    cols: Cols,
    /// `AKSAuditAdmin`'s, made when a `kube-audit-admin` record first comes.
    admin: std::cell::OnceCell<Cols>,
    diag: std::cell::RefCell<diag::Diag>,
    /// Where a plain record's `properties.log` is decoded, kept from
    /// record to record.
    log: std::cell::Cell<String>,
}

impl Reader {
    /// One document: an event, an event list, a resource-log record, or a
    /// wrapper of records.
    fn doc(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        if let Some(done) = self.fast_record(line, text, out) {
            return done;
        }
        if let Some(rec) = self.plain_record(text) {
            out.record();
            return self.resource_log(line, &Rec::of_record(&rec), text, out);
        }
        let doc: Doc = match parse(text) {
            Ok(d) => d,
            Err(e) => {
                out.record();
                out.reject(line, format!("not a Kubernetes audit event: {e}"), text.as_bytes());
                return Ok(());
            }
        };
        if let Some(records) = &doc.records {
            for r in records {
                self.wrapped(line + line_offset(text, r.get()), r.get(), out)?;
            }
            return Ok(());
        }
        if let Some(events) = doc.events.as_ref().or(doc.log_events.as_ref()) {
            for e in events {
                self.cloudwatch(line + line_offset(text, e.get()), e.get(), out)?;
            }
            return Ok(());
        }
        let list = match doc.kind.as_deref() {
            Some(kind) => kind == "EventList",
            None => doc.items.is_some(),
        };
        if list {
            for item in doc.items.iter().flatten() {
                self.item(line + line_offset(text, item.get()), item.get(), out)?;
            }
            return Ok(());
        }
        out.record();
        if doc.category.is_some() {
            self.records.set(true);
            return self.resource_log(line, &Rec::of_doc(&doc), text, out);
        }
        if doc.proto_payload.is_some() {
            return self.gke(line, text, out);
        }
        self.event(line, &doc, &Wrapper::default(), text, out)
    }

    /// One element of a `records` array: a resource-log record.
    fn wrapped(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        if let Some(done) = self.fast_record(line, text, out) {
            return done;
        }
        out.record();
        if let Some(rec) = self.plain_record(text) {
            return self.resource_log(line, &Rec::of_record(&rec), text, out);
        }
        match parse(text) {
            Ok(doc) if doc.category.is_some() => {
                self.records.set(true);
                self.resource_log(line, &Rec::of_doc(&doc), text, out)
            }
            Ok(_) => {
                out.reject(line, "a record in \"records\" with no \"category\"", text.as_bytes());
                Ok(())
            }
            Err(e) => {
                out.reject(line, format!("not a resource-log record: {e}"), text.as_bytes());
                Ok(())
            }
        }
    }

    /// One CloudWatch Logs event (EKS control-plane logs): its `message`
    /// is an audit event; a message that is not JSON (the other log
    /// streams of the group: API server, authenticator) is skipped.
    fn cloudwatch(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        out.record();
        let message = match serde_json::from_str::<doc::LogEvent>(text) {
            Ok(doc::LogEvent { message: Some(m) }) => m,
            Ok(_) => {
                out.reject(line, "a CloudWatch log event with no \"message\"", text.as_bytes());
                return Ok(());
            }
            Err(e) => {
                out.reject(line, format!("not a CloudWatch log event: {e}"), text.as_bytes());
                return Ok(());
            }
        };
        if !message.trim_start().starts_with('{') {
            out.skip();
            return Ok(());
        }
        match parse(&message) {
            Ok(ev) => self.event(line, &ev, &Wrapper::default(), text, out),
            Err(e) => {
                out.reject(line, format!("message is not a Kubernetes audit event: {e}"), text.as_bytes());
                Ok(())
            }
        }
    }

    /// One element of an `EventList`'s `items`: an event.
    fn item(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        out.record();
        match parse(text) {
            Ok(doc) => self.event(line, &doc, &Wrapper::default(), text, out),
            Err(e) => {
                out.reject(line, format!("not a Kubernetes audit event: {e}"), text.as_bytes());
                Ok(())
            }
        }
    }

    /// `text` read as a plain resource-log record by hand ([`plain`]),
    /// counted and turned into rows, while the documents before it were
    /// records; `None` (nothing done) when it is not one for sure.
    fn fast_record(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Option<Result<(), OutputError>> {
        if !self.records.get() {
            return None;
        }
        let mut buf = self.log.take();
        let done = plain::read(text, &mut buf).map(|p| {
            #[cfg(debug_assertions)]
            plain::check(text, &p);
            out.record();
            self.resource_log(line, &Rec::of_plain(&p), text, out)
        });
        self.log.set(buf);
        done
    }

    /// `text` read as a plain resource-log record ([`doc::Record`]), while
    /// the documents before it were records; `None` when it is not one
    /// (it is then read as a [`Doc`], and records are not tried again until
    /// one comes that way).
    fn plain_record<'t>(&self, text: &'t str) -> Option<doc::Record<'t>> {
        if !self.records.get() {
            return None;
        }
        match serde_json::from_str::<doc::Record>(text) {
            Ok(rec) if rec.plain() => Some(rec),
            _ => {
                self.records.set(false);
                None
            }
        }
    }

    /// A resource-log record (already counted): its event, if it is of an
    /// audit category.
    fn resource_log(
        &self,
        line: u64,
        rec: &Rec<'_>,
        text: &str,
        out: &mut FileSink<'_, '_>,
    ) -> Result<(), OutputError> {
        let category = rec.category;
        if !category.starts_with(AUDIT_CATEGORY) {
            out.skip();
            return Ok(());
        }
        let log = match &rec.log {
            Some(Ok(log)) => log,
            Some(Err(e)) => {
                out.reject(line, format!("properties.log is not text: {e}"), text.as_bytes());
                return Ok(());
            }
            None => {
                out.reject(line, format!("a {category} record with no properties.log"), text.as_bytes());
                return Ok(());
            }
        };
        let ev: Doc = match parse(log) {
            Ok(ev) => ev,
            Err(e) => {
                out.reject(line, format!("properties.log is not a JSON audit event: {e}"), text.as_bytes());
                return Ok(());
            }
        };
        let wrap = Wrapper { time: rec.time, pod: rec.pod, resource_id: rec.resource_id };
        // kube-audit-admin goes to its own table, as Azure sends it: the
        // two categories overlap, so one table would hold events twice.
        let cols = if category == ADMIN_CATEGORY { self.admin.get_or_init(|| Cols::admin(out)) } else { &self.cols };
        let mut row = out.builder(cols.id).row();
        if let Err(why) = cols.fill(&ev, &wrap, &mut row) {
            out.reject(line, why, text.as_bytes());
            return Ok(());
        }
        // fill sets TimeGenerated whenever it succeeds.
        let Value::Time(time) = *row.get(cols.time_generated) else { return out.push(cols.id, &row) };
        out.push(cols.id, &row)?;
        let r = diag::Record { time, category, log, pod: wrap.pod, stream: rec.stream, resource_id: wrap.resource_id };
        self.diag.borrow_mut().push(&r, out)
    }

    /// A GKE Cloud Logging entry (already counted): a row, skipped (not
    /// of the Kubernetes API), or a reject.
    fn gke(&self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let entry: gke::Entry = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(e) => {
                out.reject(line, format!("not a GKE audit entry: {e}"), text.as_bytes());
                return Ok(());
            }
        };
        if !entry.is_kubernetes() {
            out.skip();
            return Ok(());
        }
        let mut row = out.builder(self.cols.id).row();
        match gke::fill(&self.cols, &entry, &mut row) {
            Ok(()) => out.push(self.cols.id, &row),
            Err(why) => {
                out.reject(line, why, text.as_bytes());
                Ok(())
            }
        }
    }

    /// An event (already counted): a row, or a reject.
    fn event(
        &self,
        line: u64,
        ev: &Doc<'_>,
        wrap: &Wrapper<'_>,
        text: &str,
        out: &mut FileSink<'_, '_>,
    ) -> Result<(), OutputError> {
        let mut row = out.builder(self.cols.id).row();
        match self.cols.fill(ev, wrap, &mut row) {
            Ok(()) => out.push(self.cols.id, &row),
            Err(why) => {
                out.reject(line, why, text.as_bytes());
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_events_lists_and_aks_records_but_not_defender() {
        let ev = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata"}"#;
        assert!(K8sAudit.sniff(ev));
        assert!(K8sAudit.sniff(br#"[{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1"}]"#));
        assert!(
            K8sAudit.sniff(
                b"{\n \"kind\": \"EventList\",\n \"apiVersion\": \"audit.k8s.io/v1\",\n \"items\": [{\"level\":"
            )
        );
        let aks = br#"{"records":[{"category":"kube-audit","properties":{"log":"{}"}},{"cat"#;
        assert!(K8sAudit.sniff(aks), "a wrapper cut by the end of the head");
        let mixed = br#"{"category":"guard","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/A","properties":{}}"#;
        assert!(K8sAudit.sniff(mixed));
        let defender = br#"{"records":[{"time":"2026-11-20T10:00:00Z","category":"AdvancedHunting-DeviceFileEvents","properties":{}}]}"#;
        assert!(!K8sAudit.sniff(defender));
        assert!(!super::super::defender::DefenderExport.sniff(aks));
        assert!(!K8sAudit.sniff(br#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#), "a core/v1 Event");
    }
}
