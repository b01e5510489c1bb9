#!/usr/bin/env python3
"""Writes crates/catalog/data/attack.tsv: ATT&CK Enterprise tactics and techniques (id, name,
tactics, first paragraph of the description) from MITRE's STIX 2 data.

    python3 scripts/attack/attack_tsv.py SRC > crates/catalog/data/attack.tsv

SRC is `enterprise-attack.json` (mitre-attack/attack-stix-data) or the `enterprise-attack/`
folder of mitre/cti (one bundle per object). Revoked objects are left out; deprecated
techniques are kept (rules still carry their ids) and marked. The description is cut the way
`catalog::mitre` cuts one read with `--attack`: the first paragraph, `(Citation: ...)` removed,
Markdown links reduced to their text, whitespace runs made one space, then its sentences (ending
in `.` before a space and a capital) while they fit in 400 characters (always the first).
"""
import json
import os
import re
import sys

CITATION = re.compile(r"\(Citation:[^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def objects(src):
    paths = []
    if os.path.isdir(src):
        for root, _, files in os.walk(src):
            paths += [os.path.join(root, f) for f in files if f.endswith(".json")]
    else:
        paths = [src]
    for p in sorted(paths):
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        yield from doc.get("objects", [doc])


SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z])")
MAX_CHARS = 400


def short(text):
    para = (text or "").strip().split("\n\n")[0]
    para = " ".join(LINK.sub(r"\1", CITATION.sub("", para)).split())
    out = ""
    for s in SENTENCE_END.split(para):
        if out and len(out) + 1 + len(s) > MAX_CHARS:
            break
        out = f"{out} {s}" if out else s
    return out


def attack_id(o):
    for r in o.get("external_references", []):
        if r.get("source_name") == "mitre-attack":
            return r.get("external_id")
    return None


def clean(s):
    return s.replace("\t", " ").replace("\n", " ")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    objs = [o for o in objects(sys.argv[1]) if not o.get("revoked")]
    tactics = {o["id"]: o for o in objs if o["type"] == "x-mitre-tactic"}
    order = []
    for m in objs:
        if m["type"] == "x-mitre-matrix":
            order += [t for t in m["tactic_refs"] if t in tactics and t not in order]
    order += sorted(t for t in tactics if t not in order)
    out = sys.stdout
    out.write("# ATT&CK Enterprise from MITRE's STIX data; written by scripts/attack/attack_tsv.py.\n")
    out.write("# ATT&CK(R) is a registered trademark of The MITRE Corporation; (c) The MITRE Corporation,\n")
    out.write("# reproduced and distributed with its permission (https://attack.mitre.org/resources/legal-and-branding/terms-of-use/).\n")
    out.write("# tactic<TAB>id<TAB>shortname<TAB>name<TAB>description\n")
    out.write("# technique<TAB>id<TAB>tactic shortnames (comma-separated)<TAB>name<TAB>description<TAB>deprecated\n")
    for ref in order:
        t = tactics[ref]
        out.write("\t".join(["tactic", attack_id(t), t["x_mitre_shortname"], clean(t["name"]), clean(short(t.get("description")))]) + "\n")
    techniques = {o["id"]: o for o in objs if o["type"] == "attack-pattern" and attack_id(o)}
    rows = []
    for o in techniques.values():
        phases = [p["phase_name"] for p in o.get("kill_chain_phases", []) if p.get("kill_chain_name") == "mitre-attack"]
        rows.append([
            "technique",
            attack_id(o),
            ",".join(phases),
            clean(o["name"]),
            clean(short(o.get("description"))),
            "deprecated" if o.get("x_mitre_deprecated") else "",
        ])
    for r in sorted(rows, key=lambda r: r[1]):
        out.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
