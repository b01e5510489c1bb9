#!/usr/bin/env python3
"""Writes a realistic raw audit.log of about N megabytes for benchmarks.

    scripts/bench/gen_auditd.py --mb 1024 --out /tmp/audit-1g.log

Events are what an auditd rule set watching execve, file and network calls
writes on a busy container host: mostly execve (SYSCALL, EXECVE, CWD, two
PATH, PROCTITLE, EOE), some openat (SYSCALL, CWD, two PATH, PROCTITLE,
EOE) and connect (SYSCALL, SOCKADDR, PROCTITLE, EOE) events. About one
argument in ten holds a space or a quote and so is hex-encoded, as the
kernel does. Process ids form parent chains (shells spawning commands).
The output is deterministic for a given --seed.
"""

import argparse
import random

COMMANDS = [
    ["ls", "-la", "/var/log"], ["cat", "/etc/hostname"], ["grep", "-r", "error", "/var/log/syslog"],
    ["kubectl", "get", "pods", "-n", "kube-system"], ["docker", "ps", "-a"], ["systemctl", "status", "kubelet"],
    ["ps", "aux"], ["id"], ["uname", "-a"], ["curl", "-s", "http://10.0.0.5:8080/healthz"],
    ["python3", "-c", "import json,sys; print(json.load(sys.stdin)['items'])"], ["sh", "-c", "echo \"done\" > /tmp/x"],
    ["find", "/srv", "-name", "*.log", "-mtime", "+7"], ["awk", "{print $1}", "/var/log/nginx/access.log"],
    ["tar", "czf", "/backup/etc.tgz", "/etc"], ["sed", "-i", "s/foo/bar/g", "/etc/app/config.yaml"],
    ["git", "log", "--oneline", "-n", "20"], ["crictl", "ps"], ["journalctl", "-u", "containerd", "--since", "1 hour ago"],
]
PATHS = {"ls": "/usr/bin/ls", "cat": "/usr/bin/cat", "grep": "/usr/bin/grep", "kubectl": "/usr/local/bin/kubectl",
         "docker": "/usr/bin/docker", "systemctl": "/usr/bin/systemctl", "ps": "/usr/bin/ps", "id": "/usr/bin/id",
         "uname": "/usr/bin/uname", "curl": "/usr/bin/curl", "python3": "/usr/bin/python3", "sh": "/bin/sh",
         "find": "/usr/bin/find", "awk": "/usr/bin/awk", "tar": "/usr/bin/tar", "sed": "/usr/bin/sed",
         "git": "/usr/bin/git", "crictl": "/usr/local/bin/crictl", "journalctl": "/usr/bin/journalctl"}
FILES = ["/etc/passwd", "/etc/hosts", "/var/run/secrets/kubernetes.io/serviceaccount/token", "/etc/kubernetes/admin.conf",
         "/var/lib/kubelet/config.yaml", "/tmp/build.log", "/home/alice/.kube/config"]
CWDS = ["/root", "/home/alice", "/srv/app", "/", "/var/lib/docker", "/home/bob/src/service"]


def hexs(b):
    return b.hex().upper()


