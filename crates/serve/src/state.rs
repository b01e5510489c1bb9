//! Alert and rule state in an embedded SQLite database (`state.sqlite`):
//! alerts keyed by the stable ids `detect` computes (so an alert raised
//! again, after a restart or by an overlapping window, is stored once),
//! their status, owner and comments; each rule's last run, next run and
//! error; how far NRT rules have run through the ingested batches; and
//! each rule's suppression. Storing an alert, suppressing it or grouping
//! it into its incident ([`crate::incidents`]) is one transaction.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use detect::Alert;
use detect::rule::{IncidentConfig, Rule};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// Alert statuses, as Sentinel names them.
pub const STATUSES: &[&str] = &["New", "InProgress", "Resolved", "Dismissed"];

/// The database.
pub struct State {
    conn: Mutex<Connection>,
}

/// What a rule's runs have been.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleState {
    /// When it last ran (ns since the epoch, wall clock).
    pub last_run: Option<i64>,
    /// When it runs next (scheduled rules).
    pub next_run: Option<i64>,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
    /// Runs, failed runs, and alerts stored from its runs.
    pub runs: u64,
    /// Failed runs.
    pub failures: u64,
    /// New alerts stored.
    pub alerts: u64,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only this rule's.
    pub rule: Option<String>,
    /// At most this many (newest first).
    pub limit: u32,
    /// After skipping this many.
    pub offset: u32,
}

/// A change to an alert.
#[derive(Debug, Clone, Default)]
pub struct AlertUpdate {
    /// New status, one of [`STATUSES`].
    pub status: Option<String>,
    /// New owner ("" to unassign).
    pub owner: Option<String>,
    /// A comment to add.
    pub comment: Option<String>,
    /// Who comments.
    pub author: Option<String>,
}

/// What storing a run's alerts did.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The new alerts to publish, each with the incident it joined.
    pub published: Vec<(Alert, Option<String>)>,
    /// New alerts stored as suppressed (not published, in no incident), by
    /// rule id.
    pub suppressed: Vec<String>,
    /// The incidents made or changed, in the order they were touched.
    pub incidents: Vec<String>,
}

impl Recorded {
    /// How many alerts were new, published or suppressed.
    pub fn new_alerts(&self) -> usize {
        self.published.len() + self.suppressed.len()
    }
}

pub(crate) fn db(e: rusqlite::Error) -> String {
    format!("alert state database: {e}")
}

impl State {
    /// Opens (or makes) the database at `path`.
    pub fn open(path: &Path) -> Result<State, String> {
        let conn = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS alerts (
                 id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, severity TEXT NOT NULL, title TEXT NOT NULL,
                 created INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'New', owner TEXT NOT NULL DEFAULT '',
                 updated INTEGER NOT NULL, alert TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status);
             CREATE TABLE IF NOT EXISTS comments (
                 alert_id TEXT NOT NULL, time INTEGER NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS rules (
                 rule_id TEXT PRIMARY KEY, last_run INTEGER, next_run INTEGER, last_error TEXT,
                 runs INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
                 alerts INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS suppression (rule_id TEXT PRIMARY KEY, until INTEGER NOT NULL);",
        )
        .map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
        // Columns added after the first databases were made.
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('alerts')")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for (name, ddl) in [
            ("incident_id", "ALTER TABLE alerts ADD COLUMN incident_id TEXT"),
            ("suppressed", "ALTER TABLE alerts ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0"),
        ] {
            if !columns.iter().any(|c| c == name) {
                conn.execute_batch(ddl).map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
            }
        }
        conn.execute_batch("CREATE INDEX IF NOT EXISTS alerts_incident ON alerts(incident_id);")
            .and_then(|_| crate::incidents::db::create_tables(&conn))
            .map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
        Ok(State { conn: Mutex::new(conn) })
    }

    pub(crate) fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, String> {
        self.conn.lock().map_err(|_| "the alert state lock is poisoned".to_string())
    }

