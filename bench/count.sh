#!/usr/bin/env bash
# Benchmark of `lightbeam count` (issue 5): every ed-fi endpoint of DS 5.2 against edfi-sandbox with
# --latency-ms 20 and pool_size 8, compared with the ceiling (requests / 8 x 20 ms); and the wall
# time of counting one endpoint (hyperfine). Usage: bench/count.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
specs="$here/../../shared/edfi/ds-5.2"
[[ -f "$specs/resources-spec.json" ]] || { echo "count.sh: DS 5.2 specs not found in $specs; skipped"; exit 0; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start_sandbox() {  # name, extra args...
  local name=$1; shift
  "$build/edfi-sandbox" --specs "$specs" --port 0 --quiet "$@" >"$work/$name.url" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do [[ -s "$work/$name.url" ]] && break; sleep 0.05; done
  head -1 "$work/$name.url"
}
config() {  # file, url
  cat >"$1" <<YAML
state_dir: $work/state
data_dir: $work/data
edfi_api:
  base_url: $2
  client_id: populated
  client_secret: populatedSecret
connection:
  pool_size: 8
  timeout: 30
  verify_ssl: false
log_level: WARNING
YAML
}

slow=$(start_sandbox slow --latency-ms 20)
config "$work/slow.yaml" "$slow"
"$build/lightbeam" count -c "$work/slow.yaml" --results-file "$work/counts.tsv" >/dev/null  # warm the cache
n=$(( $(wc -l <"$work/counts.tsv") - 1 ))
ceiling=$(python3 -c "import math; print(math.ceil($n/8)*0.020)")
best=999
for _ in 1 2 3; do
  t0=$(date +%s.%N)
  "$build/lightbeam" count -c "$work/slow.yaml" >/dev/null
  t1=$(date +%s.%N)
  best=$(python3 -c "print(min($best, $t1-$t0))")
done
python3 - "$n" "$best" "$ceiling" <<'PY'
import sys
n, best, ceiling = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"count, DS 5.2, {n} ed-fi endpoints, --latency-ms 20, pool_size 8: best of 3 = {best*1000:.0f} ms wall "
      f"(ceiling {ceiling*1000:.0f} ms = ceil({n}/8) x 20 ms; {100*ceiling/best:.0f}% of the ceiling)")
PY

fast=$(start_sandbox fast)
config "$work/fast.yaml" "$fast"
"$build/lightbeam" count -c "$work/fast.yaml" -s schools >/dev/null
hyperfine --warmup 3 --runs 30 -N --export-json "$work/one.json" \
  "$build/lightbeam count -c $work/fast.yaml -s schools" >/dev/null 2>&1 || true
if [[ -s "$work/one.json" ]]; then
  jq -r '.results[0] | "count of one endpoint (schools, DS 5.2, metadata cached): mean \(.mean*1000|floor) ms, min \(.min*1000|floor) ms, user \(.user*1000|floor) ms, system \(.system*1000|floor) ms (hyperfine, 30 runs)"' "$work/one.json"
fi
