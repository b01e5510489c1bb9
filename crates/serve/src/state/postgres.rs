//! The PostgreSQL backend (`--state postgres://...`): one connection
//! (the `postgres` crate, no TLS: a local socket or loopback), so
//! transactions commit in the order they run, as with SQLite. The schema
//! is made and migrated at start under an advisory lock, its version kept
//! in `dragnet_schema`.
//!
//! The `postgres` client runs its own small runtime and must not be
//! driven from a thread inside the server's: each transaction runs on a
//! short-lived thread of its own while the caller waits, as it waits for
//! SQLite's disk.

use std::error::Error as _;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use postgres::config::Host;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls};

use super::sql::{P, Row, Sql, V, failed};

/// How long connecting may take before the start fails (unless the
/// connection string sets `connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Each schema version's statements, in order: version `i + 1` is
/// `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &["CREATE TABLE alerts (
         rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
         id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, severity TEXT NOT NULL, title TEXT NOT NULL,
         created BIGINT NOT NULL, status TEXT NOT NULL DEFAULT 'New', owner TEXT NOT NULL DEFAULT '',
         updated BIGINT NOT NULL, alert TEXT NOT NULL, incident_id TEXT,
         suppressed BOOLEAN NOT NULL DEFAULT FALSE);
     CREATE INDEX alerts_status ON alerts(status);
     CREATE INDEX alerts_incident ON alerts(incident_id);
     CREATE TABLE comments (
         rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         alert_id TEXT NOT NULL, time BIGINT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);
     CREATE INDEX comments_alert ON comments(alert_id);
     CREATE TABLE rules (
         rule_id TEXT PRIMARY KEY, last_run BIGINT, next_run BIGINT, last_error TEXT,
         runs BIGINT NOT NULL DEFAULT 0, failures BIGINT NOT NULL DEFAULT 0, alerts BIGINT NOT NULL DEFAULT 0);
     CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
     CREATE TABLE suppression (rule_id TEXT PRIMARY KEY, until BIGINT NOT NULL);
     CREATE TABLE incidents (
         number BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE,
         rule_id TEXT NOT NULL, rule_name TEXT NOT NULL, group_key TEXT,
         title TEXT NOT NULL, severity TEXT NOT NULL, severity_rank BIGINT NOT NULL,
         status TEXT NOT NULL DEFAULT 'New', owner TEXT NOT NULL DEFAULT '',
         classification TEXT, classification_reason TEXT, classification_comment TEXT,
         alert_count BIGINT NOT NULL, first_activity BIGINT NOT NULL, last_activity BIGINT NOT NULL,
         last_alert BIGINT NOT NULL, created BIGINT NOT NULL, updated BIGINT NOT NULL,
         tactics TEXT NOT NULL, techniques TEXT NOT NULL, entities TEXT NOT NULL);
     CREATE INDEX incidents_group ON incidents(rule_id, group_key);
     CREATE INDEX incidents_status ON incidents(status);
     CREATE TABLE incident_comments (
         rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         incident_id TEXT NOT NULL, time BIGINT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);
     CREATE INDEX incident_comments_id ON incident_comments(incident_id);"];

/// The advisory lock two servers starting on one database take while
/// they set up its schema.
const SCHEMA_LOCK: i64 = 0x6472_6167_6e65_7401;

/// The connection, made again if it was lost.
pub(crate) struct Postgres {
    client: Mutex<Option<Client>>,
    config: Config,
    /// The connection string without its password, for messages.
    name: String,
}

impl ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            P::Int(None) | P::Text(None) => Ok(IsNull::Yes),
            P::Int(Some(v)) if *ty == Type::INT8 => v.to_sql(ty, out),
            P::Text(Some(v)) if *ty == Type::TEXT || *ty == Type::VARCHAR => v.to_sql(ty, out),
            P::Bool(v) if *ty == Type::BOOL => v.to_sql(ty, out),
            _ => Err(format!("a {self:?} parameter where the statement takes {ty}").into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT8, Type::TEXT, Type::VARCHAR, Type::BOOL].contains(ty)
    }

    to_sql_checked!();
}

/// `url` with its password left out: `user@host:port/db`.
pub(crate) fn describe(config: &Config) -> String {
    let user = config.get_user().unwrap_or("");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(h) => h.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    let mut s = format!("postgres://{user}@{}", hosts.join(","));
    if !ports.is_empty() {
        s.push(':');
        s.push_str(&ports.join(","));
    }
    s.push('/');
    s.push_str(config.get_dbname().unwrap_or(""));
    s
}

/// A `postgres` error with its cause (the server's message).
fn text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match e.source() {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// Runs `f` on a thread of its own (outside any async runtime) and waits
/// for it.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    std::thread::scope(|s| match std::thread::Builder::new().name("dragnet-postgres".into()).spawn_scoped(s, f) {
        Ok(h) => h.join().unwrap_or_else(|_| Err("alert state database (PostgreSQL): a statement panicked".into())),
        Err(e) => Err(format!("alert state database (PostgreSQL): cannot start a thread: {e}")),
    })
}

