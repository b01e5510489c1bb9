#!/bin/bash
# Compares builds of the read_speed example on one log file: each build
# reads FILE five times on one core (alternating with the others), and the
# least user + system CPU time of its runs is printed, with the MB/s it
# gives. Use it to tell whether a change to a reader made it faster: copy
# target/release/examples/read_speed aside before and after the change.
#
#   scripts/bench/read_speed_ab.sh FILE BUILD...
#
# Example:
#   python3 scripts/bench/gen_falco.py --mb 256 --out /tmp/falco.json
#   scripts/bench/read_speed_ab.sh /tmp/falco.json /tmp/read_speed.before target/release/examples/read_speed
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 FILE BUILD..." >&2
  exit 2
fi
file=$1
shift
runs=${RUNS:-5}
declare -A best
for _ in $(seq "$runs"); do
  for b in "$@"; do
    t=$({ /usr/bin/time -f "%U %S" taskset -c 0 "$b" "$file" >/dev/null; } 2>&1 | tail -n 1 | awk '{print $1 + $2}')
    if [ -z "${best[$b]:-}" ] || awk -v t="$t" -v b="${best[$b]}" 'BEGIN { exit !(t < b) }'; then
      best[$b]=$t
    fi
  done
done
size=$(stat -c %s "$file")
for b in "$@"; do
  awk -v b="$b" -v t="${best[$b]}" -v sz="$size" 'BEGIN { printf "%6.2f s  %5.0f MB/s  %s\n", t, sz / 1e6 / t, b }'
done
