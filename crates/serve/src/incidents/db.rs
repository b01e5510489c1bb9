//! Incidents in the state database: made and grown by [`attach`] inside
//! the transaction that stores their alerts, listed, read with their
//! alerts and evidence, and changed by analysts.

use detect::Alert;
use detect::rule::{IncidentConfig, Severity};
use serde_json::{Value, json};

use super::{MAX_ALERTS, MAX_ENTITIES, grouping_key, incident_id};
use crate::state::sql::{Row, Sql, params};
use crate::state::{State, alert, comments};

/// The most evidence rows an incident's page is sent.
const MAX_EVIDENCE: usize = 1000;

/// Which incidents to list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only this owner ("" for the unassigned).
    pub owner: Option<String>,
    /// At most this many (newest first).
    pub limit: u32,
    /// After skipping this many.
    pub offset: u32,
}

/// A change to an incident, checked for names by the caller.
#[derive(Debug, Clone, Default)]
pub struct IncidentUpdate {
    /// `New`, `Active` or `Closed`.
    pub status: Option<String>,
    /// New owner ("" to unassign).
    pub owner: Option<String>,
    /// Why it is closed (required when closing).
    pub classification: Option<String>,
    /// The classification's reason.
    pub classification_reason: Option<String>,
    /// A comment on the classification.
    pub classification_comment: Option<String>,
    /// A comment to add.
    pub comment: Option<String>,
    /// Who changes it.
    pub author: Option<String>,
}

/// What an update came to.
#[derive(Debug)]
pub enum Change {
    /// Made: the incident now.
    Done(Value),
    /// No such incident.
    NotFound,
    /// Not made, and why (the request is wrong for the incident's state).
    Refused(String),
}

fn rank(s: Severity) -> i64 {
    Severity::ALL.iter().position(|x| *x == s).and_then(|i| i64::try_from(i).ok()).unwrap_or(0)
}

fn activity(a: &Alert) -> (i64, i64) {
    (a.start_time.unwrap_or(a.created), a.end_time.or(a.start_time).unwrap_or(a.created))
}

fn entities(a: &Alert) -> Vec<Value> {
    a.entities.iter().map(|e| e.to_json()).collect()
}

/// `into` with the items of `more` it lacks, at most `max` in all.
fn union(into: &mut Vec<Value>, more: impl IntoIterator<Item = Value>, max: usize) {
    for v in more {
        if into.len() >= max {
            break;
        }
        if !into.contains(&v) {
            into.push(v);
        }
    }
}

fn list_text(c: &str) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(c).unwrap_or_default()
}

/// Puts new alert `a` into its incident as `config` says, at wall time
/// `now`; returns the incident's id.
pub(crate) fn attach(
    t: &mut dyn Sql,
    a: &Alert,
    rule_name: Option<&str>,
    config: &IncidentConfig,
    now: i64,
) -> Result<String, String> {
    let Some(g) = &config.grouping else { return create(t, a, rule_name, None, now) };
    let key = grouping_key(a, g);
    let since = now.saturating_sub(i64::try_from(g.lookback.as_nanos()).unwrap_or(i64::MAX));
    let find = |t: &mut dyn Sql, closed: bool| -> Result<Option<String>, String> {
        t.row(
            "SELECT id FROM incidents WHERE rule_id = ?1 AND group_key = ?2 AND last_alert >= ?3
                 AND alert_count < ?4 AND (status = 'Closed') = ?5 ORDER BY number DESC LIMIT 1",
            params![&a.rule_id, &key, since, MAX_ALERTS, closed],
        )?
        .map(|r| r.text(0))
        .transpose()
    };
    if let Some(id) = find(t, false)? {
        add_alert(t, &id, a, now)?;
        return Ok(id);
    }
    if g.reopen_closed
        && let Some(id) = find(t, true)?
    {
        t.exec(
            "UPDATE incidents SET status = 'Active', classification = NULL, classification_reason = NULL,
                 classification_comment = NULL WHERE id = ?1",
            params![&id],
        )?;
        let text = format!("Reopened: a new alert matched it ({})", a.title);
        t.exec(
            "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, 'dragnet', ?3)",
            params![&id, now, &text],
        )?;
        add_alert(t, &id, a, now)?;
        return Ok(id);
    }
    create(t, a, rule_name, Some(&key), now)
}

