//! The web console: its built assets (embedded from `console/dist`, built
//! by Vite from `console/src`) served at `/` with every console page path
//! answered by the single-page app, and the endpoints only the console
//! needs: the schema for completion (`GET /api/schema`), diagnostics while
//! typing (`POST /api/check`), one rule in full (`GET /api/rules/{id}`) and
//! the ATT&CK coverage with alert counts (`GET /api/coverage`).

use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kql_engine::{Engine, QueryOptions};
use kql_syntax::{Diagnostic, LineIndex};
use serde_json::{Value, json};

use crate::api::{error, json_body};
use crate::server::App;

/// One embedded file: its bytes, content type and entity tag.
struct Asset {
    body: &'static [u8],
    content_type: &'static str,
    etag: String,
}

impl Asset {
    fn new(body: &'static [u8], content_type: &'static str) -> Asset {
        // Any hash that changes with the content will do: the tag only has
        // to tell this binary's copy from another.
        let mut h = std::hash::DefaultHasher::new();
        body.hash(&mut h);
        Asset { body, content_type, etag: format!("\"{:016x}-{:x}\"", h.finish(), body.len()) }
    }
}

static INDEX: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_bytes!("../console/dist/index.html"), "text/html; charset=utf-8"));
static SCRIPT: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_bytes!("../console/dist/assets/console.js"), "text/javascript; charset=utf-8"));
static STYLE: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_bytes!("../console/dist/assets/console.css"), "text/css; charset=utf-8"));

/// The console's pages (the app routes them itself), its endpoints and the
/// catalog's pages (see [`crate::catalog_pages`]).
pub fn routes(config: &crate::Config) -> Router<Arc<App>> {
    // Tagged now, not on the first request.
    for a in [&INDEX, &SCRIPT, &STYLE] {
        LazyLock::force(a);
    }
    Router::new()
        .route("/", get(index))
        .route("/query", get(index))
        .route("/alerts", get(index))
        .route("/alerts/{id}", get(index))
        .route("/incidents", get(index))
        .route("/incidents/{id}", get(index))
        .route("/rules", get(index))
        .route("/coverage", get(index))
        .route("/assets/console.js", get(|h: HeaderMap| async move { serve(&SCRIPT, &h) }))
        .route("/assets/console.css", get(|h: HeaderMap| async move { serve(&STYLE, &h) }))
        .route("/api/schema", get(schema))
        .route("/api/check", post(check))
        .route("/api/rules/{id}", get(rule))
        .route("/api/coverage", get(coverage))
        .merge(crate::catalog_pages::routes(config))
}

async fn index(h: HeaderMap) -> Response {
    serve(&INDEX, &h)
}

