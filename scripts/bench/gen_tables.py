#!/usr/bin/env python3
"""Generates a synthetic Defender dataset for benchmarks with DuckDB.

    python3 scripts/bench/gen_tables.py --rows 10000000 --out target/bench

writes OUT/DeviceProcessEvents/part-0.parquet (ROWS rows, the columns the seed
detections read) and OUT/DeviceFileEvents/part-0.parquet (ROWS/100 rows).
About 2% of processes are container CLI calls of the kinds the seed
detections look for; the rest are ordinary Linux host activity. Events are
spread over the 48 hours before 2026-11-20T12:00:00Z (the benchmark's now).
Deterministic: the same arguments give the same files.
"""

import argparse
import os

import duckdb

BENIGN = [
    ("python3", "/usr/bin/python3 /srv/app/worker.py --queue default"),
    ("bash", "bash -c /opt/scripts/rotate-logs.sh"),
    ("ls", "ls -la /var/log"),
    ("cat", "cat /proc/meminfo"),
    ("nginx", "nginx: worker process"),
    ("kubelet", "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock"),
    ("containerd-shim", "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 4f1c2d"),
    ("sshd", "sshd: alice [priv]"),
    ("grep", "grep -r error /var/log/app"),
    ("curl", "curl -s http://metadata.internal/health"),
    ("java", "java -Xmx2g -jar /opt/service/service.jar"),
    ("node", "node /srv/web/server.js"),
]
SUSPICIOUS = [
    ("kubectl", "kubectl get secrets --all-namespaces"),
    ("kubectl", "kubectl exec -it web-7d9f -- /bin/sh"),
    ("kubectl", "kubectl get nodes -o wide"),
    ("kubectl", "kubectl logs web-7d9f"),
    ("docker", "docker ps -q"),
    ("docker", "docker inspect 3f2a1b"),
    ("docker", "docker exec -it web /bin/bash"),
    ("docker", "docker run --privileged --net=host -v /:/host alpine"),
    ("crictl", "crictl ps"),
    ("curl", "curl -k https://node-2:10250/run/default/web/web"),
    ("curl", "curl --unix-socket /var/run/docker.sock http://localhost/containers/json"),
]
PARENTS = ["bash", "sh", "python3", "containerd-shim", "systemd", "sshd", "xargs", "docker"]
ACCOUNTS = ["root", "alice", "bob", "www-data", "system"]


def sql_list(values):
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", default="target/bench")
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    files = [n for n, _ in BENIGN] + [n for n, _ in SUSPICIOUS]
    cmds = [c for _, c in BENIGN] + [c for _, c in SUSPICIOUS]
    nb, ns = len(BENIGN), len(SUSPICIOUS)
    os.makedirs(os.path.join(args.out, "DeviceProcessEvents"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "DeviceFileEvents"), exist_ok=True)
    # Row i: a suspicious command for 2% of rows, chosen by hashing i.
    con.execute(f"""
        CREATE TABLE p AS
        WITH r AS (
            SELECT i,
                   (hash(i) % 1000)::BIGINT AS h,
                   (hash(i * 7919) >> 1)::BIGINT AS k,
                   TIMESTAMPTZ '2026-11-18 12:00:00+00' + to_microseconds((hash(i * 31) % 172800000000)::BIGINT) AS t
            FROM range({args.rows}) tbl(i)
        )
        SELECT
            t AS Timestamp,
            t AS TimeGenerated,
            'node-' || (k % 50)::VARCHAR AS DeviceName,
            'd-' || (k % 50)::VARCHAR AS DeviceId,
            'ProcessCreated' AS ActionType,
            {sql_list(files)}[CASE WHEN h < 20 THEN {nb} + 1 + (k % {ns}) ELSE 1 + (k % {nb}) END] AS FileName,
            {sql_list(cmds)}[CASE WHEN h < 20 THEN {nb} + 1 + (k % {ns}) ELSE 1 + (k % {nb}) END] AS ProcessCommandLine,
            (1000 + i)::BIGINT AS ProcessId,
            {sql_list(ACCOUNTS)}[1 + ((k >> 8) % {len(ACCOUNTS)})] AS AccountName,
            'node' AS AccountDomain,
            {sql_list(PARENTS)}[1 + ((k >> 16) % {len(PARENTS)})] AS InitiatingProcessFileName,
            {sql_list(PARENTS)}[1 + ((k >> 16) % {len(PARENTS)})] || ' -c task' AS InitiatingProcessCommandLine,
            {sql_list(PARENTS)}[1 + ((k >> 24) % {len(PARENTS)})] AS InitiatingProcessParentFileName,
            i::BIGINT AS ReportId
        FROM r
    """)
    con.execute(f"COPY p TO '{args.out}/DeviceProcessEvents/part-0.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    frows = max(args.rows // 100, 1)
    con.execute(f"""
        COPY (
            SELECT
                TIMESTAMPTZ '2026-11-18 12:00:00+00' + to_microseconds((hash(i * 17) % 172800000000)::BIGINT) AS Timestamp,
                TIMESTAMPTZ '2026-11-18 12:00:00+00' + to_microseconds((hash(i * 17) % 172800000000)::BIGINT) AS TimeGenerated,
                'node-' || (i % 50)::VARCHAR AS DeviceName,
                'FileOpened' AS ActionType,
                CASE WHEN i % 50 = 0 THEN 'docker.sock' ELSE 'config.yaml' END AS FileName,
                CASE WHEN i % 50 = 0 THEN '/var/run/docker.sock' ELSE '/etc/app/config.yaml' END AS FolderPath,
                {sql_list(["curl", "dockerd", "python3", "containerd"])}[(1 + (i % 4))::BIGINT] AS InitiatingProcessFileName,
                'root' AS InitiatingProcessAccountName,
                i::BIGINT AS ReportId
            FROM range({frows}) tbl(i)
        ) TO '{args.out}/DeviceFileEvents/part-0.parquet' (FORMAT parquet)
    """)
    n = con.execute("SELECT count(*) FROM p").fetchone()[0]
    print(f"wrote {n} DeviceProcessEvents and {frows} DeviceFileEvents rows to {args.out}")


if __name__ == "__main__":
    main()
