//! Spill folders never outlive a run: a run stopped by SIGINT or SIGTERM
//! removes its own, and a new run removes those that a killed run left.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dragnet-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `dragnet-spill-*` entries in `dir`.
fn spill_folders(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("dragnet-spill-"))
        .map(|e| e.path())
        .collect()
}

/// One Kubernetes audit event as a JSON line.
fn event(i: usize) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-{i:012}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns-{}/pods/pod-{i}","verb":"get","user":{{"username":"user-{}","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"pods","namespace":"ns-{}","name":"pod-{i}","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2026-11-20T10:15:02.114825Z","stageTimestamp":"2026-11-20T10:15:02.114825Z"}}"#,
        i % 13,
        i % 7,
        i % 13
    )
}

/// Starts `dragnet query` over a named pipe and writes events into it
/// until the rows read have spilled into `spill` (a folder there holds a
/// table); the pipe stays open, so the run is still reading when this
/// returns.
fn start_spilling_query(spill: &Path) -> (Child, std::fs::File) {
    let fifo = spill.parent().unwrap().join(format!("{}.pipe", spill.file_name().unwrap().to_string_lossy()));
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(["query", "--quiet", "--memory-limit", "8MB", "--spill-dir"])
        .arg(spill)
        .arg("-d")
        .arg(&fifo)
        .arg("AKSAudit | order by RequestUri | take 3")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dragnet");
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).expect("open the pipe");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut i = 0;
    let spilled = loop {
        let chunk: String = (i..i + 5000).map(|n| event(n) + "\n").collect();
        if pipe.write_all(chunk.as_bytes()).is_err() {
            break false;
        }
        i += 5000;
        if spill_folders(spill).iter().any(|d| d.join("AKSAudit").is_dir()) {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !spilled {
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait for dragnet");
        panic!("the rows read never spilled into {}: {}", spill.display(), String::from_utf8_lossy(&out.stderr));
    }
    (child, pipe)
}

fn stop_with(signal: &str, code: i32) {
    let parent = scratch(&format!("signal-{signal}"));
    let spill = parent.join("spill");
    let (child, pipe) = start_spilling_query(&spill);
    assert!(!spill_folders(&spill).is_empty());
    let sent = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait for dragnet");
    drop(pipe);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(&format!("stopped by SIG{signal}")), "{stderr}");
    assert_eq!(spill_folders(&spill), Vec::<PathBuf>::new());
    std::fs::remove_dir_all(&parent).unwrap();
}

#[test]
fn sigterm_removes_the_spill_folders_and_exits_143() {
    stop_with("TERM", 143);
}

#[test]
fn sigint_removes_the_spill_folders_and_exits_130() {
    stop_with("INT", 130);
}

#[test]
fn a_run_removes_the_spill_folders_of_killed_runs_and_nothing_else() {
    let spill = scratch("stale");
    // Left by a run that was killed: no process has this id.
    let stale = spill.join("dragnet-spill-4294967295-00ab");
    std::fs::create_dir_all(stale.join("AKSAudit")).unwrap();
    std::fs::write(stale.join("AKSAudit").join("part.parquet"), b"rows").unwrap();
    // Not dragnet's, or of a process that runs (pid 1).
    let kept = ["dragnet-spill-notes", "dragnet-spill-1-00ab", "datafusion-x1"];
    for k in kept {
        std::fs::create_dir(spill.join(k)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(["query", "--spill-dir"])
        .arg(&spill)
        .arg("print x = 1")
        .output()
        .expect("run dragnet");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stale.exists(), "{stderr}");
    assert!(stderr.contains("dragnet-spill-4294967295-00ab"), "{stderr}");
    for k in kept {
        assert!(spill.join(k).is_dir(), "{k}");
    }
    // The run's own folder is gone too.
    let mut left: Vec<String> =
        spill_folders(&spill).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["dragnet-spill-1-00ab", "dragnet-spill-notes"]);
    std::fs::remove_dir_all(&spill).unwrap();
}
