//! Incidents in the state database: made and grown by [`attach`] inside
//! the transaction that stores their alerts, listed, read with their
//! alerts and evidence, and changed by analysts.

use detect::Alert;
use detect::rule::{IncidentConfig, Severity};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use super::{MAX_ALERTS, MAX_ENTITIES, grouping_key, incident_id};
use crate::state::{State, alert, comments, db};

/// The most evidence rows an incident's page is sent.
const MAX_EVIDENCE: usize = 1000;

/// Makes the incident tables (on a connection, at start).
pub(crate) fn create_tables(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS incidents (
             number INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
             rule_id TEXT NOT NULL, rule_name TEXT NOT NULL, group_key TEXT,
             title TEXT NOT NULL, severity TEXT NOT NULL, severity_rank INTEGER NOT NULL,
             status TEXT NOT NULL DEFAULT 'New', owner TEXT NOT NULL DEFAULT '',
             classification TEXT, classification_reason TEXT, classification_comment TEXT,
             alert_count INTEGER NOT NULL, first_activity INTEGER NOT NULL, last_activity INTEGER NOT NULL,
             last_alert INTEGER NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,
             tactics TEXT NOT NULL, techniques TEXT NOT NULL, entities TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS incidents_group ON incidents(rule_id, group_key);
         CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status);
         CREATE TABLE IF NOT EXISTS incident_comments (
             incident_id TEXT NOT NULL, time INTEGER NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS incident_comments_id ON incident_comments(incident_id);",
    )
}

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
    c: &Connection,
    a: &Alert,
    rule_name: Option<&str>,
    config: &IncidentConfig,
    now: i64,
) -> Result<String, String> {
    let Some(g) = &config.grouping else { return create(c, a, rule_name, None, now) };
    let key = grouping_key(a, g);
    let since = now.saturating_sub(i64::try_from(g.lookback.as_nanos()).unwrap_or(i64::MAX));
    let find = |closed: bool| -> Result<Option<String>, String> {
        c.query_row(
            "SELECT id FROM incidents WHERE rule_id = ?1 AND group_key = ?2 AND last_alert >= ?3
                 AND alert_count < ?4 AND (status = 'Closed') = ?5 ORDER BY number DESC LIMIT 1",
            params![a.rule_id, key, since, MAX_ALERTS, closed],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)
    };
    if let Some(id) = find(false)? {
        add_alert(c, &id, a, now)?;
        return Ok(id);
    }
    if g.reopen_closed
        && let Some(id) = find(true)?
    {
        c.execute(
            "UPDATE incidents SET status = 'Active', classification = NULL, classification_reason = NULL,
                 classification_comment = NULL WHERE id = ?1",
            params![id],
        )
        .map_err(db)?;
        let text = format!("Reopened: a new alert matched it ({})", a.title);
        c.execute(
            "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, 'dragnet', ?3)",
            params![id, now, text],
        )
        .map_err(db)?;
        add_alert(c, &id, a, now)?;
        return Ok(id);
    }
    create(c, a, rule_name, Some(&key), now)
}

fn create(c: &Connection, a: &Alert, rule_name: Option<&str>, key: Option<&str>, now: i64) -> Result<String, String> {
    let id = incident_id(&a.id);
    let (first, last) = activity(a);
    let mut ents = Vec::new();
    union(&mut ents, entities(a), MAX_ENTITIES);
    c.execute(
        "INSERT INTO incidents (id, rule_id, rule_name, group_key, title, severity, severity_rank, alert_count,
             first_activity, last_activity, last_alert, created, updated, tactics, techniques, entities)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?10, ?10, ?11, ?12, ?13)",
        params![
            id,
            a.rule_id,
            rule_name.unwrap_or(&a.rule_name),
            key,
            a.title,
            a.severity.as_str(),
            rank(a.severity),
            first,
            last,
            now,
            json!(a.tactics).to_string(),
            json!(a.techniques).to_string(),
            Value::Array(ents).to_string(),
        ],
    )
    .map_err(db)?;
    Ok(id)
}

