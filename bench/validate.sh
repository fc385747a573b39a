#!/usr/bin/env bash
# Benchmark of `lightbeam validate` (issue 7): studentSchoolAssociations against the DS 5.2 specs
# served by edfi-sandbox, methods schema+descriptors+uniqueness.
#   - 20,000 and 100,000 lines, warm cache: lines/s and the 100k/20k time ratio (linear = 5);
#   - cold (empty cache) vs warm run on 20,000 lines;
#   - peak RSS on a large file (BIG_MB, default 256 MB; BIG_MB=1024 for the 1 GB figure).
# Usage: bench/validate.sh BUILD_DIR. Reports figures; never fails on time.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
specs="$here/../../shared/edfi/ds-5.2"
big_mb=${BIG_MB:-256}
if [[ ! -f "$specs/resources-spec.json" ]]; then
  echo "validate bench skipped: DS 5.2 specs not found at $specs"
  exit 0
fi
work=$(mktemp -d)
sandbox_pid=""
cleanup() {
  [[ -n "$sandbox_pid" ]] && kill "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/edfi-sandbox" --specs "$specs" --port 0 --quiet >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 200); do
  [[ -s "$work/sandbox.out" ]] && break
  sleep 0.05
done
base_url=$(head -1 "$work/sandbox.out")

# Data: N studentSchoolAssociations (distinct identities, a handful of schools and grade levels),
# plus the grade-level descriptors they use as a local descriptor file.
gen() { # gen N DIR [target_bytes]
  python3 - "$1" "$2" "${3:-0}" <<'PY'
import json, os, sys
n, d, target = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
os.makedirs(d, exist_ok=True)
grades = ["Ninth grade", "Tenth grade", "Eleventh grade", "Twelfth grade"]
with open(os.path.join(d, "gradeLevelDescriptors.jsonl"), "w") as f:
    for g in grades:
        f.write(json.dumps({"namespace": "uri://ed-fi.org/GradeLevelDescriptor", "codeValue": g, "shortDescription": g}) + "\n")
with open(os.path.join(d, "studentSchoolAssociations.jsonl"), "w") as f:
    i = 0
    written = 0
    while (target and written < target) or (not target and i < n):
        line = json.dumps({
            "studentReference": {"studentUniqueId": "S%08d" % i},
            "schoolReference": {"schoolId": 255901001 + i % 7},
            "entryDate": "2024-08-%02d" % (1 + i % 28),
            "entryGradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#" + grades[i % 4],
            "entryTypeDescriptor": None,
            "exitWithdrawDate": "2025-06-%02d" % (1 + i % 28),
            "primarySchool": i % 2 == 0,
            "fullTimeEquivalency": 1.0,
        }) + "\n"
        f.write(line)
        written += len(line)
        i += 1
PY
}

config() { # config DIR
  cat >"$1/lightbeam.yaml" <<EOF
state_dir: $1/state
data_dir: $1/data/
namespace: ed-fi
edfi_api:
  base_url: $base_url
  client_id: populated
  client_secret: populatedSecret
connection:
  pool_size: 8
validate:
  methods: [schema, descriptors, uniqueness]
log_level: INFO
EOF
}

# run DIR → "seconds peak_kb cpu_seconds phase_seconds" (phase = first "validating <file>" log line
# to "... all lines validate ok!": the validation itself, without API/spec start-up)
run() {
  /usr/bin/time -f "%e %M %U %S" -o "$1/time.txt" "$build/lightbeam" validate -c "$1/lightbeam.yaml" -s studentSchoolAssociations \
    >"$1/out.txt" 2>"$1/err.txt" || { echo "lightbeam validate failed:"; tail -5 "$1/err.txt"; exit 1; }
  python3 - "$1/time.txt" "$1/err.txt" <<'PY'
import sys, re, datetime
e, m, u, s_ = open(sys.argv[1]).read().split()[:4]
ts = []
for line in open(sys.argv[2]):
    if "against" in line and "validating" in line or "validate ok" in line or "VALIDATION ERRORS on" in line:
        ts.append(datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f"))
phase = (ts[-1] - ts[0]).total_seconds() if len(ts) >= 2 else float(e)
print(e, m, float(u) + float(s_), phase)
PY
}

for n in 20000 100000; do
  mkdir -p "$work/n$n"
  gen "$n" "$work/n$n/data"
  config "$work/n$n"
done

# cold (empty cache) then warm on 20k; best of 3 warm runs for each size.
rm -rf "$work/n20000/state"
read -r cold_s cold_kb _ _ < <(run "$work/n20000")
best() { # best of 3: "wall cpu phase" (each the minimum)
  local w=999999 c=999999 p=999999 a b d
  for _ in 1 2 3; do
    read -r a _ b d < <(run "$1")
    w=$(python3 -c "print(min($w, $a))"); c=$(python3 -c "print(min($c, $b))"); p=$(python3 -c "print(min($p, $d))")
  done
  echo "$w $c $p"
}
run "$work/n100000" >/dev/null  # warm its cache
read -r w20 c20 p20 < <(best "$work/n20000")
read -r w100 c100 p100 < <(best "$work/n100000")
python3 - "$w20" "$c20" "$p20" "$w100" "$c100" "$p100" "$cold_s" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import sys
w20, c20, p20, w100, c100, p100, cold = map(float, sys.argv[1:8])
print(f"machine: {sys.argv[8]} cores, load average {sys.argv[9]} at the end")
for n, w, c, p in ((20000, w20, c20, p20), (100000, w100, c100, p100)):
    print(f"validate {n:,} studentSchoolAssociations (warm cache): validation {p:.3f} s = {n/p:,.0f} lines/s; "
          f"whole process {w:.3f} s wall, {c:.3f} s CPU (user+sys)")
print(f"time ratio 100k/20k: validation {p100/p20:.2f}, whole process {w100/w20:.2f}, CPU {c100/c20:.2f} (linear = 5)")
print(f"cold cache 20,000: {cold:.3f} s (+{cold - w20:.3f} s over warm)")
PY

# Peak RSS: 100k lines vs a large file.
read -r _ kb100 _ _ < <(run "$work/n100000")
mkdir -p "$work/big"
gen 0 "$work/big/data" $((big_mb * 1024 * 1024))
config "$work/big"
cp -r "$work/n20000/state" "$work/big/state" 2>/dev/null || true
lines=$(wc -l <"$work/big/data/studentSchoolAssociations.jsonl")
read -r big_s big_kb big_cpu big_phase < <(run "$work/big")
python3 - "$kb100" "$big_kb" "$big_s" "$lines" "$big_mb" "$big_phase" "$big_cpu" <<'PY'
import sys
kb100, big_kb, big_s, lines, mb, phase, cpu = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
print(f"peak RSS 100,000 lines: {kb100/1024:.1f} MB")
print(f"peak RSS {mb} MB file ({lines:,} lines): {big_kb/1024:.1f} MB; validation {phase:.2f} s = {lines/phase:,.0f} lines/s, "
      f"{cpu:.2f} s CPU = {lines/cpu:,.0f} lines per CPU-second (uniqueness set: ~{lines*48/1024/1024:.0f} MB of the RSS)")
PY
