#!/usr/bin/env python3
"""Times DuckDB running SQL equivalents of the four seed detections.

    python3 scripts/bench/duckdb_seeds.py --data target/bench [--runs 3] [--rule NAME]...

reads DATA/DeviceProcessEvents/*.parquet and DATA/DeviceFileEvents/*.parquet
and prints one JSON object: {rule: {"seconds": median, "times": [...], "rows": n}}
for every rule, or those named by --rule. Each
query runs once to warm the file cache (not with --no-warm), then RUNS times; the result is
materialised in a temporary table (in memory, like dragnet's batches). KQL's `has` (whole
terms, case-insensitive) is written as a regular expression bounded by
non-alphanumeric characters on the sides where the needle is alphanumeric; `in~` as lower(x) IN (...).
"""

import argparse
import json
import re
import statistics
import time

import duckdb

NOW = "TIMESTAMPTZ '2026-11-20 12:00:00+00'"


def bounded(needle):
    # A term boundary is only required on a side where the needle itself
    # starts or ends with an alphanumeric character (Kusto's `has`).
    left = "(^|[^[:alnum:]])" if needle[:1].isalnum() else ""
    right = "($|[^[:alnum:]])" if needle[-1:].isalnum() else ""
    return left + re.escape(needle) + right


def has_any(col, needles):
    alts = "|".join(f"({bounded(n)})" for n in needles)
    return f"regexp_matches({col}, '(?i){alts}')"


def has(col, needle):
    return has_any(col, [needle])


