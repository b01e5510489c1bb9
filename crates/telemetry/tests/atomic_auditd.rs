//! The audit log of the seed detections' Atomic Red Team tests
//! (`testdata/logs/atomic/container-attacks.audit.log`) gives the rows the
//! detections look for: the right file names, command lines and
//! initiating processes.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;

use datafusion::arrow::array::Array;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use telemetry::sink::{Collect, Sink};

type Rows = Vec<BTreeMap<String, String>>;

/// Every table's rows, each row its non-null cells as text.
fn read() -> BTreeMap<&'static str, Rows> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/logs/atomic/container-attacks.audit.log");
    let mut out = Collect::default();
    {
        let mut sink = Sink::new(&mut out);
        telemetry::sources::read_file(&path, &mut sink, &AtomicU64::new(0)).unwrap();
        sink.finish().unwrap();
        let f = &sink.files[0];
        assert_eq!(f.format, Some("auditd"));
        assert!(f.rejects.is_none(), "{:?}", f.rejects);
    }
    let opts = FormatOptions::default();
    let mut tables = BTreeMap::new();
    for (name, batches) in &out.tables {
        let rows: &mut Rows = tables.entry(*name).or_default();
        for b in batches {
            let fmts: Vec<ArrayFormatter> =
                b.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap()).collect();
            for r in 0..b.num_rows() {
                let mut row = BTreeMap::new();
                for (i, f) in b.schema().fields().iter().enumerate() {
                    if b.column(i).is_valid(r) {
                        row.insert(f.name().clone(), fmts[i].value(r).to_string());
                    }
                }
                rows.push(row);
            }
        }
    }
    tables
}

/// The process row whose command line is `cmd`.
fn process<'r>(rows: &'r Rows, cmd: &str) -> &'r BTreeMap<String, String> {
    let found: Vec<_> = rows.iter().filter(|r| r.get("ProcessCommandLine").map(String::as_str) == Some(cmd)).collect();
    assert_eq!(found.len(), 1, "one process runs {cmd}");
    found[0]
}

fn cells<'r>(row: &'r BTreeMap<String, String>, cols: &[&str]) -> Vec<&'r str> {
    cols.iter().map(|c| row.get(*c).map_or("<null>", String::as_str)).collect()
}

const WHO: &[&str] = &["FileName", "InitiatingProcessFileName", "InitiatingProcessParentFileName", "AccountName"];

#[test]
fn the_atomic_commands_become_process_rows_with_their_parents() {
    let t = read();
    let p = &t["DeviceProcessEvents"];
    assert_eq!(p.len(), 24);
    assert!(p.iter().all(|r| r["DeviceName"] == "k8s-node-1" && r["ActionType"] == "ProcessCreated"));

    let row = process(p, "kubectl get secrets --all-namespaces");
    assert_eq!(cells(row, WHO), ["kubectl", "bash", "sshd", "alice"]);
    assert_eq!(row["InitiatingProcessCommandLine"], "-bash");
    assert_eq!(row["FolderPath"], "/usr/local/bin/kubectl");
    assert_eq!(row["Timestamp"], "2026-11-20T10:21:16.480Z");

    // bash -> docker ps, bash -> xargs -> docker inspect
    assert_eq!(cells(process(p, "docker ps -q"), WHO), ["docker", "bash", "sshd", "alice"]);
    let inspect = process(p, "docker inspect --format {{.Config.Env}} 3f2a1b9c8d7e 9e8d7c6b5a4f");
    assert_eq!(cells(inspect, WHO), ["docker", "xargs", "bash", "alice"]);
    assert_eq!(inspect["InitiatingProcessCommandLine"], "xargs docker inspect --format {{.Config.Env}}");

    let cat = process(p, "cat /var/run/secrets/kubernetes.io/serviceaccount/token");
    assert_eq!(cells(cat, WHO), ["cat", "bash", "sshd", "alice"]);
    assert_eq!(process(p, "curl http://127.0.0.1:2375/containers/json")["FileName"], "curl");
    assert_eq!(process(p, "docker exec -it atomic-test-container /bin/sh")["InitiatingProcessFileName"], "bash");
    assert_eq!(process(p, "docker run --rm --privileged --net=host alpine sh -c id")["FileName"], "docker");

    // kubectl exec from bash, and from python3, executed as /usr/bin/python3
    // but named, as Defender names it, by the image the kernel ran: python3.11
    assert_eq!(
        cells(process(p, "kubectl exec atomic-exec-test -- /bin/sh -c id"), WHO),
        ["kubectl", "bash", "sshd", "alice"]
    );
    let from_py = process(p, "kubectl exec atomic-exec-test -- /bin/sh -c hostname");
    assert_eq!(cells(from_py, WHO), ["kubectl", "python3.11", "bash", "alice"]);
    assert_eq!(
        from_py["InitiatingProcessCommandLine"],
        r#"python3 -c "import subprocess; subprocess.run(['kubectl','exec','atomic-exec-test','--','/bin/sh','-c','hostname'])""#
    );

    let kubelet =
        process(p, "curl -k -X POST https://10.0.0.12:10250/run/default/atomic-exec-test/atomic-exec-test -d cmd=id");
    assert_eq!(cells(kubelet, WHO), ["curl", "bash", "sshd", "alice"]);
    for cmd in ["kubectl get nodes", "kubectl get pods", "docker images", "kubectl version --client", "ls -la"] {
        assert_eq!(process(p, cmd)["InitiatingProcessFileName"], "bash", "{cmd}");
    }
    // The session's sshd: its own parent (the listener) never executed in the log.
    let sshd = process(p, "/usr/sbin/sshd -D -R");
    assert_eq!(cells(sshd, WHO), ["sshd", "<null>", "<null>", "root"]);
    assert_eq!(sshd["InitiatingProcessId"], "812");
    assert!(!sshd.contains_key("LogonId"), "ses is unset before login");
}

#[test]
fn the_docker_socket_and_api_connections() {
    let t = read();
    let files = &t["DeviceFileEvents"];
    // Pattern 3 of T1552.007: the socket opened by something that is not docker.
    let sock: Vec<Vec<&str>> = files
        .iter()
        .filter(|r| r["FolderPath"].contains("docker.sock") && r["InitiatingProcessFileName"] != "docker")
        .map(|r| cells(r, &["FileName", "ActionType", "InitiatingProcessFileName", "InitiatingProcessCommandLine"]))
        .collect();
    assert_eq!(
        sock,
        [[
            "docker.sock",
            "UnixSocketConnected",
            "curl",
            "curl --unix-socket /var/run/docker.sock http://localhost/containers/json"
        ]]
    );
    let token: Vec<_> = files.iter().filter(|r| r["FileName"] == "token").collect();
    assert_eq!(token.len(), 1);
    assert_eq!(
        cells(token[0], &["ActionType", "InitiatingProcessFileName", "InitiatingProcessAccountName"]),
        ["FileOpened", "cat", "alice"]
    );

    let net = &t["DeviceNetworkEvents"];
    let to: Vec<Vec<&str>> =
        net.iter().map(|r| cells(r, &["RemoteIP", "RemotePort", "InitiatingProcessFileName"])).collect();
    assert!(to.contains(&vec!["127.0.0.1", "2375", "curl"]));
    assert!(to.contains(&vec!["10.0.0.12", "10250", "curl"]));
    assert!(to.contains(&vec!["10.0.0.10", "6443", "kubectl"]));
}
