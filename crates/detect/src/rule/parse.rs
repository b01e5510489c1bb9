//! One rule file into a [`Rule`].

use kql_syntax::LineIndex;
use saphyr::LoadableYamlNode;

use super::diag::{Diags, RuleDiagnostic};
use super::fields::Reader;
use super::incident::{self, IncidentConfig};
use super::query_pos::QueryOrigin;
use super::yaml::{Node, Source, at, describe};
use super::{
    AlertDetailsOverride, Confidence, DataConnector, EntityMapping, FieldMapping, Grouping, Kind, Rule, RuleTest,
    Severity, TestKind, TriggerOperator,
};
use crate::attack;
use crate::entity;

/// The top-level keys dragnet reads: Sentinel's, then dragnet's own.
pub const KNOWN_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "severity",
    "status",
    "requiredDataConnectors",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "tactics",
    "relevantTechniques",
    "query",
    "entityMappings",
    "customDetails",
    "alertDetailsOverride",
    "eventGroupingSettings",
    "suppressionEnabled",
    "suppressionDuration",
    "incidentConfiguration",
    "version",
    "kind",
    "confidence",
    "falsePositives",
    "tuning",
    "references",
    "tests",
];

/// Keys of Sentinel rule files that dragnet knows and has no use for
/// (catalogue metadata); they load without a warning.
pub const SENTINEL_IGNORED_KEYS: &[&str] = &[
    "tags",
    "metadata",
    "sentinelEntitiesMappings",
    "subTechniques",
    "techniques",
    "enabled",
    "displayName",
    "templateVersion",
    "alertRuleTemplateName",
    "sentinelEntities",
];

const SEVERITIES: &[&str] = &["Informational", "Low", "Medium", "High"];
const CONFIDENCES: &[&str] = &["Low", "Medium", "High"];
const OPERATORS: &[&str] = &["gt", "lt", "eq", "ne"];
const GROUPINGS: &[&str] = &["SingleAlert", "AlertPerResult"];
const KINDS: &[&str] = &["Scheduled", "NRT"];
const TEST_KINDS: &[&str] = &["attack", "benign", "false-positive", "known-miss"];

/// Parses the rule file `text`, named `file` in messages. Returns the rule
/// (when it has no errors) and every problem found, errors and warnings,
/// in file order.
pub fn parse(text: &str, file: &str) -> (Option<Rule>, Vec<RuleDiagnostic>) {
    let src = Source::new(text);
    let mut r = Reader { src: &src, diags: Diags::new(file) };
    let docs = match saphyr::MarkedYaml::load_from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let m = e.marker();
            r.diags.error((m.line().max(1), m.col() + 1), "yaml", format!("invalid YAML: {}", e.info()));
            return (None, r.diags.list);
        }
    };
    let Some(root) = docs.first() else {
        r.diags.error((1, 1), "yaml", "the file holds no YAML document");
        return (None, r.diags.list);
    };
    if docs.len() > 1 {
        r.diags.warn(at(&docs[1]), "yaml", "only the first YAML document of the file is read");
    }
    let rule = read_rule(&mut r, root, file);
    let mut list = r.diags.list;
    list.sort_by_key(|d| (d.line, d.column));
    let ok = !list.iter().any(RuleDiagnostic::is_error);
    (rule.filter(|_| ok), list)
}

