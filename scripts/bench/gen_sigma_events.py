#!/usr/bin/env python3
"""Generates one Linux + Kubernetes event set for Sigma rules, written twice.

    python3 scripts/bench/gen_sigma_events.py --rules RULES_DIR [--rules DIR ...] \
        --events 1000000 --seed 1 --out /tmp/sigma-events

writes, for the same events in the same order:

- `OUT/sigma/events.ndjson`: one flat JSON object per event with Sigma's
  field names (`Image`, `CommandLine`, `TargetFilename`, `DestinationIp`,
  ...) and the event's logsource as `product` / `category` / `service`
  fields (what `rsigma engine eval --logsource-routing` reads). Kubernetes
  events are the `audit.k8s.io/v1` Event itself (Sigma's Kubernetes fields
  are paths into it, `objectRef.resource`) plus those fields and `apiGroup`,
  and the fields of `crates/sigma/mapping.yaml` that are not paths of the
  event: `apiGroup` (the mapping reads it as `objectRef.apiGroup`), and
  `hostPath` and `capabilities` (a volume's host path and a container's
  capabilities in the event's `requestObject.spec`, where dragnet finds them).
  A network event's `Initiated` is, for dragnet, its `ActionType`.
- `OUT/dragnet/defender.jsonl`: the Linux events as Defender streaming-API
  export records (`AdvancedHunting-DeviceProcessEvents`, `-DeviceFileEvents`,
  `-DeviceNetworkEvents`), each Sigma field in the column
  `crates/sigma/mapping.yaml` maps it to.
- `OUT/dragnet/k8s_audit.jsonl`: the Kubernetes events as `audit.k8s.io/v1`
  Event JSON lines (dragnet's `AKSAudit` reader).
- `OUT/dragnet/audit.log`: the audit events for the `auditd` rules, every
  record of an event under one `msg=audit(...)` id, as auditd writes them
  (`sigma_auditd_events.py`); in `events.ndjson` one object per record.
- `OUT/dragnet/syslog`: the syslog messages for the builtin rules, RFC
  5424 and RFC 3164 lines (`sigma_syslog_events.py`).

The mix: 50% process creations, 12% file events, 12% network connections,
11% Kubernetes audit events, 10% audit events, 5% syslog messages. A
keyword of an auditd rule is an EXECVE argument of its own; of a syslog
rule, a piece of the message. About one event in six is built from a rule's
own detection: the fields of one of its selections, or of all of them (a
value of each list, wildcards filled, `contains` / `startswith` /
`endswith` wrapped in benign text, `base64`, `cidr` and number comparisons
honoured; selections with a regular expression or a field reference are
left to the background). Some of those also get one of the rule's filter
selections (which the condition excludes), a value with its case flipped
(matching is case-insensitive), or a field left out of the event. The rest
is benign background from container hosts and clusters. A field with no
value is left out of both forms (a Sigma `null`). Deterministic: the same
rules, seed and size give the same files.
"""

import argparse
import base64
import ipaddress
import json
import os
import random
import time

import yaml

import sigma_auditd_events as auditd
import sigma_syslog_events as syslog

START = 1_795_132_800  # 2026-11-20T00:00:00Z
HOSTS = [f"aks-nodepool1-{i:08d}-vmss00000{i % 10}" for i in range(40)]
ACCOUNTS = ["root", "azureuser", "www-data", "nobody", "postgres", "app"]
WORDS = ["alpha", "build", "cache", "data", "edge", "frontend", "gateway", "metrics", "orders", "payments"]
BENIGN_PROCS = [
    ("/usr/bin/python3", "python3 /srv/app/worker.py --queue default --concurrency 4"),
    ("/usr/bin/bash", "bash -c /opt/scripts/rotate-logs.sh"),
    ("/usr/bin/ls", "ls -la /var/log/containers"),
    ("/usr/bin/cat", "cat /proc/meminfo"),
    ("/usr/sbin/nginx", "nginx: worker process"),
    ("/usr/local/bin/kubelet", "/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml --node-ip=10.224.0.4"),
    ("/usr/bin/containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 4f1c2d9e8b7a -address /run/containerd/containerd.sock"),
    ("/usr/bin/grep", "grep -r error /var/log/app"),
    ("/usr/bin/java", "java -Xmx2g -XX:+UseG1GC -jar /opt/service/service.jar --spring.profiles.active=prod"),
    ("/usr/bin/node", "node /srv/web/server.js"),
    ("/usr/bin/tar", "tar -czf /backup/app-2026-11-20.tgz /srv/app/data"),
    ("/usr/bin/date", "date +%s"),
    ("/usr/bin/sleep", "sleep 30"),
    ("/usr/bin/ps", "ps -eo pid,comm"),
]
PARENTS = [
    ("/usr/bin/bash", "bash"),
    ("/usr/bin/containerd-shim-runc-v2", "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io"),
    ("/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd --system --deserialize 31"),
    ("/usr/sbin/sshd", "sshd: azureuser@pts/0"),
    ("/usr/sbin/cron", "/usr/sbin/cron -f"),
]
BENIGN_FILES = ["/var/log/app/app.log", "/tmp/tmp.{w}.json", "/srv/app/data/{w}.db", "/var/lib/kubelet/pods/{w}/volumes",
                "/home/azureuser/.bash_history", "/var/cache/apt/{w}.bin", "/etc/nginx/conf.d/{w}.conf"]
