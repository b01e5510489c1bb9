#!/usr/bin/env bash
# Benchmarks the seed detections: dragnet against DuckDB on the same
# synthetic Parquet data (10M DeviceProcessEvents rows by default).
#   scripts/bench/run-seed-queries.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows="${1:-10000000}"
python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb
if [ ! -f target/bench/DeviceProcessEvents/part-0.parquet ] || [ "${REGENERATE:-}" = 1 ]; then
  python3 scripts/bench/gen_tables.py --rows "$rows" --out target/bench
fi
cargo bench -p dragnet --bench seed_queries
