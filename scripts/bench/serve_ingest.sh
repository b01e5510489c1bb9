#!/usr/bin/env bash
# The ingest benchmark of `dragnet serve`: Kubernetes audit EventList
# batches to POST /k8s-audit and raw auditd events to POST /ingest, several
# batch sizes, each against a fresh server on loopback for a fixed time,
# driven by wrk; then `dragnet ingest` over the same generated logs.
#
#   scripts/bench/serve_ingest.sh DRAGNET [DIR]
#
# DRAGNET is the dragnet binary (a release build). DIR keeps the generated
# logs (k8s-audit.jsonl and audit.log of MB megabytes each, made by
# gen_k8s_audit.py and gen_auditd.py when missing) and the bodies; each
# server's data folder is a temporary one. Settings from the environment:
# DURATION (20s per configuration), CONNS (16 connections), BATCHES ("1 100
# 1000" events per body), MB (64), PORT (7499), COMPACT_AFTER (10s, the
# server's --compact-after, so the WAL-to-Parquet lag shows within a run).
#
# For each configuration it prints acknowledged (2xx) events/s and MB/s of
# bodies, p50/p99 acknowledgement latency (wrk's, from the request written
# to the answer read), answers other than 2xx, the most bytes waiting in the
# WAL during the load and the seconds after it until the WAL is empty
# (both from GET /metrics, sampled every 0.5 s), the server's peak RSS
# (VmHWM), and the CPU the server and wrk used (% of one core). Then
# `dragnet ingest` over the whole generated log of each source, and each
# serve row's events/s as a ratio of ingest's.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="${1:?usage: serve_ingest.sh DRAGNET [DIR]}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
DIR="${2:-}"
DURATION="${DURATION:-20s}"
CONNS="${CONNS:-16}"
BATCHES="${BATCHES:-1 100 1000}"
MB="${MB:-64}"
PORT="${PORT:-7499}"
COMPACT_AFTER="${COMPACT_AFTER:-10s}"

for tool in wrk curl python3 /usr/bin/time; do
    if ! command -v "$tool" > /dev/null; then
        echo "serve_ingest.sh: $tool is missing (on Debian: apt-get install wrk curl python3 time)" >&2
        exit 2
    fi
