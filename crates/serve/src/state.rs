//! Alert and rule state in a database: an embedded SQLite file
//! (`state.sqlite` in the data folder, by default) or PostgreSQL
//! (`--state postgres://...`), behind one interface ([`sql::Sql`], one
//! transaction's statements, written once for both). It holds alerts keyed by the stable ids `detect` computes (so an alert raised
//! again, after a restart or by an overlapping window, is stored once),
//! their status, owner and comments; each rule's last run, next run and
//! error; how far NRT rules have run through the ingested batches; and
//! each rule's suppression. Storing an alert, suppressing it or grouping
//! it into its incident ([`crate::incidents`]) is one transaction.

mod postgres;
pub(crate) mod sql;
mod sqlite;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use detect::Alert;
use detect::rule::{IncidentConfig, Rule};
use serde_json::{Value, json};

use sql::{Sql, params};

/// Alert statuses, as Sentinel names them.
pub const STATUSES: &[&str] = &["New", "InProgress", "Resolved", "Dismissed"];

/// The database.
pub struct State {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

/// Where the state is kept (`--state`).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum StateDb {
    /// `state.sqlite` in the data folder.
    #[default]
    InDataDir,
    /// This SQLite file (`--state PATH` or `sqlite:PATH`).
    Sqlite(PathBuf),
    /// This PostgreSQL database (`postgres://...` or `postgresql://...`).
    Postgres(String),
}

impl StateDb {
    /// What `--state` says: a `postgres://` or `postgresql://` connection
    /// string, `sqlite:PATH`, or a path.
    pub fn parse(text: &str) -> StateDb {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            StateDb::Postgres(text.to_string())
        } else {
            StateDb::Sqlite(PathBuf::from(text.strip_prefix("sqlite:").unwrap_or(text)))
        }
    }
}

/// Says which database, never a connection string's password:
/// `SQLite state.sqlite in the data folder`, `SQLite PATH`, `PostgreSQL
/// postgres://user@host:port/db`.
impl std::fmt::Display for StateDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateDb::InDataDir => f.write_str("SQLite state.sqlite in the data folder"),
            StateDb::Sqlite(p) => write!(f, "SQLite {}", p.display()),
            StateDb::Postgres(url) => match std::str::FromStr::from_str(url) {
                Ok(c) => write!(f, "PostgreSQL {}", postgres::describe(&c)),
                Err(_) => f.write_str("PostgreSQL (an invalid connection string)"),
            },
        }
    }
}

/// As [`Display`](std::fmt::Display): never a password.
impl std::fmt::Debug for StateDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateDb({self})")
    }
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

