#!/usr/bin/env bash
# Peak memory and throughput of pipelines/utterance_ner.yaml against the built-in emulator as the
# export grows: the platform path (download thread, bounded queue, spooled upload) must stay flat.
# The contract caps an import at 50 MiB, so both sides' limits are raised for this measurement.
#
#   benchmarks/platform_memory_bench.sh [build/sluice] [rows ...]     (default: 1000000 4000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sluice="${1:-build/sluice}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 4000000)
work="$(mktemp -d)"
emulator=""
trap '[ -n "$emulator" ] && kill "$emulator" 2>/dev/null; rm -rf "$work"' EXIT

printf '%-10s %10s %10s %12s %14s\n' rows "input MB" "MB/s" "rows/s" "peak RSS MiB"
first_rss=""
for rows in "${sizes[@]}"; do
  "$sluice" emulate --rows "$rows" --import-limit 4294967296 > "$work/emulator.log" &
  emulator=$!
  for _ in $(seq 300); do grep -q "listening on" "$work/emulator.log" && break; sleep 0.1; done
  url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/emulator.log")"
  COGNIGY_BASE_URL="$url" COGNIGY_CLIENT_ID=sluice-demo COGNIGY_CLIENT_SECRET=sluice-demo-secret \
  COGNIGY_BOT_ID=demo-bot VERSION_TAG=bench IMPORT_MAX_BYTES=4GiB OUTPUT="$work/enriched.csv" \
    "$sluice" run pipelines/utterance_ner.yaml --quiet --report "$work/report.json"
  kill "$emulator"; wait "$emulator" 2>/dev/null || true; emulator=""
  # The report is one JSON object; pull the three numbers out without a JSON tool.
  report="$(cat "$work/report.json")"
  field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$report" | head -1; }
  bytes="$(field input_bytes)"; seconds="$(field elapsed_seconds)"; rss="$(field peak_rss_bytes)"
  awk -v r="$rows" -v b="$bytes" -v s="$seconds" -v m="$rss" \
    'BEGIN { printf "%-10d %10.1f %10.1f %12.0f %14.1f\n", r, b/1e6, b/1e6/s, r/s, m/1048576 }'
  [ -n "$first_rss" ] || first_rss="$rss"
  last_rss="$rss"
done
awk -v a="$first_rss" -v b="$last_rss" 'BEGIN { printf "peak RSS, largest / smallest export: %.2fx\n", b/a }'
