//! The HTTP API: ingest (`POST /ingest`, the Kubernetes audit webhook
//! `POST /k8s-audit`), queries, alerts (list, read, update, live as
//! Server-Sent Events with incident changes), incidents (mounted from
//! [`crate::incidents::api`]), rules, the caller's role
//! ([`crate::auth::session`]), health and metrics. Every error is a JSON
//! object with an `error` text.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use futures::StreamExt;
use kql_engine::{Engine, EngineError, QueryOptions};
use kql_syntax::LineIndex;
use serde::Deserialize;
use serde_json::{Value, json};
use telemetry::sources::Format;
use tokio::sync::broadcast::error::RecvError;

use crate::config::wall_now;
use crate::parse::{BadBody, forced_format, parse, parse_lenient, unwrap_field};
use crate::server::App;
use crate::state::{AlertFilter, AlertUpdate, STATUSES};
use crate::store::AppendError;

/// Seconds a client is told to wait when the WAL is behind.
const RETRY_AFTER: &str = "5";
/// Alerts per page unless `limit` says otherwise, and the most a page holds.
pub(crate) const PAGE: u32 = 50;
pub(crate) const MAX_PAGE: u32 = 1000;

/// A page of a listing as JSON: the items under `key`, how many match in
/// all, and the offset of the next page (null on the last).
pub(crate) fn page(key: &str, items: Vec<Value>, total: u64, offset: u32) -> Response {
    let end = u64::from(offset).saturating_add(items.len() as u64);
    let next = if end < total { json!(end) } else { Value::Null };
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), Value::Array(items));
    body.insert("total".into(), json!(total));
    body.insert("next_offset".into(), next);
    Json(Value::Object(body)).into_response()
}

/// Every route, over `app`.
pub fn router(app: Arc<App>) -> Router {
    let max_body = app.config.max_body;
    Router::new()
        .route("/ingest", post(ingest))
        .route("/k8s-audit", post(k8s_audit))
        .route("/api/query", post(query))
        .route("/api/alerts", get(list_alerts))
        .route("/api/alerts/stream", get(stream))
        .route("/api/alerts/{id}", get(get_alert).patch(update_alert))
        .route("/api/rules", get(rules))
        .route("/api/session", get(crate::auth::session))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .merge(crate::incidents::api::routes())
        .route("/api/openapi.json", get(crate::openapi::document))
        .merge(crate::console::routes(&app.config))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(app.clone(), crate::body::buffer))
        .layer(middleware::from_fn_with_state(app.clone(), crate::auth::authorize))
        .with_state(app)
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}"))
}

/// A JSON request body, whatever its content type says.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

#[derive(Deserialize)]
struct IngestParams {
    format: Option<String>,
    field: Option<String>,
    rejects: Option<String>,
}

/// The query string, or what is wrong with it (for a JSON 400).
fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, String> {
    q.map(|Query(p)| p).map_err(|e| format!("invalid query string: {}", e.body_text()))
}

async fn ingest(State(app): State<Arc<App>>, q: Result<Query<IngestParams>, QueryRejection>, body: Bytes) -> Response {
    let p = match params(q) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    // A bad parameter answers like a bad body (line 0), nothing read.
    let refuse = |bad: BadBody| {
        let body = json!({"error": bad.to_string(), "line": bad.line, "reason": bad.reason});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    };
    let format = match p.format.as_deref().map(forced_format).transpose() {
        Ok(f) => f,
        Err(bad) => return refuse(bad),
    };
    let skip = match p.rejects.as_deref() {
        None | Some("refuse") => false,
        Some("skip") => true,
        Some(other) => {
            return refuse(BadBody { line: 0, reason: format!("invalid rejects '{other}': expected refuse or skip") });
        }
    };
    let body = match p.field {
        None => body,
        Some(field) => match tokio::task::spawn_blocking(move || unwrap_field(&body, &field)).await {
            Ok(Ok(lines)) => Bytes::from(lines),
            Ok(Err(bad)) => return bad_body(&app, "ingest", &bad),
            Err(e) => return internal(e),
        },
    };
    accept(app, "ingest", body, format, skip).await
}

