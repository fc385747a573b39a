#!/usr/bin/env bash
# Benchmark of `lightbeam send` (issue 6) against edfi-sandbox on loopback (our metadata/):
#   - client CPU per record (user+sys / records, /usr/bin/time) sending N studentSchoolAssociations
#     with --latency-ms 0 (the students, school and descriptors they reference are sent first);
#   - peak RSS for each N (flat in N is the goal);
#   - re-send of the same N (all skipped, exit 99): wall time of the whole command;
#   - throughput with --latency-ms 20 and pool_size 8 vs the ceiling of 8/0.020 = 400 records/s.
# Usage: bench/send.sh BUILD_DIR [N ...]   (default N: 20000 200000). Reports; never fails on time.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(20000 200000)
here=$(cd "$(dirname "$0")" && pwd)
specs="$here/../metadata"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_sandbox() { # start_sandbox NAME [args...] -> sets base_url
  local name=$1; shift
  "$build/edfi-sandbox" --specs "$specs" --port 0 --quiet "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 200); do [[ -s "$work/$name.out" ]] && break; sleep 0.05; done
  base_url=$(head -1 "$work/$name.out")
}

gen() { # gen N DIR
  python3 - "$1" "$2" <<'PY'
import json, os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(d, exist_ok=True)
ns = "uri://ed-fi.org"
with open(f"{d}/gradeLevelDescriptors.jsonl", "w") as f:
    f.write(json.dumps({"namespace": f"{ns}/GradeLevelDescriptor", "codeValue": "Ninth grade", "shortDescription": "Ninth grade"}) + "\n")
with open(f"{d}/educationOrganizationCategoryDescriptors.jsonl", "w") as f:
    f.write(json.dumps({"namespace": f"{ns}/EducationOrganizationCategoryDescriptor", "codeValue": "School", "shortDescription": "School"}) + "\n")
with open(f"{d}/schools.jsonl", "w") as f:
    f.write(json.dumps({"schoolId": 1001, "nameOfInstitution": "Bench School",
        "educationOrganizationCategories": [{"educationOrganizationCategoryDescriptor": f"{ns}/EducationOrganizationCategoryDescriptor#School"}],
        "gradeLevels": [{"gradeLevelDescriptor": f"{ns}/GradeLevelDescriptor#Ninth grade"}]}) + "\n")
with open(f"{d}/students.jsonl", "w") as s, open(f"{d}/studentSchoolAssociations.jsonl", "w") as a:
    for i in range(n):
        uid = f"B{i:08d}"
        s.write(json.dumps({"studentUniqueId": uid, "firstName": "F", "lastSurname": "L", "birthDate": "2010-01-01"}) + "\n")
        a.write(json.dumps({"studentReference": {"studentUniqueId": uid}, "schoolReference": {"schoolId": 1001},
            "entryDate": "2024-08-26", "entryGradeLevelDescriptor": f"{ns}/GradeLevelDescriptor#Ninth grade"}) + "\n")
PY
}

config() { # config DIR BASE_URL POOL
  cat >"$1/lightbeam.yaml" <<YAML
state_dir: $1/state
data_dir: $1/data/
edfi_api:
  base_url: $2
  client_id: populated
  client_secret: populatedSecret
connection:
  pool_size: $3
  timeout: 60
log_level: WARNING
YAML
}

measure() { # measure LABEL N -- cmd...   prints cpu/rec, RSS, wall
  local label=$1 n=$2; shift 3
  local t0 t1 rc
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -f "%U %S %M %e" -o "$work/time.txt" "$@" >/dev/null 2>"$work/cmd.err"
  rc=$?
  set -e
  t1=$(date +%s.%N)
  read -r user sys rss wall < <(tail -n 1 "$work/time.txt")
  python3 - "$label" "$n" "$user" "$sys" "$rss" "$t0" "$t1" "$rc" <<'PY'
import sys
label, n, user, sys_, rss, t0, t1, rc = sys.argv[1:]
n = int(n); cpu = float(user) + float(sys_); wall = float(t1) - float(t0)
print(f"{label:55} exit {rc:>3}  wall {wall:8.3f} s  cpu {cpu:7.3f} s  "
      f"cpu/record {cpu / n * 1e6:7.2f} us  peak RSS {int(rss) / 1024:6.1f} MiB  {n / wall:9.0f} rec/s")
PY
}

echo "== send benchmark ($(date -u +%FT%TZ), $(nproc) cores, sandbox on loopback, specs: metadata/)"
for n in "${sizes[@]}"; do
  dir="$work/n$n"
  gen "$n" "$dir/data"
  start_sandbox "sb$n" --latency-ms 0
  config "$dir" "$base_url" 8
  "$build/lightbeam" send -c "$dir/lightbeam.yaml" -e studentSchoolAssociations >/dev/null 2>"$work/pre.err" || {
    echo "prerequisites failed:"; tail -5 "$work/pre.err"; exit 1; }
  measure "send $n studentSchoolAssociations (latency 0, pool 8)" "$n" -- \
    "$build/lightbeam" send -c "$dir/lightbeam.yaml" -s studentSchoolAssociations
  measure "re-send $n already sent (all skipped, exit 99)" "$n" -- \
    "$build/lightbeam" send -c "$dir/lightbeam.yaml" -s studentSchoolAssociations
  kill "${pids[-1]}" 2>/dev/null || true
  rm -rf "$dir"
done

n=2000
dir="$work/latency"
gen "$n" "$dir/data"
start_sandbox latency --latency-ms 20
config "$dir" "$base_url" 8
"$build/lightbeam" send -c "$dir/lightbeam.yaml" -e studentSchoolAssociations,students >/dev/null 2>&1 || true
measure "send $n students (latency 20 ms, pool 8; ceiling 400 rec/s)" "$n" -- \
  "$build/lightbeam" send -c "$dir/lightbeam.yaml" -s students --results-file "$dir/results.json"
python3 - "$dir/results.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
rate = n / r["runtime_sec"]
print(f"   throughput inside the send: {rate:.1f} rec/s = {rate / 400 * 100:.1f}% of the 400 rec/s ceiling")
PY
