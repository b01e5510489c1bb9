//! Who may do what: bearer tokens with roles from `--token-file`, and the
//! client certificate the Kubernetes API server presents on the audit
//! webhook (`--client-ca`).
//!
//! A token file holds one token a line, `ROLE TOKEN`, with `#` comments
//! and blank lines ignored. Roles:
//! - `ingest`: `POST /ingest` and `POST /k8s-audit`, nothing else;
//! - `read`: every `GET` under `/api/` and `/metrics`, and `POST
//!   /api/query` and `POST /api/check` (they change nothing);
//! - `write`: everything `read` may, every other request of the API
//!   (updates), and ingest.
//!
//! `GET /healthz` and the console's pages and assets (every `GET` outside
//! `/api/` and `/metrics`: static files, no data) need no token, and so do
//! the catalog's pages under `/catalog/`: they hold the rules' own content
//! (names, queries, ATT&CK tags), not telemetry, alerts or the rules'
//! state. Data is served only under `/api/` and `/metrics`, so a route
//! added there is protected without being listed here.
//!
//! `GET /api/session` answers the role of the token a request came with
//! ([`session`]), as the role the middleware found.
//!
//! The console sends its token as this header on every call (its live
//! event stream too, read with `fetch`): no cookie carries a token, so a
//! request another site makes the browser send carries none.
//!
//! Tokens are compared in constant time: the presented token's SHA-256
//! against every stored digest, all of them, whatever matched.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::server::App;

/// The shortest token accepted (a token is a secret, not a password).
pub const MIN_TOKEN_LEN: usize = 16;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Post events, nothing else.
    Ingest,
    /// Read the API: queries, alerts, rules, metrics.
    Read,
    /// Read and change: updates and ingest too.
    Write,
}

impl Role {
    fn parse(s: &str) -> Option<Role> {
        match s {
            "ingest" => Some(Role::Ingest),
            "read" => Some(Role::Read),
            "write" => Some(Role::Write),
            _ => None,
        }
    }

    /// The role's name, as the token file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Read => "read",
            Role::Write => "write",
        }
    }
}

/// The tokens of a token file, kept as digests.
#[derive(Clone, Default)]
pub struct Tokens {
    digests: Vec<([u8; 32], Role)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} tokens)", self.digests.len())
    }
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl Tokens {
    /// Reads a token file.
    pub fn load(path: &Path) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Tokens::parse(&text).map_err(|e| format!("{}:{e}", path.display()))
    }

    /// Reads a token file's text; an error starts with the line number.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut digests = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(role), Some(token), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!("{n}: expected 'ROLE TOKEN' (ROLE one of ingest, read, write)"));
            };
            let Some(role) = Role::parse(role) else {
                return Err(format!("{n}: unknown role '{role}' (known: ingest, read, write)"));
            };
            if token.chars().count() < MIN_TOKEN_LEN {
                return Err(format!("{n}: the token is shorter than {MIN_TOKEN_LEN} characters"));
            }
            let d = digest(token.as_bytes());
            if digests.iter().any(|(other, _)| *other == d) {
                return Err(format!("{n}: the same token is listed twice"));
            }
            digests.push((d, role));
        }
        if digests.is_empty() {
            return Err("0: no token in the file".into());
        }
        Ok(Tokens { digests })
    }

    /// The role of `token`, if it is one of these. Every stored digest is
    /// compared, in constant time, whichever matches.
    pub fn role(&self, token: &str) -> Option<Role> {
        let d = digest(token.as_bytes());
        let mut found = None;
        for (stored, role) in &self.digests {
            if bool::from(stored.ct_eq(&d)) {
                found = Some(*role);
            }
        }
        found
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: health and the console's static pages.
    Open,
    /// An ingest route (an `ingest` or `write` token).
    Ingest,
    /// The audit webhook (like [`Need::Ingest`], or a client certificate
    /// when `--client-ca` is given).
    Webhook,
    /// A `read` or `write` token.
    Read,
    /// A `write` token.
    Write,
}

/// What `method path` needs.
pub fn need(method: &Method, path: &str) -> Need {
    let api = path.starts_with("/api/") || path == "/api" || path == "/metrics";
    match path {
        "/k8s-audit" => return Need::Webhook,
        "/ingest" => return Need::Ingest,
        "/healthz" if method == Method::GET || method == Method::HEAD => return Need::Open,
        _ => {}
    }
    let reads = method == Method::GET || method == Method::HEAD;
    if reads && !api {
        Need::Open
    } else if reads || (method == Method::POST && (path == "/api/query" || path == "/api/check")) {
        Need::Read
    } else {
        Need::Write
    }
}

