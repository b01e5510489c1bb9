//! Access to `serve`: bearer tokens and their roles, TLS with a CA made
//! here, and client certificates on the audit webhook.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::tls::Ca;
use common::{Response, Server, config, k8s_batches, send, temp_dir, try_exchange};
use rcgen::ExtendedKeyUsagePurpose;
use serde_json::json;
use serve::auth::Tokens;
use serve::tls::TlsFiles;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const INGEST: &str = "ingest-0123456789abcdef";
const READ: &str = "read-0123456789abcdef";
const WRITE: &str = "write-0123456789abcdef";

fn tokens() -> Tokens {
    Tokens::parse(&format!("# test tokens\ningest {INGEST}\nread {READ}\nwrite {WRITE}\n")).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn with(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Response {
    let auth = token.map(bearer);
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    send(addr, method, path, &headers, body)
}

fn query(addr: SocketAddr, token: Option<&str>, q: &str) -> Response {
    with(addr, "POST", "/api/query", token, json!({ "query": q }).to_string().as_bytes())
}

fn count(addr: SocketAddr, q: &str) -> i64 {
    let r = query(addr, Some(READ), q);
    assert_eq!(r.status, 200, "{}", r.text());
    r.value()["rows"][0].as_object().unwrap().values().next().unwrap().as_i64().unwrap()
}

#[test]
fn tokens_allow_what_their_role_allows_and_nothing_else() {
    let dir = temp_dir("tokens");
    let mut cfg = config(&dir);
    cfg.security.tokens = Some(tokens());
    let server = Server::start(cfg);
    let addr = server.addr;
    let batch = &k8s_batches(14)[0];

    // No token, an unknown one, a malformed header: 401, nothing stored.
    let r = with(addr, "POST", "/k8s-audit", None, batch);
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert!(r.value()["error"].as_str().unwrap().contains("Authorization: Bearer"), "{}", r.text());
    assert_eq!(with(addr, "POST", "/ingest", Some("wrong-0123456789abcdef"), batch).status, 401);
    assert_eq!(with(addr, "POST", "/ingest", Some(&INGEST[..INGEST.len() - 1]), batch).status, 401);
    let basic = send(addr, "POST", "/ingest", &[("Authorization", "Basic aW5nZXN0")], batch);
    assert_eq!(basic.status, 401, "{}", basic.text());
    assert_eq!(query(addr, None, "AKSAudit | count").status, 401);
    assert_eq!(with(addr, "GET", "/api/alerts", None, b"").status, 401);
    assert_eq!(with(addr, "GET", "/metrics", None, b"").status, 401);
    assert_eq!(count(addr, "AKSAudit | count"), 0);

    // A read token may not ingest or change; an ingest token may not read.
    assert_eq!(with(addr, "POST", "/k8s-audit", Some(READ), batch).status, 403);
    let r = query(addr, Some(INGEST), "AKSAudit | count");
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.value()["error"], "a 'ingest' token may not read the API");
    assert_eq!(with(addr, "GET", "/api/alerts", Some(INGEST), b"").status, 403);
    assert_eq!(with(addr, "GET", "/metrics", Some(INGEST), b"").status, 403);
    assert_eq!(with(addr, "PATCH", "/api/alerts/x", Some(READ), b"{}").status, 403);
    assert_eq!(count(addr, "AKSAudit | count"), 0);

    // Each role does what it may.
    let r = with(addr, "POST", "/k8s-audit", Some(INGEST), batch);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(with(addr, "POST", "/ingest?format=k8s-audit", Some(WRITE), batch).status, 200);
    assert_eq!(count(addr, "AKSAudit | count"), 28);
    assert_eq!(with(addr, "GET", "/metrics", Some(READ), b"").status, 200);
    assert_eq!(with(addr, "GET", "/api/rules", Some(READ), b"").status, 200);
    let r = with(addr, "PATCH", "/api/alerts/nope", Some(WRITE), json!({"owner": "ana"}).to_string().as_bytes());
    assert_eq!(r.status, 404, "{}", r.text());

    // The session names the caller's role; an ingest token may not ask.
    assert_eq!(with(addr, "GET", "/api/session", Some(READ), b"").value(), json!({"role": "read"}));
    assert_eq!(with(addr, "GET", "/api/session", Some(WRITE), b"").value(), json!({"role": "write"}));
    assert_eq!(with(addr, "GET", "/api/session", Some(INGEST), b"").status, 403);
    assert_eq!(with(addr, "GET", "/api/session", None, b"").status, 401);

    // Health and the console's static pages need no token.
    assert_eq!(with(addr, "GET", "/healthz", None, b"").status, 200);
    assert_eq!(with(addr, "GET", "/", None, b"").status, 200);
    assert_eq!(with(addr, "GET", "/assets/console.js", None, b"").status, 200);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The server's TLS files under `dir`, signed by `ca`; the client CA too
/// when given.
fn tls_files(dir: &Path, ca: &Ca, client_ca: Option<&Ca>) -> TlsFiles {
    std::fs::create_dir_all(dir).unwrap();
    let (cert, key) = ca.sign(&["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    std::fs::write(dir.join("tls.crt"), cert).unwrap();
    std::fs::write(dir.join("tls.key"), key).unwrap();
    let client_ca = client_ca.map(|c| {
        std::fs::write(dir.join("client-ca.crt"), c.pem()).unwrap();
        dir.join("client-ca.crt")
    });
    TlsFiles { cert: dir.join("tls.crt"), key: dir.join("tls.key"), client_ca }
}

/// A TLS client trusting `ca`, presenting `client` (certificate and key
/// PEM) when given.
fn client(ca: &Ca, client: Option<&(String, String)>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
            builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap()).unwrap()
        }
    };
    Arc::new(config)
}

/// A request over TLS to `localhost` at `addr`; `None` when the handshake
/// or the connection fails before a response comes.
fn tls_request(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Option<Response> {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let conn = ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tls = StreamOwned::new(conn, tcp);
    // The handshake happens on first use; a refused one fails here.
    if tls.conn.complete_io(&mut tls.sock).is_err() {
        return None;
    }
    let auth = token.map(bearer);
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    try_exchange(tls, "localhost", method, path, &headers, body)
}

#[test]
fn tls_with_tokens_serves_any_address_and_plain_http_gets_no_answer() {
    let dir = temp_dir("tls");
    let ca = Ca::new("dragnet test CA");
    let mut cfg = config(&dir);
    // Any address: allowed now that there are TLS and tokens.
    cfg.listen = "0.0.0.0:0".parse().unwrap();
    cfg.security.tls = Some(tls_files(&dir.join("certs"), &ca, None));
    cfg.security.tokens = Some(tokens());
    let server = Server::start(cfg);
    let addr: SocketAddr = format!("127.0.0.1:{}", server.addr.port()).parse().unwrap();
    let trusting = client(&ca, None);

    let batch = &k8s_batches(14)[0];
    let r = tls_request(addr, trusting.clone(), "POST", "/k8s-audit", Some(INGEST), batch).expect("a TLS answer");
    assert_eq!(r.status, 200, "{}", r.text());
    let q = json!({"query": "AKSAudit | count"}).to_string();
    let r = tls_request(addr, trusting.clone(), "POST", "/api/query", Some(READ), q.as_bytes()).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.value()["rows"][0]["Count"], 14);
    let r = tls_request(addr, trusting.clone(), "POST", "/api/query", None, q.as_bytes()).unwrap();
    assert_eq!(r.status, 401, "{}", r.text());

    // A client that does not trust the CA refuses the server.
    let stranger = client(&Ca::new("another CA"), None);
    assert!(tls_request(addr, stranger, "GET", "/healthz", None, b"").is_none());
    // Plain HTTP on the TLS port gets no HTTP answer.
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let plain = try_exchange(s, "x", "GET", "/healthz", &[], b"");
    assert!(plain.is_none(), "plain HTTP was answered");
    // The server is still up.
    let r = tls_request(addr, trusting, "GET", "/healthz", None, b"").unwrap();
    assert_eq!(r.status, 200);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_audit_webhook_needs_a_client_certificate_from_the_client_ca() {
    let dir = temp_dir("mtls");
    let server_ca = Ca::new("server CA");
    let client_ca = Ca::new("API server client CA");
    let mut cfg = config(&dir);
    cfg.security.tls = Some(tls_files(&dir.join("certs"), &server_ca, Some(&client_ca)));
    cfg.security.tokens = Some(tokens());
    let server = Server::start(cfg);
    let addr = server.addr;
    let batch = &k8s_batches(14)[0];
    let apiserver = client_ca.sign(&["kube-apiserver"], ExtendedKeyUsagePurpose::ClientAuth);

    // Without a certificate, even with an ingest token: 403.
    let plain = client(&server_ca, None);
    let r = tls_request(addr, plain.clone(), "POST", "/k8s-audit", Some(INGEST), batch).unwrap();
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("client certificate"), "{}", r.text());
    // A certificate from another CA fails the handshake.
    let forged = Ca::new("forger").sign(&["kube-apiserver"], ExtendedKeyUsagePurpose::ClientAuth);
    let r = tls_request(addr, client(&server_ca, Some(&forged)), "POST", "/k8s-audit", None, batch);
    assert!(r.is_none_or(|r| r.status != 200));
    let q = json!({"query": "AKSAudit | count"}).to_string();
    let r = tls_request(addr, plain.clone(), "POST", "/api/query", Some(READ), q.as_bytes()).unwrap();
    assert_eq!(r.value()["rows"][0]["Count"], 0, "{}", r.text());

    // The API server's certificate is enough on the webhook.
    let r = tls_request(addr, client(&server_ca, Some(&apiserver)), "POST", "/k8s-audit", None, batch).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    // Other routes need no certificate, only their token.
    let r = tls_request(addr, plain.clone(), "POST", "/api/query", Some(READ), q.as_bytes()).unwrap();
    assert_eq!(r.value()["rows"][0]["Count"], 14, "{}", r.text());
    let r = tls_request(addr, plain, "POST", "/ingest?format=k8s-audit", Some(INGEST), batch).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
