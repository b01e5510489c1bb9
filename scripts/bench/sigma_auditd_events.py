"""Raw audit events for `gen_sigma_events.py`, written twice.

One event (the Sigma fields of one of its records, from a rule's selection
or from benign background) becomes the records auditd writes for it, with
one `msg=audit(TIME:SERIAL)` id:

- `EXECVE`: SYSCALL (execve), EXECVE, CWD, two PATH, PROCTITLE, EOE;
- `PATH`: SYSCALL (openat), CWD, two PATH (the directory, the file), PROCTITLE, EOE;
- `SYSCALL`: SYSCALL, PROCTITLE, EOE;
- `TTY`: one kernel record; `SERVICE_START`, `SERVICE_STOP`, `ADD_USER`,
  `USER_TTY`, `USER_LOGIN`, `CONFIG_CHANGE`...: one user-space record, its
  fields inside `msg='...'`.

For dragnet each record is an audit.log line (`node=HOST type=... msg=audit(...): ...`),
strings hex-encoded where the kernel hex-encodes them (a value with a
space, a quote or a byte outside printable ASCII); hosts with an even
number write `log_format=ENRICHED` (after 0x1D, `ARCH=x86_64
SYSCALL=execve AUID="..." UID="..."`...), the others RAW. For rsigma each
record is one flat JSON object with the record's own field names, values
decoded as the text they stand for (hex decoded, PROCTITLE's NUL bytes as
spaces), the enriched translations only where the log has them, plus
`product: linux, service: auditd`.
"""

# x86_64 system call numbers of the calls SigmaHQ's auditd rules name.
SYSCALLS = {"execve": 59, "execveat": 322, "openat": 257, "connect": 42, "memfd_create": 319, "personality": 135,
            "syslog": 103, "sysinfo": 99, "mknod": 133, "read": 0, "write": 1}
NUMBERS = {n: name for name, n in SYSCALLS.items()}
# Record types auditd writes from user space: their fields are inside msg='...'.
USER_TYPES = {"SERVICE_START", "SERVICE_STOP", "ADD_USER", "DEL_USER", "ADD_GROUP", "USER_TTY", "USER_LOGIN",
              "USER_AUTH", "USER_START", "USER_END", "USER_CMD", "CRED_ACQ", "CRED_DISP", "USER_ACCT"}
KERNEL_SINGLE = {"TTY", "CONFIG_CHANGE", "DAEMON_START", "LOGIN"}
EXECVE_ARGS = [f"a{i}" for i in range(10)]
SYSCALL_FIELDS = {"syscall", "success", "exit", "arch", "exe", "comm", "key", "pid", "ppid", "uid", "auid", "euid", "gid",
                  "egid", "ses", "tty", "SYSCALL", "ARCH", "UID", "AUID", "EUID", "GID", "EGID", "SUID", "FSUID", "SGID",
                  "FSGID", "suid", "fsuid", "sgid", "fsgid", "items", "subj"}
PATH_FIELDS = {"name", "nametype", "item", "mode", "inode", "dev", "ouid", "ogid"}
# Sigma auditd fields (crates/sigma/mapping.yaml) a rule's selection may set.
FIELDS = (SYSCALL_FIELDS | PATH_FIELDS | set(EXECVE_ARGS) | {"type", "cwd", "proctitle", "filetype", "path", "terminal",
                                                              "op", "acct", "addr", "cmd", "unit", "data", "res", "result",
                                                              "hostname", "family", "icmptype", "argc", "node", "Computer",
                                                              "a10", "a11", "a12", "msg", "id", "grantors", "new",
                                                              "old-auid"})
