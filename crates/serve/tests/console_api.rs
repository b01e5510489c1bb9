//! The console's server side without a browser: its assets with their
//! content types and revalidation, and the endpoints only it uses.

mod common;

use common::{Server, config, temp_dir};
use serde_json::json;

#[test]
fn assets_are_served_with_their_types_and_revalidated_by_etag() {
    let dir = temp_dir("console-assets");
    let server = Server::start(config(&dir));
    for path in ["/", "/query", "/alerts", "/alerts/some-id", "/incidents", "/incidents/some-id", "/rules", "/coverage"]
    {
        let r = server.request("GET", path, b"");
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"), "{path}");
        assert!(r.text().contains("/assets/console.js"), "{path}");
    }
    let js = server.request("GET", "/assets/console.js", b"");
    assert_eq!(js.status, 200);
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("no-cache"));
    let css = server.request("GET", "/assets/console.css", b"");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    // The same content again is 304 with no body; another tag gets it whole.
    let etag = js.header("etag").unwrap().to_string();
    let held = common::request_with(server.addr, "GET", "/assets/console.js", &[("If-None-Match", &etag)]);
    assert_eq!(held.status, 304);
    assert!(held.body.is_empty());
    let stale = common::request_with(server.addr, "GET", "/assets/console.js", &[("If-None-Match", "\"old\"")]);
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body, js.body);
    assert_eq!(server.request("GET", "/assets/other.js", b"").status, 404);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_syntax_then_binding_diagnostics_at_their_spans() {
    let dir = temp_dir("console-check");
    let server = Server::start(config(&dir));
    let check = |q: &str| {
        let r = server.json("POST", "/api/check", &json!({ "query": q }));
        assert_eq!(r.status, 200, "{}", r.text());
        r.value()
    };
    let ok = check("DeviceProcessEvents | where FileName == 'docker' | take 5");
    assert_eq!(ok, json!({"ok": true, "diagnostics": []}));

    // A misspelt operator: what `dragnet check` reports, at the word.
    let q = "DeviceProcessEvents | wher FileName == 'x'";
    let v = check(q);
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["line"].as_u64(), d["column"].as_u64()), (Some("KQL104"), Some(1), Some(23)));
    assert_eq!((d["from"].as_u64(), d["to"].as_u64()), (Some(22), Some(26)));
    assert!(d["help"].as_str().unwrap().contains("where"), "{d}");

    // A misspelt column, found by binding; spans count UTF-16 units, as
    // the editor does, after a string of characters outside the BMP.
    let q = "print s = '😀😀'\n| where sx == 1";
    let v = check(q);
    let d = &v["diagnostics"][0];
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(9)), "{d}");
    let from = d["from"].as_u64().unwrap() as usize;
    let to = d["to"].as_u64().unwrap() as usize;
    let units: Vec<u16> = q.encode_utf16().collect();
    assert_eq!(String::from_utf16(&units[from..to]).unwrap(), "sx", "{d}");

    assert_eq!(server.json("POST", "/api/check", &json!({"text": "x"})).status, 400);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn schema_rule_and_coverage_describe_what_is_loaded() {
    let dir = temp_dir("console-schema");
    let server = Server::start(config(&dir));
    let schema = server.request("GET", "/api/schema", b"").value();
    let tables = schema["tables"].as_array().unwrap();
    let processes = tables.iter().find(|t| t["name"] == "DeviceProcessEvents").unwrap();
    let file_name = processes["columns"].as_array().unwrap().iter().find(|c| c["name"] == "FileName").unwrap();
    assert_eq!(file_name["type"], "string");
    let functions: Vec<&str> = schema["functions"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(functions.contains(&"ago") && functions.contains(&"extract"), "{functions:?}");
    assert!(schema["aggregates"].as_array().unwrap().contains(&json!("dcount")));

    let rule = server.request("GET", "/api/rules/T1609-aks-pod-exec-nrt", b"").value();
    assert_eq!(rule["kind"], "NRT");
    assert!(!rule["false_positives"].as_array().unwrap().is_empty(), "{rule}");
    assert!(rule["query"].as_str().unwrap().contains("AKSAudit"), "{rule}");
    assert_eq!(server.request("GET", "/api/rules/nope", b"").status, 404);

    let cov = server.request("GET", "/api/coverage", b"").value();
    let cells: Vec<&serde_json::Value> =
        cov["tactics"].as_array().unwrap().iter().flat_map(|t| t["cells"].as_array().unwrap()).collect();
    let exec = cells.iter().find(|c| c["id"] == "T1609").unwrap();
    assert!(exec["rules"].as_array().unwrap().contains(&json!("T1609-aks-pod-exec-nrt")), "{exec}");
    assert_eq!(exec["alerts"], 0);

    // Without a token file there is no role: every request is allowed.
    assert_eq!(server.request("GET", "/api/session", b"").value(), json!({"role": null}));
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