/// Parses a sidecar tests file (`<rule>.tests.yaml` beside a Sigma rule):
/// a mapping whose `tests` list has the same entries as a Sentinel rule's
/// `tests`. Returns the tests (none when there is an error) and every
/// problem found.
pub fn parse_tests(text: &str, file: &str) -> (Vec<RuleTest>, Vec<RuleDiagnostic>) {
    let src = Source::new(text);
    let mut r = Reader { src: &src, diags: Diags::new(file) };
    let docs = match saphyr::MarkedYaml::load_from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let m = e.marker();
            r.diags.error((m.line().max(1), m.col() + 1), "yaml", format!("invalid YAML: {}", e.info()));
            return (Vec::new(), r.diags.list);
        }
    };
    let mut out = Vec::new();
    match docs.first().and_then(|root| super::yaml::entries(root, r.src)) {
        Some(top) => {
            for (key, key_node, v) in &top {
                match key.as_str() {
                    "tests" => out = tests(&mut r, v),
                    _ => r.diags.warn(at(key_node), key, "unknown key, ignored"),
                }
            }
        }
        None => r.diags.error((1, 1), "tests", "a tests file is a mapping with a `tests` list"),
    }
    let list = r.diags.list;
    if list.iter().any(RuleDiagnostic::is_error) {
        return (Vec::new(), list);
    }
    (out, list)
}

fn read_rule(r: &mut Reader, root: &Node, file: &str) -> Option<Rule> {
    let Some(top) = super::yaml::entries(root, r.src) else {
        r.diags.error(at(root), "rule", format!("expected a mapping of rule keys, got {}", describe(root)));
        return None;
    };
    let mut rule = Rule {
        origin: file.to_string(),
        id: String::new(),
        name: String::new(),
        description: String::new(),
        severity: Severity::Medium,
        status: None,
        required_data_connectors: Vec::new(),
        query_frequency: None,
        query_period: None,
        trigger_operator: TriggerOperator::GreaterThan,
        trigger_threshold: 0,
        tactics: Vec::new(),
        techniques: Vec::new(),
        query: String::new(),
        query_origin: QueryOrigin::default(),
        entity_mappings: Vec::new(),
        custom_details: Vec::new(),
        alert_details_override: None,
        grouping: Grouping::SingleAlert,
        suppression: None,
        incident: IncidentConfig::default(),
        version: None,
        kind: Kind::Scheduled,
        confidence: None,
        false_positives: Vec::new(),
        tuning: Vec::new(),
        references: Vec::new(),
        tests: Vec::new(),
    };
    let mut seen = Vec::new();
    let (mut suppression_enabled, mut suppression) = (None, None);
    let mut incident_at = None;
    for (key, key_node, v) in &top {
        let key = key.as_str();
        seen.push(key.to_string());
        match key {
            "id" => rule.id = r.string(key, v).unwrap_or_default(),
            "name" => rule.name = r.string(key, v).unwrap_or_default(),
            "description" => rule.description = r.string(key, v).unwrap_or_default().trim().to_string(),
            "severity" => {
                if let Some(s) = r.choice(key, v, SEVERITIES, Severity::parse) {
                    rule.severity = s;
                }
            }
            "status" => rule.status = r.opt_string(key, v),
            "requiredDataConnectors" => rule.required_data_connectors = connectors(r, v),
            "queryFrequency" => rule.query_frequency = r.duration(key, v),
            "queryPeriod" => rule.query_period = r.duration(key, v),
            "triggerOperator" => {
                if let Some(op) = r.choice(key, v, OPERATORS, TriggerOperator::parse) {
                    rule.trigger_operator = op;
                }
            }
            "triggerThreshold" => rule.trigger_threshold = r.count(key, v).unwrap_or(0),
            "tactics" => rule.tactics = tactics(r, v),
            "relevantTechniques" => rule.techniques = techniques(r, v),
            "query" => {
                if let Some(q) = r.string(key, v) {
                    rule.query_origin = QueryOrigin::locate(key_node, v, r.src);
                    rule.query = q;
                }
            }
            "entityMappings" => rule.entity_mappings = entity_mappings(r, v),
            "customDetails" => rule.custom_details = custom_details(r, v),
            "alertDetailsOverride" => rule.alert_details_override = Some(details_override(r, v)),
            "eventGroupingSettings" => rule.grouping = grouping(r, v),
            "suppressionEnabled" => suppression_enabled = Some((r.boolean(key, v), at(key_node))),
            "suppressionDuration" => suppression = r.duration(key, v),
            "incidentConfiguration" => {
                incident_at = Some(at(key_node));
                rule.incident = incident::incident_configuration(r, v);
            }
            "version" => rule.version = r.opt_string(key, v),
            "kind" => {
                let parse = |t: &str| match t.trim().to_ascii_lowercase().as_str() {
                    "scheduled" => Some(Kind::Scheduled),
                    "nrt" => Some(Kind::Nrt),
                    _ => None,
                };
                if let Some(k) = r.choice(key, v, KINDS, parse) {
                    rule.kind = k;
                }
            }
            "confidence" => rule.confidence = r.choice(key, v, CONFIDENCES, Confidence::parse),
            "falsePositives" => rule.false_positives = r.string_list(key, v),
            "tuning" => rule.tuning = r.string_list(key, v),
            "references" => rule.references = r.string_list(key, v),
            "tests" => rule.tests = tests(r, v),
            k if SENTINEL_IGNORED_KEYS.contains(&k) => {}
            k => {
                let mut msg = "unknown key, ignored".to_string();
                if let Some(near) = kql_syntax::nearest(k, KNOWN_KEYS) {
                    msg.push_str(&format!(" (did you mean {near}?)"));
                }
                r.diags.warn(at(key_node), k, msg);
            }
        }
    }
    if let Some((Some(true), pos)) = suppression_enabled {
        if suppression.is_none() {
            r.diags.error(pos, "suppressionDuration", "suppressionEnabled is true but no suppressionDuration is given");
        }
        rule.suppression = suppression;
    }
    if let Some(pos) = incident_at {
        let entities: Vec<String> = rule.entity_mappings.iter().map(|m| m.entity_type.clone()).collect();
        let details: Vec<String> = rule.custom_details.iter().map(|(k, _)| k.clone()).collect();
        incident::check_selected(r, pos, &rule.incident, &entities, &details);
    }
    for required in ["id", "name", "description", "severity", "query"] {
        if !seen.iter().any(|k| k == required) {
            r.diags.error(at(root), required, "missing; every rule needs id, name, description, severity and query");
        }
    }
    if !rule.query.is_empty() {
        check_query(r, &rule);
    }
    Some(rule)
}

