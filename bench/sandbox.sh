#!/usr/bin/env bash
# edfi-sandbox benchmark: start-up time to first answer (also with --template populated), POST throughput of studentSchoolAssociations
# (reference and descriptor checks on) with 8 and 64 keep-alive connections, and memory (RSS) for
# many stored documents. Usage: bench/sandbox.sh BUILD_DIR [DOCS_FOR_MEMORY]
set -euo pipefail
BUILD=${1:-build}
DOCS=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SPECS="$ROOT/metadata/ds-5.2"
SANDBOX="$BUILD/edfi-sandbox"
LOAD="$BUILD/sandbox_load"
if [ ! -d "$SPECS" ]; then echo "bench/sandbox.sh: DS 5.2 specs not found at $SPECS; skipped"; exit 0; fi
for b in "$SANDBOX" "$LOAD"; do [ -x "$b" ] || { echo "bench/sandbox.sh: $b not built (make release)"; exit 1; }; done

OUT=$(mktemp); PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -f "$OUT"; }
trap cleanup EXIT

start() {  # start [ARGS...]: the sandbox with DS 5.2; sets PID and URL; prints start-up to first answer
  local t0 t1
  : > "$OUT"
  t0=$(date +%s%N)
  "$SANDBOX" --specs "$SPECS" --constraints "$ROOT/metadata/ds-5.2-constraints.json" --port 0 --quiet "$@" > "$OUT" &
  PID=$!
  while [ ! -s "$OUT" ]; do sleep 0.005; done
  URL=$(head -1 "$OUT")
  until curl -sf "$URL" > /dev/null; do sleep 0.005; done
  t1=$(date +%s%N)
  echo "start-up to first answer (DS 5.2 specs${*:+, $*}): $(( (t1 - t0) / 1000000 )) ms"
}
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status"; }
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

echo "== edfi-sandbox benchmark ($(nproc) cores) =="
for i in 1 2 3; do  # the Grand Bend data (20,647 documents with the school years and descriptors)
  start --flavor ods --template populated
  stop
done
for c in 8 64; do
  start
  "$LOAD" "$URL" --connections "$c" --requests 100000 --students 5000
  echo "RSS after run: $(rss)"
  stop
done

echo "== memory for $DOCS stored studentSchoolAssociations =="
start
echo "RSS empty (DS 5.2 model loaded): $(rss)"
"$LOAD" "$URL" --connections 16 --requests "$DOCS" --students 20000 --label "load $DOCS documents"
echo "RSS with $DOCS studentSchoolAssociations (+20,000 students): $(rss)"
stop