def q(s):
    if s and all(33 <= ord(c) < 127 and c != '"' for c in s):
        return f'"{s}"'
    return hexs(s.encode()) if s else '""'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    limit = int(args.mb * 1_000_000)
    t = 1795165200.0
    serial = 1_000_000
    shells = [(100_000 + i, 90_000 + i) for i in range(64)]
    pid = 200_000
    written = 0
    with open(args.out, "w", buffering=1 << 20) as out:
        # The shells start first, so that their children find their parent.
        for shell, parent in shells:
            serial += 1
            mid = f"audit({t:.3f}:{serial})"
            text = (f"type=SYSCALL msg={mid}: arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 "
                    f"ppid={parent} pid={shell} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 "
                    'sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="bash" exe="/usr/bin/bash" subj=unconfined key="exec"\n'
                    f'type=EXECVE msg={mid}: argc=1 a0="-bash"\n'
                    f'type=PATH msg={mid}: item=0 name="/bin/bash" inode=131 dev=08:01 mode=0100755 nametype=NORMAL\n'
                    f"type=EOE msg={mid}: \n")
            out.write(text)
            written += len(text)
        while written < limit:
            serial += 1
            t += rng.random() * 0.01
            mid = f"audit({t:.3f}:{serial})"
            shell, shell_parent = rng.choice(shells)
            uid = rng.choice((0, 1000, 1001))
            ids = f"auid={uid or 1000} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid}"
            kind = rng.random()
            lines = []
            if kind < 0.7:
                pid += 1
                argv = rng.choice(COMMANDS)
                image = PATHS[argv[0]]
                lines.append(f"type=SYSCALL msg={mid}: arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1a2b3c0 "
                             f"a1=55d0c1a2b400 a2=55d0c1a2b420 a3=0 items=2 ppid={shell} pid={pid} {ids} tty=pts0 ses=3 "
                             f'comm="{argv[0][:15]}" exe="{image}" subj=unconfined key="exec"')
                lines.append(f"type=EXECVE msg={mid}: argc={len(argv)} " + " ".join(f"a{i}={q(a)}" for i, a in enumerate(argv)))
                lines.append(f"type=CWD msg={mid}: cwd={q(rng.choice(CWDS))}")
                lines.append(f'type=PATH msg={mid}: item=0 name="{image}" inode={rng.randrange(1, 1 << 20)} dev=08:01 '
                             "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
                lines.append(f'type=PATH msg={mid}: item=1 name="/lib64/ld-linux-x86-64.so.2" inode=262146 dev=08:01 '
                             "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
                lines.append(f"type=PROCTITLE msg={mid}: proctitle={hexs(chr(0).join(argv).encode()[:128])}")
            elif kind < 0.9:
                f = rng.choice(FILES)
                flags = rng.choice(("80000", "0", "241", "941"))
                lines.append(f"type=SYSCALL msg={mid}: arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c "
                             f"a1=7ffe4b1c2d30 a2={flags} a3=1b6 items=2 ppid={shell_parent} pid={shell} {ids} tty=pts0 ses=3 "
                             'comm="bash" exe="/usr/bin/bash" subj=unconfined key="files"')
                lines.append(f"type=CWD msg={mid}: cwd={q(rng.choice(CWDS))}")
                lines.append(f'type=PATH msg={mid}: item=0 name="{f.rsplit("/", 1)[0]}/" inode=4001 dev=08:01 mode=040755 '
                             "ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
                lines.append(f'type=PATH msg={mid}: item=1 name="{f}" inode=4002 dev=08:01 mode=0100644 ouid=0 ogid=0 '
                             "rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
                lines.append(f"type=PROCTITLE msg={mid}: proctitle=\"bash\"")
            else:
                port = rng.choice((443, 6443, 2375, 10250, 53, 8080))
                ip = bytes((10, 0, rng.randrange(256), rng.randrange(1, 255)))
                saddr = hexs(b"\x02\x00" + port.to_bytes(2, "big") + ip + b"\0" * 8)
                lines.append(f"type=SYSCALL msg={mid}: arch=c000003e syscall=42 success=no exit=-115 a0=5 a1=7ffd2a1b3c40 "
                             f"a2=10 a3=0 items=0 ppid={shell} pid={pid} {ids} tty=pts0 ses=3 comm=\"curl\" "
                             'exe="/usr/bin/curl" subj=unconfined key="net"')
                lines.append(f"type=SOCKADDR msg={mid}: saddr={saddr}")
                lines.append(f"type=PROCTITLE msg={mid}: proctitle={hexs(b'curl' + bytes([0]) + b'-s' + bytes([0]) + b'http://10.0.0.5/')}")
            lines.append(f"type=EOE msg={mid}: ")
            text = "\n".join(lines) + "\n"
            out.write(text)
            written += len(text)


if __name__ == "__main__":
    main()
