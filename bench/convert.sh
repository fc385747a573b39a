#!/usr/bin/env bash
# Benchmark of `lightbeam convert` (issue 12): the Grand Bend sample set and the standard descriptors
# (../shared/edfi/ds-5.2/xml, 251 files, about 31 MB) → JSONL against the DS 5.2 model the sandbox
# serves. Reports records/s and MB/s (hyperfine, warm metadata cache), peak RSS (/usr/bin/time -v) and,
# with CALLGRIND=1, the instruction count of one run. Usage: bench/convert.sh BUILD_DIR. Never fails on time.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
xml="$here/../../shared/edfi/ds-5.2/xml"
specs="$here/../metadata/ds-5.2"
if [[ ! -d "$xml/Samples" ]]; then
  echo "convert bench skipped: the Grand Bend XML was not found at $xml"
  exit 0
fi
work=$(mktemp -d)
sandbox_pid=""
cleanup() {
  [[ -n "$sandbox_pid" ]] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/edfi-sandbox" --flavor ods --specs "$specs" --template none --port 0 --quiet >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 200); do
  [[ -s "$work/sandbox.out" ]] && break
  sleep 0.05
done
cat >"$work/lightbeam.yaml" <<YAML
state_dir: $work/state
data_dir: $work/data
edfi_api:
  base_url: $(head -1 "$work/sandbox.out")
  client_id: populated
  client_secret: populatedSecret
log_level: WARNING
YAML
convert=("$build/lightbeam" convert -c "$work/lightbeam.yaml" "$xml/Samples" "$xml/Descriptors")
"${convert[@]}" 2>/dev/null  # warms the metadata cache
records=$(cat "$work"/data/*.jsonl | wc -l)
bytes=$(du -cb "$xml/Samples" "$xml/Descriptors" | tail -1 | cut -f1)
echo "input: $(find "$xml/Samples" "$xml/Descriptors" -name '*.xml' | wc -l) files, $bytes bytes; output: $records records in $(ls "$work/data" | wc -l) files"

hyperfine --warmup 1 --runs 10 --export-json "$work/h.json" "${convert[*]} 2>/dev/null" >/dev/null
python3 - "$work/h.json" "$records" "$bytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n, b = int(sys.argv[2]), int(sys.argv[3])
print(f"convert: mean {r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f} (min {r['min']*1000:.0f}, user {r['user']*1000:.0f} ms, sys {r['system']*1000:.0f} ms): "
      f"{n / r['mean']:,.0f} records/s, {b / r['mean'] / 1e6:.1f} MB/s")
PY
/usr/bin/time -v "${convert[@]}" 2>"$work/time.txt" >/dev/null || true
echo "peak RSS: $(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$work/time.txt") KB"
if [[ "${CALLGRIND:-0}" == 1 ]]; then
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "${convert[@]}" 2>"$work/cg.txt" >/dev/null || true
  echo "instructions: $(awk '/Collected/ {print $4}' "$work/cg.txt")"
fi
