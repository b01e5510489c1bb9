#!/usr/bin/env python3
"""Per-rule match counts of dragnet and rsigma over the same events and rules.

    python3 scripts/bench/sigma_parity.py --sigma SIGMA_RULES_DIR \
        --dragnet target/release/dragnet --rsigma /path/to/rsigma \
        [--events 1000000] [--seed 1] [--work /tmp/sigma-parity]

1. The rule set: every rule under SIGMA_RULES_DIR/linux and
   SIGMA_RULES_DIR/application/kubernetes that dragnet runs (`dragnet rules
   --format json` lists the rules that load and compile with the shipped
   mapping; the others are listed with their reasons in
   docs/sigma-sigmahq.md), copied into WORK/rules. Both engines get that
   folder.
2. The events: `gen_sigma_events.py` into WORK/events (kept when there).
3. rsigma: `rsigma engine eval -r WORK/rules -e @events.ndjson
   --logsource-routing` (each event carries its logsource, so a rule only
   sees events of its own logsource, as a dragnet rule only sees its
   table); a detection per matching event and rule, counted by `rule_id`.
   With `--no-routing`, also without `--logsource-routing`.
   Also over each group's own events only (below): the rules of a group
   over the events of its logsources.
4. dragnet: `dragnet hunt --no-builtin --rules RULES --format jsonl
   --max-alerts-per-rule 1000000000 --max-evidence-rows 1 LOGS` once per
   group of rules, over that group's logs: the process_creation,
   file_event, network_connection and Kubernetes rules over the Defender
   export and the audit Event lines, the auditd rules over audit.log, the
   builtin (syslog) rules over the syslog file. Every Sigma rule is
   AlertPerResult, so with the cap lifted each matching row is one alert
   (an alert's `rows` is the number of rows it stands for); summed by
   `rule.id`. With `--one-hunt`, also one hunt of every rule over every
   log: the auditd reader then also makes process, file and network rows
   of the audit events, which the Defender-table rules see too.

Prints one line per rule (each column's count) and the totals;
exits 1 when any count differs.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# Rule group -> (rule folders under SigmaHQ's rules/, dragnet's logs, the
# rsigma events of its logsources).
GROUPS = {
    "defender": (["linux/process_creation", "linux/file_event", "linux/network_connection", "application/kubernetes"],
                 ["defender.jsonl", "k8s_audit.jsonl"],
                 lambda e: e.get("product") == "kubernetes" or e.get("category") is not None),
    "auditd": (["linux/auditd"], ["audit.log"], lambda e: e.get("service") == "auditd"),
    "syslog": (["linux/builtin"], ["syslog"],
               lambda e: e.get("product") == "linux" and e.get("category") is None and e.get("service") != "auditd"),
}


def group_of(rel):
    for g, (dirs, _, _) in GROUPS.items():
        if any(rel.startswith(d + "/") for d in dirs):
            return g
    sys.exit(f"rule {rel} is in no group")


def split_events(events, work):
    """The rsigma events of each group, in files of their own."""
    outs = {g: open(os.path.join(work, f"events-{g}.ndjson"), "w") for g in GROUPS}
    with open(events) as f:
        for line in f:
            e = json.loads(line)
            for g, (_, _, keep) in GROUPS.items():
                if keep(e):
                    outs[g].write(line)
    for o in outs.values():
        o.close()


def rule_set(dragnet, sigma, dst):
    dirs = [os.path.join(sigma, "linux"), os.path.join(sigma, "application", "kubernetes")]
    cmd = [dragnet, "rules", "--no-builtin", "--format", "json"]
    for d in dirs:
        cmd += ["--rules", d]
    out = subprocess.run(cmd, capture_output=True, text=True)
    rules = json.loads(out.stdout)["rules"]
    for d in [dst] + [dst + "-" + g for g in GROUPS]:
        shutil.rmtree(d, ignore_errors=True)
    titles = {}
    for r in rules:
        rel = os.path.relpath(r["origin"], sigma)
        for d in (dst, os.path.join(dst + "-" + group_of(rel))):
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            shutil.copy(r["origin"], os.path.join(d, rel))
        titles[r["id"]] = rel
    return titles


def count_rsigma(rsigma, rules, events, routing):
    cmd = [rsigma, "engine", "eval", "-r", rules, "-e", "@" + events, "--no-stats"]
    if routing:
        cmd.append("--logsource-routing")
    counts = collections.Counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as p:
        for line in p.stdout:
            d = json.loads(line)
            counts[d.get("rule_id") or d.get("rule_title")] += 1
    if p.returncode not in (0, 1):
        sys.exit(f"rsigma failed ({p.returncode}): {' '.join(cmd)}")
    return counts


def count_dragnet(dragnet, rules, logs):
    cmd = [dragnet, "hunt", "-q", "--no-builtin", "--rules", rules, "--format", "jsonl",
           "--max-alerts-per-rule", "1000000000", "--max-evidence-rows", "1"] + logs
    counts = collections.Counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            d = json.loads(line)
            counts[d["rule"]["id"]] += d["rows"]
    if p.returncode not in (0, 1):
        sys.exit(f"dragnet failed ({p.returncode}): {' '.join(cmd)}")
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigma", required=True, help="SigmaHQ's rules/ folder")
    ap.add_argument("--dragnet", required=True)
    ap.add_argument("--rsigma", required=True)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="/tmp/sigma-parity")
    ap.add_argument("--no-routing", action="store_true", help="also count rsigma without --logsource-routing")
    ap.add_argument("--one-hunt", action="store_true", help="also count dragnet's one hunt of every rule over every log")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()

    rules = os.path.join(args.work, "rules")
    titles = rule_set(args.dragnet, args.sigma, rules)
    events = os.path.join(args.work, "events")
    if not os.path.exists(os.path.join(events, "sigma", "events.ndjson")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_sigma_events.py"), "--rules", rules,
                        "--events", str(args.events), "--seed", str(args.seed), "--out", events], check=True)
    ndjson = os.path.join(events, "sigma", "events.ndjson")
    split_events(ndjson, args.work)
    ours, own = collections.Counter(), collections.Counter()
    for g, (_, logs, _) in GROUPS.items():
        grules = rules + "-" + g
        if not os.path.isdir(grules):
            continue
        ours += count_dragnet(args.dragnet, grules, [os.path.join(events, "dragnet", name) for name in logs])
        own += count_rsigma(args.rsigma, grules, os.path.join(args.work, f"events-{g}.ndjson"), True)
    theirs = count_rsigma(args.rsigma, rules, ndjson, True)
    plain = count_rsigma(args.rsigma, rules, ndjson, False) if args.no_routing else None
    whole = count_dragnet(args.dragnet, rules, [os.path.join(events, "dragnet")]) if args.one_hunt else None

    cols = (["dragnet", "rsigma", "rsigma, own logsource's events"] + (["rsigma, no routing"] if plain is not None else [])
            + (["dragnet, one hunt"] if whole is not None else []))
    if args.markdown:
        print("| rule | " + " | ".join(cols) + " |")
        print("|---|" + "---:|" * len(cols))
    else:
        print(" ".join(f"{c[:9]:>9}" for c in cols) + "  rule")

    def line(name, nums, mark=""):
        if args.markdown:
            print(f"| {name}{mark} | " + " | ".join(str(n) for n in nums) + " |")
        else:
            print(" ".join(f"{n:>9}" for n in nums) + f"  {name}{mark}")

    differ = 0
    for rid, rel in sorted(titles.items(), key=lambda kv: kv[1]):
        nums = ([ours.get(rid, 0), theirs.get(rid, 0), own.get(rid, 0)] + ([plain.get(rid, 0)] if plain is not None else [])
                + ([whole.get(rid, 0)] if whole is not None else []))
        differ += nums[0] != nums[1]
        line(f"`{rel}`" if args.markdown else rel, nums, "" if nums[0] == nums[1] else " (differs)")
    unknown = (set(ours) | set(theirs)) - set(titles)
    for rid in sorted(unknown):
        line(f"(not in the rule set) {rid}", [ours.get(rid, 0), theirs.get(rid, 0), own.get(rid, 0)])
    fired = sum(1 for rid in titles if ours.get(rid, 0) or theirs.get(rid, 0))
    totals = ([sum(ours.values()), sum(theirs.values()), sum(own.values())] + ([sum(plain.values())] if plain is not None else [])
              + ([sum(whole.values())] if whole is not None else []))
    line(f"total: {len(titles)} rules, {fired} fire, {differ} differ", totals)
    sys.exit(1 if differ or unknown else 0)


if __name__ == "__main__":
    main()