/// The query must parse; its diagnostics point into the file.
fn check_query(r: &mut Reader, rule: &Rule) {
    let parsed = kql_syntax::parse(&rule.query);
    let index = LineIndex::new(&rule.query);
    for d in &parsed.diagnostics {
        let lc = index.line_col(d.span.start);
        let pos = rule.query_origin.map(lc.line as usize, lc.column as usize);
        let mut msg = format!("{} {}", d.code, d.message);
        if !rule.query_origin.literal_block {
            msg.push_str(&format!(" (query line {}, column {})", lc.line, lc.column));
        }
        if let Some(help) = &d.help {
            msg.push_str(&format!("; {help}"));
        }
        r.diags.error(pos, "query", msg);
    }
}

fn connectors(r: &mut Reader, v: &Node) -> Vec<DataConnector> {
    let mut out = Vec::new();
    for (i, item) in r.list("requiredDataConnectors", v).iter().enumerate() {
        let base = format!("requiredDataConnectors[{i}]");
        let mut c = DataConnector { connector_id: String::new(), data_types: Vec::new() };
        for (k, kn, val) in r.mapping(&base, item) {
            let path = format!("{base}.{k}");
            match k.as_str() {
                "connectorId" => c.connector_id = r.string(&path, val).unwrap_or_default(),
                "dataTypes" => c.data_types = r.string_list(&path, val),
                _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
            }
        }
        out.push(c);
    }
    out
}

fn tactics(r: &mut Reader, v: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let names: Vec<&str> = attack::TACTICS.iter().map(|t| t.sentinel).collect();
    for (i, item) in r.list("tactics", v).iter().enumerate() {
        let key = format!("tactics[{i}]");
        if let Some(t) = r.choice(&key, item, &names, attack::tactic) {
            out.push(t.sentinel.to_string());
        }
    }
    out
}