/// Whether the connection presented a client certificate that
/// `--client-ca` verified (set per connection by the listener).
#[derive(Debug, Clone, Copy, Default)]
pub struct Peer {
    /// A verified client certificate was presented.
    pub client_cert: bool,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let body = axum::Json(json!({ "error": message }));
    if status == StatusCode::UNAUTHORIZED {
        (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
    } else {
        (status, body).into_response()
    }
}

/// The bearer token of a request, if it has one.
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Lets a request through only if its token (or client certificate) may
/// do what it asks: 401 without a valid token, 403 with one whose role
/// does not allow it.
pub async fn authorize(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let need = need(req.method(), req.uri().path());
    if need == Need::Webhook && app.config.security.client_ca() {
        let verified = req.extensions().get::<Peer>().is_some_and(|p| p.client_cert);
        if !verified {
            return refuse(StatusCode::FORBIDDEN, "the audit webhook needs a client certificate signed by --client-ca");
        }
        return next.run(req).await;
    }
    let Some(tokens) = &app.config.security.tokens else {
        return next.run(req).await;
    };
    if need == Need::Open {
        return next.run(req).await;
    }
    let Some(token) = bearer(&req) else {
        return refuse(StatusCode::UNAUTHORIZED, "an 'Authorization: Bearer TOKEN' header is required");
    };
    let Some(role) = tokens.role(token) else {
        return refuse(StatusCode::UNAUTHORIZED, "the bearer token is not valid");
    };
    let allowed = match need {
        Need::Open => true,
        Need::Ingest | Need::Webhook => matches!(role, Role::Ingest | Role::Write),
        Need::Read => matches!(role, Role::Read | Role::Write),
        Need::Write => role == Role::Write,
    };
    if !allowed {
        let what = match need {
            Need::Ingest | Need::Webhook => "ingest",
            Need::Read => "read the API",
            _ => "change anything",
        };
        return refuse(StatusCode::FORBIDDEN, &format!("a '{}' token may not {what}", role.as_str()));
    }
    let mut req = req;
    req.extensions_mut().insert(role);
    next.run(req).await
}

/// `GET /api/session`: the caller's role (`read` or `write`), or null when
/// the server has no token file (then every request is allowed, as on
/// loopback). An `ingest` token is refused before it gets here, like on
/// every read route. The console asks it to show what a token may not do;
/// the routes themselves still refuse it.
pub async fn session(role: Option<axum::Extension<Role>>) -> Response {
    let role = role.map(|axum::Extension(r)| r.as_str());
    axum::Json(json!({ "role": role })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_are_read_line_by_line_with_clear_errors() {
        let t = Tokens::parse("# ops\n\ningest aaaaaaaaaaaaaaaa\nread  bbbbbbbbbbbbbbbb\nwrite cccccccccccccccc\n")
            .unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.role("aaaaaaaaaaaaaaaa"), Some(Role::Ingest));
        assert_eq!(t.role("bbbbbbbbbbbbbbbb"), Some(Role::Read));
        assert_eq!(t.role("cccccccccccccccc"), Some(Role::Write));
        assert_eq!(t.role("aaaaaaaaaaaaaaa"), None);
        assert_eq!(t.role(""), None);
        assert_eq!(
            Tokens::parse("admin aaaaaaaaaaaaaaaa").unwrap_err(),
            "1: unknown role 'admin' (known: ingest, read, write)"
        );
        assert_eq!(Tokens::parse("\nread short").unwrap_err(), "2: the token is shorter than 16 characters");
        assert!(Tokens::parse("read").unwrap_err().starts_with("1: expected 'ROLE TOKEN'"));
        assert!(Tokens::parse("read a b").unwrap_err().starts_with("1: expected 'ROLE TOKEN'"));
        let twice = "read aaaaaaaaaaaaaaaa\nwrite aaaaaaaaaaaaaaaa";
        assert_eq!(Tokens::parse(twice).unwrap_err(), "2: the same token is listed twice");
        assert_eq!(Tokens::parse("# nothing\n").unwrap_err(), "0: no token in the file");
    }

    #[test]
    fn routes_need_what_they_touch() {
        assert_eq!(need(&Method::POST, "/ingest"), Need::Ingest);
        assert_eq!(need(&Method::POST, "/k8s-audit"), Need::Webhook);
        assert_eq!(need(&Method::GET, "/healthz"), Need::Open);
        assert_eq!(need(&Method::GET, "/"), Need::Open);
        assert_eq!(need(&Method::GET, "/assets/console.js"), Need::Open);
        assert_eq!(need(&Method::GET, "/catalog/techniques/T1609.html"), Need::Open);
        // Paths are not normalised before routing: this reaches the
        // catalog's handler, which refuses it (tests/catalog_pages.rs).
        assert_eq!(need(&Method::GET, "/catalog/../api/alerts"), Need::Open);
        assert_eq!(need(&Method::POST, "/catalog/"), Need::Write);
        assert_eq!(need(&Method::GET, "/metrics"), Need::Read);
        assert_eq!(need(&Method::GET, "/api/alerts"), Need::Read);
        assert_eq!(need(&Method::GET, "/api/anything-new"), Need::Read);
        assert_eq!(need(&Method::POST, "/api/query"), Need::Read);
        assert_eq!(need(&Method::PATCH, "/api/alerts/x"), Need::Write);
        assert_eq!(need(&Method::POST, "/api/anything-new"), Need::Write);
        assert_eq!(need(&Method::POST, "/"), Need::Write);
        assert_eq!(need(&Method::DELETE, "/healthz"), Need::Write);
    }
}
