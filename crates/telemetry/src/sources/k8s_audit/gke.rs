//! Google Kubernetes Engine audit entries, as Cloud Logging stores and
//! exports them: `{"protoPayload": {"@type":
//! "type.googleapis.com/google.cloud.audit.AuditLog", "serviceName":
//! "k8s.io", "methodName": "io.k8s.core.v1.pods.create", ...},
//! "resource": {"type": "k8s_cluster", ...}, "labels": {..}, "timestamp":
//! .., "receiveTimestamp": ..}`, into `AKSAudit` rows.
//!
//! An entry has no `verb`, `kind`, `auditID`, `level`, `stage` or
//! `requestURI`. What it says maps as follows; the rest stays null (an
//! entry's `insertId` is not a Kubernetes audit id, and its
//! `status.code` is a gRPC code, not the HTTP status of `ResponseStatus`):
//!
//! | column | from |
//! |---|---|
//! | `TimeGenerated`, `RequestReceivedTime` | `timestamp` (else `receiveTimestamp`) |
//! | `Verb` | the last part of `methodName` (`io.k8s.core.v1.pods.exec.create` → `create`) |
//! | `User` | `{"username": protoPayload.authenticationInfo.principalEmail}` |
//! | `SourceIps` | `[protoPayload.requestMetadata.callerIp]` |
//! | `UserAgent` | `protoPayload.requestMetadata.callerSuppliedUserAgent` |
//! | `ObjectRef` | `protoPayload.resourceName` (`core/v1/namespaces/ns/pods/web/exec`): `apiGroup` (none for `core`), `apiVersion`, `namespace`, `resource`, `name`, `subresource` |
//! | `Annotations` | `labels` (`authorization.k8s.io/decision`, `.../reason`) |
//! | `RequestObject`, `ResponseObject` | `protoPayload.request`, `protoPayload.response` |
//! | `SourceSystem` | `GKE` |
//!
//! Entries of other services (`serviceName` not `k8s.io`, such as
//! Deployment Manager's) are read and skipped.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::map::Cols;
use crate::batch::{Row, Value, parse_datetime};
use crate::sources::dynamic;

/// A Cloud Logging entry.
#[derive(Deserialize)]
pub struct Entry<'a> {
    #[serde(borrow, rename = "protoPayload")]
    proto: Payload<'a>,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "receiveTimestamp")]
    receive_timestamp: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "methodName")]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "resourceName")]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "authenticationInfo")]
    authentication: Option<Auth<'a>>,
    #[serde(borrow, default, rename = "requestMetadata")]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow, default)]
    request: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Auth<'a> {
    #[serde(borrow, default, rename = "principalEmail")]
    principal: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(borrow, default, rename = "callerIp")]
    caller_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "callerSuppliedUserAgent")]
    user_agent: Option<Cow<'a, str>>,
}

/// Whether `doc` is a Cloud Logging audit entry (of any service).
/// (Exports that drop `@type` keep `serviceName`, `methodName` and a time.)
pub fn is_entry(doc: &serde_json::Value) -> bool {
    let Some(p) = doc.get("protoPayload") else { return false };
    p.get("@type").and_then(|t| t.as_str()) == Some("type.googleapis.com/google.cloud.audit.AuditLog")
        || p.get("serviceName").is_some_and(|v| v.is_string())
            && p.get("methodName").is_some_and(|v| v.is_string())
            && (doc.get("timestamp").is_some() || doc.get("receiveTimestamp").is_some())
}

impl Entry<'_> {
    /// Whether the entry is of the Kubernetes API (others are skipped).
    pub fn is_kubernetes(&self) -> bool {
        self.proto.service.as_deref() == Some("k8s.io")
    }
}

/// Fills `row` from a Kubernetes API entry, or says why it cannot be read.
pub fn fill<'a>(cols: &Cols, e: &'a Entry<'a>, row: &mut Row<'a>) -> Result<(), String> {
    let t = e.timestamp.as_deref().or(e.receive_timestamp.as_deref()).ok_or("no timestamp")?;
    let time = parse_datetime(t).ok_or_else(|| format!("timestamp \"{t}\" is not a datetime"))?;
    let method = e.proto.method.as_deref().ok_or("no protoPayload.methodName")?;
    let verb = method.rsplit('.').next().filter(|v| !v.is_empty()).ok_or("an empty methodName")?;
    let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
    row.set(cols.time_generated, Value::Time(time));
    row.set(cols.request_received_time, Value::Time(time));
    row.set(cols.verb, Value::Str(Cow::Owned(verb.to_string())));
    if let Some(p) = e.proto.authentication.as_ref().and_then(|a| a.principal.as_deref()) {
        row.set(cols.user, Value::Json(Cow::Owned(format!("{{\"username\":{}}}", string(p)))));
    }
    if let Some(m) = &e.proto.metadata {
        if let Some(ip) = m.caller_ip.as_deref() {
            row.set(cols.source_ips, Value::Json(Cow::Owned(format!("[{}]", string(ip)))));
        }
        if let Some(ua) = m.user_agent.as_deref() {
            row.set(cols.user_agent, Value::Str(Cow::Owned(ua.to_string())));
        }
    }
    if let Some(r) = e.proto.resource.as_deref() {
        row.set(cols.object_ref, Value::Json(Cow::Owned(object_ref(r))));
    }
    if let Some(l) = e.labels.filter(|l| l.get().starts_with('{')) {
        row.set(cols.annotations, dynamic::cell(l));
    }
    if let Some(r) = e.proto.request {
        row.set(cols.request_object, dynamic::cell(r));
    }
    if let Some(r) = e.proto.response {
        row.set(cols.response_object, dynamic::cell(r));
    }
    row.set(cols.source_system, Value::str("GKE"));
    row.set(cols.type_, Value::str(super::map::TABLE));
    Ok(())
}

/// `ObjectRef` from a resource name: `GROUP/VERSION/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]`.
fn object_ref(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    let mut out = serde_json::Map::new();
    let mut s = |k: &str, v: &str| {
        out.insert(k.to_string(), serde_json::Value::String(v.to_string()));
    };
    if parts.len() >= 3 {
        if parts[0] != "core" {
            s("apiGroup", parts[0]);
        }
        s("apiVersion", parts[1]);
        let mut rest = &parts[2..];
        if rest.len() >= 3 && rest[0] == "namespaces" {
            s("namespace", rest[1]);
            rest = &rest[2..];
        }
        let keys = ["resource", "name", "subresource"];
        for (k, v) in keys.iter().zip(rest) {
            s(k, v);
        }
    } else {
        s("resource", name);
    }
    serde_json::Value::Object(out).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_become_object_refs() {
        assert_eq!(
            object_ref("core/v1/namespaces/default/pods/web/exec"),
            r#"{"apiVersion":"v1","namespace":"default","resource":"pods","name":"web","subresource":"exec"}"#
        );
        assert_eq!(
            object_ref("rbac.authorization.k8s.io/v1/clusterrolebindings/admin"),
            r#"{"apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1","resource":"clusterrolebindings","name":"admin"}"#
        );
        assert_eq!(object_ref("readyz"), r#"{"resource":"readyz"}"#);
    }
}
