//! One audit event to one `AKSAudit` row.
//!
//! The event's fields go to the columns of the same meaning (Azure
//! Monitor's `AKSAudit` reference): `level` to `Level`, `auditID` to
//! `AuditId`, `user` to `User` (the `UserInfo` object as JSON), ...,
//! `requestReceivedTimestamp` to `RequestReceivedTime` and
//! `stageTimestamp` to `StageReceivedTime` (a `v1beta1` event without
//! `requestReceivedTimestamp` gives its deprecated `timestamp`, the same
//! instant at second precision). An AKS resource-log record
//! adds `PodName` (its `properties.pod`), `_ResourceId` (its
//! `resourceId`, as written), `_SubscriptionId` (the subscription in that
//! ID) and `SourceSystem` `Azure`.
//!
//! `TimeGenerated` is the resource-log record's `time` when there is one,
//! else `stageTimestamp`, else `requestReceivedTimestamp`, else (a
//! `v1beta1` event) `timestamp`.
//!
//! What an event must have: the reference marks `level`, `auditID`,
//! `stage`, `requestURI`, `verb` and `user` as required, and an event
//! lacking any of them is rejected, naming them. Its timestamps are
//! optional there, but a row without a time cannot be placed in any
//! detection's time window, so an event with no time at all is rejected
//! too. `user`, `impersonatedUser`, `objectRef`, `responseStatus` and
//! `annotations` must be objects and `sourceIPs` an array when present;
//! `kind`, when present, must be `Event`, and `apiVersion` an
//! `audit.k8s.io/` version.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::doc::Doc;
use crate::batch::{Row, Value, parse_datetime};
use crate::sink::{FileSink, TableId};
use crate::sources::dynamic;

/// The table rows go to.
pub const TABLE: &str = crate::tables::aks_audit::NAME;

/// What an AKS resource-log record adds to the event it carries.
#[derive(Default)]
pub struct Wrapper<'a> {
    /// The record's `time`.
    pub time: Option<&'a str>,
    /// `properties.pod`.
    pub pod: Option<&'a str>,
    /// `resourceId`.
    pub resource_id: Option<&'a str>,
}

/// Column positions of `AKSAudit`, looked up once per file.
pub struct Cols {
    /// The table.
    pub id: TableId,
    /// Its name.
    pub name: &'static str,
    pub(super) time_generated: usize,
    pub(super) level: usize,
    pub(super) audit_id: usize,
    pub(super) stage: usize,
    pub(super) request_uri: usize,
    pub(super) verb: usize,
    pub(super) user: usize,
    pub(super) impersonated_user: Option<usize>,
    pub(super) source_ips: usize,
    pub(super) user_agent: usize,
    pub(super) object_ref: usize,
    pub(super) response_status: usize,
    pub(super) request_object: usize,
    pub(super) response_object: usize,
    pub(super) request_received_time: usize,
    pub(super) stage_received_time: usize,
    pub(super) annotations: usize,
    pub(super) pod_name: usize,
    pub(super) source_system: usize,
    pub(super) type_: usize,
    pub(super) resource_id: usize,
    pub(super) subscription_id: usize,
}

impl Cols {
    /// The columns of `AKSAudit` in `out`.
    pub fn new(out: &mut FileSink<'_, '_>) -> Cols {
        Cols::of(out, TABLE)
    }

    /// The columns of `AKSAuditAdmin` in `out` (no `ImpersonatedUser`).
    pub fn admin(out: &mut FileSink<'_, '_>) -> Cols {
        Cols::of(out, crate::tables::aks_audit_admin::NAME)
    }

    fn of(out: &mut FileSink<'_, '_>, table: &'static str) -> Cols {
        let id = out.table(table);
        let b = out.builder(id);
        Cols {
            id,
            name: table,
            time_generated: b.col("TimeGenerated"),
            level: b.col("Level"),
            audit_id: b.col("AuditId"),
            stage: b.col("Stage"),
            request_uri: b.col("RequestUri"),
            verb: b.col("Verb"),
            user: b.col("User"),
            impersonated_user: b.schema().index_of("ImpersonatedUser").ok(),
            source_ips: b.col("SourceIps"),
            user_agent: b.col("UserAgent"),
            object_ref: b.col("ObjectRef"),
            response_status: b.col("ResponseStatus"),
            request_object: b.col("RequestObject"),
            response_object: b.col("ResponseObject"),
            request_received_time: b.col("RequestReceivedTime"),
            stage_received_time: b.col("StageReceivedTime"),
            annotations: b.col("Annotations"),
            pod_name: b.col("PodName"),
            source_system: b.col("SourceSystem"),
            type_: b.col("Type"),
            resource_id: b.col("_ResourceId"),
            subscription_id: b.col("_SubscriptionId"),
        }
    }

