//! Alerts as OCSF Detection Findings (class 2004, category 2 Findings), one
//! JSON object per line, following OCSF schema 1.8.0
//! (<https://schema.ocsf.io/1.8.0/classes/detection_finding>).
//!
//! Every attribute the schema marks required is filled: `activity_id`,
//! `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`,
//! `metadata` (with its required `product` and `version`) and
//! `finding_info` (with its required `uid`); and so are the required
//! attributes of the objects used inside them (`analytic.type_id`,
//! `device.type_id`). The recommended ones dragnet knows are filled too:
//! `finding_info.title`, `analytic`, `attacks`, `confidence_id`,
//! `evidences`, `is_alert`, `resources`, `status_id`, and the captions of
//! every `_id`. `count` is how many result rows the finding stands for;
//! `unmapped.evidence_omitted` how many of them are not among `evidences`.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::alert::Alert;
use crate::attack::{ATTACK_VERSION, parent_technique, tactic, technique_name};
use crate::entity::Entity;
use crate::rows::Row;
use crate::rule::{Confidence, Severity};

/// The OCSF schema version findings are written in.
pub const OCSF_VERSION: &str = "1.8.0";

const CLASS_UID: i64 = 2004;
const CATEGORY_UID: i64 = 2;
/// `activity_id` 1: Create.
const ACTIVITY_CREATE: i64 = 1;

fn severity_id(s: Severity) -> i64 {
    match s {
        Severity::Informational => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
    }
}

fn confidence_id(c: Confidence) -> i64 {
    match c {
        Confidence::Low => 1,
        Confidence::Medium => 2,
        Confidence::High => 3,
    }
}

fn ms(ns: i64) -> i64 {
    ns.div_euclid(1_000_000)
}

fn attacks(a: &Alert) -> Vec<Value> {
    let tactics: Vec<Value> = a
        .tactics
        .iter()
        .filter_map(|t| tactic(t))
        .filter(|t| !t.id.is_empty())
        .map(|t| json!({"uid": t.id, "name": t.name}))
        .collect();
    a.techniques
        .iter()
        .map(|id| {
            let parent = parent_technique(id);
            let mut technique = json!({"uid": parent});
            if let Some(n) = technique_name(parent) {
                technique["name"] = json!(n);
            }
            let mut attack = json!({"technique": technique, "version": ATTACK_VERSION});
            if id.contains('.') {
                let mut sub = json!({"uid": id});
                if let Some(n) = technique_name(id) {
                    sub["name"] = json!(n);
                }
                attack["sub_technique"] = sub;
            }
            if let Some(first) = tactics.first() {
                attack["tactic"] = first.clone();
                attack["tactics"] = Value::Array(tactics.clone());
            }
            attack
        })
        .collect()
}

/// The OCSF objects of one evidence row, from the alert's entity mappings
/// applied to that row alone.
fn evidence(row: &Row, entities: &[Entity]) -> Value {
    let mut ev = Map::new();
    ev.insert("data".into(), Value::Object(row.clone()));
    for e in entities {
        match e.entity_type.as_str() {
            "Host" if !ev.contains_key("device") => {
                let mut d = json!({"type_id": 0, "type": "Unknown"});
                if let Some(h) = e.get("HostName").or_else(|| e.get("FullName")) {
                    d["hostname"] = json!(h);
                }
                ev.insert("device".into(), d);
            }
            "Account" if !ev.contains_key("user") => {
                let mut u = json!({});
                if let Some(n) = e.get("Name").or_else(|| e.get("FullName")) {
                    u["name"] = json!(n);
                }
                if let Some(d) = e.get("NTDomain").or_else(|| e.get("DnsDomain")) {
                    u["domain"] = json!(d);
                }
                ev.insert("user".into(), u);
            }
            "Process" if !ev.contains_key("process") => {
                let mut p = json!({});
                if let Some(c) = e.get("CommandLine") {
                    p["cmd_line"] = json!(c);
                }
                if let Some(pid) = e.get("ProcessId").and_then(|p| p.parse::<i64>().ok()) {
                    p["pid"] = json!(pid);
                }
                ev.insert("process".into(), p);
            }
            "IP" if !ev.contains_key("dst_endpoint") => {
                if let Some(ip) = e.get("Address") {
                    ev.insert("dst_endpoint".into(), json!({"ip": ip}));
                }
            }
            "URL" if !ev.contains_key("url") => {
                if let Some(u) = e.get("Url") {
                    ev.insert("url".into(), json!({"url_string": u}));
                }
            }
            "Container" if !ev.contains_key("container") => {
                let mut c = json!({});
                for (k, o) in [("Name", "name"), ("ContainerId", "uid")] {
                    if let Some(v) = e.get(k) {
                        c[o] = json!(v);
                    }
                }
                if let Some(img) = e.get("Image") {
                    c["image"] = json!({"name": img});
                }
                ev.insert("container".into(), c);
            }
            _ => {}
        }
    }
    Value::Object(ev)
}

