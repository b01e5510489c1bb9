#!/usr/bin/env python3
"""Extract KQL queries from local checkouts of public KQL collections.

Usage:
    python3 scripts/kql-corpus/extract.py SRC_DIR... --out target/kql-corpus
                                          [--guess-unlabelled]

Each SRC_DIR is walked recursively (``.git`` directories and symlinks are
skipped; paths are processed in sorted order, so output is deterministic):

  * ``.kql``, ``.csl``, ``.kusto`` files: the whole file is one query;
  * ``.md`` files: every fenced block (``` or ~~~) whose info string is
    ``kusto``/``kql``/``csl`` (case-insensitive, also ``kusto-query`` etc.);
    with ``--guess-unlabelled``, unlabelled (or ``C#``-labelled, a habit of some
    hunting repos) blocks whose content looks like a KQL query are taken too;
  * ``.yaml``/``.yml`` files: the top-level ``query`` key (Microsoft Sentinel
    analytics rules and hunting queries). YAML that fails to load is counted
    as unreadable and skipped;
  * ``.txt`` and everything else: ignored (``.txt`` files are counted).

Files are decoded as UTF-8 (a BOM is dropped; UTF-16 with BOM and, failing
UTF-8, cp1252 are accepted); a file that cannot be decoded, or YAML that does
not load, is counted as unreadable.

Kusto management commands (the first token after leading ``//`` comments
and ``#connect``-style client directives starts with ``.``, e.g. ``.show``,
``.create``) are skipped and counted.
Blocks that are empty or contain only comments are skipped and counted.

Output (the directory is meant to be ``target/kql-corpus``, which is
git-ignored -- third-party queries are never committed):

  OUT/<source-name>/<NNNNN>.kql   one query each, UTF-8, original line endings
  OUT/manifest.tsv                file, path, kind, line, info
  OUT/sources.tsv                 source-name, absolute dir, git HEAD

``source-name`` is the basename of SRC_DIR. In the manifest ``path`` is
relative to SRC_DIR, ``kind`` is ``kql`` | ``md`` | ``yaml``, ``line`` is the
1-based line of the opening fence (md only) and ``info`` is the fence's info
string as written (md only; prefixed ``guess:`` for blocks taken by
``--guess-unlabelled``). A per-source summary is printed to stdout.

Requires Python 3.11+ and PyYAML.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

WHOLE_FILE_EXTS = {".kql", ".csl", ".kusto"}
MD_EXTS = {".md", ".markdown"}
YAML_EXTS = {".yaml", ".yml"}

# Fence info strings (first word, lower-cased) that mark a KQL block.
KQL_INFOS = {"kusto", "kql", "csl", "kkql"}  # "kkql": a typo seen in the wild
KQL_INFO_RE = re.compile(r"^(kusto|kql)[-_](query|queries)$")
# Labels that --guess-unlabelled will look inside.
GUESS_INFOS = {"", "c#"}

FENCE_RE = re.compile(r"^(?P<prefix>[ \t]*(?:>[ \t]*)*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
QUOTE_RE = re.compile(r"^[ \t]*> ?")

KQL_OPERATORS = (
    "where|filter|project|project-away|project-keep|project-rename|project-reorder|"
    "extend|summarize|join|lookup|union|take|limit|sort|order|top|top-nested|"
    "top-hitters|distinct|count|parse|parse-where|parse-kv|mv-expand|mv-apply|"
    "make-series|render|invoke|evaluate|as|serialize|sample|sample-distinct|"
    "search|getschema|facet|fork|partition|scan|reduce|consume|externaldata|"
    "find|range|print|datatable|materialize"
)
PIPE_OP_RE = re.compile(r"^\|\s*(" + KQL_OPERATORS + r")\b")
FIRST_LINE_RE = re.compile(
    r"^(let\s+[A-Za-z_]\w*\s*=|"
    r"(union|search|print|range|datatable|externaldata|find|set|declare|alias|"
    r"materialize|evaluate)\b|"
    r"\(|"
    r"[A-Za-z_][\w.]*\s*(\(.*)?(\|.*)?$)"
)


@dataclass
class Stats:
    queries: int = 0
    management: int = 0
    empty: int = 0
    unreadable: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    guessed: int = 0
    skipped_txt: int = 0


def read_text(path: Path) -> str | None:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:  # a few Windows-authored files are cp1252
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def code_lines(text: str) -> list[str]:
    """Non-blank lines that are not pure ``//`` comments, stripped."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("//"):
            out.append(s)
    return out


