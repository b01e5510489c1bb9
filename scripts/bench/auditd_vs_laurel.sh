#!/usr/bin/env bash
# Reads the same raw audit.log with dragnet's auditd source and with Laurel,
# and prints both speeds and their ratio.
#
#   scripts/bench/auditd_vs_laurel.sh [FILE] [LAUREL]
#
# FILE defaults to /tmp/audit-bench.log, written by gen_auditd.py (1 GB) if
# missing. LAUREL defaults to /work/laurel/target/release/laurel (build it
# with `cargo build --release` in a Laurel checkout; it needs libclang and
# libacl headers).
#
# dragnet: `cargo run --release -p telemetry --example read_speed -- FILE`,
# which reads the file into DeviceProcessEvents/DeviceFileEvents/
# DeviceNetworkEvents batches (counted and dropped) and times the read.
# Laurel: `laurel -c CONFIG < FILE > /dev/null`, timed from start to exit,
# where CONFIG reads stdin, writes its JSON lines to standard output
# (`[auditlog] file = "-"`), keeps no state file, and turns off every
# enrichment that reads the local machine (/proc, the user database), so
# that it does the same work: parse, group, decode, write one line per
# event. Both read the file from the page cache (one untimed read first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FILE="${1:-/tmp/audit-bench.log}"
LAUREL="${2:-/work/laurel/target/release/laurel}"
if [[ ! -f "$FILE" ]]; then
    python3 "$ROOT/scripts/bench/gen_auditd.py" --mb 1024 --out "$FILE"
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
sed "s|@DIR@|$TMP|" "$ROOT/scripts/crosscheck/laurel.toml.in" > "$TMP/config.toml"

cat "$FILE" > /dev/null
BYTES=$(stat -c %s "$FILE")
(cd "$ROOT" && cargo build -q --release -p telemetry --example read_speed)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OURS=$("$TARGET/release/examples/read_speed" "$FILE" | tail -1)
echo "dragnet: $OURS"
OURS_MBS=$(echo "$OURS" | awk '{print $6}')

START=$(date +%s.%N)
"$LAUREL" -c "$TMP/config.toml" < "$FILE" > /dev/null 2> "$TMP/laurel.err"
END=$(date +%s.%N)
LAUREL_S=$(echo "$END - $START" | bc -l)
LAUREL_MBS=$(echo "$BYTES / 1000000 / $LAUREL_S" | bc -l)
printf "laurel:  %.1f MB in %.2f s = %.1f MB/s\n" "$(echo "$BYTES / 1000000" | bc -l)" "$LAUREL_S" "$LAUREL_MBS"
printf "ratio (dragnet MB/s / laurel MB/s): %.2f\n" "$(echo "$OURS_MBS / $LAUREL_MBS" | bc -l)"
