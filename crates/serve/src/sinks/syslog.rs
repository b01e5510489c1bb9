//! The syslog sink: RFC 5424 messages over UDP (RFC 5426), one alert a
//! datagram: `<PRI>1 TIMESTAMP - dragnet PROCID alert - BOM JSON`, facility
//! security/authorization (4) and the severity from the alert's.

use std::sync::Arc;

use serde_json::Value;
use tokio::net::UdpSocket;

use super::{Feed, SinkSpec};
use crate::metrics::Metrics;

/// The largest datagram sent: an alert larger than this is sent without
/// its evidence rows (`evidence_omitted_from_syslog`).
pub const MAX_DATAGRAM: usize = 60_000;
/// Facility 4: security/authorization messages.
const FACILITY: u8 = 4;

/// A UDP socket connected to `addr` (`HOST:PORT`).
pub async fn open(addr: &str) -> Result<UdpSocket, String> {
    let target = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| format!("syslog sink: cannot resolve {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("syslog sink: {addr} resolves to no address"))?;
    let local = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = UdpSocket::bind(local).await.map_err(|e| format!("syslog sink: cannot open a UDP socket: {e}"))?;
    socket.connect(target).await.map_err(|e| format!("syslog sink: cannot reach {addr}: {e}"))?;
    Ok(socket)
}

/// The RFC 5424 severity of an alert's (or finding's) severity.
fn severity(v: &Value) -> u8 {
    let s = v.get("severity").and_then(Value::as_str).unwrap_or_default();
    match s {
        "High" => 2,   // critical
        "Medium" => 4, // warning
        "Low" => 5,    // notice
        _ => 6,        // informational
    }
}

/// One message: header, no structured data, the JSON as the message.
pub fn message(v: &Value, now: jiff::Timestamp, pid: u32) -> Vec<u8> {
    let pri = FACILITY * 8 + severity(v);
    let mut body = v.to_string();
    if body.len() > MAX_DATAGRAM
        && let Value::Object(mut m) = v.clone()
    {
        m.remove("evidence");
        m.remove("evidences");
        m.insert("evidence_omitted_from_syslog".into(), Value::Bool(true));
        body = Value::Object(m).to_string();
    }
    let ts = now.strftime("%Y-%m-%dT%H:%M:%S%.6fZ");
    let mut out = format!("<{pri}>1 {ts} - dragnet {pid} alert - ").into_bytes();
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(body.as_bytes());
    out
}

/// Sends each alert as it comes.
pub async fn run(socket: UdpSocket, spec: SinkSpec, mut feed: Feed, metrics: Arc<Metrics>) {
    let pid = std::process::id();
    while let Some(a) = feed.next().await {
        let msg = message(a.get(spec.shape), jiff::Timestamp::now(), pid);
        match socket.send(&msg).await {
            Ok(_) => metrics.sink_delivered(&spec.name),
            Err(e) => {
                tracing::warn!("syslog sink {}: {e}", spec.name);
                metrics.sink_failed(&spec.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_follow_rfc_5424() {
        let t: jiff::Timestamp = "2026-11-20T14:00:00Z".parse().unwrap();
        let m = message(&json!({"severity": "High", "id": "a"}), t, 42);
        let text = String::from_utf8(m).unwrap();
        assert_eq!(
            text,
            "<34>1 2026-11-20T14:00:00.000000Z - dragnet 42 alert - \u{feff}{\"severity\":\"High\",\"id\":\"a\"}"
        );
        let big = json!({"severity": "Low", "evidence": ["x".repeat(MAX_DATAGRAM)]});
        let text = String::from_utf8(message(&big, t, 1)).unwrap();
        assert!(text.starts_with("<37>1 "), "{text}");
        assert!(text.len() < 200 && text.contains("\"evidence_omitted_from_syslog\":true"), "{text}");
    }
}
