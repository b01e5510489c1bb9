#!/usr/bin/env python3
"""Writes N MB of Tetragon JSON export events, one per line, for read_speed:
process_exec, process_kprobe (file and tcp_connect hooks) and process_exit
events of processes in Kubernetes pods.

    python3 scripts/bench/gen_tetragon.py --mb 1024 --out /tmp/tetragon.jsonl
"""
import json

from sized import write_sized

BINS = [("/usr/bin/docker", "exec -it web /bin/sh"), ("/usr/local/bin/kubectl", "get secrets --all-namespaces"),
        ("/usr/bin/curl", "http://127.0.0.1:2375/containers/json"), ("/bin/sh", "-c \"ls /var/run/secrets\"")]


def proc(rng, i, binary, args, pid):
    return {"exec_id": "bm9kZS0xOjEzNTQ4Njc0MzIxMzcz%08d" % pid, "pid": pid, "uid": 0, "cwd": "/", "binary": binary,
            "arguments": args, "flags": "execve rootcwd clone", "start_time": "2026-11-20T09:59:59.%09dZ" % rng.randrange(10**9),
            "auid": 4294967295,
            "pod": {"namespace": "shop", "name": "web-6d4cf56db6-%05d" % (i % 977),
                    "container": {"id": "containerd://551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3",
                                  "name": "web", "image": {"id": "docker.io/library/nginx@sha256:8e86f744bfea165fd4ce68caa05abc96500f40130b857773186401926af7e9e6",
                                                           "name": "docker.io/library/nginx:1.27"},
                                  "start_time": "2026-11-20T09:00:00Z", "pid": 49},
                    "pod_labels": {"app": "web", "pod-template-hash": "6d4cf56db6"}, "workload": "web", "workload_kind": "Deployment"},
            "docker": "551e161c47d8ff0eb665438a7bcd5b4", "parent_exec_id": "bm9kZS0xOjEzNTQ4NjcwODgzMjk5OjUyNjk5", "tid": pid}


def event(rng, i):
    sec = i // 1000
    t = "2026-11-20T%02d:%02d:%02d.%09dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60, rng.randrange(10**9))
    binary, args = rng.choice(BINS)
    pid = rng.randrange(1000, 4000000)
    p, parent = proc(rng, i, binary, args, pid), proc(rng, i, "/bin/bash", "-i", pid - 3)
    kind = i % 4
    if kind < 2:
        body = {"process_exec": {"process": p, "parent": parent}}
    elif kind == 2:
        body = {"process_kprobe": {"process": p, "parent": parent, "function_name": "security_file_permission",
                                   "args": [{"file_arg": {"path": "/var/run/secrets/kubernetes.io/serviceaccount/token", "permission": "-rw-r--r--"}},
                                            {"int_arg": rng.choice([2, 4])}], "return": {"int_arg": 0},
                                   "action": "KPROBE_ACTION_POST", "policy_name": "file-monitoring", "return_action": "KPROBE_ACTION_POST"}}
    else:
        body = {"process_kprobe": {"process": p, "parent": parent, "function_name": "tcp_connect",
                                   "args": [{"sock_arg": {"family": "AF_INET", "type": "SOCK_STREAM", "protocol": "IPPROTO_TCP",
                                                          "saddr": "10.244.1.%d" % (i % 250), "daddr": "10.0.0.4", "sport": 30000 + i % 30000,
                                                          "dport": rng.choice([10250, 2375, 443]), "cookie": "18446628593745219648", "state": "TCP_SYN_SENT"}}],
                                   "action": "KPROBE_ACTION_POST", "policy_name": "connect"}}
    body.update({"node_name": "node-%d" % (i % 16), "time": t})
    return body


def main():
    write_sized(__doc__.splitlines()[0], lambda rng, i: json.dumps(event(rng, i), separators=(",", ":")) + "\n", "events")


if __name__ == "__main__":
    main()