HEX_KEYS = {"name", "exe", "comm", "cwd", "proctitle", "key", "data", "cmd", "acct", "path", "ocomm"}
ACCOUNTS = {0: "root", 33: "www-data", 1000: "azureuser", 1001: "app"}
BENIGN_ARGV = [["ls", "-la", "/var/log"], ["cat", "/etc/hostname"], ["grep", "-r", "error", "/var/log/app"],
               ["kubectl", "get", "pods", "-n", "kube-system"], ["systemctl", "status", "kubelet"], ["ps", "aux"],
               ["python3", "/srv/app/worker.py", "--queue", "default"], ["sh", "-c", "echo \"done\" > /tmp/x"],
               ["find", "/srv", "-name", "*.log", "-mtime", "+7"], ["tar", "czf", "/backup/etc.tgz", "/etc"],
               ["crictl", "ps"], ["journalctl", "-u", "containerd", "--since", "1 hour ago"], ["sleep", "30"]]
BENIGN_FILES = ["/etc/hosts", "/var/run/secrets/kubernetes.io/serviceaccount/token", "/var/lib/kubelet/config.yaml",
                "/tmp/build.log", "/srv/app/data/orders.db", "/etc/nginx/nginx.conf"]
BENIGN_USER = [("SERVICE_START", {"unit": "kubelet"}), ("SERVICE_STOP", {"unit": "apt-daily"}),
               ("USER_LOGIN", {"op": "login", "acct": "azureuser", "res": "success"}),
               ("CRED_ACQ", {"op": "PAM:setcred", "acct": "root", "res": "success"}),
               ("USER_CMD", {"cmd": "systemctl restart containerd", "res": "success"})]
CWDS = ["/root", "/home/azureuser", "/srv/app", "/", "/var/lib/containerd"]
WORDS = ["alpha", "build", "cache", "data", "edge", "metrics", "orders"]


def plain(s):
    return bool(s) and all(0x21 <= b < 0x7F and b != 0x22 for b in s.encode())


def quoted(key, value):
    """`key=value` as the kernel writes a string field (EXECVE's
    arguments and the fields of HEX_KEYS are quoted, or hex when not
    plain), others as they are."""
    if key in HEX_KEYS or (key[:1] == "a" and key[1:].isdigit()):
        return f'{key}="{value}"' if plain(value) else f"{key}={value.encode().hex().upper()}"
    return f"{key}={value}"


def is_hex(value):
    return bool(value) and all(c in "0123456789abcdefABCDEF" for c in value)


def record_of(fields):
    """The record type of a rule's field map."""
    if "type" in fields:
        # Two selections' types joined (a condition that needs both): the
        # first; one record has one type.
        return (str(fields["type"]).split() or ["SYSCALL"])[0].upper()
    if any(k in fields for k in EXECVE_ARGS) or "__kw__" in fields:
        return "EXECVE"
    if any(k in fields for k in PATH_FIELDS):
        return "PATH"
    if any(k in fields for k in ("unit", "op", "acct", "res", "cmd")):
        return "SERVICE_STOP"
    return "SYSCALL"


def text(v):
    return str(v).lower() if isinstance(v, bool) else str(v)


