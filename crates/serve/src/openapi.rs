//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every route,
//! written by hand in `openapi.json` beside this file (`tests/openapi.rs`
//! holds it to the routes the server mounts, both ways).

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// Serves the document.
pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}
