//! Entities: the hosts, accounts, processes, files, addresses (and
//! Kubernetes objects) an alert is about, taken from result columns as a
//! rule's `entityMappings` say.
//!
//! The entity types and their identifiers are those Microsoft Sentinel
//! documents for entity mapping
//! (<https://learn.microsoft.com/azure/sentinel/entities-reference>).
//! dragnet adds three for containers, named after Microsoft's security
//! alert evidence types (`kubernetesPodEvidence`,
//! `kubernetesNamespaceEvidence`, `containerEvidence`): `KubernetesPod`,
//! `KubernetesNamespace` and `Container`. DNS also takes `DnsServerIp` and
//! `HostIpAddress`, the parts of its strong identifier in that reference.
//!
//! A mapped column usually holds the identifier's value. When it holds a
//! dynamic object instead — `ObjectRef` of `AKSAudit`, `AdditionalFields`
//! of the Device tables — the identifier is looked up inside it by name
//! (`Name` → `name`, `Namespace` → `namespace`, also `podName`,
//! `PodNamespace`, ...), so `ObjectRef` maps a pod directly.

use serde_json::Value;

use crate::rows::{Row, text};

/// An entity type and the identifiers a mapping may fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityType {
    /// The name in `entityType`.
    pub name: &'static str,
    /// Its identifiers, in the documentation's order.
    pub identifiers: &'static [&'static str],
}

impl EntityType {
    /// The canonical spelling of identifier `name` (case-insensitive).
    pub fn identifier(&self, name: &str) -> Option<&'static str> {
        self.identifiers.iter().copied().find(|i| i.eq_ignore_ascii_case(name.trim()))
    }
}

const fn e(name: &'static str, identifiers: &'static [&'static str]) -> EntityType {
    EntityType { name, identifiers }
}

/// Every entity type a rule may map.
pub const ENTITY_TYPES: &[EntityType] = &[
    e(
        "Account",
        &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
        ],
    ),
    e(
        "Host",
        &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
    ),
    e("IP", &["Address", "AddressScope"]),
    e("URL", &["Url"]),
    e("AzureResource", &["ResourceId"]),
    e("CloudApplication", &["AppId", "Name", "InstanceName"]),
    e("DNS", &["DomainName", "DnsServerIp", "HostIpAddress"]),
    e("File", &["Directory", "Name"]),
    e("FileHash", &["Algorithm", "Value"]),
    e("Malware", &["Name", "Category"]),
    e("Process", &["ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"]),
    e("RegistryKey", &["Hive", "Key"]),
    e("RegistryValue", &["Name", "Value", "ValueType"]),
    e("SecurityGroup", &["DistinguishedName", "SID", "ObjectGuid"]),
    e("Mailbox", &["MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"]),
    e(
        "MailCluster",
        &[
            "NetworkMessageIds",
            "CountByDeliveryStatus",
            "CountByThreatType",
            "CountByProtectionStatus",
            "Threats",
            "Query",
            "QueryTime",
            "MailCount",
            "IsVolumeAnomaly",
            "Source",
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
    ),
    e(
        "MailMessage",
        &[
            "Recipient",
            "Urls",
            "Threats",
            "Sender",
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "SenderIP",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "ReceivedDate",
            "NetworkMessageId",
            "InternetMessageId",
            "Subject",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "AntispamDirection",
            "DeliveryAction",
            "DeliveryLocation",
            "Language",
            "ThreatDetectionMethods",
        ],
    ),
    e(
        "SubmissionMail",
        &[
            "NetworkMessageId",
            "Timestamp",
            "Recipient",
            "Sender",
            "SenderIp",
            "Subject",
            "ReportType",
            "SubmissionId",
            "SubmissionDate",
            "Submitter",
        ],
    ),
    e("KubernetesPod", &["Name", "Namespace", "Uid"]),
    e("KubernetesNamespace", &["Name"]),
    e("Container", &["Name", "ContainerId", "Image"]),
];

/// The entity type called `name` (case-insensitive).
pub fn entity_type(name: &str) -> Option<&'static EntityType> {
    ENTITY_TYPES.iter().find(|t| t.name.eq_ignore_ascii_case(name.trim()))
}

/// One entity of an alert: its type and identifier values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    /// `Host`, `Account`, `KubernetesPod`, ...
    pub entity_type: String,
    /// Identifier → value, in the mapping's order.
    pub fields: Vec<(String, String)>,
}

impl Entity {
    /// The value of identifier `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The entity as JSON: `{"Type":"Host","HostName":"node-1"}`, the shape
    /// of Sentinel's alert entities.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("Type".into(), Value::String(self.entity_type.clone()));
        for (k, v) in &self.fields {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        Value::Object(m)
    }
}