fn bad_body(app: &App, source: &str, bad: &BadBody) -> Response {
    app.metrics.reject(source);
    let body = json!({"error": bad.to_string(), "line": bad.line, "reason": bad.reason});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn k8s_audit(State(app): State<Arc<App>>, body: Bytes) -> Response {
    accept(app, "k8s-audit", body, telemetry::sources::by_name("k8s-audit"), false).await
}

/// Reads a body whole, appends it to the WAL and acknowledges it once it is
/// on disk; a bad body is refused with nothing stored. With `skip`, the
/// rejected records are left out and reported in the acknowledgement
/// (`rejected`: count, line, reason) instead.
async fn accept(
    app: Arc<App>,
    source: &'static str,
    body: Bytes,
    format: Option<&'static dyn Format>,
    skip: bool,
) -> Response {
    if app.store.wal_bytes() >= app.config.store.max_wal_bytes {
        return busy(&app);
    }
    let read = tokio::task::spawn_blocking(move || {
        if skip { parse_lenient(&body, format) } else { parse(&body, format).map(|p| (p, None)) }
    });
    let (parsed, rejected) = match read.await {
        Ok(Ok(p)) => p,
        Ok(Err(bad)) => return bad_body(&app, source, &bad),
        Err(e) => return internal(e),
    };
    let mut counts = parsed.counts();
    if let Some(r) = &rejected {
        app.metrics.reject(source);
        counts["rejected"] = json!({"count": r.count, "line": r.first.line, "reason": r.first.reason});
    }
    let records = parsed.records;
    if parsed.tables.is_empty() {
        app.metrics.events(source, records);
        counts["batch"] = Value::Null;
        return (StatusCode::OK, Json(counts)).into_response();
    }
    let shared = app.clone();
    let appended = tokio::task::spawn_blocking(move || {
        let queue = shared.nrt_queue.clone();
        shared.store.append(source, parsed.tables, move |rec| {
            // The worker is gone only when the server stops; the batch is
            // then run at the next start.
            let _ = queue.send(rec.clone());
        })
    })
    .await;
    match appended {
        Ok(Ok(rec)) => {
            app.metrics.events(source, records);
            counts["batch"] = json!(rec.seq);
            (StatusCode::OK, Json(counts)).into_response()
        }
        Ok(Err(AppendError::Busy)) => busy(&app),
        Ok(Err(AppendError::Failed(e))) => {
            tracing::error!("cannot store a batch: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, format!("not stored: {e}"))
        }
        Err(e) => internal(e),
    }
}

fn busy(app: &App) -> Response {
    app.metrics.busy();
    let body = json!({"error": "the write-ahead log is behind compaction; retry later, nothing was stored"});
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, RETRY_AFTER)], Json(body)).into_response()
}

#[derive(Deserialize)]
struct QueryRequest {
    query: String,
    now: Option<String>,
    max_rows: Option<usize>,
}

/// Runs KQL over the store: its first result, at most `max_rows` rows.
async fn query(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: QueryRequest = match json_body(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let now = match req.now.as_deref() {
        Some(t) => match kql_syntax::parse_datetime_nanos(t) {
            Some(n) => n,
            None => return error(StatusCode::BAD_REQUEST, format!("invalid now '{t}': expected a datetime")),
        },
        None => app.config.now(),
    };
    let max = req.max_rows.unwrap_or(app.config.max_rows).min(app.config.max_rows);
    let store = app.store.clone();
    let catalog = match tokio::task::spawn_blocking(move || store.catalog()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => return internal(e),
    };
    let engine = Engine::new(catalog, app.config.engine.clone());
    let mut stream = match engine.run_stream(&req.query, QueryOptions { now }).await {
        Ok(s) => s,
        Err(e) => return engine_error(&e, &req.query),
    };
    let columns: Vec<Value> =
        stream.schema().fields().iter().map(|f| json!({"name": f.name(), "type": f.data_type().to_string()})).collect();
    let mut rows = Vec::new();
    let mut truncated = false;
    'read: while let Some(batch) = stream.next().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => return engine_error(&e, &req.query),
        };
        for i in 0..batch.num_rows() {
            if rows.len() >= max {
                truncated = true;
                break 'read;
            }
            rows.push(Value::Object(detect::rows::row(&batch, i)));
        }
    }
    Json(json!({"columns": columns, "rows": rows, "truncated": truncated})).into_response()
}