BENIGN_HOSTS = ["api.github.com", "registry-1.docker.io", "login.microsoftonline.com", "packages.microsoft.com", ""]
K8S_RESOURCES = ["pods", "configmaps", "services", "endpoints", "nodes", "leases", "deployments", "replicasets", "events"]
K8S_VERBS = ["get", "list", "watch", "update", "patch", "create"]
K8S_USERS = ["system:serviceaccount:kube-system:coredns", "system:node:aks-nodepool1-0", "system:kube-scheduler",
             "aksService", "system:serviceaccount:default:web", "masterclient"]
K8S_AGENTS = ["kubelet/v1.30.3 (linux/amd64) kubernetes/4c97d8b", "kube-scheduler/v1.30.3", "kubectl/v1.30.3 (linux/amd64)",
              "coredns/v1.11.1", "Go-http-client/2.0"]

# Sigma field -> (table, column) for the Linux categories, as in
# crates/sigma/mapping.yaml.
PROC = {"Image": "FolderPath", "OriginalFileName": "FileName", "CommandLine": "ProcessCommandLine",
        "ProcessId": "ProcessId", "User": "AccountName", "LogonId": "LogonId", "CurrentDirectory": "AdditionalFields.ProcessCurrentWorkingDirectory",
        "ParentImage": "InitiatingProcessFolderPath", "ParentCommandLine": "InitiatingProcessCommandLine",
        "ParentProcessId": "InitiatingProcessId", "ParentUser": "InitiatingProcessAccountName", "Computer": "DeviceName"}
FILE = {"TargetFilename": "FolderPath", "Image": "InitiatingProcessFolderPath", "CommandLine": "InitiatingProcessCommandLine",
        "User": "InitiatingProcessAccountName", "ProcessId": "InitiatingProcessId", "Computer": "DeviceName"}
NET = {"Image": "InitiatingProcessFolderPath", "CommandLine": "InitiatingProcessCommandLine",
       "User": "InitiatingProcessAccountName", "ProcessId": "InitiatingProcessId", "DestinationIp": "RemoteIP",
       "DestinationPort": "RemotePort", "DestinationHostname": "RemoteUrl", "SourceIp": "LocalIP", "SourcePort": "LocalPort",
       "Protocol": "Protocol", "Computer": "DeviceName", "Initiated": "ActionType"}
LINUX = {"process_creation": ("DeviceProcessEvents", PROC), "file_event": ("DeviceFileEvents", FILE),
         "network_connection": ("DeviceNetworkEvents", NET)}
K8S_FIELDS = {"verb", "requestURI", "userAgent", "sourceIPs", "stage", "level", "auditID", "apiGroup", "objectRef.resource",
              "objectRef.subresource", "objectRef.namespace", "objectRef.name", "objectRef.apiGroup", "objectRef.apiVersion",
              "user.username", "user.uid", "impersonatedUser.username", "responseStatus.code", "responseStatus.status",
              "responseStatus.reason", "hostPath", "capabilities"}
HOST_PATHS = ["/", "/etc", "/var/run/docker.sock", "/var/log", "/proc"]
CAPABILITIES = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "NET_RAW"]
ABSENT = object()


