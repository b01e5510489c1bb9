//! The OpenAPI document names every route the server mounts, and only
//! those: the routes are read from the sources' `.route(...)` calls (every
//! module under `src/`), and
//! every documented operation is answered by its handler, not the
//! router's fallback.

mod common;

use std::collections::BTreeSet;

use common::{Server, config, root, temp_dir};
use serde_json::Value;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// `(METHOD, path)` of every `.route("path", get(..).patch(..))` in `text`.
fn mounted(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let calls: Vec<&str> = text.split(".route(\"").skip(1).collect();
    for call in calls {
        let Some((path, rest)) = call.split_once('"') else { continue };
        // The route's methods: the rest of the `.route(` call's arguments.
        let mut depth = 1usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let spec = &rest[..end];
        for m in METHODS {
            let found = spec
                .match_indices(&format!("{m}("))
                .any(|(i, _)| i == 0 || !spec[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
            if found {
                out.insert((m.to_uppercase(), path.to_string()));
            }
        }
    }
    out
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(*m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_document_lists_exactly_the_mounted_routes() {
    let doc: Value = serde_json::from_str(serve::openapi::DOCUMENT).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let src = root().join("crates/serve/src");
    let mut routes = BTreeSet::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                routes.extend(mounted(&std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(routes.contains(&("PATCH".into(), "/api/incidents/{id}".into())), "{routes:?}");
    assert!(routes.contains(&("PATCH".into(), "/api/alerts/{id}".into())), "{routes:?}");
    assert!(routes.contains(&("GET".into(), "/api/openapi.json".into())), "{routes:?}");
    let docs = documented(&doc);
    let undocumented: Vec<_> = routes.difference(&docs).collect();
    let unmounted: Vec<_> = docs.difference(&routes).collect();
    assert!(undocumented.is_empty(), "mounted but not in openapi.json: {undocumented:?}");
    assert!(unmounted.is_empty(), "in openapi.json but not mounted: {unmounted:?}");
    // The formats /ingest?format= takes are the sources' own.
    let formats: Vec<&str> = telemetry::sources::FORMATS.iter().map(|f| f.name()).collect();
    let params = doc["paths"]["/ingest"]["post"]["parameters"].as_array().unwrap();
    let format = params.iter().find(|p| p["name"] == "format").unwrap();
    let documented: Vec<&str> = format["schema"]["enum"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(documented, formats);
    // Every response a route names is a status code with a description.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{m} {path}: no responses"));
            assert!(!responses.is_empty(), "{m} {path}");
            for code in responses.keys() {
                assert!(code.len() == 3 && code.parse::<u16>().is_ok(), "{m} {path}: {code}");
            }
        }
    }
}

#[test]
fn every_documented_operation_reaches_its_handler() {
    let dir = temp_dir("openapi");
    let server = Server::start(config(&dir));
    let served = server.request("GET", "/api/openapi.json", b"");
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("application/json"));
    let doc = served.value();
    for (method, path) in documented(&doc) {
        if path == "/api/alerts/stream" {
            continue; // answered with a stream that does not end
        }
        let concrete = path.replace("{id}", "no-such-id");
        let r = server.request(&method, &concrete, b"{}");
        // The router's fallback answers 404 or 405 with an empty body; a
        // handler answers with a body.
        assert!(!(matches!(r.status, 404 | 405) && r.body.is_empty()), "{method} {path}: not routed ({})", r.status);
        let codes = doc["paths"][&path][method.to_lowercase()]["responses"].as_object().unwrap();
        assert!(codes.contains_key(&r.status.to_string()), "{method} {path}: {} is not documented", r.status);
    }
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