fn create(t: &mut dyn Sql, a: &Alert, rule_name: Option<&str>, key: Option<&str>, now: i64) -> Result<String, String> {
    let id = incident_id(&a.id);
    let (first, last) = activity(a);
    let mut ents = Vec::new();
    union(&mut ents, entities(a), MAX_ENTITIES);
    let (tactics, techniques, ents) =
        (json!(a.tactics).to_string(), json!(a.techniques).to_string(), Value::Array(ents).to_string());
    t.exec(
        "INSERT INTO incidents (id, rule_id, rule_name, group_key, title, severity, severity_rank, alert_count,
             first_activity, last_activity, last_alert, created, updated, tactics, techniques, entities)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?10, ?10, ?11, ?12, ?13)",
        params![
            &id,
            &a.rule_id,
            rule_name.unwrap_or(&a.rule_name),
            key,
            &a.title,
            a.severity.as_str(),
            rank(a.severity),
            first,
            last,
            now,
            &tactics,
            &techniques,
            &ents,
        ],
    )?;
    Ok(id)
}

fn add_alert(t: &mut dyn Sql, id: &str, a: &Alert, now: i64) -> Result<(), String> {
    let r = t
        .row("SELECT severity_rank, tactics, techniques, entities FROM incidents WHERE id = ?1", params![id])?
        .ok_or_else(|| format!("incident {id} went missing while an alert joined it"))?;
    let (rank_was, tactics, techniques, ents) = (r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?);
    let (first, last) = activity(a);
    let merged = |text: &str, more: &[String]| {
        let mut list = list_text(text);
        union(&mut list, more.iter().map(|s| json!(s)), usize::MAX);
        Value::Array(list).to_string()
    };
    let mut all = list_text(&ents);
    union(&mut all, entities(a), MAX_ENTITIES);
    let higher = rank(a.severity) > rank_was;
    let (tactics, techniques, all) =
        (merged(&tactics, &a.tactics), merged(&techniques, &a.techniques), Value::Array(all).to_string());
    t.exec(
        "UPDATE incidents SET alert_count = alert_count + 1,
             first_activity = CASE WHEN ?2 < first_activity THEN ?2 ELSE first_activity END,
             last_activity = CASE WHEN ?3 > last_activity THEN ?3 ELSE last_activity END,
             last_alert = CASE WHEN ?4 > last_alert THEN ?4 ELSE last_alert END, updated = ?4,
             severity = CASE WHEN ?5 THEN ?6 ELSE severity END,
             severity_rank = CASE WHEN ?7 > severity_rank THEN ?7 ELSE severity_rank END,
             tactics = ?8, techniques = ?9, entities = ?10
         WHERE id = ?1",
        params![id, first, last, now, higher, a.severity.as_str(), rank(a.severity), &tactics, &techniques, &all,],
    )?;
    Ok(())
}

const SUMMARY: &str = "id, number, rule_id, rule_name, title, severity, status, owner, classification,
    classification_reason, classification_comment, alert_count, first_activity, last_activity, created, updated,
    tactics, techniques";

fn summary(r: &Row) -> Result<Value, String> {
    let time = |i: usize| r.int(i).map(kql_engine::render::datetime_text);
    Ok(json!({
        "id": r.text(0)?,
        "number": r.int(1)?,
        "rule": {"id": r.text(2)?, "name": r.text(3)?},
        "title": r.text(4)?,
        "severity": r.text(5)?,
        "status": r.text(6)?,
        "owner": r.text(7)?,
        "classification": r.opt_text(8)?,
        "classification_reason": r.opt_text(9)?,
        "classification_comment": r.opt_text(10)?,
        "alert_count": r.int(11)?,
        "first_activity": time(12)?,
        "last_activity": time(13)?,
        "created_time": time(14)?,
        "updated_time": time(15)?,
        "tactics": list_text(&r.text(16)?),
        "techniques": list_text(&r.text(17)?),
    }))
}

fn summary_of(t: &mut dyn Sql, id: &str) -> Result<Option<Value>, String> {
    t.row(&format!("SELECT {SUMMARY} FROM incidents WHERE id = ?1"), params![id])?.map(|r| summary(&r)).transpose()
}

/// An incident in full: its summary, entities, comments, alerts (without
/// their evidence) and the evidence rows of its alerts, each with its
/// alert's id.
fn detail(t: &mut dyn Sql, id: &str) -> Result<Option<Value>, String> {
    let Some(mut v) = summary_of(t, id)? else { return Ok(None) };
    let ents = match t.row("SELECT entities FROM incidents WHERE id = ?1", params![id])? {
        Some(r) => r.text(0)?,
        None => return Ok(None),
    };
    let comments =
        comments(t, "SELECT time, author, text FROM incident_comments WHERE incident_id = ?1 ORDER BY rowid", id)?;
    let ids = t.rows("SELECT id FROM alerts WHERE incident_id = ?1 ORDER BY rowid", params![id])?;
    let mut alerts = Vec::with_capacity(ids.len());
    let mut evidence = Vec::new();
    for r in ids {
        let aid = r.text(0)?;
        let Some(mut a) = alert(t, &aid)? else { continue };
        if let Some(Value::Array(rows)) = a.as_object_mut().and_then(|m| m.remove("evidence")) {
            for row in rows {
                if evidence.len() < MAX_EVIDENCE {
                    evidence.push(json!({"alert_id": aid, "row": row}));
                }
            }
        }
        alerts.push(a);
    }
    if let Value::Object(m) = &mut v {
        m.insert("entities".into(), Value::Array(list_text(&ents)));
        m.insert("comments".into(), Value::Array(comments));
        m.insert("alerts".into(), Value::Array(alerts));
        m.insert("evidence".into(), Value::Array(evidence));
    }
    Ok(Some(v))
}