/// An engine error: diagnostics with line and column (400), or a failure
/// while running, including the time and memory limits (422).
fn engine_error(e: &EngineError, text: &str) -> Response {
    let diags = e.diagnostics();
    if diags.is_empty() {
        let kind = match e {
            EngineError::Timeout(_) => "timeout",
            EngineError::ResourcesExhausted(_) => "memory",
            _ => "execution",
        };
        let body = json!({"error": e.to_string(), "kind": kind});
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    let index = LineIndex::new(text);
    let list: Vec<Value> = diags
        .iter()
        .map(|d| {
            let start = index.line_col(d.span.start);
            let end = index.line_col(d.span.end);
            json!({
                "code": d.code, "message": d.message, "help": d.help, "label": d.label,
                "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
            })
        })
        .collect();
    let body = json!({"error": e.to_string(), "diagnostics": list});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

#[derive(Deserialize)]
struct AlertsParams {
    status: Option<String>,
    severity: Option<String>,
    rule: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

async fn list_alerts(State(app): State<Arc<App>>, q: Result<Query<AlertsParams>, QueryRejection>) -> Response {
    let p = match params(q) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Some(s) = &p.status
        && !STATUSES.contains(&s.as_str())
    {
        return error(StatusCode::BAD_REQUEST, format!("unknown status '{s}' (known: {})", STATUSES.join(", ")));
    }
    let filter = AlertFilter {
        status: p.status,
        severity: p.severity,
        rule: p.rule,
        limit: p.limit.unwrap_or(PAGE).min(MAX_PAGE),
        offset: p.offset.unwrap_or(0),
    };
    match app.state.list_alerts(&filter) {
        Ok((alerts, total)) => page("alerts", alerts, total, filter.offset),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn get_alert(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.state.get_alert(&id) {
        Ok(Some(a)) => Json(a).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    status: Option<String>,
    owner: Option<String>,
    comment: Option<String>,
    author: Option<String>,
}

async fn update_alert(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let u: UpdateRequest = match json_body(&body) {
        Ok(u) => u,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Some(s) = &u.status
        && !STATUSES.contains(&s.as_str())
    {
        return error(StatusCode::BAD_REQUEST, format!("unknown status '{s}' (known: {})", STATUSES.join(", ")));
    }
    let update = AlertUpdate { status: u.status, owner: u.owner, comment: u.comment, author: u.author };
    match app.state.update_alert(&id, &update, wall_now()) {
        Ok(Some(a)) => Json(a).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn rules(State(app): State<Arc<App>>) -> Response {
    let states = match app.state.rules() {
        Ok(s) => s,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let counts = match app.state.alert_counts() {
        Ok(c) => c,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let sigma_runs = app.sigma.runs();
    let time = |t: Option<i64>| t.map(kql_engine::render::datetime_text);
    let dur = |d: Option<std::time::Duration>| d.map(detect::rule::duration::format_duration);
    let set = app.rules();
    let list: Vec<Value> = set
        .listed()
        .map(|(r, kind)| {
            let mut s = states.get(&r.id).cloned().unwrap_or_default();
            if kind == crate::ruleset::SIGMA || kind == crate::ruleset::SIGMA_CORRELATION {
                // Counted in memory since the start; the alerts are those stored.
                let runs = sigma_runs.get(&r.id).cloned().unwrap_or_default();
                s.last_run = runs.last_run;
                s.next_run = None;
                s.last_error = runs.last_error;
                s.runs = runs.runs;
                s.failures = runs.failures;
                s.alerts = counts.get(&r.id).copied().unwrap_or(0);
            }
            let state = if s.last_error.is_some() { "failing" } else { "enabled" };
            json!({
                "id": r.id, "name": r.name, "kind": kind, "severity": r.severity.as_str(),
                "origin": r.origin, "query_frequency": dur(r.query_frequency), "query_period": dur(r.query_period),
                "tactics": r.tactics, "techniques": r.techniques,
                "state": state, "last_run": time(s.last_run), "next_run": time(s.next_run),
                "last_error": s.last_error, "runs": s.runs, "failures": s.failures, "alerts": s.alerts,
            })
        })
        .collect();
    let reload = app.reloaded.lock().ok().and_then(|r| r.clone()).map(|r| {
        json!({"time": kql_engine::render::datetime_text(r.at), "cause": r.cause, "ok": r.error.is_none(), "error": r.error})
    });
    Json(json!({ "rules": list, "reload": reload })).into_response()
}

/// New alerts as they are stored, one `alert` event each (its id the
/// alert's), and each incident made or changed as an `incident` event (its
/// summary, without an id, so `Last-Event-ID` stays the last alert's);
/// `lagged` with a count when the client fell behind and missed some (read
/// them from `GET /api/alerts` and `GET /api/incidents`). A client
/// reconnecting with `Last-Event-ID` first gets the alerts stored after
/// that one (up to a page of [`MAX_PAGE`]).
async fn stream(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    // Subscribed before reading what was stored, so nothing falls between.
    let rx = app.alerts.subscribe();
    let incidents = app.incidents.subscribe();
    let stop = app.stop.clone();
    let mut replay = Vec::new();
    if let Some(last) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        match app.state.alerts_after(last, MAX_PAGE) {
            Ok(Some(alerts)) => replay = alerts,
            Ok(None) => {}
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    }
    let replayed: HashSet<String> =
        replay.iter().filter_map(|a| a.get("id").and_then(Value::as_str)).map(str::to_string).collect();
    let first = futures::stream::iter(replay.into_iter().map(|a| Ok(alert_event(&a))));
    let state = (rx, incidents, stop, replayed);
    let live = futures::stream::unfold(state, |(mut rx, mut incidents, mut stop, replayed)| async move {
        loop {
            let event = tokio::select! {
                r = rx.recv() => match r {
                    Ok(v) if v.get("id").and_then(Value::as_str).is_some_and(|id| replayed.contains(id)) => continue,
                    Ok(v) => alert_event(&v),
                    Err(RecvError::Lagged(n)) => Event::default().event("lagged").data(n.to_string()),
                    Err(RecvError::Closed) => return None,
                },
                r = incidents.recv() => match r {
                    Ok(v) => Event::default().event("incident").data(v.to_string()),
                    Err(RecvError::Lagged(n)) => Event::default().event("lagged").data(n.to_string()),
                    Err(RecvError::Closed) => return None,
                },
                _ = crate::server::stopped(&mut stop) => return None,
            };
            return Some((Ok::<Event, Infallible>(event), (rx, incidents, stop, replayed)));
        }
    });
    Sse::new(first.chain(live)).keep_alive(KeepAlive::default()).into_response()
}

fn alert_event(a: &Value) -> Event {
    let id = a.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
    Event::default().event("alert").id(id).data(a.to_string())
}

async fn health(State(app): State<Arc<App>>) -> Response {
    let last = app.store.last_seq();
    let pending = last.saturating_sub(app.nrt_done.load(std::sync::atomic::Ordering::SeqCst));
    let body =
        json!({"status": "ok", "wal_bytes": app.store.wal_bytes(), "last_batch": last, "nrt_pending_batches": pending});
    Json(body).into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let pending = app.store.last_seq().saturating_sub(app.nrt_done.load(std::sync::atomic::Ordering::SeqCst));
    let text = app.metrics.render(app.store.wal_bytes(), pending);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
