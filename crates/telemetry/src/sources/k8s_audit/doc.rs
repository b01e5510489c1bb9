//! The JSON shapes a Kubernetes audit file holds, as borrowed typed
//! structs: one [`Doc`] reads an audit `Event`, an `EventList`, an Azure
//! resource-log record, and a `{"records": [..]}` wrapper alike, so each
//! document is parsed once whatever it is.
//!
//! Field names are those of the `audit.k8s.io/v1` `Event` type (the
//! Kubernetes "kube-apiserver Audit Configuration (v1)" reference), plus
//! `timestamp` of the deprecated `v1beta1` `Event`, and the Azure Monitor
//! resource-log fields `time`, `resourceId`, `category` and `properties`.
//! Text fields borrow from the document unless they hold escapes; object
//! fields stay raw JSON text, stored as they come (compacted).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

/// One document or record: an audit event, an event list, or an Azure
/// resource-log record or wrapper. Every field is optional here; what is
/// required of each kind is checked when it is mapped.
#[derive(Deserialize, Default)]
pub struct Doc<'a> {
    /// `Event` or `EventList`.
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// `audit.k8s.io/v1` or `audit.k8s.io/v1beta1`.
    #[serde(borrow, default, rename = "apiVersion")]
    pub api_version: Option<Cow<'a, str>>,
    /// Audit level: `Metadata`, `Request`, `RequestResponse`.
    #[serde(borrow, default)]
    pub level: Option<Cow<'a, str>>,
    /// Unique audit ID of the request.
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Option<Cow<'a, str>>,
    /// Stage of the request handling.
    #[serde(borrow, default)]
    pub stage: Option<Cow<'a, str>>,
    /// The request URI as sent by the client.
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Option<Cow<'a, str>>,
    /// The Kubernetes verb, or the lower-cased HTTP method.
    #[serde(borrow, default)]
    pub verb: Option<Cow<'a, str>>,
    /// The authenticated user (`UserInfo`).
    #[serde(borrow, default)]
    pub user: Option<&'a RawValue>,
    /// The impersonated user (`UserInfo`).
    #[serde(borrow, default, rename = "impersonatedUser")]
    pub impersonated_user: Option<&'a RawValue>,
    /// Source IPs of the request and its proxies.
    #[serde(borrow, default, rename = "sourceIPs")]
    pub source_ips: Option<&'a RawValue>,
    /// The client's user agent.
    #[serde(borrow, default, rename = "userAgent")]
    pub user_agent: Option<Cow<'a, str>>,
    /// The object the request is about (`ObjectReference`).
    #[serde(borrow, default, rename = "objectRef")]
    pub object_ref: Option<&'a RawValue>,
    /// The response status (`meta/v1.Status`).
    #[serde(borrow, default, rename = "responseStatus")]
    pub response_status: Option<&'a RawValue>,
    /// The request body object.
    #[serde(borrow, default, rename = "requestObject")]
    pub request_object: Option<&'a RawValue>,
    /// The response body object.
    #[serde(borrow, default, rename = "responseObject")]
    pub response_object: Option<&'a RawValue>,
    /// When the request reached the API server.
    #[serde(borrow, default, rename = "requestReceivedTimestamp")]
    pub request_received: Option<Cow<'a, str>>,
    /// When the request reached this stage.
    #[serde(borrow, default, rename = "stageTimestamp")]
    pub stage_timestamp: Option<Cow<'a, str>>,
    /// `v1beta1` only, deprecated: when the request reached the API server.
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    /// Annotations set while serving the request.
    #[serde(borrow, default)]
    pub annotations: Option<&'a RawValue>,
    /// The events of an `EventList`.
    #[serde(borrow, default)]
    pub items: Option<Vec<&'a RawValue>>,
    /// The records of an Azure resource-log wrapper.
    #[serde(borrow, default)]
    pub records: Option<Vec<&'a RawValue>>,
    /// Azure resource-log category: `kube-audit`, `kube-audit-admin`, ...
    #[serde(borrow, default)]
    pub category: Option<Cow<'a, str>>,
    /// Azure resource-log properties: the event, and the pod that wrote it.
    #[serde(borrow, default)]
    pub properties: Option<Properties<'a>>,
    /// Azure resource-log record time.
    #[serde(borrow, default)]
    pub time: Option<Cow<'a, str>>,
    /// Azure resource ID of the cluster.
    #[serde(borrow, default, rename = "resourceId")]
    pub resource_id: Option<Cow<'a, str>>,
    /// The log events of a CloudWatch Logs export (`aws logs
    /// filter-log-events` / `get-log-events` output).
    #[serde(borrow, default)]
    pub events: Option<Vec<&'a RawValue>>,
    /// The log events of a CloudWatch Logs subscription message.
    #[serde(borrow, default, rename = "logEvents")]
    pub log_events: Option<Vec<&'a RawValue>>,
    /// A GKE Cloud Logging entry's payload (read by [`super::gke`]).
    #[serde(borrow, default, rename = "protoPayload")]
    pub proto_payload: Option<&'a RawValue>,
}

/// One CloudWatch Logs event: its `message` is the audit event's JSON text.
#[derive(Deserialize)]
pub struct LogEvent<'a> {
    /// The log line.
    #[serde(borrow, default)]
    pub message: Option<Cow<'a, str>>,
}

