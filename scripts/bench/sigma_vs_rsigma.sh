#!/usr/bin/env bash
# Runs the same events and Sigma rules through dragnet and rsigma, on one
# core and on all cores, and prints events/s, peak RSS and the ratios
# dragnet/rsigma.
#
#   scripts/bench/sigma_vs_rsigma.sh WORK DRAGNET RSIGMA
#
# WORK is the folder scripts/bench/sigma_parity.py fills: WORK/rules (the
# SigmaHQ Linux and Kubernetes rules dragnet runs) and WORK/events (the
# event set of gen_sigma_events.py, in rsigma's form under sigma/ and in
# dragnet's under dragnet/). DRAGNET is a release build of dragnet, RSIGMA
# of rsigma's CLI.
#
# dragnet: `dragnet hunt -q --no-builtin --rules WORK/rules --format jsonl
#   WORK/events/dragnet > /dev/null`: reads the logs into tables, runs every
#   rule, writes the alerts (the default caps: 150 alerts per rule), and
#   `--max-alerts-per-rule 1000000000` (an alert per matching event, as
#   rsigma writes a detection per matching event), and `--memory-limit 16GB`
#   (rows read from logs stay in memory up to an eighth of the limit and
#   spill to a temporary Parquet dataset past it, which each rule then reads
#   back; the default 4GB keeps 512 MB).
# rsigma: `rsigma engine eval -r WORK/rules -e @WORK/events/sigma/events.ndjson
#   --no-stats > /dev/null`, without and with `--logsource-routing`; and, like
#   for like, each rule group of sigma_parity.py (WORK/rules-<group>) over
#   only its own events (WORK/events-<group>.ndjson) on one core, the CPU
#   times summed: rsigma then searches the `product: linux` keyword rules in
#   the syslog events only, as dragnet's mapping does.
# Each timed by /usr/bin/time -v (wall clock and maximum resident set size)
# under `taskset -c 0` (one core) and `taskset -c 0-$((N-1))` (all N cores),
# after one untimed read of the inputs so that both start from the page
# cache.
set -euo pipefail
WORK="${1:?WORK folder (see sigma_parity.py)}"
DRAGNET="${2:?dragnet binary}"
RSIGMA="${3:?rsigma binary}"
RULES="$WORK/rules"
EVENTS="$WORK/events/sigma/events.ndjson"
LOGS="$WORK/events/dragnet"
N=$(wc -l < "$EVENTS")
CORES=$(nproc)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cat "$EVENTS" "$LOGS"/* > /dev/null

# run NAME CPUS CMD...: prints "NAME CPUS wall-seconds events/s cpu-seconds
# events-per-cpu-second peakMB". On a machine shared with other work the
# wall clock counts the waits for a core; CPU time (user + system) does not.
run() {
    local name="$1" cpus="$2"
    shift 2
    taskset -c "$cpus" /usr/bin/time -v -o "$TMP/time" "$@" > /dev/null 2> "$TMP/err" || {
        local rc=$?
        # dragnet hunt exits 1 when there are alerts.
        if [[ $rc -ne 1 ]]; then cat "$TMP/err" >&2; exit "$rc"; fi
    }
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$TMP/time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$TMP/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time")
    awk -v n="$name" -v c="$cpus" -v w="$wall" -v u="$cpu" -v r="$rss" -v e="${EVENTS_N:-$N}" \
        'BEGIN {printf "%-34s %-5s %8.2f s %10.0f ev/s %8.2f cpu-s %10.0f ev/cpu-s %8.0f MB\n", n, c, w, e / w, u, e / u, r / 1024}'
}

echo "events: $N, rules: $(find "$RULES" -name '*.yml' | wc -l), cores: $CORES"
for cpus in 0 "0-$((CORES - 1))"; do
    run "dragnet hunt" "$cpus" "$DRAGNET" hunt -q --no-builtin --rules "$RULES" --format jsonl "$LOGS" | tee -a "$TMP/results"
    run "dragnet hunt (no alert cap)" "$cpus" "$DRAGNET" hunt -q --no-builtin --rules "$RULES" --format jsonl \
        --max-alerts-per-rule 1000000000 "$LOGS" | tee -a "$TMP/results"
    run "dragnet hunt --memory-limit 16GB" "$cpus" "$DRAGNET" hunt -q --no-builtin --rules "$RULES" --format jsonl \
        --memory-limit 16GB "$LOGS" | tee -a "$TMP/results"
    run "rsigma eval" "$cpus" "$RSIGMA" engine eval -r "$RULES" -e "@$EVENTS" --no-stats | tee -a "$TMP/results"
    run "rsigma eval --logsource-routing" "$cpus" "$RSIGMA" engine eval -r "$RULES" -e "@$EVENTS" --no-stats \
        --logsource-routing | tee -a "$TMP/results"
done

echo
echo "ratios dragnet/rsigma (events/s: above 1 dragnet is faster; RSS: above 1 dragnet uses more)"
awk '
    { cpus = $(NF-10); name = $0; sub(/ +[0-9-]+ +[0-9.]+ s .*/, "", name)
      eps[name, cpus] = $(NF-7); epc[name, cpus] = $(NF-3); rss[name, cpus] = $(NF-1); cs[cpus] = 1 }
    END {
        split("dragnet hunt|dragnet hunt (no alert cap)|dragnet hunt --memory-limit 16GB", dns, "|")
        for (c in cs) for (d = 1; d <= 3; d++) for (r = 0; r < 2; r++) {
            dn = dns[d]
            rn = r ? "rsigma eval --logsource-routing" : "rsigma eval"
            printf "cpus %-4s %-32s vs %-32s events/s %6.3gx  events/cpu-s %6.3gx  RSS %6.3gx\n", c, dn, rn, eps[dn, c] / eps[rn, c], epc[dn, c] / epc[rn, c], rss[dn, c] / rss[rn, c]
        }
    }' "$TMP/results" | sort

# Like for like: each rule group over its own events, one core.
if compgen -G "$WORK/rules-*" > /dev/null; then
    echo
    echo "like for like: each rule group over its own events (sigma_parity.py's groups), one core"
    : > "$TMP/groups"
    for dir in "$WORK"/rules-*; do
        group="${dir##*/rules-}"
        events="$WORK/events-$group.ndjson"
        [[ -f "$events" ]] || continue
        EVENTS_N=$(wc -l < "$events") run "rsigma eval, $group" 0 "$RSIGMA" engine eval -r "$dir" -e "@$events" \
            --no-stats | tee -a "$TMP/groups"
    done
    awk -v n="$N" '
        FILENAME == ARGV[1] { s += $(NF-5); next }
        $(NF-10) == "0" && $0 ~ /^dragnet hunt +0 / { d = $(NF-5) }
        END { printf "rsigma, the groups summed %.2f cpu-s (%.0f ev/cpu-s); dragnet hunt %.2f cpu-s: %.3gx\n", s, n / s, d, s / d }
    ' "$TMP/groups" "$TMP/results"
fi
