#!/usr/bin/env python3
"""Generate crates/telemetry/src/tables/documented.tsv: the documented tables.

Usage:
    python3 scripts/schema/tables.py \
        --azure-monitor DIR   # azure-monitor-ref/tables of MicrosoftDocs/azure-reference-other
        --defender TSV        # Defender XDR advanced-hunting tables: table, column, type[, url]
        --extra scripts/schema/extra.tsv \
        --commit SHA          # the docs commit, written into the header
        > crates/telemetry/src/tables/documented.tsv

The Azure Monitor reference (the last commit that carried it in
MicrosoftDocs/azure-reference-other is bea53845fef9, 2024-11-20) gives every
Log Analytics table a page whose "## Columns" section is a markdown table
(`| Column | Type | Description |`), inline or through an `[!INCLUDE]`.
The Defender XDR advanced-hunting reference gives the tables of Defender's
own schema; a table in both gets Defender's columns in their order, then
the columns only the Log Analytics copy adds (a name spelled with other
capitals counts as another column: Kusto's names are case-sensitive) (as the hand-written tables in
crates/telemetry/src/tables/ do). `extra.tsv` adds columns that
published queries use and the reference leaves out, and drops (type `-`)
rows a page lists that are not columns, each with its reason.

Only names and types are kept. Type words are normalised to KQL's
(`String` -> string, `Double` -> real, `BigInt` -> long, `DateTime` ->
datetime, `Guid` -> guid, `Bool`/`Boolean` -> bool).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

TYPES = {
    "string": "string", "long": "long", "bigint": "long", "int": "int", "real": "real",
    "double": "real", "bool": "bool", "boolean": "bool", "datetime": "datetime",
    "timespan": "timespan", "guid": "guid", "uniqueid": "guid", "dynamic": "dynamic",
    "decimal": "decimal",
    # Words the Defender XDR pages use for some columns.
    "integer": "int", "object": "dynamic", "array": "dynamic", "enum": "string",
    "nullable bool": "bool",
}
ROW = re.compile(r"^\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*([A-Za-z]+)\s*\|")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def columns_section(text: str) -> str:
    """The text of the `## Columns` section (up to the next `## `)."""
    m = re.search(r"^## Columns\s*$", text, re.M)
    if not m:
        return ""
    rest = text[m.end():]
    n = re.search(r"^## ", rest, re.M)
    return rest[: n.start()] if n else rest


def read_table_rows(text: str, where: str) -> list[tuple[str, str]]:
    cols = []
    for line in text.splitlines():
        m = ROW.match(line)
        if not m or m.group(1) == "Column":
            continue
        ty = TYPES.get(m.group(2).lower())
        if ty is None:
            sys.exit(f"{where}: column {m.group(1)} has type {m.group(2)!r}, not a KQL type word")
        cols.append((m.group(1), ty))
    return cols


def azure_monitor(base: str) -> dict[str, list[tuple[str, str]]]:
    tables = {}
    used = set()
    for f in sorted(os.listdir(base)):
        if not f.endswith(".md"):
            continue
        path = os.path.join(base, f)
        text = open(path, encoding="utf-8", errors="replace").read()
        title = re.search(r"^# (\S+)\s*$", text, re.M)
        section = columns_section(text)
        if not title or not section:
            continue  # resource-type pages list tables; they have no columns
        inc = re.search(r"\[!INCLUDE \[[^\]]*\]\(\./includes/([^)]+)\)\]", section)
        if inc:
            inc_path = os.path.join(base, "includes", inc.group(1))
            section = open(inc_path, encoding="utf-8", errors="replace").read()
            path = inc_path
        cols = read_table_rows(section, path)
        if cols:
            tables[title.group(1)] = cols
            used.add(os.path.basename(path))
    # Some tables have an include (named in its front matter's `ms.custom`)
    # but no page at this commit.
    inc_dir = os.path.join(base, "includes")
    for f in sorted(os.listdir(inc_dir)):
        if f in used or not f.endswith("-include.md"):
            continue
        path = os.path.join(inc_dir, f)
        text = open(path, encoding="utf-8", errors="replace").read()
        name = re.search(r"^ms\.custom:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", text, re.M)
        if name and name.group(1) not in tables and name.group(1).lower() + "-include.md" == f.lower():
            cols = read_table_rows(text, path)
            if cols:
                tables[name.group(1)] = cols
    return tables


def tsv(path: str, allow_drop: bool = False) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or line.startswith("table\t"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or not NAME.match(parts[0]) or not NAME.match(parts[1]):
            sys.exit(f"{path}:{i}: expected table<TAB>column<TAB>type")
        ty = TYPES.get(" ".join(parts[2].split()).lower())
        if parts[2] == "-" and allow_drop:
            ty = "-"
        if ty is None:
            sys.exit(f"{path}:{i}: type {parts[2]!r} is not a KQL type word")
        cols = tables.setdefault(parts[0], [])
        # A page that lists a column twice in two spellings (DeviceProcessEvents
        # has LogonId and LogonID): the first is kept.
        if all(c.lower() != parts[1].lower() for c, _ in cols):
            cols.append((parts[1], ty))
    return tables


def merge(into: dict, more: dict, what: str, keep_case: bool = False) -> None:
    """Adds `more`'s columns to `into`'s tables. With `keep_case`, a column
    spelled with other capitals than one already there is a column of its
    own: Kusto's names are case-sensitive, and the Log Analytics copy of a
    Defender table can spell a column its own way (IdentityInfo has
    AccountUpn in Defender XDR, AccountUPN in Log Analytics)."""
    for table, cols in more.items():
        have = into.setdefault(table, [])
        drop = {c for c, t in cols if t == "-"}
        have[:] = [(c, t) for c, t in have if c not in drop]
        cols = [(c, t) for c, t in cols if t != "-"]
        key = (lambda c: c) if keep_case else str.lower
        names = {key(c): (c, t) for c, t in have}
        for c, t in cols:
            old = names.get(key(c))
            if old is None:
                have.append((c, t))
                names[key(c)] = (c, t)
            elif {old[1], t} == {"string", "dynamic"}:
                # One reference types a JSON column as string, the other as
                # dynamic (AdditionalFields): dynamic, on which both the
                # string functions and member access work.
                i = next(k for k, (n, _) in enumerate(have) if n == old[0])
                have[i] = (old[0], "dynamic")
                names[key(c)] = (old[0], "dynamic")
            elif old[1] != t:
                print(f"note: {table}.{c}: {what} says {t}, kept {old[1]}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--azure-monitor", required=True)
    ap.add_argument("--defender", required=True)
    ap.add_argument("--extra", required=True)
    ap.add_argument("--commit", required=True)
    a = ap.parse_args()
    la = azure_monitor(a.azure_monitor)
    tables = tsv(a.defender)
    n_def = len(tables)
    merge(tables, la, "Azure Monitor", keep_case=True)
    merge(tables, tsv(a.extra, allow_drop=True), "extra.tsv")
    out = sys.stdout
    out.write("# The documented tables: table<TAB>column<TAB>KQL type, a row per column in the\n")
    out.write("# documentation's order. Generated by scripts/schema/tables.py from the Azure Monitor\n")
    out.write(f"# Logs table reference (MicrosoftDocs/azure-reference-other {a.commit[:12]}), the\n")
    out.write("# Defender XDR advanced-hunting schema reference and scripts/schema/extra.tsv.\n")
    for table in sorted(tables):
        for c, t in tables[table]:
            out.write(f"{table}\t{c}\t{t}\n")
    print(f"{len(tables)} tables ({len(la)} from Azure Monitor, {n_def} from Defender XDR), "
          f"{sum(len(c) for c in tables.values())} columns", file=sys.stderr)


if __name__ == "__main__":
    main()