/// An asset, revalidated on every use (its name carries no version): 304
/// when the client holds this very content.
fn serve(a: &Asset, h: &HeaderMap) -> Response {
    let cache = [(header::CACHE_CONTROL, "no-cache"), (header::ETAG, a.etag.as_str())];
    let held = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if held.is_some_and(|v| v.split(',').any(|t| t.trim() == a.etag)) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let headers = [
        (header::CONTENT_TYPE, a.content_type),
        (header::CACHE_CONTROL, "no-cache"),
        (header::ETAG, a.etag.as_str()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, a.body).into_response()
}

/// The tables a query can name with their columns and KQL types, and the
/// functions the engine knows.
async fn schema() -> Response {
    let tables: Vec<Value> = telemetry::tables::all()
        .into_iter()
        .map(|(name, schema)| {
            let columns: Vec<Value> = schema
                .fields()
                .iter()
                .map(|f| json!({"name": f.name(), "type": kql_engine::KqlType::of(f.data_type()).name()}))
                .collect();
            json!({"name": name, "columns": columns})
        })
        .collect();
    let mut functions: Vec<&str> = kql_engine::functions::BUILTIN_SCALARS.to_vec();
    functions.extend(kql_engine::functions::ROWWISE.iter().map(|d| d.name));
    functions.extend(kql_engine::functions::WINDOW_FUNCTIONS);
    functions.sort_unstable();
    functions.dedup();
    let aggregates: Vec<&str> = kql_engine::functions::aggregate::AGGREGATES.iter().map(|(n, _)| *n).collect();
    Json(json!({"tables": tables, "functions": functions, "aggregates": aggregates})).into_response()
}

/// A diagnostic where an editor needs it: line and column (in characters),
/// and the span as UTF-16 offsets into the text.
fn located(d: &Diagnostic, text: &str, index: &LineIndex) -> Value {
    let utf16 = |byte: u32| text.get(..(byte as usize).min(text.len())).map(|s| s.encode_utf16().count());
    let start = index.line_col(d.span.start);
    let end = index.line_col(d.span.end);
    json!({
        "code": d.code, "message": d.message, "help": d.help, "label": d.label,
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
        "from": utf16(d.span.start), "to": utf16(d.span.end),
    })
}

#[derive(serde::Deserialize)]
struct CheckRequest {
    query: String,
}

/// The diagnostics of a query: its syntax (what `dragnet check` reports),
/// then, when that is clean, its binding against the store's tables (names,
/// types), without running it.
async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: CheckRequest = match json_body(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let store = app.store.clone();
    let engine_config = app.config.engine.clone();
    let now = app.config.now();
    let checked = tokio::task::spawn_blocking(move || {
        let text = req.query;
        let index = LineIndex::new(&text);
        let parsed = kql_syntax::parse(&text);
        let mut list: Vec<Value> = parsed.diagnostics.iter().map(|d| located(d, &text, &index)).collect();
        if list.is_empty() {
            let catalog = store.catalog()?;
            if let Err(e) = Engine::new(catalog, engine_config).plan(&text, QueryOptions { now }) {
                list.extend(e.diagnostics().iter().map(|d| located(d, &text, &index)));
            }
        }
        // The tree is as deep as the query nests: dropped on a stack sized for that.
        kql_syntax::with_tree_stack(move || drop(parsed));
        Ok::<_, String>(list)
    })
    .await;
    match checked {
        Ok(Ok(list)) => Json(json!({"ok": list.is_empty(), "diagnostics": list})).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}")),
    }
}

/// One loaded rule with what an analyst reads beside its alerts.
async fn rule(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let set = app.rules();
    let Some(r) = set.all.iter().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, format!("no rule {id}"));
    };
    let tests: Vec<&str> = r.tests.iter().map(|t| t.name.as_str()).collect();
    Json(json!({
        "id": r.id, "name": r.name, "description": r.description, "severity": r.severity.as_str(),
        "kind": r.kind.as_str(), "origin": r.origin, "tactics": r.tactics, "techniques": r.techniques,
        "query": r.query, "false_positives": r.false_positives, "tuning": r.tuning,
        "references": r.references, "tests": tests,
    }))
    .into_response()
}

/// The ATT&CK Containers matrix: for each technique the rules naming it,
/// their attack tests and the alerts those rules have stored.
async fn coverage(State(app): State<Arc<App>>) -> Response {
    let counts = match app.state.alert_counts() {
        Ok(c) => c,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let matrix = detect::coverage::coverage(&app.rules().all);
    let mut columns = Vec::with_capacity(matrix.len());
    for col in matrix {
        let mut cells = Vec::with_capacity(col.cells.len());
        for c in col.cells {
            let alerts = c.rules.iter().map(|r| counts.get(r).copied().unwrap_or(0)).fold(0u64, u64::saturating_add);
            cells.push(json!({
                "id": c.technique.id, "name": c.technique.name, "rules": c.rules, "tests": c.tests,
                "via_sub_techniques": c.via_sub_techniques, "alerts": alerts,
            }));
        }
        columns.push(json!({"tactic": col.tactic, "id": col.id, "name": col.name, "cells": cells}));
    }
    Json(json!({"attack_version": detect::attack::ATTACK_VERSION, "tactics": columns})).into_response()
}