impl<'a> Properties<'a> {
    /// The event's JSON text: the string's contents, or the object's text.
    pub fn log_text(&self) -> Option<Result<Cow<'a, str>, String>> {
        let raw = self.log?.get();
        Some(if raw.starts_with('"') {
            serde_json::from_str::<Cow<'a, str>>(raw).map_err(|e| e.to_string())
        } else {
            Ok(Cow::Borrowed(raw))
        })
    }
}

/// The `properties` of an AKS control-plane resource-log record.
#[derive(Deserialize, Default)]
pub struct Properties<'a> {
    /// The log line: for `kube-audit*`, an audit event as JSON text (a
    /// string), or the event itself (an object), as some exports write it.
    #[serde(borrow, default)]
    pub log: Option<&'a RawValue>,
    /// The API server pod that wrote it.
    #[serde(borrow, default)]
    pub pod: Option<Cow<'a, str>>,
    /// The stream it wrote it to (`stdout`).
    #[serde(borrow, default)]
    pub stream: Option<Cow<'a, str>>,
}

/// An Azure resource-log record read in one pass: `properties.log` is
/// taken as text straight away, not first as raw JSON and then again as a
/// string. It is for records of the plain shape only: a record whose `log`
/// is not a string fails to read as one, and a record with any other
/// member that [`Doc`] reads (an event's fields, the arrays of a wrapper
/// or a list) is not [`Record::plain`].
/// Either is read as a [`Doc`] instead, so both ways give the same rows
/// and rejects.
#[derive(Deserialize)]
pub struct Record<'a> {
    /// `kube-audit`, `kube-audit-admin`, ...
    #[serde(borrow, default)]
    pub category: Option<Cow<'a, str>>,
    /// The record's time.
    #[serde(borrow, default)]
    pub time: Option<Cow<'a, str>>,
    /// The cluster's resource ID.
    #[serde(borrow, default, rename = "resourceId")]
    pub resource_id: Option<Cow<'a, str>>,
    /// The event as text, its pod and stream.
    #[serde(borrow, default)]
    pub properties: Option<TextProperties<'a>>,
    #[serde(default)]
    kind: Option<IgnoredAny>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<IgnoredAny>,
    #[serde(default)]
    level: Option<IgnoredAny>,
    #[serde(default, rename = "auditID")]
    audit_id: Option<IgnoredAny>,
    #[serde(default)]
    stage: Option<IgnoredAny>,
    #[serde(default, rename = "requestURI")]
    request_uri: Option<IgnoredAny>,
    #[serde(default)]
    verb: Option<IgnoredAny>,
    #[serde(default, rename = "userAgent")]
    user_agent: Option<IgnoredAny>,
    #[serde(default, rename = "requestReceivedTimestamp")]
    request_received: Option<IgnoredAny>,
    #[serde(default, rename = "stageTimestamp")]
    stage_timestamp: Option<IgnoredAny>,
    #[serde(default)]
    timestamp: Option<IgnoredAny>,
    #[serde(default)]
    items: Option<IgnoredAny>,
    #[serde(default)]
    records: Option<IgnoredAny>,
    #[serde(default)]
    events: Option<IgnoredAny>,
    #[serde(default, rename = "logEvents")]
    log_events: Option<IgnoredAny>,
    #[serde(default)]
    user: Option<IgnoredAny>,
    #[serde(default, rename = "impersonatedUser")]
    impersonated_user: Option<IgnoredAny>,
    #[serde(default, rename = "sourceIPs")]
    source_ips: Option<IgnoredAny>,
    #[serde(default, rename = "objectRef")]
    object_ref: Option<IgnoredAny>,
    #[serde(default, rename = "responseStatus")]
    response_status: Option<IgnoredAny>,
    #[serde(default, rename = "requestObject")]
    request_object: Option<IgnoredAny>,
    #[serde(default, rename = "responseObject")]
    response_object: Option<IgnoredAny>,
    #[serde(default)]
    annotations: Option<IgnoredAny>,
    #[serde(default, rename = "protoPayload")]
    proto_payload: Option<IgnoredAny>,
}

impl Record<'_> {
    /// Whether the record has a category and none of the members that
    /// would make [`Doc`] read it otherwise or fail on it.
    pub fn plain(&self) -> bool {
        self.category.is_some()
            && [
                &self.kind,
                &self.api_version,
                &self.level,
                &self.audit_id,
                &self.stage,
                &self.request_uri,
                &self.verb,
                &self.user_agent,
                &self.request_received,
                &self.stage_timestamp,
                &self.timestamp,
                &self.items,
                &self.records,
                &self.events,
                &self.log_events,
                &self.user,
                &self.impersonated_user,
                &self.source_ips,
                &self.object_ref,
                &self.response_status,
                &self.request_object,
                &self.response_object,
                &self.annotations,
                &self.proto_payload,
            ]
            .iter()
            .all(|m| m.is_none())
    }
}

/// The `properties` of a [`Record`]: `log` must be a string (or null).
#[derive(Deserialize, Default)]
pub struct TextProperties<'a> {
    /// The audit event as JSON text.
    #[serde(borrow, default)]
    pub log: Option<Cow<'a, str>>,
    /// The API server pod that wrote it.
    #[serde(borrow, default)]
    pub pod: Option<Cow<'a, str>>,
    /// The stream it wrote it to (`stdout`).
    #[serde(borrow, default)]
    pub stream: Option<Cow<'a, str>>,
}