/// Keys an identifier is looked up by inside a dynamic object.
fn keys_for(entity_type: &str, identifier: &str) -> Vec<String> {
    // A namespace's name is the `namespace` member: in `ObjectRef`, `name`
    // is the object's own name.
    if (entity_type, identifier) == ("KubernetesNamespace", "Name") {
        return ["namespace", "podNamespace", "pod_namespace", "namespaceName"].map(String::from).to_vec();
    }
    let mut keys = vec![identifier.to_string()];
    let extra: &[&str] = match (entity_type, identifier) {
        ("KubernetesPod", "Name") => &["podName", "pod_name", "pod"],
        ("KubernetesPod", "Namespace") => &["namespace", "podNamespace", "pod_namespace", "namespaceName"],
        ("KubernetesPod", "Uid") => &["uid", "podUid"],
        ("Container", "Name") => &["containerName", "container_name", "container"],
        ("Container", "ContainerId") => &["containerId", "container_id", "id"],
        ("Container", "Image") => &["image", "containerImage", "imageName"],
        _ => &[],
    };
    keys.extend(extra.iter().map(|s| s.to_string()));
    keys
}

/// The identifier's value from a cell: the cell itself, or for a dynamic
/// object the member named for the identifier. Empty values are none.
fn value_of(cell: &Value, entity_type: &str, identifier: &str) -> Option<String> {
    let v = match cell {
        Value::Object(obj) => {
            let keys = keys_for(entity_type, identifier);
            keys.iter().find_map(|k| obj.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)).map(|(_, v)| v))?
        }
        other => other,
    };
    match v {
        Value::Null | Value::Object(_) => None,
        Value::Array(a) if a.is_empty() => None,
        v => Some(text(v)).filter(|s| !s.trim().is_empty()),
    }
}

/// The entities `mappings` take from one row. A mapping whose columns are
/// all empty gives no entity.
pub fn extract(mappings: &[crate::rule::EntityMapping], row: &Row) -> Vec<Entity> {
    let mut out = Vec::new();
    for m in mappings {
        let fields: Vec<(String, String)> = m
            .fields
            .iter()
            .filter_map(|f| {
                let cell = row.get(&f.column)?;
                value_of(cell, &m.entity_type, &f.identifier).map(|v| (f.identifier.clone(), v))
            })
            .collect();
        if !fields.is_empty() {
            out.push(Entity { entity_type: m.entity_type.clone(), fields });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rule::{EntityMapping, FieldMapping};

    fn mapping(ty: &str, fields: &[(&str, &str)]) -> EntityMapping {
        EntityMapping {
            entity_type: ty.into(),
            fields: fields.iter().map(|(i, c)| FieldMapping { identifier: (*i).into(), column: (*c).into() }).collect(),
        }
    }

    fn row(v: Value) -> Row {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn types_and_identifiers_by_any_case() {
        assert_eq!(entity_type("host").unwrap().name, "Host");
        assert_eq!(entity_type("Host").unwrap().identifier("hostname"), Some("HostName"));
        assert_eq!(entity_type("Process").unwrap().identifier("CommandLine"), Some("CommandLine"));
        assert!(entity_type("Host").unwrap().identifier("Name").is_none());
        assert!(entity_type("Pod").is_none());
    }

    #[test]
    fn plain_columns() {
        let r =
            row(json!({"DeviceName": "node-1", "AccountName": "alice", "ProcessCommandLine": "docker ps", "Pid": 42}));
        let ms = [
            mapping("Host", &[("HostName", "DeviceName")]),
            mapping("Account", &[("Name", "AccountName")]),
            mapping("Process", &[("CommandLine", "ProcessCommandLine"), ("ProcessId", "Pid")]),
        ];
        let got = extract(&ms, &r);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].get("HostName"), Some("node-1"));
        assert_eq!(got[1].to_json(), json!({"Type": "Account", "Name": "alice"}));
        assert_eq!(got[2].fields, vec![("CommandLine".into(), "docker ps".into()), ("ProcessId".into(), "42".into())]);
    }

    #[test]
    fn empty_and_missing_columns_give_no_entity() {
        let r = row(json!({"DeviceName": "", "AccountName": null}));
        let ms = [
            mapping("Host", &[("HostName", "DeviceName")]),
            mapping("Account", &[("Name", "AccountName")]),
            mapping("IP", &[("Address", "NoSuchColumn")]),
        ];
        assert!(extract(&ms, &r).is_empty());
    }

    #[test]
    fn pods_from_a_dynamic_object_ref() {
        let r = row(json!({
            "ObjectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "web-7d9f"},
            "AdditionalFields": {"PodName": "api-1", "Namespace": "default", "ContainerId": "3f2a1b"}
        }));
        let ms = [
            mapping("KubernetesPod", &[("Name", "ObjectRef"), ("Namespace", "ObjectRef")]),
            mapping("KubernetesNamespace", &[("Name", "ObjectRef")]),
            mapping("KubernetesPod", &[("Name", "AdditionalFields"), ("Namespace", "AdditionalFields")]),
            mapping("Container", &[("ContainerId", "AdditionalFields")]),
        ];
        let got = extract(&ms, &r);
        assert_eq!(got[0].to_json(), json!({"Type": "KubernetesPod", "Name": "web-7d9f", "Namespace": "prod"}));
        assert_eq!(got[1].to_json(), json!({"Type": "KubernetesNamespace", "Name": "prod"}));
        assert_eq!(got[2].to_json(), json!({"Type": "KubernetesPod", "Name": "api-1", "Namespace": "default"}));
        assert_eq!(got[3].to_json(), json!({"Type": "Container", "ContainerId": "3f2a1b"}));
    }
}
