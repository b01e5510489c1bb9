//! The files under `deploy/` hold together: every YAML parses, the
//! DaemonSets carry the shipper configs beside them unchanged, every
//! shipper posts to `/ingest` with parameters the server takes, and the
//! Deployment runs `dragnet serve` with TLS and tokens; the Dockerfile
//! builds the workspace's `dragnet` with a Rust new enough for every
//! dependency, statically linked, into an image with no libraries that runs
//! it as the non-root user the Deployment names.

mod common;

use std::path::Path;

use catalog::readers::yaml::yaml_to_json;
use common::root;
use serde_json::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join("deploy").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every document of a YAML file, as JSON.
fn docs(path: &str) -> Vec<Value> {
    let text = read(path);
    let mut out = Vec::new();
    for part in text.split("\n---\n") {
        let v = yaml_to_json(part).unwrap_or_else(|e| panic!("{path}: {e}"));
        if !v.is_null() {
            out.push(v);
        }
    }
    out
}

fn kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

/// A config file as a ConfigMap embeds it: without its opening comments.
fn without_opening_comments(text: &str) -> String {
    let lines: Vec<&str> = text.lines().skip_while(|l| l.starts_with('#')).collect();
    lines.join("\n") + "\n"
}

/// Checks an ingest URI's path and query against what `POST /ingest` takes.
fn check_ingest_uri(uri: &str) {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    assert!(path.ends_with("/ingest"), "{uri}");
    let formats: Vec<&str> = telemetry::sources::FORMATS.iter().map(|f| f.name()).collect();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("{uri}: {pair}"));
        match k {
            "format" => assert!(formats.contains(&v), "{uri}: unknown format {v}"),
            "field" => assert!(!v.is_empty(), "{uri}"),
            "rejects" => assert!(v == "skip" || v == "refuse", "{uri}"),
            _ => panic!("{uri}: /ingest takes no parameter {k}"),
        }
    }
}

#[test]
fn the_daemonsets_embed_the_shipper_configs_unchanged() {
    for (daemonset, config, key) in [
        ("kubernetes/daemonset-vector.yaml", "vector/vector.yaml", "vector.yaml"),
        ("kubernetes/daemonset-fluent-bit.yaml", "fluent-bit/fluent-bit.yaml", "fluent-bit.yaml"),
    ] {
        let d = docs(daemonset);
        let embedded = kind(&d, "ConfigMap")["data"][key].as_str().unwrap_or_else(|| panic!("{daemonset}: no {key}"));
        assert_eq!(embedded, without_opening_comments(&read(config)), "{daemonset} differs from {config}");
        let ds = kind(&d, "DaemonSet");
        let mounts = ds["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
        assert!(mounts.iter().any(|v| v["hostPath"]["path"] == "/var/log/audit"), "{daemonset}");
    }
}

#[test]
fn shippers_post_to_ingest_with_parameters_the_server_takes() {
    let vector = &docs("vector/vector.yaml")[0];
    let sink = &vector["sinks"]["dragnet"];
    assert_eq!(sink["type"], "http");
    assert_eq!(sink["encoding"]["codec"], "text");
    assert_eq!(sink["framing"]["method"], "newline_delimited");
    assert_eq!(sink["auth"]["strategy"], "bearer");
    check_ingest_uri(sink["uri"].as_str().unwrap());

    let fluent = &docs("fluent-bit/fluent-bit.yaml")[0];
    let out = &fluent["pipeline"]["outputs"][0];
    assert_eq!(out["name"], "http");
    assert_eq!(out["format"], "json_lines");
    let uri = out["uri"].as_str().unwrap();
    assert!(uri.contains("field=log"), "{uri}");
    check_ingest_uri(uri);

    let logstash = read("logstash/logstash.conf");
    let url = logstash.lines().find_map(|l| l.trim().strip_prefix("url => \"")).unwrap().trim_end_matches('"');
    assert!(logstash.contains("format => \"json_batch\""));
    check_ingest_uri(url.trim_start_matches("${DRAGNET_URL}"));
    let filebeat = &docs("logstash/filebeat.yml")[0];
    assert_eq!(filebeat["filebeat.inputs"][0]["paths"][0], "/var/log/audit/audit.log");
}

#[test]
fn the_deployment_serves_with_tls_and_tokens_and_the_webhook_points_at_it() {
    let d = docs("kubernetes/dragnet.yaml");
    let deploy = kind(&d, "Deployment");
    let spec = &deploy["spec"]["template"]["spec"];
    assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
    let container = &spec["containers"][0];
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(args.first(), Some(&"serve"));
    for flag in ["--data=", "--listen=0.0.0.0:", "--tls-cert=", "--tls-key=", "--token-file="] {
        assert!(args.iter().any(|a| a.starts_with(flag)), "no {flag} in {args:?}");
    }
    let port = container["ports"][0]["name"].as_str().unwrap();
    assert_eq!(kind(&d, "Service")["spec"]["ports"][0]["targetPort"], port);
    assert_eq!(kind(&d, "PersistentVolumeClaim")["metadata"]["name"], "dragnet-data");

    let kubeconfig = &docs("kubernetes/audit-webhook.kubeconfig")[0];
    let server = kubeconfig["clusters"][0]["cluster"]["server"].as_str().unwrap();
    assert!(server.starts_with("https://") && server.ends_with("/k8s-audit"), "{server}");
    let policy = &docs("kubernetes/audit-policy.yaml")[0];
    assert_eq!(policy["kind"], "Policy");
    assert!(Path::new(&root().join(".dockerignore")).is_file());
}

/// `1.94.0` or `1.94` as three numbers, to compare.
fn version(v: &str) -> Vec<u64> {
    let mut n: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or_else(|_| panic!("not a version: {v}"))).collect();
    n.resize(3, 0);
    n
}