def classify(text: str) -> str:
    """'query', 'management' or 'empty'.

    Leading client directives (``#connect ...`` in Kusto.Explorer scripts) are
    ignored like comments when looking for the first token.
    """
    lines = [s for s in code_lines(text.lstrip("\ufeff")) if not s.startswith("#")]
    if not lines:
        return "empty"
    if lines[0].startswith("."):
        return "management"
    return "query"


def looks_like_kql(text: str) -> bool:
    lines = code_lines(text)
    if not lines or lines[0].startswith("|"):
        return False
    if not FIRST_LINE_RE.match(lines[0]):
        return False
    if re.match(r"^let\s", lines[0]):
        return True
    if "|" in lines[0] and PIPE_OP_RE.match("|" + lines[0].split("|", 1)[1]):
        return True  # one-liner: `T | where ...`
    return any(PIPE_OP_RE.match(s) for s in lines[1:])


def is_kql_info(info: str) -> bool:
    word = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    word = word.strip("{}")
    return word in KQL_INFOS or bool(KQL_INFO_RE.match(word))


def _strip_container(line: str, depth: int, indent: int) -> str:
    """Remove `depth` blockquote markers and then up to `indent` spaces."""
    for _ in range(depth):
        m = QUOTE_RE.match(line)
        if not m:
            break
        line = line[m.end():]
    n = 0
    while n < indent and n < len(line) and line[n] == " ":
        n += 1
    return line[n:]


def md_blocks(text: str):
    """Yield (fence_line_1based, info, body) for every fenced code block.

    Fences may be indented (list items) or inside blockquotes (``> ```kusto``);
    the fence's indentation / quote markers are removed from the body lines.
    An unterminated fence runs to the end of the document, as in CommonMark.
    Inside a KQL block, a non-empty block is also closed by a fence line that
    itself carries a KQL info string (a common authoring slip: "```kql" used
    as the closing fence).
    """
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i].rstrip("\r\n"))
        if not m or (m.group("fence")[0] == "`" and "`" in m.group("info")):
            i += 1
            continue
        prefix = m.group("prefix")
        depth = prefix.count(">")
        indent = len(prefix.rsplit(">", 1)[-1].expandtabs(4))
        if depth:
            indent = max(indent - 1, 0)  # the optional space after '>'
        fence = m.group("fence")
        info = m.group("info").strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            inner = _strip_container(lines[i], depth, indent)
            s = inner.rstrip("\r\n").strip()
            if len(s) >= len(fence) and s == fence[0] * len(s):
                i += 1
                break
            # Some hunting repos close KQL blocks with "```kql"; CommonMark
            # would keep going, but the author meant a closing fence.
            if (
                s.startswith(fence)
                and is_kql_info(info)
                and is_kql_info(s[len(fence):])
                and not s[len(fence):].startswith(fence[0])
                and any(b.strip() for b in body)
            ):
                i += 1
                break
            body.append(inner)
            i += 1
        yield start + 1, info, "".join(body)