def in_ci(col, values):
    return f"lower({col}) IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def queries(data):
    dpe = f"read_parquet('{data}/DeviceProcessEvents/*.parquet')"
    dfe = f"read_parquet('{data}/DeviceFileEvents/*.parquet')"
    cli = ["docker exec", "docker run", "docker pull", "docker build", "docker cp", "docker inspect", "docker ps",
           "docker images", "--privileged", "--cap-add=SYS_ADMIN", "--net=host", "--pid=host", "-v /:/host",
           "-v /etc:/", "-v /var/run/docker.sock", "kubectl exec", "kubectl run", "kubectl apply", "kubectl create",
           "kubectl get secrets", "kubectl get configmaps", "kubectl port-forward", "kubectl proxy", "crictl exec",
           "ctr run"]
    t1059 = f"""
        SELECT Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName,
               InitiatingProcessCommandLine,
               {has_any('ProcessCommandLine', ['--privileged', '--cap-add=SYS_ADMIN', '--net=host', '--pid=host'])} AS PrivilegedContainer,
               {has_any('ProcessCommandLine', ['-v /:/host', '-v /etc:/', '-v /var/run/docker.sock'])} AS HostMount,
               {has_any('ProcessCommandLine', ['docker exec', 'kubectl exec', 'crictl exec'])} AS ContainerExec,
               {has_any('ProcessCommandLine', ['get secrets', 'get configmaps'])} AS SecretsAccess
        FROM {dpe}
        WHERE Timestamp > {NOW} - INTERVAL 24 HOURS
          AND {in_ci('FileName', ['docker', 'kubectl', 'crictl', 'ctr', 'podman', 'nerdctl'])}
          AND {has_any('ProcessCommandLine', cli)}
        ORDER BY Timestamp DESC"""
    t1552 = f"""
        SELECT * FROM (
            SELECT Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName,
                   {has_any('ProcessCommandLine', ['secret', 'serviceaccount', 'sa'])} AS IsSecretAccess,
                   'Kubectl_CredAccess' AS Pattern
            FROM {dpe}
            WHERE Timestamp > {NOW} - INTERVAL 24 HOURS
              AND {in_ci('FileName', ['kubectl', 'kubectl.exe'])}
              AND {has_any('ProcessCommandLine', ['get secrets', 'get secret', 'describe secret', 'describe secrets', 'get sa ', 'get serviceaccount', 'get configmap', 'get pods -o', 'logs', 'exec'])}
            UNION ALL BY NAME
            SELECT Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine, 'Docker_CredAccess' AS Pattern
            FROM {dpe}
            WHERE Timestamp > {NOW} - INTERVAL 24 HOURS
              AND {in_ci('FileName', ['docker', 'docker.exe'])}
              AND {has_any('ProcessCommandLine', ['inspect', 'logs', 'env', 'exec', 'cp ', 'volume', '/var/run/docker.sock'])}
            UNION ALL BY NAME
            SELECT Timestamp, DeviceName, InitiatingProcessAccountName, FolderPath, FileName, InitiatingProcessFileName,
                   'DockerSock_UnexpectedAccess' AS Pattern
            FROM {dfe}
            WHERE Timestamp > {NOW} - INTERVAL 24 HOURS
              AND ({has('FolderPath', 'docker.sock')} OR lower(FileName) = 'docker.sock')
              AND NOT {in_ci('InitiatingProcessFileName', ['dockerd', 'containerd', 'docker-proxy', 'docker'])}
        ) ORDER BY Timestamp DESC"""
    tools = ['docker', 'kubectl', 'crictl', 'ctr', 'nerdctl', 'podman']
    t1609 = f"""
        WITH f AS (
            SELECT *,
                   ({has('ProcessCommandLine', '-it')} OR {has('ProcessCommandLine', '--tty')} OR {has('ProcessCommandLine', '-i ')}) AS IsInteractiveShell,
                   {has_any('ProcessCommandLine', ['sh', 'bash', 'ash', 'zsh', '/bin/sh', '/bin/bash'])} AS SpawnsShell,
                   {has_any('ProcessCommandLine', ['--privileged', '--cap-add', '--security-opt label=disable', '--pid=host', '--net=host', '--ipc=host'])} AS UsesPrivilegedFlag,
                   (lower(FileName) = 'kubectl' AND {has('ProcessCommandLine', 'exec')}) AS IsKubectlExec,
                   ((lower(FileName) = 'curl' OR lower(FileName) = 'wget') AND ({has('ProcessCommandLine', ':10250')} OR {has('ProcessCommandLine', '/exec')} OR {has('ProcessCommandLine', '/run')})) AS IsCurlKubelet
            FROM {dpe}
            WHERE TimeGenerated > {NOW} - INTERVAL 1 DAY
              AND ({in_ci('FileName', tools)} OR {in_ci('InitiatingProcessFileName', tools)})
              AND {has_any('ProcessCommandLine', ['exec', 'run', 'attach'])}
        ), s AS (
            SELECT *, (0 + CASE WHEN IsInteractiveShell THEN 30 ELSE 0 END + CASE WHEN SpawnsShell THEN 25 ELSE 0 END
                       + CASE WHEN UsesPrivilegedFlag THEN 35 ELSE 0 END + CASE WHEN IsKubectlExec THEN 20 ELSE 0 END
                       + CASE WHEN IsCurlKubelet THEN 40 ELSE 0 END
                       + CASE WHEN {in_ci('InitiatingProcessFileName', ['python', 'python3', 'ruby', 'perl', 'php', 'node'])} THEN 30 ELSE 0 END)::BIGINT AS RiskScore
            FROM f
        )
        SELECT TimeGenerated, DeviceName, AccountName, AccountDomain, FileName, ProcessCommandLine, InitiatingProcessFileName,
               InitiatingProcessCommandLine, InitiatingProcessParentFileName, IsInteractiveShell, SpawnsShell,
               UsesPrivilegedFlag, IsKubectlExec, IsCurlKubelet, RiskScore
        FROM s WHERE RiskScore >= 25
        ORDER BY RiskScore DESC, TimeGenerated DESC"""
    pc = 'ProcessCommandLine'
    t1613 = f"""
        WITH f AS (
            SELECT * FROM {dpe}
            WHERE TimeGenerated > {NOW} - INTERVAL 1 DAY AND (
                ({has(pc, 'docker')} AND ({' OR '.join(has(pc, n) for n in ['ps', 'inspect', 'images', 'info', 'stats', 'network ls', 'volume ls', 'container ls'])}))
                OR (lower(FileName) = 'kubectl' AND ({' OR '.join(has(pc, n) for n in ['get pods', 'get nodes', 'get namespaces', 'get services', 'get deployments', 'get secrets', 'get configmaps', 'get all', 'cluster-info', 'describe', 'get sa', 'get serviceaccount'])}))
                OR (lower(FileName) = 'crictl' AND ({' OR '.join(has(pc, n) for n in ['ps', 'pods', 'images', 'info'])}))
                OR (lower(FileName) = 'ctr' AND ({' OR '.join(has(pc, n) for n in ['containers list', 'images list', 'tasks list'])}))
                OR lower(FileName) = 'peirates'
                OR ({in_ci('FileName', ['curl', 'wget'])} AND ({' OR '.join(has(pc, n) for n in ['/var/run/docker.sock', ':8080/api', ':6443/api', ':10250', '/api/v1/pods', '/api/v1/nodes', '/api/v1/namespaces'])}))
            )
        )
        SELECT TimeGenerated, DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName,
               InitiatingProcessCommandLine,
               (CASE WHEN {in_ci('InitiatingProcessFileName', ['bash', 'sh', 'dash', 'zsh', 'python', 'python3', 'perl', 'ruby', 'nc', 'ncat', 'socat'])} THEN 80
                     WHEN NOT {in_ci('AccountName', ['root', 'system'])} AND lower(FileName) = 'kubectl' THEN 60
                     WHEN {has(pc, 'get secrets')} THEN 90
                     WHEN {has(pc, '/var/run/docker.sock')} THEN 85
                     WHEN {has(pc, ':10250')} THEN 80
                     ELSE 40 END)::BIGINT AS RiskScore
        FROM f
        ORDER BY RiskScore DESC, TimeGenerated DESC"""
    return {
        "T1059.013-container-cli": t1059,
        "T1552.007-container-api": t1552,
        "T1609-container-admin-command": t1609,
        "T1613-container-discovery": t1613,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="target/bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rule", action="append", help="only this rule (repeatable)")
    ap.add_argument("--no-warm", action="store_true", help="no untimed first run")
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    out = {}
    for name, sql in queries(args.data).items():
        if args.rule and name not in args.rule:
            continue
        # The result is materialised in memory, as dragnet collects its batches.
        ctas = f"CREATE OR REPLACE TEMP TABLE result AS {sql}"
        if not args.no_warm:
            con.execute(ctas)
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            con.execute(ctas)
            times.append(time.perf_counter() - t)
        rows = con.execute("SELECT count(*) FROM result").fetchone()[0]
        out[name] = {"seconds": statistics.median(times), "times": times, "rows": rows}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