    /// Fills `row` from `ev` (and the record around it), or says why the
    /// event cannot be read.
    pub fn fill<'a>(&self, ev: &'a Doc<'a>, wrap: &Wrapper<'a>, row: &mut Row<'a>) -> Result<(), String> {
        if let Some(kind) = ev.kind.as_deref()
            && kind != "Event"
        {
            return Err(format!("kind \"{kind}\" is not an audit Event"));
        }
        if let Some(v) = ev.api_version.as_deref()
            && !v.starts_with("audit.k8s.io/")
        {
            return Err(format!("apiVersion \"{v}\" is not an audit.k8s.io version"));
        }
        let missing: Vec<&str> = [
            ("level", ev.level.is_none()),
            ("auditID", ev.audit_id.is_none()),
            ("stage", ev.stage.is_none()),
            ("requestURI", ev.request_uri.is_none()),
            ("verb", ev.verb.is_none()),
            ("user", ev.user.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(format!("no {} (required in an audit.k8s.io Event)", missing.join(", ")));
        }
        let objects = [
            ("user", ev.user, Some(self.user)),
            ("impersonatedUser", ev.impersonated_user, self.impersonated_user),
            ("objectRef", ev.object_ref, Some(self.object_ref)),
            ("responseStatus", ev.response_status, Some(self.response_status)),
            ("annotations", ev.annotations, Some(self.annotations)),
        ];
        for (name, raw, col) in objects {
            if let Some(raw) = raw {
                if !raw.get().starts_with('{') {
                    return Err(format!("{name} is not an object: {}", short(raw)));
                }
                // AKSAuditAdmin has no ImpersonatedUser column.
                if let Some(col) = col {
                    row.set(col, dynamic::cell(raw));
                }
            }
        }
        if let Some(raw) = ev.source_ips {
            if !raw.get().starts_with('[') {
                return Err(format!("sourceIPs is not an array: {}", short(raw)));
            }
            row.set(self.source_ips, dynamic::cell(raw));
        }
        for (raw, col) in [(ev.request_object, self.request_object), (ev.response_object, self.response_object)] {
            if let Some(raw) = raw {
                row.set(col, dynamic::cell(raw));
            }
        }
        let received = time("requestReceivedTimestamp", ev.request_received.as_deref())?;
        let staged = time("stageTimestamp", ev.stage_timestamp.as_deref())?;
        let beta = time("timestamp", ev.timestamp.as_deref())?;
        let wrapped = time("time", wrap.time)?;
        let Some(generated) = wrapped.or(staged).or(received).or(beta) else {
            return Err("no time: neither stageTimestamp nor requestReceivedTimestamp".into());
        };
        row.set(self.time_generated, Value::Time(generated));
        if let Some(ns) = received.or(beta) {
            row.set(self.request_received_time, Value::Time(ns));
        }
        if let Some(ns) = staged {
            row.set(self.stage_received_time, Value::Time(ns));
        }
        let texts = [
            (&ev.level, self.level),
            (&ev.audit_id, self.audit_id),
            (&ev.stage, self.stage),
            (&ev.request_uri, self.request_uri),
            (&ev.verb, self.verb),
            (&ev.user_agent, self.user_agent),
        ];
        for (text, col) in texts {
            if let Some(t) = text {
                row.set(col, Value::Str(Cow::Borrowed(t)));
            }
        }
        row.set(self.type_, Value::str(self.name));
        if let Some(pod) = wrap.pod {
            row.set(self.pod_name, Value::str(pod));
        }
        if let Some(id) = wrap.resource_id {
            row.set(self.resource_id, Value::str(id));
            if let Some(sub) = subscription(id) {
                row.set(self.subscription_id, Value::str(sub));
            }
        }
        if wrap.time.is_some() {
            row.set(self.source_system, Value::str("Azure"));
        }
        Ok(())
    }
}

/// A timestamp field read, if present.
fn time(name: &str, text: Option<&str>) -> Result<Option<i64>, String> {
    match text {
        None => Ok(None),
        Some(t) => parse_datetime(t).map(Some).ok_or_else(|| format!("{name} \"{t}\" is not a datetime")),
    }
}

/// The subscription ID in an Azure resource ID
/// (`/subscriptions/<id>/resourceGroups/...`, any case).
pub(super) fn subscription(resource_id: &str) -> Option<&str> {
    let mut parts = resource_id.split('/');
    parts.find(|p| p.eq_ignore_ascii_case("subscriptions"))?;
    parts.next().filter(|s| !s.is_empty())
}

fn short(raw: &RawValue) -> String {
    let s = raw.get();
    if s.len() > 40 { format!("{}...", &s[..s.floor_char_boundary(40)]) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_comes_from_the_resource_id() {
        let id = "/SUBSCRIPTIONS/0b2e9a0c-1111-4222-8333-944445555666/RESOURCEGROUPS/RG/PROVIDERS/\
                  MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1";
        assert_eq!(subscription(id), Some("0b2e9a0c-1111-4222-8333-944445555666"));
        assert_eq!(subscription("/resourceGroups/x"), None);
    }
}