def extract_source(src: Path, out: Path, guess: bool, manifest: list[list[str]]) -> Stats:
    st = Stats()
    name = src.name
    dest = out / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)

    files: list[str] = []
    for root, dirs, fnames in os.walk(src, followlinks=False):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in fnames:
            p = Path(root, f)
            if p.is_symlink():
                continue
            files.append(p.relative_to(src).as_posix())
    files.sort()

    def emit(rel: str, kind: str, text: str, line: str = "", info: str = "") -> None:
        c = classify(text)
        if c == "management":
            st.management += 1
            return
        if c == "empty":
            st.empty += 1
            return
        st.queries += 1
        st.by_kind[kind] = st.by_kind.get(kind, 0) + 1
        fname = f"{st.queries:05d}.kql"
        with open(dest / fname, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        manifest.append([f"{name}/{fname}", rel, kind, line, info])

    for rel in files:
        p = src / rel
        ext = p.suffix.lower()
        if ext == ".txt":
            st.skipped_txt += 1
            continue
        if ext not in WHOLE_FILE_EXTS | MD_EXTS | YAML_EXTS:
            continue
        text = read_text(p)
        if text is None:
            st.unreadable += 1
            continue
        if ext in WHOLE_FILE_EXTS:
            emit(rel, "kql", text)
        elif ext in MD_EXTS:
            for line, info, body in md_blocks(text):
                if is_kql_info(info):
                    emit(rel, "md", body, str(line), info)
                elif guess and info.lower() in GUESS_INFOS and looks_like_kql(body):
                    st.guessed += 1
                    emit(rel, "md", body, str(line), "guess:" + info)
        else:
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError:
                st.unreadable += 1
                continue
            if isinstance(doc, dict) and isinstance(doc.get("query"), str):
                emit(rel, "yaml", doc["query"])
    return st


def git_head(src: Path) -> str:
    try:
        r = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True,
        )
        return r.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def tsv(fields: list[str]) -> str:
    return "\t".join(
        f.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for f in fields
    ) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="+", type=Path, metavar="SRC_DIR")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument(
        "--guess-unlabelled", action="store_true",
        help="also take unlabelled/C#-labelled md blocks that look like KQL",
    )
    args = ap.parse_args(argv)

    names = [s.resolve().name for s in args.sources]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        ap.error(f"source dirs share a basename: {', '.join(sorted(dup))}")
    for s in args.sources:
        if not s.is_dir():
            ap.error(f"not a directory: {s}")

    args.out.mkdir(parents=True, exist_ok=True)
    manifest: list[list[str]] = []
    sources: list[list[str]] = []
    total = Stats()
    rows = []
    for s in sorted(args.sources, key=lambda p: p.resolve().name):
        s = s.resolve()
        st = extract_source(s, args.out, args.guess_unlabelled, manifest)
        sources.append([s.name, str(s), git_head(s)])
        kinds = " ".join(f"{k}={v}" for k, v in sorted(st.by_kind.items()))
        rows.append((s.name, st, kinds))
        for a in ("queries", "management", "empty", "unreadable", "guessed", "skipped_txt"):
            setattr(total, a, getattr(total, a) + getattr(st, a))

    with open(args.out / "manifest.tsv", "w", encoding="utf-8", newline="") as fh:
        fh.write(tsv(["file", "path", "kind", "line", "info"]))
        for r in manifest:
            fh.write(tsv(r))
    with open(args.out / "sources.tsv", "w", encoding="utf-8", newline="") as fh:
        fh.write(tsv(["source", "dir", "git_head"]))
        for r in sources:
            fh.write(tsv(r))

    w = max(len(r[0]) for r in rows + [("TOTAL", None, "")])
    hdr = f"{'source':<{w}}  {'queries':>7}  {'mgmt':>5}  {'empty':>5}  {'unread':>6}  {'guessed':>7}  {'txt-skip':>8}  kinds"
    print(hdr)
    print("-" * len(hdr))
    for name, st, kinds in rows + [("TOTAL", total, "")]:
        print(
            f"{name:<{w}}  {st.queries:>7}  {st.management:>5}  {st.empty:>5}  "
            f"{st.unreadable:>6}  {st.guessed:>7}  {st.skipped_txt:>8}  {kinds}"
        )
    size = sum(
        (args.out / r[0]).stat().st_size for r in manifest
    )
    print(f"\n{total.queries} queries, {size} bytes, written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