#[test]
fn the_dockerfile_builds_the_dragnet_binary_with_a_rust_every_dependency_takes() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let image = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("FROM rust:"))
        .and_then(|rest| rest.split(['-', ' ']).next())
        .expect("the build stage is FROM rust:VERSION-...");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let dragnet =
        packages.iter().find(|p| p["name"] == "dragnet" && p["source"].is_null()).expect("the dragnet package");
    assert!(
        dragnet["targets"].as_array().unwrap().iter().any(|t| t["name"] == "dragnet" && t["kind"][0] == "bin"),
        "the dragnet package builds a dragnet binary"
    );
    let workspace = dragnet["rust_version"].as_str().expect("the workspace's rust-version");
    assert_eq!(version(image), version(workspace), "the build image is the workspace's rust-version");
    for p in packages {
        if let Some(needs) = p["rust_version"].as_str() {
            assert!(
                version(needs) <= version(workspace),
                "{} {} needs Rust {needs}, the workspace says {workspace}",
                p["name"],
                p["version"]
            );
        }
    }
    let ignored = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for needed in ["Cargo.toml", "Cargo.lock", "crates", "crates/serve/console/dist"] {
        assert!(!ignored.lines().any(|l| l.trim() == needed), ".dockerignore leaves out {needed}");
    }
}

/// The Dockerfile's stages: each `FROM` line and the instructions after it,
/// continued lines joined and comments left out.
fn stages(dockerfile: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut line = String::new();
    for l in dockerfile.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match l.trim_end().strip_suffix('\\') {
            Some(head) => line.push_str(head),
            None => {
                line.push_str(l.trim_end());
                let whole = std::mem::take(&mut line);
                if whole.starts_with("FROM ") {
                    out.push((whole, Vec::new()));
                } else if !whole.trim().is_empty() {
                    out.last_mut().expect("an instruction before the first FROM").1.push(whole);
                }
            }
        }
    }
    out
}

#[test]
fn the_image_holds_the_static_binary_built_by_the_script() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let stages = stages(&dockerfile);
    let [(build_from, build), (run_from, run)] = &stages[..] else { panic!("two stages, build and run: {stages:?}") };
    assert!(build_from.starts_with("FROM rust:") && build_from.ends_with(" AS build"), "{build_from}");
    assert!(build.iter().any(|i| i == "RUN scripts/build-static.sh /out/dragnet"), "{build:?}");

    // The script: the static flags, the workspace's lock file, the glibc
    // target (whose name is where cargo puts the binary), and the checks.
    let script = std::fs::read_to_string(root().join("scripts/build-static.sh")).unwrap();
    let lines: Vec<&str> = script.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
    assert!(lines.contains(&"TARGET=x86_64-unknown-linux-gnu"), "the script builds for x86_64-unknown-linux-gnu");
    assert!(
        lines.iter().any(|l| l.starts_with("export RUSTFLAGS=") && l.ends_with("-C target-feature=+crt-static\"")),
        "the script links the C runtime statically"
    );
    assert!(lines.iter().any(|l| l.starts_with("cargo build --release --locked --target \"$TARGET\" -p dragnet ")));
    assert!(
        lines.contains(&"export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=debuginfo"),
        "the shipped binary is built without debug information"
    );
    assert!(lines.contains(&"BIN=\"${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release/dragnet\""));
    for check in ["ldd \"$BIN\"", "file -b \"$BIN\"", "\"$BIN\" --version"] {
        assert!(lines.iter().any(|l| l.contains(check)), "the script does not run {check}");
    }

    // Nothing but the binary and its files: no shared library to link to.
    assert_eq!(run_from, "FROM scratch");
    assert!(run.iter().any(|i| i == "COPY --from=build /out/dragnet /usr/local/bin/dragnet"), "{run:?}");
    assert!(run.iter().any(|i| i == "ENTRYPOINT [\"/usr/local/bin/dragnet\"]"), "{run:?}");

    // A numeric non-root user, with a passwd entry, owning the data volume,
    // and the one the Deployment runs as.
    let users: Vec<&str> = run.iter().filter_map(|i| i.strip_prefix("USER ")).collect();
    let [user] = users[..] else { panic!("one USER in the image: {users:?}") };
    let (uid, gid) = user.split_once(':').unwrap_or_else(|| panic!("USER {user} is not UID:GID"));
    let (uid, gid): (u32, u32) = (uid.parse().expect("a numeric user"), gid.parse().expect("a numeric group"));
    assert!(uid != 0 && gid != 0, "the image runs as root");
    assert!(
        build.iter().any(|i| i.contains(&format!(":x:{uid}:{gid}:")) && i.contains("/out/root/etc/passwd")),
        "no passwd entry for {uid}:{gid}"
    );
    assert!(run.iter().any(|i| i == &format!("COPY --from=build --chown={uid}:{gid} /out/data /data")), "{run:?}");
    assert!(run.iter().any(|i| i == "VOLUME [\"/data\"]"), "{run:?}");
    let d = docs("kubernetes/dragnet.yaml");
    let security = &kind(&d, "Deployment")["spec"]["template"]["spec"]["securityContext"];
    for (key, id) in [("runAsUser", uid), ("runAsGroup", gid), ("fsGroup", gid)] {
        assert_eq!(security[key], id, "the Deployment's {key}");
    }
}