fn add_alert(c: &Connection, id: &str, a: &Alert, now: i64) -> Result<(), String> {
    let (rank_was, tactics, techniques, ents): (i64, String, String, String) = c
        .query_row(
            "SELECT severity_rank, tactics, techniques, entities FROM incidents WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(db)?;
    let (first, last) = activity(a);
    let merged = |text: &str, more: &[String]| {
        let mut list = list_text(text);
        union(&mut list, more.iter().map(|s| json!(s)), usize::MAX);
        Value::Array(list).to_string()
    };
    let mut all = list_text(&ents);
    union(&mut all, entities(a), MAX_ENTITIES);
    let higher = rank(a.severity) > rank_was;
    c.execute(
        "UPDATE incidents SET alert_count = alert_count + 1, first_activity = min(first_activity, ?2),
             last_activity = max(last_activity, ?3), last_alert = max(last_alert, ?4), updated = ?4,
             severity = CASE WHEN ?5 THEN ?6 ELSE severity END, severity_rank = max(severity_rank, ?7),
             tactics = ?8, techniques = ?9, entities = ?10
         WHERE id = ?1",
        params![
            id,
            first,
            last,
            now,
            higher,
            a.severity.as_str(),
            rank(a.severity),
            merged(&tactics, &a.tactics),
            merged(&techniques, &a.techniques),
            Value::Array(all).to_string(),
        ],
    )
    .map_err(db)?;
    Ok(())
}

const SUMMARY: &str = "id, number, rule_id, rule_name, title, severity, status, owner, classification,
    classification_reason, classification_comment, alert_count, first_activity, last_activity, created, updated,
    tactics, techniques";

fn summary(r: &Row) -> rusqlite::Result<Value> {
    let time = |i: usize| r.get::<_, i64>(i).map(kql_engine::render::datetime_text);
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "number": r.get::<_, i64>(1)?,
        "rule": {"id": r.get::<_, String>(2)?, "name": r.get::<_, String>(3)?},
        "title": r.get::<_, String>(4)?,
        "severity": r.get::<_, String>(5)?,
        "status": r.get::<_, String>(6)?,
        "owner": r.get::<_, String>(7)?,
        "classification": r.get::<_, Option<String>>(8)?,
        "classification_reason": r.get::<_, Option<String>>(9)?,
        "classification_comment": r.get::<_, Option<String>>(10)?,
        "alert_count": r.get::<_, i64>(11)?,
        "first_activity": time(12)?,
        "last_activity": time(13)?,
        "created_time": time(14)?,
        "updated_time": time(15)?,
        "tactics": list_text(&r.get::<_, String>(16)?),
        "techniques": list_text(&r.get::<_, String>(17)?),
    }))
}

fn summary_of(c: &Connection, id: &str) -> Result<Option<Value>, String> {
    c.query_row(&format!("SELECT {SUMMARY} FROM incidents WHERE id = ?1"), params![id], summary).optional().map_err(db)
}

