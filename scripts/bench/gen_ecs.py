#!/usr/bin/env python3
"""Writes N MB of ECS documents (Elastic Defend / Auditbeat style NDJSON),
one per line, for read_speed: process starts, file creations and network
connections, nested field names with some dotted ones mixed in.

    python3 scripts/bench/gen_ecs.py --mb 1024 --out /tmp/ecs.ndjson
"""
import json

from sized import write_sized

CMDS = [["docker", "exec", "-it", "web", "/bin/sh"], ["kubectl", "get", "secrets", "--all-namespaces"],
        ["curl", "http://127.0.0.1:2375/containers/json"], ["sh", "-c", "ls -la /var/run/secrets"]]
BIN = {"docker": "/usr/bin/docker", "kubectl": "/usr/local/bin/kubectl", "curl": "/usr/bin/curl", "sh": "/bin/sh"}


def doc(rng, i):
    sec = i // 1000
    t = "2026-11-20T%02d:%02d:%02d.%03dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60, rng.randrange(1000))
    args = rng.choice(CMDS)
    pid = rng.randrange(1000, 4000000)
    d = {"@timestamp": t, "agent": {"type": "endpoint", "version": "8.15.0", "id": "0f4e8a2c-1b3d-4e5f-8a9b-0c1d2e3f4a5b"},
         "ecs": {"version": "8.11.0"},
         "host": {"name": "node-%d" % (i % 16), "hostname": "node-%d" % (i % 16), "id": "8f5a1c2e4b6d4f0a9e3c7b1d2a4f6e8c",
                  "os": {"type": "linux", "kernel": "6.8.0-45-generic", "name": "Ubuntu"}, "architecture": "x86_64"},
         "process": {"pid": pid, "entity_id": "ZjVhMWMyZTQt%08d" % pid, "executable": BIN[args[0]], "name": args[0], "args": args,
                     "working_directory": "/", "start": t,
                     "parent": {"pid": pid - 3, "executable": "/bin/bash", "name": "bash", "args": ["bash", "-i"], "command_line": "bash -i"},
                     "Ext": {"ancestry": ["ZjVhMWMyZTQtMDAwMDAwMDE=", "ZjVhMWMyZTQtMDAwMDAwMDI="]}},
         "user": {"name": "root", "id": "0"}}
    kind = i % 4
    if kind < 2:
        d["event"] = {"category": ["process"], "type": ["start"], "action": "exec", "dataset": "endpoint.events.process", "kind": "event"}
        d["process"]["command_line"] = " ".join(args)
    elif kind == 2:
        d["event"] = {"category": ["file"], "type": ["creation"], "action": "creation", "dataset": "endpoint.events.file", "kind": "event"}
        d["file.path"] = "/var/run/secrets/kubernetes.io/serviceaccount/f%d" % (i % 100)
        d["file.name"] = "f%d" % (i % 100)
    else:
        d["event"] = {"category": ["network"], "type": ["start"], "action": "connection_attempted", "dataset": "endpoint.events.network"}
        d["source"] = {"ip": "10.244.1.%d" % (i % 250), "port": 30000 + i % 30000}
        d["destination"] = {"ip": "10.0.0.4", "port": rng.choice([10250, 2375, 443])}
        d["network.transport"] = "tcp"
    return d


def main():
    write_sized(__doc__.splitlines()[0], lambda rng, i: json.dumps(doc(rng, i), separators=(",", ":")) + "\n", "documents")


if __name__ == "__main__":
    main()
