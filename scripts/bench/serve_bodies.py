#!/usr/bin/env python3
"""Cuts a generated log into fixed-size request bodies for serve_ingest.sh.

    scripts/bench/serve_bodies.py --format k8s --batch 100 --in k8s.jsonl --out k8s-100.bodies
    scripts/bench/serve_bodies.py --format auditd --batch 100 --in audit.log --out auditd-100.bodies

`k8s`: the input is one audit.k8s.io/v1 Event a line (gen_k8s_audit.py);
each body is an `EventList` of BATCH events, as the API server's webhook
backend posts them. `auditd`: the input is a raw audit.log (gen_auditd.py);
each body is BATCH whole events (the records sharing one
`msg=audit(...)` id), as `POST /ingest` needs them. Bodies are written one
after another, each followed by a NUL byte (wrk's Lua script splits on it);
a short last batch is left out so every body holds exactly BATCH events.
Prints one JSON line: bodies, events per body, mean body bytes, and the
events in the whole input (what `dragnet ingest` reads from it).
"""

import argparse
import json
import re

AUDIT_ID = re.compile(r"msg=audit\(([^)]*)\)")


def k8s_events(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield line


def auditd_events(path):
    with open(path, encoding="utf-8") as f:
        current, lines = None, []
        for line in f:
            m = AUDIT_ID.search(line)
            key = m.group(1) if m else None
            if lines and key != current:
                yield "".join(lines)
                lines = []
            current = key
            lines.append(line if line.endswith("\n") else line + "\n")
        if lines:
            yield "".join(lines)


def k8s_body(events):
    return '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[' + ",".join(events) + "]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--format", choices=["k8s", "auditd"], required=True)
    ap.add_argument("--batch", type=int, required=True, help="events per body")
    ap.add_argument("--in", dest="src", required=True, help="the generated log")
    ap.add_argument("--out", required=True, help="the bodies file to write")
    ap.add_argument("--max-bodies", type=int, default=20000, help="stop after this many bodies")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be at least 1")
    events = k8s_events(args.src) if args.format == "k8s" else auditd_events(args.src)
    join = k8s_body if args.format == "k8s" else "".join
    total = bodies = size = 0
    pending = []
    with open(args.out, "wb") as out:
        for e in events:
            total += 1
            if bodies >= args.max_bodies:
                continue
            pending.append(e)
            if len(pending) == args.batch:
                body = join(pending).encode()
                out.write(body + b"\0")
                bodies += 1
                size += len(body)
                pending = []
    if bodies == 0:
        raise SystemExit(f"{args.src}: fewer than {args.batch} events, no body written")
    print(json.dumps({"bodies": bodies, "batch": args.batch, "body_bytes": size / bodies, "input_events": total}))


if __name__ == "__main__":
    main()
