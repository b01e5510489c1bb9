#!/usr/bin/env python3
"""Generates a Defender streaming-API export (JSON lines) for reading benchmarks.

    python3 scripts/bench/gen_defender.py --mb 1024 --out /tmp/defender.jsonl

writes about MB megabytes of records
`{"time": .., "tenantId": .., "operationName": "Publish", "category":
"AdvancedHunting-<table>", "properties": {..}}`, one per line, the way the
streaming API sends them to a storage account: every column of the table in
`properties`, many of them null or empty. About 70% DeviceProcessEvents,
20% DeviceFileEvents, 10% DeviceNetworkEvents, on Linux container hosts; 2%
of the processes are container CLI calls. `AdditionalFields` is JSON text
inside a string, as Defender writes it. Deterministic: the same arguments
give the same file.

    cargo run --release -p telemetry --example read_speed -- /tmp/defender.jsonl
"""

import argparse
import json
import random

TENANT = "8d2f4a8e-0000-4000-8000-000000000001"
HOSTS = [f"aks-nodepool1-{i:08d}-vmss00000{i % 10}" for i in range(40)]
DEVICE_IDS = {h: "%040x" % random.Random(h).getrandbits(160) for h in HOSTS}
ACCOUNTS = ["root", "azureuser", "www-data", "nobody", "systemd-network"]
BENIGN = [
    ("/usr/bin/python3", "python3 /srv/app/worker.py --queue default --concurrency 4"),
    ("/usr/bin/bash", "bash -c /opt/scripts/rotate-logs.sh"),
    ("/usr/bin/ls", "ls -la /var/log/containers"),
    ("/usr/bin/cat", "cat /proc/meminfo"),
    ("/usr/sbin/nginx", "nginx: worker process"),
    ("/usr/local/bin/kubelet", "/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=10.224.0.4"),
    ("/usr/bin/containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 4f1c2d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c -address /run/containerd/containerd.sock"),
    ("/usr/bin/grep", "grep -r error /var/log/app"),
    ("/usr/bin/curl", "curl -s http://169.254.169.254/metadata/instance?api-version=2021-02-01 -H Metadata:true"),
    ("/usr/bin/java", "java -Xmx2g -XX:+UseG1GC -jar /opt/service/service.jar --spring.profiles.active=prod"),
]
SUSPICIOUS = [
    ("/usr/local/bin/kubectl", "kubectl get secrets --all-namespaces"),
    ("/usr/local/bin/kubectl", "kubectl exec -it web-7d9f -- /bin/sh"),
    ("/usr/bin/docker", "docker run --privileged --net=host -v /:/host alpine"),
    ("/usr/bin/crictl", "crictl ps"),
]
PARENTS = [("/usr/bin/bash", "bash"), ("/usr/bin/containerd-shim-runc-v2", "containerd-shim-runc-v2"),
           ("/usr/lib/systemd/systemd", "systemd"), ("/usr/sbin/sshd", "sshd: azureuser@pts/0")]


def ts(rng, base):
    return base + "%02d:%02d.%07dZ" % (rng.randrange(60), rng.randrange(60), rng.randrange(10_000_000))


def initiating(rng, p):
    folder, cmd = rng.choice(PARENTS)
    p.update({
        "InitiatingProcessAccountDomain": rng.choice(HOSTS), "InitiatingProcessAccountName": rng.choice(ACCOUNTS),
        "InitiatingProcessAccountSid": None, "InitiatingProcessAccountUpn": None, "InitiatingProcessAccountObjectId": None,
        "InitiatingProcessIntegrityLevel": None, "InitiatingProcessTokenElevation": None,
        "InitiatingProcessSHA1": "%040x" % rng.getrandbits(160), "InitiatingProcessSHA256": "%064x" % rng.getrandbits(256),
        "InitiatingProcessMD5": "%032x" % rng.getrandbits(128), "InitiatingProcessFileName": folder.rsplit("/", 1)[1],
        "InitiatingProcessFileSize": rng.randrange(10_000, 90_000_000),
        "InitiatingProcessVersionInfoCompanyName": None, "InitiatingProcessVersionInfoProductName": None,
        "InitiatingProcessVersionInfoProductVersion": None, "InitiatingProcessVersionInfoInternalFileName": None,
        "InitiatingProcessVersionInfoOriginalFileName": None, "InitiatingProcessVersionInfoFileDescription": None,
        "InitiatingProcessId": rng.randrange(1, 4_000_000), "InitiatingProcessCommandLine": cmd,
        "InitiatingProcessCreationTime": "2026-11-20T09:59:58.1234567Z", "InitiatingProcessFolderPath": folder,
        "InitiatingProcessParentId": rng.randrange(1, 4_000_000), "InitiatingProcessParentFileName": "systemd",
        "InitiatingProcessParentCreationTime": "2026-11-19T00:00:01.0000000Z",
        "InitiatingProcessSignerType": None, "InitiatingProcessSignatureStatus": None,
    })


