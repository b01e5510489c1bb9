//! `GET /api/incidents` (filtered by status, severity and owner, paged),
//! `GET /api/incidents/{id}` (with its alerts, entities and evidence rows)
//! and `PATCH /api/incidents/{id}` (status, owner, classification,
//! comment). A change is sent to the live stream as an `incident` event.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::db::{Change, IncidentFilter, IncidentUpdate};
use super::{CLASSIFICATIONS, STATUSES};
use crate::api::{MAX_PAGE, PAGE, error, json_body, page};
use crate::config::wall_now;
use crate::server::App;

/// The incident routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/incidents", get(list)).route("/api/incidents/{id}", get(one).patch(update))
}

#[derive(Deserialize)]
struct ListParams {
    status: Option<String>,
    severity: Option<String>,
    owner: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

async fn list(State(app): State<Arc<App>>, Query(p): Query<ListParams>) -> Response {
    if let Some(s) = &p.status
        && !STATUSES.contains(&s.as_str())
    {
        return error(StatusCode::BAD_REQUEST, format!("unknown status '{s}' (known: {})", STATUSES.join(", ")));
    }
    let filter = IncidentFilter {
        status: p.status,
        severity: p.severity,
        owner: p.owner,
        limit: p.limit.unwrap_or(PAGE).min(MAX_PAGE),
        offset: p.offset.unwrap_or(0),
    };
    match app.state.list_incidents(&filter) {
        Ok((incidents, total)) => page("incidents", incidents, total, filter.offset),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn one(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.state.get_incident(&id) {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no incident {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    status: Option<String>,
    owner: Option<String>,
    classification: Option<String>,
    classification_reason: Option<String>,
    classification_comment: Option<String>,
    comment: Option<String>,
    author: Option<String>,
}

/// The names in a request checked against Sentinel's.
fn check(u: &UpdateRequest) -> Result<(), String> {
    if let Some(s) = &u.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(format!("unknown status '{s}' (known: {})", STATUSES.join(", ")));
    }
    if let Some(c) = &u.classification {
        let Some((_, reasons)) = CLASSIFICATIONS.iter().find(|(n, _)| n == c) else {
            let known: Vec<&str> = CLASSIFICATIONS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown classification '{c}' (known: {})", known.join(", ")));
        };
        if let Some(r) = &u.classification_reason
            && !reasons.contains(&r.as_str())
        {
            let known = if reasons.is_empty() { "none".to_string() } else { reasons.join(", ") };
            return Err(format!("'{r}' is not a reason for {c} (its reasons: {known})"));
        }
    }
    Ok(())
}

async fn update(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let u: UpdateRequest = match json_body(&body) {
        Ok(u) => u,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Err(e) = check(&u) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let update = IncidentUpdate {
        status: u.status,
        owner: u.owner,
        classification: u.classification,
        classification_reason: u.classification_reason,
        classification_comment: u.classification_comment,
        comment: u.comment,
        author: u.author,
    };
    match app.state.update_incident(&id, &update, wall_now()) {
        Ok(Change::Done(v)) => {
            app.publish_incidents(std::slice::from_ref(&id));
            Json(v).into_response()
        }
        Ok(Change::NotFound) => error(StatusCode::NOT_FOUND, format!("no incident {id}")),
        Ok(Change::Refused(why)) => error(StatusCode::BAD_REQUEST, why),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
