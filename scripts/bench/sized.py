"""Writes generated log lines to a file until it reaches a size: the command
line (--mb, --out, --seed) and the loop the generators share."""

import argparse
import random


def write_sized(description, make_line, noun):
    """Parses --mb/--out/--seed, then writes make_line(rng, i) for i = 0, 1, ...
    until --mb megabytes are written; prints how many `noun` it wrote."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--mb", type=float, required=True, help="about how many megabytes to write")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng, limit, written, i = random.Random(a.seed), int(a.mb * 1e6), 0, 0
    with open(a.out, "w", buffering=1 << 20) as out:
        while written < limit:
            text = make_line(rng, i)
            out.write(text)
            written += len(text)
            i += 1
    print(f"{a.out}: {i} {noun}, {written / 1e6:.1f} MB")