def process(rng, host, when):
    folder, cmd = rng.choice(SUSPICIOUS) if rng.random() < 0.02 else rng.choice(BENIGN)
    p = {"Timestamp": when, "DeviceId": DEVICE_IDS[host], "DeviceName": host, "ActionType": "ProcessCreated",
         "FileName": folder.rsplit("/", 1)[1], "FolderPath": folder,
         "SHA1": "%040x" % rng.getrandbits(160), "SHA256": "%064x" % rng.getrandbits(256), "MD5": "%032x" % rng.getrandbits(128),
         "FileSize": rng.randrange(10_000, 90_000_000), "ProcessVersionInfoCompanyName": None,
         "ProcessVersionInfoProductName": None, "ProcessVersionInfoProductVersion": None,
         "ProcessVersionInfoInternalFileName": None, "ProcessVersionInfoOriginalFileName": None,
         "ProcessVersionInfoFileDescription": None, "ProcessId": rng.randrange(1, 4_000_000), "ProcessCommandLine": cmd,
         "ProcessIntegrityLevel": None, "ProcessTokenElevation": None, "ProcessCreationTime": when,
         "AccountDomain": host, "AccountName": rng.choice(ACCOUNTS), "AccountSid": None, "AccountUpn": None,
         "AccountObjectId": None, "LogonId": None}
    initiating(rng, p)
    p.update({"ReportId": rng.randrange(1, 10**6), "AppGuardContainerId": "",
              "AdditionalFields": json.dumps({"InitiatingProcessPosixProcessGroupId": rng.randrange(1, 99999),
                                              "PosixSessionId": rng.randrange(1, 99999), "ProcessPosixEffectiveUser": "root"}),
              "InitiatingProcessSessionId": None, "IsInitiatingProcessRemoteSession": False,
              "InitiatingProcessRemoteSessionDeviceName": None, "InitiatingProcessRemoteSessionIP": None,
              "CreatedProcessSessionId": None, "IsProcessRemoteSession": False, "ProcessRemoteSessionDeviceName": None,
              "ProcessRemoteSessionIP": None, "ProcessUniqueId": str(rng.getrandbits(60)),
              "InitiatingProcessUniqueId": str(rng.getrandbits(60)), "MachineGroup": None})
    return p


def file(rng, host, when):
    name = rng.choice(["app.log", "token", "config.yaml", "docker.sock", "tmp.XXXXXX", "resolv.conf"])
    p = {"Timestamp": when, "DeviceId": DEVICE_IDS[host], "DeviceName": host,
         "ActionType": rng.choice(["FileCreated", "FileModified", "FileDeleted"]), "FileName": name,
         "FolderPath": "/var/lib/kubelet/pods/%032x/volumes/%s" % (rng.getrandbits(128), name),
         "SHA1": "%040x" % rng.getrandbits(160), "SHA256": "%064x" % rng.getrandbits(256), "MD5": None,
         "FileOriginUrl": None, "FileOriginReferrerUrl": None, "FileOriginIP": None, "PreviousFolderPath": None,
         "PreviousFileName": None, "FileSize": rng.randrange(0, 10**7)}
    initiating(rng, p)
    p.update({"RequestProtocol": None, "RequestSourceIP": None, "RequestSourcePort": None, "RequestAccountName": None,
              "RequestAccountDomain": None, "RequestAccountSid": None, "ShareName": None, "SensitivityLabel": None,
              "SensitivitySubLabel": None, "IsAzureInfoProtectionApplied": None, "ReportId": rng.randrange(1, 10**6),
              "AppGuardContainerId": "", "AdditionalFields": None, "InitiatingProcessSessionId": None,
              "IsInitiatingProcessRemoteSession": False, "InitiatingProcessRemoteSessionDeviceName": None,
              "InitiatingProcessRemoteSessionIP": None, "InitiatingProcessUniqueId": str(rng.getrandbits(60)),
              "MachineGroup": None})
    return p


def network(rng, host, when):
    p = {"Timestamp": when, "DeviceId": DEVICE_IDS[host], "DeviceName": host,
         "ActionType": rng.choice(["ConnectionSuccess", "ConnectionAttempt", "InboundConnectionAccepted"]),
         "RemoteIP": "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(256)),
         "RemotePort": rng.choice([443, 6443, 10250, 53, 2375, 8080]), "RemoteUrl": rng.choice(["", "mcr.microsoft.com"]),
         "LocalIP": "10.224.0.%d" % rng.randrange(256), "LocalPort": rng.randrange(32768, 60999), "Protocol": "Tcp",
         "LocalIPType": "Private", "RemoteIPType": "Private"}
    initiating(rng, p)
    p.update({"ReportId": rng.randrange(1, 10**6), "AppGuardContainerId": "", "AdditionalFields": None,
              "InitiatingProcessSessionId": None, "IsInitiatingProcessRemoteSession": False,
              "InitiatingProcessRemoteSessionDeviceName": None, "InitiatingProcessRemoteSessionIP": None,
              "InitiatingProcessUniqueId": str(rng.getrandbits(60)), "MachineGroup": None})
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, required=True, help="about how many megabytes to write")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    limit = int(args.mb * 1_000_000)
    written = 0
    n = 0
    with open(args.out, "w") as out:
        while written < limit:
            r = rng.random()
            table, make = ("DeviceProcessEvents", process) if r < 0.7 else \
                ("DeviceFileEvents", file) if r < 0.9 else ("DeviceNetworkEvents", network)
            base = "2026-11-20T%02d:" % (n * 24 // max(1, limit // 1500) % 24)
            when = ts(rng, base)
            rec = {"time": ts(rng, base), "tenantId": TENANT, "operationName": "Publish",
                   "category": "AdvancedHunting-" + table, "properties": make(rng, rng.choice(HOSTS), when)}
            line = json.dumps(rec, separators=(",", ":")) + "\n"
            out.write(line)
            written += len(line)
            n += 1
    print(f"{args.out}: {n} records, {written / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
