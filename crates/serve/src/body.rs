//! Request bodies read whole before a handler runs: at most `--max-body`
//! bytes (413 past it, also when `Content-Length` says so up front) within
//! `--body-timeout` after the head (408 past it). A handler sees a body
//! only once it has all come, so nothing of a cut-off body is stored.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::api::error;
use crate::server::App;

/// Reads the body whole under the size and time limits, then runs the
/// handler with it.
pub async fn buffer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let max = app.config.max_body;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(max);
    }
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(app.config.body_timeout, Limited::new(body, max).collect()).await;
    let bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(max),
        Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
        Err(_) => {
            let secs = app.config.body_timeout.as_secs_f64();
            return error(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not come whole within {secs} s (--body-timeout); nothing was stored"),
            );
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn too_large(max: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {max} bytes (--max-body); nothing was stored"),
    )
}
