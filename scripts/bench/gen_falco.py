#!/usr/bin/env python3
"""Writes N MB of Falco JSON alerts (json_output: true), one per line, for
read_speed: a mix of execve, openat and connect alerts from containers and
the host, with varying pids, times and command lines.

    python3 scripts/bench/gen_falco.py --mb 1024 --out /tmp/falco.jsonl
"""
import json

from sized import write_sized

CMDS = [
    ("docker", "/usr/bin/docker", "docker exec -it web /bin/sh"),
    ("kubectl", "/usr/local/bin/kubectl", "kubectl get secrets --all-namespaces"),
    ("curl", "/usr/bin/curl", "curl http://127.0.0.1:2375/containers/json"),
    ("sh", "/bin/sh", "sh -c ls -la /var/run/secrets"),
    ("python3", "/usr/bin/python3.12", "python3 -m http.server 8080"),
]
FILES = ["/etc/shadow", "/var/run/secrets/kubernetes.io/serviceaccount/token", "/etc/kubernetes/admin.conf"]


def alert(rng, i):
    sec = i // 1000
    t = "2026-11-20T%02d:%02d:%02d.%09dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60, rng.randrange(10**9))
    name, exe, cmd = rng.choice(CMDS)
    pid = rng.randrange(1000, 4000000)
    f = {
        "container.id": "3ad8c2b1f0e4",
        "container.name": "web-%d" % (i % 50),
        "container.image.repository": "docker.io/library/nginx",
        "k8s.ns.name": "shop",
        "k8s.pod.name": "web-6d4cf56db6-%05d" % (i % 977),
        "proc.cmdline": cmd,
        "proc.exepath": exe,
        "proc.name": name,
        "proc.pid": pid,
        "proc.pname": "bash",
        "proc.pexepath": "/usr/bin/bash",
        "proc.pcmdline": "bash -i",
        "proc.ppid": pid - 7,
        "user.name": "root",
        "user.uid": 0,
    }
    kind = i % 4
    if kind < 2:
        f["evt.type"] = "execve"
        rule, out = "Terminal shell in container", "A shell was spawned in a container (command=%s)" % cmd
    elif kind == 2:
        f.update({"evt.type": "openat", "fd.name": rng.choice(FILES), "evt.arg.flags": "O_RDONLY|O_CLOEXEC"})
        rule, out = "Read sensitive file untrusted", "Sensitive file opened for reading (file=%s)" % f["fd.name"]
    else:
        port = rng.choice([10250, 2375, 443, 6443])
        f.update({"evt.type": "connect", "fd.name": "10.244.1.%d:%d->10.0.0.4:%d" % (i % 250, 30000 + i % 30000, port),
                  "fd.l4proto": "tcp", "fd.typechar": "4", "evt.res": "SUCCESS"})
        rule, out = "Outbound connection", "Connection (connection=%s)" % f["fd.name"]
    return {"hostname": "node-%d" % (i % 16), "output": t[11:] + ": Warning " + out, "output_fields": f,
            "priority": "Warning", "rule": rule, "source": "syscall", "tags": ["container", "mitre_execution"], "time": t}


def main():
    write_sized(__doc__.splitlines()[0], lambda rng, i: json.dumps(alert(rng, i), separators=(",", ":")) + "\n", "alerts")


if __name__ == "__main__":
    main()