impl State {
    /// Opens (or makes) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<State, String> {
        Ok(State { backend: Backend::Sqlite(sqlite::Sqlite::open(path)?) })
    }

    /// Connects to the PostgreSQL database `url` (`postgres://...`) and
    /// makes or migrates its schema.
    pub fn connect(url: &str) -> Result<State, String> {
        Ok(State { backend: Backend::Postgres(Box::new(postgres::Postgres::open(url)?)) })
    }

    /// Opens the state `db` says, `state.sqlite` in `data_dir` by default.
    pub fn open_at(db: &StateDb, data_dir: &Path) -> Result<State, String> {
        match db {
            StateDb::InDataDir => State::open(&data_dir.join("state.sqlite")),
            StateDb::Sqlite(path) => State::open(path),
            StateDb::Postgres(url) => State::connect(url),
        }
    }

    /// Which backend: `SQLite` or `PostgreSQL`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise.
    pub(crate) fn transaction<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, String> + Send,
    ) -> Result<T, String> {
        match &self.backend {
            Backend::Sqlite(db) => db.transaction(f),
            Backend::Postgres(db) => db.transaction(f),
        }
    }

    /// The highest batch number NRT rules have run over.
    pub fn nrt_done(&self) -> Result<u64, String> {
        let v = self.transaction(|t| match t.row("SELECT value FROM meta WHERE key = 'nrt_done'", &[])? {
            Some(r) => r.int(0).map(Some),
            None => Ok(None),
        })?;
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
        let seq = nrt_seq
            .map(|seq| i64::try_from(seq).map_err(|_| "a batch number past the database's range".to_string()))
            .transpose()?;
        self.transaction(|t| record(t, alerts, seq, now, rules))
    }

    /// Alerts matching `filter`, newest first, and how many match in all.
    pub fn list_alerts(&self, f: &AlertFilter) -> Result<(Vec<Value>, u64), String> {
        self.transaction(|t| {
            let cond = "(CAST(?1 AS TEXT) IS NULL OR status = ?1) AND (CAST(?2 AS TEXT) IS NULL OR severity = ?2)
                AND (CAST(?3 AS TEXT) IS NULL OR rule_id = ?3)";
            let total = match t
                .row(&format!("SELECT count(*) FROM alerts WHERE {cond}"), params![&f.status, &f.severity, &f.rule])?
            {
                Some(r) => r.int(0)?,
                None => 0,
            };
            let ids = t.rows(
                &format!("SELECT id FROM alerts WHERE {cond} ORDER BY rowid DESC LIMIT ?4 OFFSET ?5"),
                params![&f.status, &f.severity, &f.rule, f.limit, f.offset],
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for r in ids {
                if let Some(a) = alert(t, &r.text(0)?)? {
                    out.push(a);
                }
            }
            Ok((out, u64::try_from(total).unwrap_or(0)))
        })
    }

    /// How many alerts each rule has stored, by rule id.
    pub fn alert_counts(&self) -> Result<HashMap<String, u64>, String> {
        self.transaction(|t| {
            t.rows("SELECT rule_id, count(*) FROM alerts GROUP BY rule_id", &[])?
                .into_iter()
                .map(|r| Ok((r.text(0)?, u64::try_from(r.int(1)?).unwrap_or(0))))
                .collect()
        })
    }

    /// The alerts stored after alert `id`, oldest first, at most `limit`;
    /// `None` when there is no alert `id`.
    pub fn alerts_after(&self, id: &str, limit: u32) -> Result<Option<Vec<Value>>, String> {
        self.transaction(|t| {
            let Some(row) = t.row("SELECT rowid FROM alerts WHERE id = ?1", params![id])? else { return Ok(None) };
            let ids =
                t.rows("SELECT id FROM alerts WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", params![row.int(0)?, limit])?;
            let mut out = Vec::with_capacity(ids.len());
            for r in ids {
                out.extend(alert(t, &r.text(0)?)?);
            }
            Ok(Some(out))
        })
    }

    /// One alert with its state and comments.
    pub fn get_alert(&self, id: &str) -> Result<Option<Value>, String> {
        self.transaction(|t| alert(t, id))
    }

    /// Changes an alert; `None` when there is no such alert.
    pub fn update_alert(&self, id: &str, u: &AlertUpdate, now: i64) -> Result<Option<Value>, String> {
        self.transaction(|t| {
            if t.row("SELECT 1 FROM alerts WHERE id = ?1", params![id])?.is_none() {
                return Ok(None);
            }
            if let Some(s) = &u.status {
                t.exec("UPDATE alerts SET status = ?2, updated = ?3 WHERE id = ?1", params![id, s, now])?;
            }
            if let Some(o) = &u.owner {
                t.exec("UPDATE alerts SET owner = ?2, updated = ?3 WHERE id = ?1", params![id, o, now])?;
            }
            if let Some(text) = &u.comment {
                let author = u.author.as_deref().unwrap_or("");
                t.exec(
                    "INSERT INTO comments (alert_id, time, author, text) VALUES (?1, ?2, ?3, ?4)",
                    params![id, now, author, text],
                )?;
                t.exec("UPDATE alerts SET updated = ?2 WHERE id = ?1", params![id, now])?;
            }
            alert(t, id)
        })
    }

    /// Every rule's recorded state, by rule id.
    pub fn rules(&self) -> Result<HashMap<String, RuleState>, String> {
        self.transaction(|t| {
            let n = |r: &sql::Row, i: usize| r.int(i).map(|v| u64::try_from(v).unwrap_or(0));
            t.rows("SELECT rule_id, last_run, next_run, last_error, runs, failures, alerts FROM rules", &[])?
                .into_iter()
                .map(|r| {
                    Ok((
                        r.text(0)?,
                        RuleState {
                            last_run: r.opt_int(1)?,
                            next_run: r.opt_int(2)?,
                            last_error: r.opt_text(3)?,
                            runs: n(&r, 4)?,
                            failures: n(&r, 5)?,
                            alerts: n(&r, 6)?,
                        },
                    ))
                })
                .collect()
        })
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
        let failed = i64::from(error.is_some());
        let new_alerts = i64::try_from(new_alerts).unwrap_or(i64::MAX);
        self.transaction(|t| {
            t.exec(
                "INSERT INTO rules (rule_id, last_run, next_run, last_error, runs, failures, alerts)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)
                 ON CONFLICT(rule_id) DO UPDATE SET last_run = excluded.last_run, next_run = excluded.next_run,
                     last_error = excluded.last_error, runs = rules.runs + 1,
                     failures = rules.failures + excluded.failures, alerts = rules.alerts + excluded.alerts",
                params![rule_id, at, next_run, error, failed, new_alerts],
            )?;
            Ok(())
        })
    }
}