    /// The highest batch number NRT rules have run over.
    pub fn nrt_done(&self) -> Result<u64, String> {
        let c = self.conn()?;
        let v: Option<i64> =
            c.query_row("SELECT value FROM meta WHERE key = 'nrt_done'", [], |r| r.get(0)).optional().map_err(db)?;
        Ok(v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
    }

    /// Stores `alerts` (those already stored are left as they are) and,
    /// with `nrt_seq`, records that NRT rules have run over that batch, in
    /// one transaction, at wall time `now`. A new alert of a rule (from
    /// `rules`) still under suppression is stored as suppressed; the
    /// others join their incidents as the rule's `incidentConfiguration`
    /// says, and a rule with `suppressionDuration` that raised any is
    /// suppressed from `now` on. Alerts of the same call are one run: none
    /// of them suppresses another.
    pub fn record_alerts(
        &self,
        alerts: Vec<Alert>,
        nrt_seq: Option<u64>,
        now: i64,
        rules: &[Rule],
    ) -> Result<Recorded, String> {
        let by_id: HashMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
        let default_config = IncidentConfig::default();
        let mut c = self.conn()?;
        let tx = c.transaction().map_err(db)?;
        let mut out = Recorded::default();
        let mut suppressed_until: HashMap<String, Option<i64>> = HashMap::new();
        let mut raised: Vec<&Rule> = Vec::new();
        for a in alerts {
            let rule = by_id.get(a.rule_id.as_str()).copied();
            let until = match suppressed_until.get(&a.rule_id) {
                Some(u) => *u,
                None => {
                    let u: Option<i64> = tx
                        .query_row("SELECT until FROM suppression WHERE rule_id = ?1", params![a.rule_id], |r| r.get(0))
                        .optional()
                        .map_err(db)?;
                    suppressed_until.insert(a.rule_id.clone(), u);
                    u
                }
            };
            let suppressed = rule.is_some_and(|r| r.suppression.is_some()) && until.is_some_and(|u| u > now);
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO alerts (id, rule_id, severity, title, created, updated, alert, suppressed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        a.id,
                        a.rule_id,
                        a.severity.as_str(),
                        a.title,
                        a.created,
                        now,
                        a.to_json().to_string(),
                        suppressed
                    ],
                )
                .map_err(db)?;
            if n != 1 {
                continue;
            }
            if suppressed {
                out.suppressed.push(a.rule_id.clone());
                continue;
            }
            if let Some(r) = rule
                && r.suppression.is_some()
                && !raised.iter().any(|x| x.id == r.id)
            {
                raised.push(r);
            }
            let config = rule.map(|r| &r.incident).unwrap_or(&default_config);
            let incident = if config.create_incident {
                let id = crate::incidents::db::attach(&tx, &a, rule.map(|r| r.name.as_str()), config, now)?;
                tx.execute("UPDATE alerts SET incident_id = ?2 WHERE id = ?1", params![a.id, id]).map_err(db)?;
                if !out.incidents.contains(&id) {
                    out.incidents.push(id.clone());
                }
                Some(id)
            } else {
                None
            };
            out.published.push((a, incident));
        }
        for r in raised {
            let d = r.suppression.map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)).unwrap_or(0);
            tx.execute(
                "INSERT INTO suppression (rule_id, until) VALUES (?1, ?2)
                 ON CONFLICT(rule_id) DO UPDATE SET until = excluded.until",
                params![r.id, now.saturating_add(d)],
            )
            .map_err(db)?;
        }
        if let Some(seq) = nrt_seq {
            let seq = i64::try_from(seq).map_err(|_| "a batch number past the database's range")?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('nrt_done', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                params![seq],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(out)
    }

    /// Alerts matching `filter`, newest first, and how many match in all.
    pub fn list_alerts(&self, f: &AlertFilter) -> Result<(Vec<Value>, u64), String> {
        let c = self.conn()?;
        let cond = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR severity = ?2) AND (?3 IS NULL OR rule_id = ?3)";
        let total: i64 = c
            .query_row(
                &format!("SELECT count(*) FROM alerts WHERE {cond}"),
                params![f.status, f.severity, f.rule],
                |r| r.get(0),
            )
            .map_err(db)?;
        let mut stmt = c
            .prepare(&format!("SELECT id FROM alerts WHERE {cond} ORDER BY rowid DESC LIMIT ?4 OFFSET ?5"))
            .map_err(db)?;
        let ids: Vec<String> = stmt
            .query_map(params![f.status, f.severity, f.rule, f.limit, f.offset], |r| r.get(0))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        drop(stmt);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = alert(&c, &id)? {
                out.push(a);
            }
        }
        Ok((out, u64::try_from(total).unwrap_or(0)))
    }

    /// How many alerts each rule has stored, by rule id.
    pub fn alert_counts(&self) -> Result<std::collections::HashMap<String, u64>, String> {
        let c = self.conn()?;
        let mut stmt = c.prepare("SELECT rule_id, count(*) FROM alerts GROUP BY rule_id").map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0))))
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// The alerts stored after alert `id`, oldest first, at most `limit`;
    /// `None` when there is no alert `id`.
    pub fn alerts_after(&self, id: &str, limit: u32) -> Result<Option<Vec<Value>>, String> {
        let c = self.conn()?;
        let row: Option<i64> =
            c.query_row("SELECT rowid FROM alerts WHERE id = ?1", params![id], |r| r.get(0)).optional().map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let mut stmt = c.prepare("SELECT id FROM alerts WHERE rowid > ?1 ORDER BY rowid LIMIT ?2").map_err(db)?;
        let ids: Vec<String> =
            stmt.query_map(params![row, limit], |r| r.get(0)).map_err(db)?.collect::<Result<_, _>>().map_err(db)?;
        drop(stmt);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(alert(&c, &id)?);
        }
        Ok(Some(out))
    }

    /// One alert with its state and comments.
    pub fn get_alert(&self, id: &str) -> Result<Option<Value>, String> {
        alert(&*self.conn()?, id)
    }

    /// Changes an alert; `None` when there is no such alert.
    pub fn update_alert(&self, id: &str, u: &AlertUpdate, now: i64) -> Result<Option<Value>, String> {
        let mut c = self.conn()?;
        let tx = c.transaction().map_err(db)?;
        let exists: Option<i64> =
            tx.query_row("SELECT 1 FROM alerts WHERE id = ?1", params![id], |r| r.get(0)).optional().map_err(db)?;
        if exists.is_none() {
            return Ok(None);
        }
        if let Some(s) = &u.status {
            tx.execute("UPDATE alerts SET status = ?2, updated = ?3 WHERE id = ?1", params![id, s, now]).map_err(db)?;
        }
        if let Some(o) = &u.owner {
            tx.execute("UPDATE alerts SET owner = ?2, updated = ?3 WHERE id = ?1", params![id, o, now]).map_err(db)?;
        }
        if let Some(text) = &u.comment {
            let author = u.author.as_deref().unwrap_or("");
            tx.execute(
                "INSERT INTO comments (alert_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                params![id, now, author, text],
            )
            .map_err(db)?;
            tx.execute("UPDATE alerts SET updated = ?2 WHERE id = ?1", params![id, now]).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        alert(&c, id)
    }

    /// Every rule's recorded state, by rule id.
    pub fn rules(&self) -> Result<std::collections::HashMap<String, RuleState>, String> {
        let c = self.conn()?;
        let mut stmt = c
            .prepare("SELECT rule_id, last_run, next_run, last_error, runs, failures, alerts FROM rules")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                Ok((
                    r.get::<_, String>(0)?,
                    RuleState {
                        last_run: r.get(1)?,
                        next_run: r.get(2)?,
                        last_error: r.get(3)?,
                        runs: n(4)?,
                        failures: n(5)?,
                        alerts: n(6)?,
                    },
                ))
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// Records one run of a rule: when, the next run, its error and the
    /// new alerts it stored.
    pub fn record_run(
        &self,
        rule_id: &str,
        at: i64,
        next_run: Option<i64>,
        error: Option<&str>,
        new_alerts: usize,
    ) -> Result<(), String> {
        let c = self.conn()?;
        let failed = i64::from(error.is_some());
        let new_alerts = i64::try_from(new_alerts).unwrap_or(i64::MAX);
        c.execute(
            "INSERT INTO rules (rule_id, last_run, next_run, last_error, runs, failures, alerts)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)
             ON CONFLICT(rule_id) DO UPDATE SET last_run = excluded.last_run, next_run = excluded.next_run,
                 last_error = excluded.last_error, runs = runs + 1, failures = failures + excluded.failures,
                 alerts = alerts + excluded.alerts",
            params![rule_id, at, next_run, error, failed, new_alerts],
        )
        .map_err(db)?;
        Ok(())
    }
}

/// The comments `select` reads (time, author, text) for `id`, as JSON.
pub(crate) fn comments(c: &Connection, select: &str, id: &str) -> Result<Vec<Value>, String> {
    let mut stmt = c.prepare(select).map_err(db)?;
    stmt.query_map(params![id], |r| {
        let t: i64 = r.get(0)?;
        Ok(json!({"time": kql_engine::render::datetime_text(t), "author": r.get::<_, String>(1)?, "text": r.get::<_, String>(2)?}))
    })
    .map_err(db)?
    .collect::<Result<_, _>>()
    .map_err(db)
}

/// One alert as the API shows it: as raised, with its state, incident and
/// comments.
pub(crate) fn alert(c: &Connection, id: &str) -> Result<Option<Value>, String> {
    type Stored = (String, String, String, i64, Option<String>, bool);
    let row: Option<Stored> = c
        .query_row(
            "SELECT alert, status, owner, updated, incident_id, suppressed FROM alerts WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((text, status, owner, updated, incident, suppressed)) = row else { return Ok(None) };
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("alert {id} is stored damaged: {e}"))?;
    let comments = comments(c, "SELECT time, author, text FROM comments WHERE alert_id = ?1 ORDER BY rowid", id)?;
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), json!(status));
        m.insert("owner".into(), json!(owner));
        m.insert("updated_time".into(), json!(kql_engine::render::datetime_text(updated)));
        m.insert("comments".into(), Value::Array(comments));
        m.insert("incident_id".into(), json!(incident));
        m.insert("suppressed".into(), json!(suppressed));
    }
    Ok(Some(v))
}