impl State {
    /// Incidents matching `filter`, newest first, and how many match.
    pub fn list_incidents(&self, f: &IncidentFilter) -> Result<(Vec<Value>, u64), String> {
        self.transaction(|t| {
            let cond = "(CAST(?1 AS TEXT) IS NULL OR status = ?1) AND (CAST(?2 AS TEXT) IS NULL OR severity = ?2)
                AND (CAST(?3 AS TEXT) IS NULL OR owner = ?3)";
            let total = match t.row(
                &format!("SELECT count(*) FROM incidents WHERE {cond}"),
                params![&f.status, &f.severity, &f.owner],
            )? {
                Some(r) => r.int(0)?,
                None => 0,
            };
            let list = t
                .rows(
                    &format!("SELECT {SUMMARY} FROM incidents WHERE {cond} ORDER BY number DESC LIMIT ?4 OFFSET ?5"),
                    params![&f.status, &f.severity, &f.owner, f.limit, f.offset],
                )?
                .iter()
                .map(summary)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((list, u64::try_from(total).unwrap_or(0)))
        })
    }

    /// The summaries of incidents `ids` (those that exist), in that order.
    pub fn incident_summaries(&self, ids: &[String]) -> Result<Vec<Value>, String> {
        self.transaction(|t| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(summary_of(t, id)?);
            }
            Ok(out)
        })
    }

    /// One incident in full, or `None`.
    pub fn get_incident(&self, id: &str) -> Result<Option<Value>, String> {
        self.transaction(|t| detail(t, id))
    }

    /// Changes an incident at wall time `now`. Closing needs a
    /// classification; a classification is given only when closing;
    /// reopening clears it.
    pub fn update_incident(&self, id: &str, u: &IncidentUpdate, now: i64) -> Result<Change, String> {
        self.transaction(|t| {
            let Some(r) = t.row("SELECT status FROM incidents WHERE id = ?1", params![id])? else {
                return Ok(Change::NotFound);
            };
            let current = r.text(0)?;
            let status = u.status.clone().unwrap_or_else(|| current.clone());
            let closing = status == "Closed" && current != "Closed";
            if closing && u.classification.is_none() {
                return Ok(Change::Refused(
                    "closing an incident needs a classification (TruePositive, BenignPositive, FalsePositive or Undetermined)"
                        .into(),
                ));
            }
            let classifies =
                u.classification.is_some() || u.classification_reason.is_some() || u.classification_comment.is_some();
            if classifies && status != "Closed" {
                return Ok(Change::Refused(
                    "a classification is given when closing the incident (status Closed)".into(),
                ));
            }
            if classifies && u.classification.is_none() {
                return Ok(Change::Refused(
                    "a classification reason or comment needs the classification itself".into(),
                ));
            }
            if status != current {
                t.exec("UPDATE incidents SET status = ?2, updated = ?3 WHERE id = ?1", params![id, &status, now])?;
                if current == "Closed" {
                    t.exec(
                        "UPDATE incidents SET classification = NULL, classification_reason = NULL,
                             classification_comment = NULL WHERE id = ?1",
                        params![id],
                    )?;
                }
            }
            let author = u.author.as_deref().unwrap_or("");
            if let Some(cls) = &u.classification {
                t.exec(
                    "UPDATE incidents SET classification = ?2, classification_reason = ?3,
                         classification_comment = ?4, updated = ?5 WHERE id = ?1",
                    params![id, cls, &u.classification_reason, &u.classification_comment, now],
                )?;
                // Who classified it, and how, stays in the comments.
                let mut text = format!("Classified as {cls}");
                if let Some(r) = &u.classification_reason {
                    text.push_str(&format!(" ({r})"));
                }
                if let Some(c) = &u.classification_comment {
                    text.push_str(&format!(": {c}"));
                }
                t.exec(
                    "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                    params![id, now, author, &text],
                )?;
            }
            if let Some(o) = &u.owner {
                t.exec("UPDATE incidents SET owner = ?2, updated = ?3 WHERE id = ?1", params![id, o, now])?;
            }
            if let Some(text) = &u.comment {
                t.exec(
                    "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                    params![id, now, author, text],
                )?;
                t.exec("UPDATE incidents SET updated = ?2 WHERE id = ?1", params![id, now])?;
            }
            Ok(detail(t, id)?.map(Change::Done).unwrap_or(Change::NotFound))
        })
    }
}