SYSLOG_FIELDS = {"Computer", "HostName", "Facility", "SeverityLevel", "ProcessName", "ProcessID", "SyslogMessage"}


def category_of(logsource):
    product = str(logsource.get("product", "")).lower()
    service = str(logsource.get("service", "")).lower()
    if product == "kubernetes" and service == "audit":
        return "k8s"
    cat = str(logsource.get("category", "")).lower()
    if product == "linux" and not cat and service == "auditd":
        return "auditd"
    if product == "linux" and not cat and (not service or service in syslog.PROGRAMS):
        return f"syslog/{service}"
    if product == "linux" and cat in LINUX and "service" not in logsource:
        return cat
    return None


def fields_of(cat):
    if cat == "auditd":
        return auditd.FIELDS
    if cat.startswith("syslog/"):
        return SYSLOG_FIELDS
    return K8S_FIELDS if cat == "k8s" else set(LINUX[cat][1])


def keyword_field(cat):
    """Where a keyword of a rule of `cat` goes: the command line of a
    process, an argument of its own of an EXECVE record (`__kw__`, a list),
    a piece of a syslog message (`__kw__`)."""
    if cat == "process_creation":
        return "CommandLine"
    if cat == "auditd" or cat.startswith("syslog/"):
        return "__kw__"
    return None