/// An incident in full: its summary, entities, comments, alerts (without
/// their evidence) and the evidence rows of its alerts, each with its
/// alert's id.
fn detail(c: &Connection, id: &str) -> Result<Option<Value>, String> {
    let Some(mut v) = summary_of(c, id)? else { return Ok(None) };
    let ents: String =
        c.query_row("SELECT entities FROM incidents WHERE id = ?1", params![id], |r| r.get(0)).map_err(db)?;
    let comments =
        comments(c, "SELECT time, author, text FROM incident_comments WHERE incident_id = ?1 ORDER BY rowid", id)?;
    let mut stmt = c.prepare("SELECT id FROM alerts WHERE incident_id = ?1 ORDER BY rowid").map_err(db)?;
    let ids: Vec<String> =
        stmt.query_map(params![id], |r| r.get(0)).map_err(db)?.collect::<Result<_, _>>().map_err(db)?;
    drop(stmt);
    let mut alerts = Vec::with_capacity(ids.len());
    let mut evidence = Vec::new();
    for aid in &ids {
        let Some(mut a) = alert(c, aid)? else { continue };
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
        let c = self.conn()?;
        let cond = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR severity = ?2) AND (?3 IS NULL OR owner = ?3)";
        let total: i64 = c
            .query_row(
                &format!("SELECT count(*) FROM incidents WHERE {cond}"),
                params![f.status, f.severity, f.owner],
                |r| r.get(0),
            )
            .map_err(db)?;
        let mut stmt = c
            .prepare(&format!("SELECT {SUMMARY} FROM incidents WHERE {cond} ORDER BY number DESC LIMIT ?4 OFFSET ?5"))
            .map_err(db)?;
        let list: Vec<Value> = stmt
            .query_map(params![f.status, f.severity, f.owner, f.limit, f.offset], summary)
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        Ok((list, u64::try_from(total).unwrap_or(0)))
    }

    /// The summaries of incidents `ids` (those that exist), in that order.
    pub fn incident_summaries(&self, ids: &[String]) -> Result<Vec<Value>, String> {
        let c = self.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(summary_of(&c, id)?);
        }
        Ok(out)
    }

    /// One incident in full, or `None`.
    pub fn get_incident(&self, id: &str) -> Result<Option<Value>, String> {
        detail(&*self.conn()?, id)
    }

    /// Changes an incident at wall time `now`. Closing needs a
    /// classification; a classification is given only when closing;
    /// reopening clears it.
    pub fn update_incident(&self, id: &str, u: &IncidentUpdate, now: i64) -> Result<Change, String> {
        let mut c = self.conn()?;
        let tx = c.transaction().map_err(db)?;
        let current: Option<String> = tx
            .query_row("SELECT status FROM incidents WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let Some(current) = current else { return Ok(Change::NotFound) };
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
            return Ok(Change::Refused("a classification is given when closing the incident (status Closed)".into()));
        }
        if classifies && u.classification.is_none() {
            return Ok(Change::Refused("a classification reason or comment needs the classification itself".into()));
        }
        if status != current {
            tx.execute("UPDATE incidents SET status = ?2, updated = ?3 WHERE id = ?1", params![id, status, now])
                .map_err(db)?;
            if current == "Closed" {
                tx.execute(
                    "UPDATE incidents SET classification = NULL, classification_reason = NULL,
                         classification_comment = NULL WHERE id = ?1",
                    params![id],
                )
                .map_err(db)?;
            }
        }
        if let Some(cls) = &u.classification {
            tx.execute(
                "UPDATE incidents SET classification = ?2, classification_reason = ?3, classification_comment = ?4,
                     updated = ?5 WHERE id = ?1",
                params![id, cls, u.classification_reason, u.classification_comment, now],
            )
            .map_err(db)?;
            // Who classified it, and how, stays in the comments.
            let mut text = format!("Classified as {cls}");
            if let Some(r) = &u.classification_reason {
                text.push_str(&format!(" ({r})"));
            }
            if let Some(c) = &u.classification_comment {
                text.push_str(&format!(": {c}"));
            }
            tx.execute(
                "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, now, u.author.as_deref().unwrap_or(""), text],
            )
            .map_err(db)?;
        }
        if let Some(o) = &u.owner {
            tx.execute("UPDATE incidents SET owner = ?2, updated = ?3 WHERE id = ?1", params![id, o, now])
                .map_err(db)?;
        }
        if let Some(text) = &u.comment {
            let author = u.author.as_deref().unwrap_or("");
            tx.execute(
                "INSERT INTO incident_comments (incident_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, now, author, text],
            )
            .map_err(db)?;
            tx.execute("UPDATE incidents SET updated = ?2 WHERE id = ?1", params![id, now]).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(detail(&c, id)?.map(Change::Done).unwrap_or(Change::NotFound))
    }
}