fn techniques(r: &mut Reader, v: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for (i, item) in r.list("relevantTechniques", v).iter().enumerate() {
        let key = format!("relevantTechniques[{i}]");
        if let Some(t) = r.string(&key, item) {
            let t = t.trim().to_string();
            if attack::is_technique_id(&t) {
                out.push(t);
            } else {
                r.diags.error(
                    at(item),
                    &key,
                    format!("expected an ATT&CK technique id such as T1611 or T1552.007, got {t:?}"),
                );
            }
        }
    }
    out
}

fn entity_mappings(r: &mut Reader, v: &Node) -> Vec<EntityMapping> {
    let mut out = Vec::new();
    for (i, item) in r.list("entityMappings", v).iter().enumerate() {
        let base = format!("entityMappings[{i}]");
        let mut ty: Option<&'static entity::EntityType> = None;
        let (mut ty_seen, mut fields_node) = (false, None);
        for (k, kn, val) in r.mapping(&base, item) {
            let path = format!("{base}.{k}");
            match k.as_str() {
                "entityType" => {
                    ty_seen = true;
                    let names: Vec<&str> = entity::ENTITY_TYPES.iter().map(|t| t.name).collect();
                    ty = r.choice(&path, val, &names, entity::entity_type);
                }
                "fieldMappings" => fields_node = Some(val),
                _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
            }
        }
        if !ty_seen {
            r.diags.error(at(item), &format!("{base}.entityType"), "missing");
        }
        let Some(fv) = fields_node else {
            r.diags.error(at(item), &format!("{base}.fieldMappings"), "missing");
            continue;
        };
        let mut fields = Vec::new();
        for (j, f) in r.list(&format!("{base}.fieldMappings"), fv).iter().enumerate() {
            let fbase = format!("{base}.fieldMappings[{j}]");
            let (mut identifier, mut column) = (None, None);
            let (mut id_seen, mut col_seen) = (false, false);
            for (k, kn, val) in r.mapping(&fbase, f) {
                let path = format!("{fbase}.{k}");
                match k.as_str() {
                    "identifier" => {
                        id_seen = true;
                        identifier = match ty {
                            Some(t) => r.choice(&path, val, t.identifiers, |s| t.identifier(s)).map(String::from),
                            None => r.string(&path, val),
                        }
                    }
                    "columnName" => {
                        col_seen = true;
                        column = r.string(&path, val);
                    }
                    _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
                }
            }
            if !id_seen {
                r.diags.error(at(f), &format!("{fbase}.identifier"), "missing");
            }
            if !col_seen {
                r.diags.error(at(f), &format!("{fbase}.columnName"), "missing");
            }
            if let (Some(identifier), Some(column)) = (identifier, column) {
                fields.push(FieldMapping { identifier, column });
            }
        }
        if let Some(t) = ty {
            out.push(EntityMapping { entity_type: t.name.to_string(), fields });
        }
    }
    out
}

fn custom_details(r: &mut Reader, v: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, kn, val) in r.mapping("customDetails", v) {
        let path = format!("customDetails.{k}");
        if k.is_empty() {
            r.diags.error(at(kn), "customDetails", "a custom detail needs a name");
            continue;
        }
        if let Some(col) = r.string(&path, val) {
            out.push((k, col));
        }
    }
    out
}

