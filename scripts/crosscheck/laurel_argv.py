#!/usr/bin/env python3
"""Compare the argv and proctitle dragnet's auditd source decodes with
Laurel's (https://github.com/threathunters-io/laurel), event by event.

    scripts/crosscheck/laurel_argv.py --laurel /work/laurel/target/release/laurel FILE_OR_DIR...

Each raw audit log is run through Laurel (reading stdin, writing JSON lines
to stdout, with every enrichment that reads the local machine turned off)
and through `cargo run --release -p telemetry --example audit_events`.
Events are matched by node and ID. For each event that has an EXECVE (or a
PROCTITLE) in either output, the decoded arguments are compared as bytes
(Laurel percent-encodes bytes that are not printable UTF-8 and `%`; that
is undone first). Prints matched/mismatched counts, and the first
mismatches.
"""

import argparse
import json
import os
import re
from pathlib import Path
import subprocess
import sys
import tempfile

# Laurel's configuration, shared with scripts/bench/auditd_vs_laurel.sh.
CONFIG = (Path(__file__).parent / "laurel.toml.in").read_text()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def unpercent(s):
    out = bytearray()
    b = s.encode("utf-8")
    i = 0
    while i < len(b):
        if b[i] == 0x25 and re.fullmatch(rb"[0-9A-Fa-f]{2}", b[i + 1:i + 3] or b""):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in sorted(os.walk(p)):
                for n in sorted(names):
                    if n.endswith((".txt", ".log")):
                        yield os.path.join(root, n)
        else:
            yield p


def laurel_events(laurel, config, path):
    with open(path, "rb") as f:
        r = subprocess.run([laurel, "-c", config], stdin=f, capture_output=True, check=False)
    events = {}
    for line in r.stdout.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or "ID" not in doc:
            continue
        argv = doc.get("EXECVE", {}).get("ARGV")
        title = doc.get("PROCTITLE", {}).get("ARGV")
        events[(doc.get("NODE"), doc["ID"])] = (
            [unpercent(a) for a in argv] if argv is not None else None,
            [unpercent(a) for a in title] if title is not None else None,
        )
    return events


def our_events(example, path):
    r = subprocess.run(example + [path], capture_output=True, check=True)
    events = {}
    for line in r.stdout.splitlines():
        doc = json.loads(line)
        if "id" not in doc:
            continue
        if "error" in doc:
            events[(doc["node"], doc["id"])] = ("error", doc["error"])
            continue
        dec = lambda l: [bytes.fromhex(a) for a in l] if l is not None else None
        events[(doc["node"], doc["id"])] = (dec(doc["argv"]), dec(doc["proctitle"]))
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--laurel", default="/work/laurel/target/release/laurel")
    ap.add_argument("--show", type=int, default=10, help="mismatches to print")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "-q", "--release", "-p", "telemetry", "--example", "audit_events"],
                   cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    example = [os.path.join(target, "release", "examples", "audit_events")]

    counts = {k: 0 for k in ("files", "events", "argv_match", "argv_mismatch", "title_match", "title_mismatch",
                             "laurel_only", "ours_only", "ours_rejected")}
    shown = 0
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.toml")
        with open(config, "w") as f:
            f.write(CONFIG.replace("@DIR@", tmp))
        for path in files(args.paths):
            counts["files"] += 1
            theirs = laurel_events(args.laurel, config, path)
            ours = our_events(example, path)
            for key in sorted(set(theirs) | set(ours), key=str):
                t, o = theirs.get(key), ours.get(key)
                if t is not None and (t[0] is None and t[1] is None):
                    t = None
                if o is not None and o[0] == "error":
                    if t is not None:
                        counts["ours_rejected"] += 1
                        if shown < args.show:
                            shown += 1
                            print(f"{path} {key}: we reject ({o[1]}), Laurel reads it")
                    continue
                if o is not None and (o[0] is None and o[1] is None):
                    o = None
                if t is None and o is None:
                    continue
                counts["events"] += 1
                if t is None:
                    counts["ours_only"] += 1
                    continue
                if o is None:
                    counts["laurel_only"] += 1
                    if shown < args.show:
                        shown += 1
                        print(f"{path} {key}: only Laurel has argv/proctitle: {t}")
                    continue
                for i, name in ((0, "argv"), (1, "title")):
                    if t[i] is None and o[i] is None:
                        continue
                    if t[i] == o[i]:
                        counts[name + "_match"] += 1
                    else:
                        counts[name + "_mismatch"] += 1
                        if shown < args.show:
                            shown += 1
                            print(f"{path} {key} {name}:\n  laurel {t[i]!r:.300}\n  ours   {o[i]!r:.300}")
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 1 if counts["argv_mismatch"] or counts["title_mismatch"] else 0


if __name__ == "__main__":
    sys.exit(main())