class Writer:
    """Writes audit events to a raw log and to rsigma's JSON lines."""

    def __init__(self, raw, sig):
        self.raw, self.sig, self.serial = raw, sig, 50_000

    def event(self, rng, host_index, host, ev, when_seconds, when_iso, absent):
        self.serial += 1
        mid = f"audit({when_seconds:.3f}:{self.serial})"
        enriched = host_index % 2 == 0
        fields = {k: v for k, v in ev.items() if v is not absent}
        kind = record_of(fields)
        recs = self.records(rng, kind, fields, enriched)
        for rtype, body, flat, extra in recs:
            line = f"node={host} type={rtype} msg={mid}: {body}"
            if extra:
                line += "\x1d" + " ".join(f"{k}={v}" for k, v in extra)
            self.raw.write(line + "\n")
            row = {"type": rtype, **flat}
            for k, v in extra:
                row[k] = v.strip('"')
            row.update({"node": host, "product": "linux", "service": "auditd", "timestamp": when_iso})
            self.sig.write(json_dumps(row) + "\n")

    def records(self, rng, kind, f, enriched):
        """[(type, body text, flat fields, enriched pairs)] of one event."""
        uid = int(f["euid"]) if str(f.get("euid", "")).isdigit() else rng.choice((0, 1000, 1001))
        pid = rng.randrange(2000, 4_000_000)
        ppid = rng.randrange(1, 2000)
        if kind in USER_TYPES:
            inner = {"unit": f.get("unit"), "op": f.get("op"), "acct": f.get("acct"), "cmd": f.get("cmd"),
                     "data": f.get("data"), "id": f.get("id")}
            inner = {k: text(v) for k, v in inner.items() if v is not None}
            comm, exe = ("systemd", "/usr/lib/systemd/systemd") if kind.startswith("SERVICE") else \
                ("useradd", "/usr/sbin/useradd") if kind == "ADD_USER" else ("sshd", "/usr/sbin/sshd")
            inner.update({"comm": text(f.get("comm", comm)), "exe": text(f.get("exe", exe)), "hostname": "?",
                          "addr": "?", "terminal": "?", "res": text(f.get("res", "success"))})
            outer = {"pid": str(pid), "uid": "0", "auid": "4294967295", "ses": "4294967295",
                     "subj": "system_u:system_r:init_t:s0"}
            msg = " ".join(quoted(k, v) if k in HEX_KEYS else f"{k}={v}" for k, v in inner.items())
            body = " ".join(f"{k}={v}" for k, v in outer.items()) + f" msg='{msg}'"
            return [(kind, body, {**outer, **inner}, [])]
        if kind in KERNEL_SINGLE or kind not in ("EXECVE", "PATH", "SYSCALL"):
            data = text(f.get("data", "ls -la\r"))
            flat = {"pid": str(pid), "uid": str(uid), "auid": "1000", "ses": "3", "major": "136", "minor": "0",
                    "comm": text(f.get("comm", "bash")), "data": data}
            body = " ".join(quoted(k, v) if k in HEX_KEYS else f"{k}={v}" for k, v in flat.items())
            return [(kind, body, flat, [])]

        if kind == "EXECVE":
            argv = self.argv(rng, f)
            call = "execve"
            exe = argv[0] if argv[0].startswith("/") else f"/usr/bin/{argv[0].rsplit('/', 1)[-1]}"
            comm = exe.rsplit("/", 1)[-1][:15]
        elif kind == "PATH":
            argv = ["cat", text(f.get("name", rng.choice(BENIGN_FILES)))]
            call = "openat"
            exe, comm = "/usr/bin/cat", "cat"
        else:
            argv = [rng.choice(BENIGN_ARGV)[0]]
            if "SYSCALL" in f:
                call = text(f["SYSCALL"]).lower()
            elif text(f.get("syscall", "")).isdigit():
                call = NUMBERS.get(int(text(f["syscall"])), "read")
            else:
                call = "read"
            exe = f"/usr/bin/{argv[0]}"
            comm = argv[0]
        if kind != "EXECVE" or "exe" in f:
            exe = text(f.get("exe", exe))
        comm = text(f.get("comm", comm))
        number = SYSCALLS.get(call, 0)
        # A SYSCALL's arguments are numbers in hex: a rule's text for an
        # EXECVE argument cannot be one.
        a = [text(f.get(f"a{i}")) if kind == "SYSCALL" and is_hex(text(f.get(f"a{i}", ""))) else d
             for i, d in enumerate(("55d0c1a2b3c0", "55d0c1a2b400", "55d0c1a2b420", "0"))]
        items = {"EXECVE": 2, "PATH": 2}.get(kind, 0)
        key = f.get("key")
        sc = [("arch", "c000003e"), ("syscall", str(number)), ("success", "yes"), ("exit", "0"), ("a0", a[0]),
              ("a1", a[1]), ("a2", a[2]), ("a3", a[3]), ("items", str(items)), ("ppid", str(ppid)), ("pid", str(pid)),
              ("auid", "1000"), ("uid", str(uid)), ("gid", str(uid)), ("euid", str(uid)), ("suid", str(uid)),
              ("fsuid", str(uid)), ("egid", str(uid)), ("sgid", str(uid)), ("fsgid", str(uid)), ("tty", "pts0"),
              ("ses", "3"), ("comm", comm), ("exe", exe), ("subj", "unconfined")]
        body = " ".join(quoted(k, v) if k in HEX_KEYS else f"{k}={v}" for k, v in sc)
        flat = dict(sc)
        if key is None:
            body += " key=(null)"
        else:
            body += " " + quoted("key", text(key))
            flat["key"] = text(key)
        extra = []
        if enriched:
            extra = [("ARCH", "x86_64"), ("SYSCALL", call), ("AUID", '"azureuser"')] + [
                (k, f'"{ACCOUNTS.get(uid, "unknown")}"') for k in ("UID", "GID", "EUID", "SUID", "FSUID", "EGID", "SGID",
                                                                     "FSGID")]
        out = [("SYSCALL", body, flat, extra)]
        if kind == "EXECVE":
            args = [(f"a{i}", v) for i, v in enumerate(argv)]
            out.append(("EXECVE", f"argc={len(argv)} " + " ".join(quoted(k, v) for k, v in args),
                        {"argc": str(len(argv)), **dict(args)}, []))
        if kind in ("EXECVE", "PATH"):
            cwd = text(f.get("cwd", rng.choice(CWDS)))
            out.append(("CWD", quoted("cwd", cwd), {"cwd": cwd}, []))
            first = exe if kind == "EXECVE" else (argv[1].rsplit("/", 1)[0] + "/")
            second = "/lib64/ld-linux-x86-64.so.2" if kind == "EXECVE" else argv[1]
            for item, (name, nt) in enumerate(((first, "NORMAL" if kind == "EXECVE" else "PARENT"),
                                               (second, text(f.get("nametype", "NORMAL"))))):
                p = [("item", str(item)), ("name", name), ("inode", str(4000 + item)), ("dev", "08:01"),
                     ("mode", "0100755"), ("ouid", "0"), ("ogid", "0"), ("rdev", "00:00"), ("nametype", nt)]
                out.append(("PATH", " ".join(quoted(k, v) if k in HEX_KEYS else f"{k}={v}" for k, v in p), dict(p), []))
        title = "\0".join(argv)
        ptext = " ".join(argv)
        if plain(title):
            out.append(("PROCTITLE", f'proctitle="{title}"', {"proctitle": ptext}, []))
        else:
            out.append(("PROCTITLE", f"proctitle={title.encode()[:128].hex().upper()}",
                        {"proctitle": title.encode()[:128].decode(errors="replace").replace("\0", " ").rstrip()}, []))
        out.append(("EOE", "", {}, []))
        return out

    def argv(self, rng, f):
        """EXECVE's arguments: the rule's `aN` at their places, benign text
        in the gaps, the keyword pieces as arguments of their own."""
        top = max([i for i in range(10) if f"a{i}" in f], default=-1)
        kws = list(f.get("__kw__", []))
        if top < 0:
            argv = kws or list(rng.choice(BENIGN_ARGV))
            if not kws:
                return argv
            return argv + ([rng.choice(WORDS)] if rng.random() < 0.5 else [])
        argv = [text(f[f"a{i}"]) if f"a{i}" in f else (rng.choice(BENIGN_ARGV)[0] if i == 0 else f"--{rng.choice(WORDS)}")
                for i in range(top + 1)]
        return argv + kws


def json_dumps(value):
    import json

    return json.dumps(value)


def background(rng):
    """The Sigma fields of one benign audit event."""
    r = rng.random()
    if r < 0.6:
        argv = rng.choice(BENIGN_ARGV)
        return {"type": "EXECVE", **{f"a{i}": v for i, v in enumerate(argv)}}
    if r < 0.8:
        return {"type": "PATH", "name": rng.choice(BENIGN_FILES)}
    if r < 0.9:
        return {"type": "SYSCALL", "syscall": str(SYSCALLS["connect"]), "key": "net"}
    rtype, fields = rng.choice(BENIGN_USER)
    return {"type": rtype, **fields}