/// [`State::record_alerts`] inside its transaction.
fn record(t: &mut dyn Sql, alerts: Vec<Alert>, seq: Option<i64>, now: i64, rules: &[Rule]) -> Result<Recorded, String> {
    let by_id: HashMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let default_config = IncidentConfig::default();
    let mut out = Recorded::default();
    let mut suppressed_until: HashMap<String, Option<i64>> = HashMap::new();
    let mut raised: Vec<&Rule> = Vec::new();
    for a in alerts {
        let rule = by_id.get(a.rule_id.as_str()).copied();
        let until = match suppressed_until.get(&a.rule_id) {
            Some(u) => *u,
            None => {
                let u = match t.row("SELECT until FROM suppression WHERE rule_id = ?1", params![&a.rule_id])? {
                    Some(r) => Some(r.int(0)?),
                    None => None,
                };
                suppressed_until.insert(a.rule_id.clone(), u);
                u
            }
        };
        let suppressed = rule.is_some_and(|r| r.suppression.is_some()) && until.is_some_and(|u| u > now);
        let alert_json = a.to_json().to_string();
        let n = t.exec(
            "INSERT INTO alerts (id, rule_id, severity, title, created, updated, alert, suppressed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            params![&a.id, &a.rule_id, a.severity.as_str(), &a.title, a.created, now, &alert_json, suppressed],
        )?;
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
            let id = crate::incidents::db::attach(t, &a, rule.map(|r| r.name.as_str()), config, now)?;
            t.exec("UPDATE alerts SET incident_id = ?2 WHERE id = ?1", params![&a.id, &id])?;
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
        t.exec(
            "INSERT INTO suppression (rule_id, until) VALUES (?1, ?2)
             ON CONFLICT(rule_id) DO UPDATE SET until = excluded.until",
            params![&r.id, now.saturating_add(d)],
        )?;
    }
    if let Some(seq) = seq {
        t.exec(
            "INSERT INTO meta (key, value) VALUES ('nrt_done', ?1)
             ON CONFLICT(key) DO UPDATE SET value = CASE WHEN excluded.value > meta.value
                 THEN excluded.value ELSE meta.value END",
            params![seq],
        )?;
    }
    Ok(out)
}

/// The comments `select` reads (time, author, text) for `id`, as JSON.
pub(crate) fn comments(t: &mut dyn Sql, select: &str, id: &str) -> Result<Vec<Value>, String> {
    t.rows(select, params![id])?
        .into_iter()
        .map(|r| {
            Ok(json!({
                "time": kql_engine::render::datetime_text(r.int(0)?),
                "author": r.text(1)?,
                "text": r.text(2)?,
            }))
        })
        .collect()
}

/// One alert as the API shows it: as raised, with its state, incident and
/// comments.
pub(crate) fn alert(t: &mut dyn Sql, id: &str) -> Result<Option<Value>, String> {
    let Some(r) =
        t.row("SELECT alert, status, owner, updated, incident_id, suppressed FROM alerts WHERE id = ?1", params![id])?
    else {
        return Ok(None);
    };
    let text = r.text(0)?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("alert {id} is stored damaged: {e}"))?;
    let comments = comments(t, "SELECT time, author, text FROM comments WHERE alert_id = ?1 ORDER BY rowid", id)?;
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), json!(r.text(1)?));
        m.insert("owner".into(), json!(r.text(2)?));
        m.insert("updated_time".into(), json!(kql_engine::render::datetime_text(r.int(3)?)));
        m.insert("comments".into(), Value::Array(comments));
        m.insert("incident_id".into(), json!(r.opt_text(4)?));
        m.insert("suppressed".into(), json!(r.bool(5)?));
    }
    Ok(Some(v))
}
