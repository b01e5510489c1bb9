//! The SQLite backend (rusqlite, bundled): one connection to a file, in
//! WAL mode with full sync; the schema made at open and the columns added
//! since the first databases.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, ToSql, Transaction};

use super::sql::{P, Row, Sql, V, failed};

/// The database file and its connection.
pub(crate) struct Sqlite {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            P::Int(Some(v)) => ToSqlOutput::Owned(SqlValue::Integer(v)),
            P::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            P::Int(None) | P::Text(None) => ToSqlOutput::Owned(SqlValue::Null),
            P::Bool(v) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(v))),
        })
    }
}

impl Sqlite {
    /// Opens (or makes) the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Sqlite, String> {
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
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS alerts_incident ON alerts(incident_id);
             CREATE TABLE IF NOT EXISTS incidents (
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
        .map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
        Ok(Sqlite { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, String>) -> Result<T, String> {
        let mut conn = self.conn.lock().map_err(|_| "the alert state lock is poisoned".to_string())?;
        let backend = format!("SQLite {}", self.path.display());
        let tx = conn.transaction().map_err(|e| failed(&backend, "BEGIN", e))?;
        let mut t = SqliteTx { tx: &tx, backend: &backend };
        let out = f(&mut t)?;
        tx.commit().map_err(|e| failed(&backend, "COMMIT", e))?;
        Ok(out)
    }
}

struct SqliteTx<'a> {
    tx: &'a Transaction<'a>,
    backend: &'a str,
}

impl Sql for SqliteTx<'_> {
    fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64, String> {
        let n = self
            .tx
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params)))
            .map_err(|e| failed(self.backend, sql, e))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn rows(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>, String> {
        let mut stmt = self.tx.prepare_cached(sql).map_err(|e| failed(self.backend, sql, e))?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(|e| failed(self.backend, sql, e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| failed(self.backend, sql, e))? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                let v = match r.get_ref(i).map_err(|e| failed(self.backend, sql, e))? {
                    ValueRef::Null => V::Null,
                    ValueRef::Integer(v) => V::Int(v),
                    ValueRef::Text(t) => V::Text(
                        std::str::from_utf8(t)
                            .map_err(|e| failed(self.backend, sql, format!("column {i}: {e}")))?
                            .to_string(),
                    ),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        return Err(failed(self.backend, sql, format!("column {i} is neither integer nor text")));
                    }
                };
                values.push(v);
            }
            out.push(Row { values, statement: sql.to_string() });
        }
        Ok(out)
    }
}
