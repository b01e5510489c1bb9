#!/usr/bin/env python3
"""Checks that DuckDB's SQL for the seed detections (duckdb_seeds.py) returns
the same rows as dragnet running the rules, so the benchmark compares equal work.

    python3 scripts/bench/compare_seed_rows.py --data target/bench [--dragnet target/release/dragnet]

Runs each rule with `dragnet query` (JSON lines) and its SQL in DuckDB over
DATA, and compares the two results as multisets of rows over every column
(times to the microsecond, null as empty). Prints one line per rule; exits 1
if any differ.
"""

import argparse
import collections
import datetime
import json
import os
import subprocess
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import duckdb_seeds  # noqa: E402


def norm(v):
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(v, str) and len(v) > 20 and v[4] == "-" and v[10] == "T" and v.endswith("Z"):
        return v[:26]
    return "" if v is None else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="target/bench")
    ap.add_argument("--dragnet", default="target/release/dragnet")
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    differ = False
    for name, sql in duckdb_seeds.queries(args.data).items():
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        theirs = collections.Counter(tuple(norm(v) for v in row) for row in cur.fetchall())
        out = subprocess.run(
            [args.dragnet, "query", "-q", "-d", args.data, "-f", os.path.join(root, "rules", name, "query.kql"),
             "--now", "2026-11-20T12:00:00Z", "--format", "jsonl"],
            check=True, capture_output=True, text=True).stdout
        ours = collections.Counter(
            tuple(norm(r.get(c)) for c in cols) for r in map(json.loads, out.splitlines()))
        same = ours == theirs
        differ |= not same
        print(f"{name}: {sum(ours.values())} rows in dragnet, {sum(theirs.values())} in DuckDB, "
              f"{len(cols)} columns: {'same rows' if same else 'DIFFERENT'}")
        if not same:
            print("  only in DuckDB:", list((theirs - ours).items())[:3])
            print("  only in dragnet:", list((ours - theirs).items())[:3])
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