fn resources(entities: &[Entity]) -> Vec<Value> {
    entities
        .iter()
        .filter_map(|e| match e.entity_type.as_str() {
            "KubernetesPod" => {
                let mut r = json!({"type": "Kubernetes Pod"});
                for (k, o) in [("Name", "name"), ("Namespace", "namespace"), ("Uid", "uid")] {
                    if let Some(v) = e.get(k) {
                        r[o] = json!(v);
                    }
                }
                Some(r)
            }
            "KubernetesNamespace" => e.get("Name").map(|n| json!({"type": "Kubernetes Namespace", "name": n})),
            "AzureResource" => e.get("ResourceId").map(|id| json!({"type": "Azure Resource", "uid": id})),
            _ => None,
        })
        .collect()
}

/// One alert as an OCSF Detection Finding.
pub fn to_ocsf(a: &Alert) -> Value {
    let time = a.start_time.unwrap_or(a.created);
    let mut analytic = json!({"type_id": 1, "type": "Rule", "uid": a.rule_id, "name": a.rule_name});
    if let Some(v) = &a.rule_version {
        analytic["version"] = json!(v);
    }
    let mut finding_info = json!({
        "uid": a.id,
        "title": a.title,
        "desc": a.description,
        "analytic": analytic,
        "created_time": ms(a.created),
        "attacks": attacks(a),
    });
    if let (Some(s), Some(e)) = (a.start_time, a.end_time) {
        finding_info["first_seen_time"] = json!(ms(s));
        finding_info["last_seen_time"] = json!(ms(e));
    }
    let mut f = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id(a.severity),
        "severity": a.severity.as_str(),
        "status_id": 1,
        "status": "New",
        "is_alert": true,
        "count": a.rows,
        "time": ms(time),
        "message": a.title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "dragnet", "vendor_name": "dragnet", "version": env!("CARGO_PKG_VERSION")},
            "uid": a.id,
        },
        "finding_info": finding_info,
        "evidences": a
            .evidence
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mine: Vec<Entity> = a
                    .evidence_entities
                    .get(i)
                    .into_iter()
                    .flatten()
                    .filter_map(|&e| a.entities.get(e).cloned())
                    .collect();
                evidence(r, &mine)
            })
            .collect::<Vec<_>>(),
    });
    if let Some(c) = a.confidence {
        f["confidence_id"] = json!(confidence_id(c));
        f["confidence"] = json!(c.as_str());
    }
    let res = resources(&a.entities);
    if !res.is_empty() {
        f["resources"] = Value::Array(res);
    }
    let mut unmapped = Map::new();
    if !a.custom_details.is_empty() {
        let d: Map<String, Value> =
            a.custom_details.iter().map(|(k, v)| (k.clone(), Value::Array(v.clone()))).collect();
        unmapped.insert("custom_details".into(), Value::Object(d));
    }
    if !a.properties.is_empty() {
        let p: Map<String, Value> = a.properties.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        unmapped.insert("properties".into(), Value::Object(p));
    }
    if !a.entities.is_empty() {
        unmapped.insert("entities".into(), Value::Array(a.entities.iter().map(Entity::to_json).collect()));
    }
    unmapped.insert("rule_origin".into(), json!(a.rule_origin));
    if !a.false_positives.is_empty() {
        unmapped.insert("false_positives".into(), json!(a.false_positives));
    }
    unmapped.insert("evidence_omitted".into(), json!(a.evidence_omitted()));
    f["unmapped"] = Value::Object(unmapped);
    f
}

/// Writes each alert as one OCSF Detection Finding per line. Each
/// evidence's device, user and process come from the entities taken from
/// its own row.
pub fn write_ocsf(out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    for a in alerts {
        writeln!(out, "{}", to_ocsf(a))?;
    }
    Ok(())
}
