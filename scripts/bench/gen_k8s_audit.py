#!/usr/bin/env python3
"""Generates a Kubernetes API server audit log for reading benchmarks.

    python3 scripts/bench/gen_k8s_audit.py --mb 1024 --out /tmp/k8s-audit.jsonl
    python3 scripts/bench/gen_k8s_audit.py --mb 1024 --aks --out /tmp/aks-audit.json

writes about MB megabytes of `audit.k8s.io/v1` Events, one per line, as the
log backend writes them (Go's encoder: compact, `&` as `\\u0026`); with
`--aks`, each event as the `properties.log` string of an AKS `kube-audit`
resource-log record, one record per line (a storage-account blob). The mix
is a busy cluster's: mostly controllers and kubelets getting, listing and
watching; leases updated; some `Request`-level creates with their request
object; and a few `kubectl` calls (exec, secrets). Deterministic: the same
arguments give the same file.

    cargo run --release -p telemetry --example read_speed -- /tmp/k8s-audit.jsonl
"""

import argparse
import json
import random

NODES = [f"aks-nodepool1-{i:08d}-vmss00000{i % 10}" for i in range(40)]
NAMESPACES = ["default", "kube-system", "prod", "staging", "monitoring", "ingress-nginx"]
RESOURCES = ["pods", "configmaps", "secrets", "services", "endpoints", "leases", "nodes", "events", "deployments"]
RID = ("/SUBSCRIPTIONS/0B2E9A0C-1111-4222-8333-944445555666/RESOURCEGROUPS/RG-AKS/PROVIDERS/"
       "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD")


def go(obj):
    s = json.dumps(obj, separators=(",", ":"))
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def uid(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"


def when(rng, n, total):
    sec = n * 86400 // max(total, 1)
    return "2026-11-20T%02d:%02d:%02d.%06dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60, rng.randrange(10**6))


def event(rng, n, total):
    r = rng.random()
    ns = rng.choice(NAMESPACES)
    node = rng.choice(NODES)
    if r < 0.45:
        user = {"username": f"system:node:{node}", "groups": ["system:nodes", "system:authenticated"]}
        ua, ip = "kubelet/v1.29.7 (linux/amd64) kubernetes/4452b3e", "10.224.0.%d" % rng.randrange(4, 250)
    elif r < 0.9:
        sa = rng.choice(["replicaset-controller", "endpointslice-controller", "coredns", "metrics-server"])
        user = {"username": f"system:serviceaccount:kube-system:{sa}", "uid": uid(rng),
                "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]}
        ua, ip = "kube-controller-manager/v1.29.7 (linux/amd64) kubernetes/4452b3e/system:serviceaccount:kube-system:" + sa, "172.31.0.1"
    else:
        user = {"username": "masterclient", "groups": ["system:masters", "system:authenticated"]}
        ua, ip = "kubectl/v1.29.7 (linux/amd64) kubernetes/4452b3e", "20.81.10.%d" % rng.randrange(256)
    res = rng.choice(RESOURCES)
    verb = rng.choices(["get", "list", "watch", "update", "create", "patch", "delete"], [40, 20, 10, 15, 8, 5, 2])[0]
    name = f"{res[:-1]}-{rng.getrandbits(24):06x}"
    group = "apps" if res == "deployments" else "coordination.k8s.io" if res == "leases" else ""
    prefix = f"/apis/{group}/v1" if group else "/api/v1"
    obj = {"resource": res, "namespace": ns, "apiGroup": group, "apiVersion": "v1"} if group else \
        {"resource": res, "namespace": ns, "apiVersion": "v1"}
    if verb in ("get", "update", "patch", "delete"):
        obj["name"] = name
        uri = f"{prefix}/namespaces/{ns}/{res}/{name}"
    elif verb == "create":
        uri = f"{prefix}/namespaces/{ns}/{res}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
    else:
        uri = f"{prefix}/namespaces/{ns}/{res}?limit=500&resourceVersion=0" + ("&watch=true" if verb == "watch" else "")
    if r > 0.98:
        verb, obj = "create", {"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1", "subresource": "exec"}
        uri = f"/api/v1/namespaces/{ns}/pods/{name}/exec?command=%2Fbin%2Fsh&container=app&stdin=true&stdout=true&tty=true"
    t0 = when(rng, n, total)
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": uid(rng),
         "stage": "ResponseComplete", "requestURI": uri, "verb": verb, "user": user, "sourceIPs": [ip],
         "userAgent": ua, "objectRef": obj, "responseStatus": {"metadata": {}, "code": 201 if verb == "create" else 200}}
    if verb == "create" and res in ("pods", "configmaps"):
        e["level"] = "Request"
        e["requestObject"] = {"kind": "Pod" if res == "pods" else "ConfigMap", "apiVersion": "v1",
                              "metadata": {"name": name, "namespace": ns, "labels": {"app": "web", "tier": "frontend"}},
                              "spec": {"containers": [{"name": "app", "image": "mcr.microsoft.com/azurelinux/base/nginx:1.25",
                                                       "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                                       "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]}}
    e["requestReceivedTimestamp"] = t0
    e["stageTimestamp"] = t0[:-7] + "%06dZ" % min(999_999, int(t0[-7:-1]) + rng.randrange(20_000))
    e["annotations"] = {"authorization.k8s.io/decision": "allow",
                        "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"system:controller\""}
    return e


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, required=True, help="about how many megabytes to write")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--aks", action="store_true", help="wrap each event in an AKS kube-audit resource-log record")
    ap.add_argument("--event-list", action="store_true",
                    help="write one EventList document, its items one per line, instead of JSON lines")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    limit = int(args.mb * 1_000_000)
    total = limit // 900
    written = n = 0
    with open(args.out, "w") as out:
        if args.event_list:
            out.write('{\n  "kind": "EventList",\n  "apiVersion": "audit.k8s.io/v1",\n  "metadata": {},\n  "items": [\n')
        while written < limit:
            e = go(event(rng, n, total))
            if args.aks:
                line = json.dumps({"operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                                   "category": "kube-audit", "resourceId": RID,
                                   "properties": {"log": e + "\n", "stream": "stdout",
                                                  "pod": "kube-apiserver-6f8c9d7b5-x2k4p"},
                                   "time": when(rng, n, total)}, separators=(",", ":")) + "\n"
            elif args.event_list:
                line = ("    " if n == 0 else "  , ") + e + "\n"
            else:
                line = e + "\n"
            out.write(line)
            written += len(line)
            n += 1
        if args.event_list:
            out.write("  ]\n}\n")
    print(f"{args.out}: {n} records, {written / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