def fill_wildcards(rng, text):
    """A literal that the Sigma wildcard pattern `text` matches."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "*?\\":
            out.append(text[i + 1])
            i += 2
            continue
        if c == "*":
            out.append(rng.choice(["", rng.choice(WORDS)]))
        elif c == "?":
            out.append(rng.choice("abcxyz0"))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def encode(text, mods):
    data = text.encode()
    if "utf16le" in mods or "wide" in mods:
        data = text.encode("utf-16-le")
    elif "utf16be" in mods:
        data = text.encode("utf-16-be")
    elif "utf16" in mods:
        data = text.encode("utf-16")
    if "base64" in mods or "base64offset" in mods:
        return base64.b64encode(data).decode()
    return text


def synth(rng, mods, value, flip):
    """What makes `value` under `mods` match: ("value", v) for a whole value
    (ABSENT for a null), ("start" | "mid" | "end", text) for a piece of a
    text, or None when no value can be made (a regular expression, a field
    reference)."""
    if value is None:
        return ("value", ABSENT)
    if "re" in mods or "fieldref" in mods or "expand" in mods:
        return None
    if "exists" in mods:
        return ("value", rng.choice(WORDS) if value else ABSENT)
    if "cidr" in mods:
        try:
            net = ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            return None
        return ("value", str(net.network_address + min(1, net.num_addresses - 1)))
    for m, delta in (("gt", 1), ("gte", 0), ("lt", -1), ("lte", 0)):
        if m in mods:
            return ("value", int(value) + delta)
    if isinstance(value, bool):
        return ("value", str(value).lower())
    if isinstance(value, (int, float)):
        return ("value", value)
    lit = fill_wildcards(rng, str(value))
    lit = encode(lit, mods)
    if flip and "cased" not in mods and not ({"base64", "base64offset"} & set(mods)):
        lit = lit.swapcase()
    if "contains" in mods or "base64offset" in mods:
        return ("mid", lit)
    if "startswith" in mods:
        return ("start", lit)
    if "endswith" in mods:
        return ("end", lit)
    return ("value", lit)


def compose(rng, pieces):
    """One value holding every piece: a whole value as it is, else the
    start, the middle pieces and the end in benign text."""
    for kind, v in pieces:
        if kind == "value":
            return v
    by = {k: [t for kind, t in pieces if kind == k] for k in ("start", "mid", "end")}
    head = by["start"][0] if by["start"] else f"/opt/{rng.choice(WORDS)}"
    mid = "".join(f" {t} " for t in by["mid"])
    tail = by["end"][0] if by["end"] else f" --{rng.choice(WORDS)}"
    return head + mid + tail


def selection_fields(rng, sel, allowed, flip):
    """Field -> value making the map `sel` true, or None."""
    pieces = {}
    keywords = []
    for key, values in sel.items():
        name, *mods = str(key).split("|")
        vals = values if isinstance(values, list) else [values]
        if name == "" and "__kw__" in allowed:
            chosen = vals if "all" in mods else [rng.choice(vals)]
            keywords += [fill_wildcards(rng, str(v)) for v in chosen]
            continue
        if name not in allowed:
            return None
        if not vals:
            continue
        chosen = vals if "all" in mods else [rng.choice(vals)]
        for v in chosen:
            p = synth(rng, mods, v, flip)
            if p is None:
                return None
            pieces.setdefault(name, []).append(p)
    out = {name: compose(rng, ps) for name, ps in pieces.items()}
    if keywords:
        out["__kw__"] = keywords
    return out


def templates(rng, doc):
    """Per selection of a rule: field maps that satisfy it, and filter ones."""
    cat = category_of(doc.get("logsource") or {})
    det = doc.get("detection")
    if cat is None or not isinstance(det, dict):
        return None
    allowed = fields_of(cat)
    kw = keyword_field(cat)
    if kw == "__kw__":
        allowed = allowed | {"__kw__"}
    sels, filters = [], []
    for name, sel in det.items():
        if name == "condition" or name == "timeframe":
            continue
        maps = sel if isinstance(sel, list) else [sel]
        built = []
        for m in maps:
            if isinstance(m, dict):
                for flip in (False, True):
                    f = selection_fields(rng, m, allowed, flip)
                    if f:
                        built.append(f)
            elif isinstance(m, (str, int)) and kw == "CommandLine":
                built.append({"CommandLine": compose(rng, [("mid", fill_wildcards(rng, str(m)))])})
            elif isinstance(m, (str, int)) and kw == "__kw__":
                for flip in (False, True):
                    word = fill_wildcards(rng, str(m))
                    built.append({"__kw__": [word.swapcase() if flip else word]})
        if built:
            if name.startswith("filter"):
                filters.extend(built)
            else:
                sels.append(built)
    if not sels:
        return None
    return cat, sels, filters


def load_templates(dirs):
    rng = random.Random(7)
    out = []
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            subdirs.sort()
            for f in sorted(files):
                if not f.endswith((".yml", ".yaml")):
                    continue
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    try:
                        docs = list(yaml.safe_load_all(fh))
                    except yaml.YAMLError:
                        continue
                for doc in docs:
                    if isinstance(doc, dict):
                        t = templates(rng, doc)
                        if t:
                            out.append(t)
    return out


def background(rng, cat):
    host = rng.choice(HOSTS)
    if cat == "auditd":
        return auditd.background(rng)
    if cat.startswith("syslog/"):
        service, program, message = syslog.background(rng)
        return {"__service__": service, "ProcessName": program, "SyslogMessage": message}
    if cat == "k8s":
        res = rng.choice(K8S_RESOURCES)
        ns = rng.choice(["default", "kube-system", "payments", "web"])
        return {"verb": rng.choice(K8S_VERBS), "objectRef.resource": res, "objectRef.namespace": ns,
                "objectRef.name": f"{rng.choice(WORDS)}-{rng.randrange(1000)}", "objectRef.apiVersion": "v1",
                "objectRef.apiGroup": rng.choice(["", "apps", "coordination.k8s.io"]),
                "requestURI": f"/api/v1/namespaces/{ns}/{res}", "userAgent": rng.choice(K8S_AGENTS),
                "user.username": rng.choice(K8S_USERS), "user.uid": "%032x" % rng.getrandbits(128),
                "sourceIPs": [f"10.224.{rng.randrange(4)}.{rng.randrange(1, 255)}"], "stage": "ResponseComplete",
                "level": "Metadata", "responseStatus.code": rng.choice([200, 200, 200, 201, 403, 404])}
    image, cmd = rng.choice(BENIGN_PROCS)
    ev = {"Image": image, "CommandLine": cmd, "User": rng.choice(ACCOUNTS), "ProcessId": rng.randrange(100, 4_000_000),
          "Computer": host}
    if cat == "process_creation":
        pimg, pcmd = rng.choice(PARENTS)
        ev.update({"ParentImage": pimg, "ParentCommandLine": pcmd, "ParentProcessId": rng.randrange(1, 4_000_000),
                   "ParentUser": rng.choice(ACCOUNTS), "CurrentDirectory": rng.choice(["/", "/root", "/srv/app", "/tmp"]),
                   "OriginalFileName": image.rsplit("/", 1)[-1], "LogonId": rng.choice([0, 1000, rng.randrange(1, 1 << 20)])})
    elif cat == "file_event":
        ev["TargetFilename"] = rng.choice(BENIGN_FILES).format(w=rng.choice(WORDS))
    else:
        ev.update({"DestinationIp": f"{rng.choice([20, 40, 52, 140])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                   "DestinationPort": rng.choice([443, 443, 80, 5432, 6443, 53]), "SourceIp": f"10.224.0.{rng.randrange(1, 255)}",
                   "SourcePort": rng.randrange(32768, 61000), "Protocol": rng.choice(["Tcp", "Tcp", "Udp"]),
                   "DestinationHostname": rng.choice(BENIGN_HOSTS), "Initiated": rng.choice(["true"] * 4 + ["false"])})
    return ev


def needle(rng, tpls_by_cat, cat):
    tcat, sels, filters = rng.choice(tpls_by_cat[cat])
    # An audit record is the rule's record alone: its type decides the event.
    ev = {} if tcat == "auditd" else background(rng, tcat)
    if tcat.startswith("syslog/"):
        service = tcat.split("/", 1)[1]
        if service:
            ev.update({"__service__": service, "ProcessName": rng.choice(syslog.PROGRAMS[service])})
    if rng.random() < 0.5:
        ev.update(rng.choice(rng.choice(sels)))
    else:
        # One variant of every selection, for conditions that need several;
        # two texts for one field are joined, so that `contains` of both holds.
        seen = set()
        for variants in sels:
            for field, value in rng.choice(variants).items():
                old = ev.get(field)
                if field in seen and isinstance(old, list) and isinstance(value, list):
                    ev[field] = old + value
                elif field in seen and isinstance(old, str) and isinstance(value, str):
                    ev[field] = f"{old} {value}"
                else:
                    ev[field] = value
                seen.add(field)
    if filters and rng.random() < 0.25:
        for field, value in rng.choice(filters).items():
            old = ev.get(field)
            ev[field] = old + value if isinstance(old, list) and isinstance(value, list) else value
    if rng.random() < 0.05:
        drop = rng.choice(sorted(k for k in ev if k not in ("Computer", "__service__")))
        ev[drop] = ABSENT
    if tcat == "process_creation" and "Image" in ev and ev["Image"] is not ABSENT:
        ev["OriginalFileName"] = str(ev["Image"]).rsplit("/", 1)[-1]
    return tcat, ev


def iso(seconds, micros):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%06dZ" % micros


def defender(cat, ev, when):
    table, fmap = LINUX[cat]
    props = {"Timestamp": when}
    extra = {}
    for sigma_field, value in ev.items():
        col = fmap[sigma_field]
        if value is ABSENT or sigma_field == "Initiated":
            continue
        if col.startswith("AdditionalFields."):
            extra[col.split(".", 1)[1]] = value
        else:
            props[col] = value
    if extra:
        props["AdditionalFields"] = extra
    if table == "DeviceProcessEvents":
        props["ActionType"] = "ProcessCreated"
    elif table == "DeviceFileEvents":
        props["ActionType"] = "FileCreated"
        if "FolderPath" in props:
            props["FileName"] = str(props["FolderPath"]).rsplit("/", 1)[-1]
    else:
        # The mapping reads Sysmon's Initiated from ActionType: outbound
        # types are true, an accepted inbound connection false, others neither.
        initiated = str(ev.get("Initiated", ABSENT)).lower()
        props["ActionType"] = {"true": "ConnectionSuccess", "false": "InboundConnectionAccepted"}.get(
            initiated, "ListeningConnectionCreated")
    return {"time": when, "category": f"AdvancedHunting-{table}", "properties": props}


def audit_event(ev, when, audit_id):
    out = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": audit_id, "requestReceivedTimestamp": when,
           "stageTimestamp": when}
    for path, value in ev.items():
        if value is ABSENT or path == "apiGroup":
            continue
        # The mapping finds these in the request object: a volume's host
        # path, a container's capabilities.
        if path == "hostPath":
            spec = out.setdefault("requestObject", {}).setdefault("spec", {})
            spec.setdefault("volumes", []).append({"name": "host", "hostPath": {"path": str(value), "type": ""}})
            continue
        if path == "capabilities":
            spec = out.setdefault("requestObject", {}).setdefault("spec", {})
            spec.setdefault("containers", []).append(
                {"name": "app", "image": "nginx:1.27", "securityContext": {"capabilities": {"add": [str(value)]}}})
            continue
        if path == "sourceIPs" and not isinstance(value, list):
            value = [value]
        parts = path.split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    for required, default in (("level", "Metadata"), ("stage", "ResponseComplete"), ("requestURI", "/api"), ("verb", "get")):
        out.setdefault(required, default)
    out.setdefault("user", {"username": "system:anonymous"})
    if ev.get("apiGroup") not in (None, ABSENT):
        out.setdefault("objectRef", {})["apiGroup"] = ev["apiGroup"]
    return out


def flat(value):
    return {k: v for k, v in value.items() if v is not ABSENT}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", action="append", required=True, help="a folder of Sigma rules (repeat)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tpls = load_templates(args.rules)
    by_cat = {}
    for t in tpls:
        by_cat.setdefault(t[0].split("/", 1)[0], []).append(t)
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "sigma"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "dragnet"), exist_ok=True)
    cats = (["process_creation"] * 50 + ["file_event"] * 12 + ["network_connection"] * 12 + ["k8s"] * 11
            + ["auditd"] * 10 + ["syslog"] * 5)
    with open(os.path.join(args.out, "sigma", "events.ndjson"), "w") as sig, \
            open(os.path.join(args.out, "dragnet", "defender.jsonl"), "w") as dfn, \
            open(os.path.join(args.out, "dragnet", "k8s_audit.jsonl"), "w") as k8s, \
            open(os.path.join(args.out, "dragnet", "audit.log"), "w") as audit_log, \
            open(os.path.join(args.out, "dragnet", "syslog"), "w") as syslog_log:
        audit_writer = auditd.Writer(audit_log, sig)
        for i in range(args.events):
            cat = rng.choice(cats)
            if cat in by_cat and rng.random() < 1 / 6:
                cat, ev = needle(rng, by_cat, cat)
            else:
                ev = background(rng, "syslog/" if cat == "syslog" else cat)
            when = iso(START + i // 20, (i % 20) * 50_000)
            if cat == "auditd":
                hi = rng.randrange(len(HOSTS))
                audit_writer.event(rng, hi, HOSTS[hi], ev, START + i // 20 + (i % 20) * 0.05, when, ABSENT)
            elif cat.startswith("syslog"):
                hi = rng.randrange(len(HOSTS))
                service = ev.get("__service__") or rng.choice(sorted(syslog.PROGRAMS))
                program = ev.get("ProcessName")
                if program in (None, ABSENT):
                    program = rng.choice(syslog.PROGRAMS[service])
                message = ev.get("SyslogMessage")
                if message in (None, ABSENT):
                    message = rng.choice(syslog.BENIGN[service])
                kws = ev.get("__kw__")
                if kws not in (None, ABSENT):
                    message = f"{message} {' '.join(kws)}" if rng.random() < 0.5 else f"{' '.join(kws)} {message}"
                syslog.write(rng, hi, HOSTS[hi], syslog.SERVICE_OF.get(program, "syslog"), program, message,
                             START + i // 20, when, syslog_log, sig)
            elif cat == "k8s":
                # A pod's host path and added capability are never empty
                # (a rule's `*` makes them so): real ones, by event number.
                for field, real in (("hostPath", HOST_PATHS), ("capabilities", CAPABILITIES)):
                    if ev.get(field) == "":
                        ev[field] = real[i % len(real)]
                aid = "%08x-0000-4000-8000-%012x" % (args.seed, i)
                doc = audit_event(ev, when, aid)
                k8s.write(json.dumps(doc) + "\n")
                tagged = dict(doc)
                for field in ("hostPath", "capabilities"):
                    if ev.get(field) not in (None, ABSENT):
                        tagged[field] = str(ev[field])
                if "apiGroup" in doc.get("objectRef", {}):
                    tagged["apiGroup"] = doc["objectRef"]["apiGroup"]
                tagged.update({"product": "kubernetes", "service": "audit", "category": "application", "timestamp": when})
                sig.write(json.dumps(tagged) + "\n")
            else:
                dfn.write(json.dumps(defender(cat, ev, when)) + "\n")
                row = flat(ev)
                row.update({"product": "linux", "category": cat, "timestamp": when})
                sig.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