fn details_override(r: &mut Reader, v: &Node) -> AlertDetailsOverride {
    let mut o = AlertDetailsOverride::default();
    // Azure compares these property names without regard to case, and
    // published rules do write `alertDisplaynameFormat`.
    for (k, kn, val) in r.mapping("alertDetailsOverride", v) {
        let path = format!("alertDetailsOverride.{k}");
        match k.to_ascii_lowercase().as_str() {
            "alertdisplaynameformat" => o.display_name_format = r.opt_string(&path, val),
            "alertdescriptionformat" => o.description_format = r.opt_string(&path, val),
            "alertseveritycolumnname" => o.severity_column = r.opt_string(&path, val),
            "alerttacticscolumnname" => o.tactics_column = r.opt_string(&path, val),
            "alertdynamicproperties" => {
                for (i, item) in r.list(&path, val).iter().enumerate() {
                    let base = format!("{path}[{i}]");
                    let (mut prop, mut col) = (None, None);
                    for (pk, pkn, pv) in r.mapping(&base, item) {
                        match pk.as_str() {
                            "alertProperty" => prop = r.string(&format!("{base}.alertProperty"), pv),
                            "value" => col = r.string(&format!("{base}.value"), pv),
                            _ => r.diags.warn(at(pkn), &format!("{base}.{pk}"), "unknown key, ignored"),
                        }
                    }
                    if let (Some(p), Some(c)) = (prop, col) {
                        o.dynamic_properties.push((p, c));
                    }
                }
            }
            _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
        }
    }
    o
}

fn grouping(r: &mut Reader, v: &Node) -> Grouping {
    let mut g = Grouping::SingleAlert;
    for (k, kn, val) in r.mapping("eventGroupingSettings", v) {
        let path = format!("eventGroupingSettings.{k}");
        match k.as_str() {
            "aggregationKind" => {
                let parse = |t: &str| match t.trim().to_ascii_lowercase().as_str() {
                    "singlealert" => Some(Grouping::SingleAlert),
                    "alertperresult" => Some(Grouping::AlertPerResult),
                    _ => None,
                };
                if let Some(x) = r.choice(&path, val, GROUPINGS, parse) {
                    g = x;
                }
            }
            _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
        }
    }
    g
}

fn tests(r: &mut Reader, v: &Node) -> Vec<RuleTest> {
    let mut out = Vec::new();
    for (i, item) in r.list("tests", v).iter().enumerate() {
        let base = format!("tests[{i}]");
        let mut t = RuleTest {
            name: String::new(),
            kind: TestKind::Attack,
            atomic: None,
            signal: None,
            logs: Vec::new(),
            now: None,
            expect_alerts: None,
            expect_fields: Vec::new(),
            at: at(item),
        };
        for (k, kn, val) in r.mapping(&base, item) {
            let path = format!("{base}.{k}");
            match k.as_str() {
                "name" => t.name = r.string(&path, val).unwrap_or_default(),
                "kind" => t.kind = r.choice(&path, val, TEST_KINDS, TestKind::parse).unwrap_or(TestKind::Attack),
                "atomic" => t.atomic = r.opt_string(&path, val),
                "signal" => t.signal = r.opt_string(&path, val).map(|s| s.trim().to_string()),
                "logs" => t.logs = r.string_list(&path, val),
                "now" => {
                    t.now = r.opt_string(&path, val);
                    if let Some(now) = &t.now
                        && kql_syntax::parse_datetime_nanos(now).is_none()
                    {
                        r.diags.error(
                            at(val),
                            &path,
                            format!(
                                "expected a datetime from 1677-09-22 to 2262-04-11 such as 2026-11-20T12:00:00Z, got {now:?}"
                            ),
                        );
                    }
                }
                "expect" => {
                    for (ek, ekn, ev) in r.mapping(&path, val) {
                        match ek.as_str() {
                            "alerts" => t.expect_alerts = r.count(&format!("{path}.alerts"), ev),
                            "fields" => {
                                for (fk, _, fv) in r.mapping(&format!("{path}.fields"), ev) {
                                    if let Some(v) = r.scalar(&format!("{path}.fields.{fk}"), fv) {
                                        t.expect_fields.push((fk, v));
                                    }
                                }
                            }
                            _ => r.diags.warn(at(ekn), &format!("{path}.{ek}"), "unknown key, ignored"),
                        }
                    }
                }
                _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
            }
        }
        if t.name.is_empty() {
            r.diags.error(at(item), &format!("{base}.name"), "missing; every test needs a name");
        }
        out.push(t);
    }
    out
}