impl Postgres {
    /// Connects to `url` (`postgres://` or `postgresql://`) and makes or
    /// migrates the schema.
    pub(crate) fn open(url: &str) -> Result<Postgres, String> {
        let mut config = Config::from_str(url).map_err(|e| {
            format!(
                "invalid PostgreSQL connection string (--state): {}",
                e.source().map_or(e.to_string(), |c| c.to_string())
            )
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("dragnet serve");
        }
        let name = describe(&config);
        let pg = Postgres { client: Mutex::new(None), config, name };
        pg.transaction(|t| migrate(t))?;
        Ok(pg)
    }

    fn backend(&self) -> String {
        format!("PostgreSQL {}", self.name)
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise. A connection found closed, or that fails to begin
    /// the transaction (the server restarted since its last use), is made
    /// again first; nothing of `f` has run then, so nothing runs twice.
    pub(crate) fn transaction<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, String> + Send,
    ) -> Result<T, String> {
        let mut guard = self.client.lock().map_err(|_| "the alert state lock is poisoned".to_string())?;
        let backend = self.backend();
        let config = &self.config;
        let slot = &mut *guard;
        off_runtime(|| {
            let mut f = Some(f);
            for attempt in 0..2 {
                let fresh = match slot {
                    Some(c) if !c.is_closed() && attempt == 0 => false,
                    _ => {
                        // The old client (its runtime) is dropped here, off the server's runtime.
                        *slot = None;
                        let c =
                            config.connect(NoTls).map_err(|e| format!("cannot connect to {backend}: {}", text(&e)))?;
                        *slot = Some(c);
                        true
                    }
                };
                let client = slot.as_mut().ok_or_else(|| format!("cannot connect to {backend}"))?;
                let tx = match client.transaction() {
                    Ok(tx) => tx,
                    Err(e) if fresh => return Err(failed(&backend, "BEGIN", text(&e))),
                    Err(e) => {
                        tracing::warn!("{backend}: connecting again: {}", text(&e));
                        continue;
                    }
                };
                let work = f.take().ok_or_else(|| format!("{backend}: a transaction's work ran twice"))?;
                let mut t = PgTx { tx, backend: &backend };
                let out = work(&mut t)?;
                t.tx.commit().map_err(|e| failed(&backend, "COMMIT", text(&e)))?;
                return Ok(out);
            }
            Err(failed(&backend, "BEGIN", "the connection failed twice"))
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A client holds a runtime, which may not be dropped inside the
        // server's.
        let client = self.client.get_mut().ok().and_then(Option::take);
        if let Some(c) = client {
            let _ = off_runtime(move || {
                drop(c);
                Ok(())
            });
        }
    }
}

/// Makes the schema, or brings it up to this version.
fn migrate(t: &mut dyn Sql) -> Result<(), String> {
    t.exec("SELECT pg_advisory_xact_lock(?1)", super::sql::params![SCHEMA_LOCK])?;
    t.exec("CREATE TABLE IF NOT EXISTS dragnet_schema (version BIGINT NOT NULL)", &[])?;
    let have = match t.row("SELECT max(version) FROM dragnet_schema", &[])? {
        Some(r) => r.opt_int(0)?.unwrap_or(0),
        None => 0,
    };
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if have > known {
        return Err(format!(
            "alert state database (PostgreSQL): its schema is version {have}, made by a newer dragnet; this one knows up to {known}"
        ));
    }
    for (v, ddl) in (1..).zip(MIGRATIONS).skip(usize::try_from(have).unwrap_or(0)) {
        for statement in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            t.exec(statement, &[])?;
        }
        t.exec("INSERT INTO dragnet_schema (version) VALUES (?1)", super::sql::params![v as i64])?;
    }
    Ok(())
}

/// `sql` with SQLite's `?n` parameters written as PostgreSQL's `$n`.
pub(crate) fn dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    backend: &'a str,
}

/// A statement's parameters as the `postgres` client takes them.
fn refs<'a>(params: &'a [P<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Sql for PgTx<'_> {
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64, String> {
        self.tx.execute(dialect(sql).as_str(), &refs(params)).map_err(|e| failed(self.backend, sql, text(&e)))
    }

    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>, String> {
        let rows =
            self.tx.query(dialect(sql).as_str(), &refs(params)).map_err(|e| failed(self.backend, sql, text(&e)))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut values = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let ty = col.type_();
                let get = |e: postgres::Error| failed(self.backend, sql, format!("column {i}: {}", text(&e)));
                let v = if *ty == Type::INT8 {
                    r.try_get::<_, Option<i64>>(i).map_err(get)?.map(V::Int)
                } else if *ty == Type::INT4 {
                    r.try_get::<_, Option<i32>>(i).map_err(get)?.map(|v| V::Int(i64::from(v)))
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                    r.try_get::<_, Option<String>>(i).map_err(get)?.map(V::Text)
                } else if *ty == Type::BOOL {
                    r.try_get::<_, Option<bool>>(i).map_err(get)?.map(V::Bool)
                } else {
                    return Err(failed(self.backend, sql, format!("column {i} has type {ty}, not read here")));
                };
                values.push(v.unwrap_or(V::Null));
            }
            out.push(Row { values, statement: sql.to_string() });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_with_dollars() {
        assert_eq!(dialect("SELECT ?1, ?12 WHERE a = '?' AND b = ?2"), "SELECT $1, $12 WHERE a = '?' AND b = $2");
    }

    #[test]
    fn the_description_leaves_the_password_out() {
        let c = Config::from_str("postgres://ana:s3cret@db.example:5433/alerts").unwrap();
        let d = describe(&c);
        assert_eq!(d, "postgres://ana@db.example:5433/alerts");
        let c = Config::from_str("postgresql://ana:s3cret@%2Fvar%2Frun%2Fpostgresql/alerts").unwrap();
        assert_eq!(describe(&c), "postgres://ana@/var/run/postgresql:5432/alerts");
    }

    #[test]
    fn a_bad_connection_string_is_refused_without_its_password() {
        let Err(e) = Postgres::open("postgres://ana:s3cret@db.example:notaport/alerts") else {
            panic!("a port that is not a number was taken");
        };
        assert!(e.starts_with("invalid PostgreSQL connection string (--state): "), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }
}