done
[[ -x "$BIN" ]] || { echo "serve_ingest.sh: $BIN is not an executable" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER=""
POLLER=""
cleanup() {
    [[ -n "$POLLER" ]] && kill "$POLLER" 2> /dev/null || true
    [[ -n "$SERVER" ]] && kill "$SERVER" 2> /dev/null && wait "$SERVER" 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
if [[ -z "$DIR" ]]; then DIR="$WORK/logs"; fi
mkdir -p "$DIR"
[[ -f "$DIR/k8s-audit.jsonl" ]] || python3 "$HERE/gen_k8s_audit.py" --mb "$MB" --out "$DIR/k8s-audit.jsonl" > /dev/null
[[ -f "$DIR/audit.log" ]] || python3 "$HERE/gen_auditd.py" --mb "$MB" --out "$DIR/audit.log" > /dev/null

URL="http://127.0.0.1:$PORT"
TCK="$(getconf CLK_TCK)"
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
metric() { awk -v n="$2" '$1 == n {print $2}' <<< "$1"; }

# Samples /metrics every 0.5 s: unix time, WAL bytes, batches NRT rules have not seen.
poll() {
    while true; do
        local m
        m="$(curl -s --max-time 2 "$URL/metrics" || true)"
        echo "$(date +%s.%N) $(metric "$m" dragnet_wal_bytes) $(metric "$m" dragnet_nrt_pending_batches)"
        sleep 0.5
    done
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $DURATION per run, $CONNS connections"
declare -A PEER
for src in k8s auditd; do
    if [[ $src == k8s ]]; then log="$DIR/k8s-audit.jsonl"; else log="$DIR/audit.log"; fi
    meta="$(python3 "$HERE/serve_bodies.py" --format "$src" --batch 1 --in "$log" --out "$WORK/count" --max-bodies 1)"
    events="$(json "$meta" input_events)"
    rm -rf "$WORK/ds"
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" ingest -q "$log" --out "$WORK/ds" > /dev/null
    read -r wall rss < "$WORK/time"
    PEER[$src]="$(awk -v e="$events" -v w="$wall" 'BEGIN {printf "%.0f", e / w}')"
    bytes="$(stat -c %s "$log")"
    printf 'peer: dragnet ingest %s (%d events, %.1f MB): %.2f s, %s events/s, %.1f MB/s, peak RSS %d MiB\n' \
        "$(basename "$log")" "$events" "$(awk -v b="$bytes" 'BEGIN {print b / 1e6}')" "$wall" "${PEER[$src]}" \
        "$(awk -v b="$bytes" -v w="$wall" 'BEGIN {print b / 1e6 / w}')" $((rss / 1024))
done
rm -rf "$WORK/ds"

printf '\n| source | events/body | acked events/s | MB/s | p50 ms | p99 ms | non-2xx | WAL max MB | lag after s | peak RSS MiB | server CPU %% | wrk CPU %% | ÷ ingest |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for src in k8s auditd; do
    if [[ $src == k8s ]]; then log="$DIR/k8s-audit.jsonl" path=/k8s-audit; else log="$DIR/audit.log" path="/ingest?format=auditd"; fi
    for batch in $BATCHES; do
        bodies="$DIR/$src-$batch.bodies"
        meta="$(python3 "$HERE/serve_bodies.py" --format "$src" --batch "$batch" --in "$log" --out "$bodies")"
        body_bytes="$(json "$meta" body_bytes)"
        data="$WORK/data-$src-$batch"
        "$BIN" serve --data "$data" --listen "127.0.0.1:$PORT" --compact-after "$COMPACT_AFTER" 2> "$WORK/serve.log" &
        SERVER=$!
        for _ in $(seq 600); do
            curl -sf "$URL/healthz" > /dev/null 2>&1 && break
            kill -0 "$SERVER" 2> /dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
            sleep 0.1
        done
        curl -sf "$URL/healthz" > /dev/null || { echo "the server did not answer in 60 s" >&2; exit 1; }
        sleep 2 # the scheduled rules' first runs, over an empty store
        poll > "$WORK/samples" &
        POLLER=$!
        cpu0="$(cpu_ticks "$SERVER")"
        /usr/bin/time -f '%U %S' -o "$WORK/wrk-time" \
            wrk -t1 -c"$CONNS" -d"$DURATION" --timeout 30s -s "$HERE/serve_post.lua" "$URL$path" -- "$bodies" \
            > "$WORK/wrk.out"
        end="$(date +%s.%N)"
        cpu1="$(cpu_ticks "$SERVER")"
        out="$(grep '^{' "$WORK/wrk.out" | tail -1)"
        # Until the WAL is empty and NRT rules have seen every batch (at most 120 s).
        lag="—"
        for _ in $(seq 240); do
            read -r t wal pending < <(tail -1 "$WORK/samples") || true
            if [[ "${wal:-x}" == 0 && "${pending:-x}" == 0 ]] && awk -v t="$t" -v e="$end" 'BEGIN {exit !(t > e)}'; then
                lag="$(awk -v t="$t" -v e="$end" 'BEGIN {printf "%.1f", t - e}')"
                break
            fi
            sleep 0.5
        done
        kill "$POLLER"; wait "$POLLER" 2> /dev/null || true; POLLER=""
        rss="$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$SERVER/status")"
        kill "$SERVER"; wait "$SERVER" 2> /dev/null || true; SERVER=""
        wal_max="$(awk -v e="$end" '$1 <= e && $2 != "" {if ($2 > m) m = $2} END {printf "%.1f", m / 1e6}' "$WORK/samples")"
        read -r wu ws < "$WORK/wrk-time"
        python3 - "$out" "$batch" "$body_bytes" "$src" "${PEER[$src]}" "$wal_max" "$lag" "$rss" \
            "$cpu0" "$cpu1" "$TCK" "$wu" "$ws" << 'EOF'
import json, sys
out, batch, body, src, peer, wal, lag, rss, c0, c1, tck, wu, ws = sys.argv[1:]
w = json.loads(out)
secs = w["duration_us"] / 1e6
ok = w["requests"] - w["non2xx"]
eps = ok * int(batch) / secs
mbs = ok * float(body) / 1e6 / secs
server = (int(c1) - int(c0)) / int(tck) / secs * 100
client = (float(wu) + float(ws)) / secs * 100
errors = w["non2xx"] + w["connect"] + w["read"] + w["write"] + w["timeout"]
print(f"| {src} | {batch} | {eps:,.0f} | {mbs:.1f} | {w['p50_us'] / 1000:.1f} | {w['p99_us'] / 1000:.1f} | {errors} "
      f"| {wal} | {lag} | {rss} | {server:.0f} | {client:.0f} | {eps / float(peer):.2f} |")
EOF
    done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
