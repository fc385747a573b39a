#!/usr/bin/env bash
# Benchmark of `lightbeam send` (issue 6) against edfi-sandbox on loopback (our metadata/):
#   - client CPU per record (user+sys / records, /usr/bin/time) sending N studentSchoolAssociations
#     with --latency-ms 0 (the students, school and descriptors they reference are sent first);
#   - peak RSS for each N (flat in N is the goal);
#   - re-send of the same N (all skipped, exit 99): wall time of the whole command;
#   - throughput with --latency-ms 20 and pool_size 8 vs the ceiling of 8/0.020 = 400 records/s.
# Optional (when installed): hyperfine for the re-send (mean of 10 runs, user/sys), and
# CALLGRIND=1 for valgrind instruction counts per record (repeatable on a shared, loaded machine,
# unlike wall clock): a forced re-send of 5,000 records and an all-skipped re-send of the first N.
# The machine load (uptime) is printed with the results: wall-clock figures mean little without it.
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

instructions() { # instructions LABEL N -- cmd...   prints valgrind instructions per record
  local label=$1 n=$2; shift 3
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >/dev/null 2>"$work/cg.err" || true
  local ir
  ir=$(sed -n 's/^summary: //p' "$work/cg.out" | head -1)
  python3 -c "import sys; print(f'{sys.argv[1]:55} {int(sys.argv[2]):>14,} instructions  {int(sys.argv[2]) / int(sys.argv[3]):10,.0f} per record')" \
    "$label" "${ir:-0}" "$n"
}

echo "== send benchmark ($(date -u +%FT%TZ), $(nproc) cores, sandbox on loopback, specs: metadata/)"
echo "   load: $(uptime | sed 's/.*load average/load average/')"
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
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 2 -r 10 -i --export-json "$work/hf.json" \
      "$build/lightbeam send -c $dir/lightbeam.yaml -s studentSchoolAssociations" >/dev/null 2>&1 || true
    python3 - "$work/hf.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{'re-send ' + sys.argv[2] + ' all skipped, hyperfine 10 runs':55} mean {r['mean'] * 1000:7.1f} ms +- {r['stddev'] * 1000:5.1f}"
      f"  min {r['min'] * 1000:7.1f} ms  user {r['user'] * 1000:6.1f} ms  sys {r['system'] * 1000:6.1f} ms")
PY
  fi
  if [[ "${CALLGRIND:-0}" == 1 && "$n" == "${sizes[0]}" ]] && command -v valgrind >/dev/null; then
    instructions "re-send $n all skipped" "$n" -- \
      "$build/lightbeam" send -c "$dir/lightbeam.yaml" -s studentSchoolAssociations
    mkdir -p "$dir/data5k"
    head -5000 "$dir/data/studentSchoolAssociations.jsonl" >"$dir/data5k/studentSchoolAssociations.jsonl"
    sed -e "s#data_dir: .*#data_dir: $dir/data5k/#" "$dir/lightbeam.yaml" >"$dir/lightbeam5k.yaml"
    instructions "forced re-send of 5000 (-f: every record POSTed)" 5000 -- \
      "$build/lightbeam" send -f -c "$dir/lightbeam5k.yaml"
  fi
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
# With perf: the same send again (-f) under `perf trace` of sendto/recvfrom, to tell a client that
# leaves slots idle (mean in flight < 8) from a server that answers slower than 20 ms (latency).
if command -v perf >/dev/null && perf trace -e sendto -o /dev/null true >/dev/null 2>&1; then
  perf trace -e sendto,recvfrom -o "$work/latency.trace" \
    "$build/lightbeam" send -f -c "$dir/lightbeam.yaml" -s students >/dev/null 2>&1 || true
  python3 - "$work/latency.trace" 8 <<'PY'
import re, sys
pool = int(sys.argv[2])
ev = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*([\d.]+) \(\s*[\d.]+ ms\): \S+ (sendto|recvfrom)\(fd: (\d+)', line)
    if m: ev.append((float(m.group(1)) / 1000, m.group(2), int(m.group(3))))
pending, reqs = {}, []
for t, kind, fd in ev:  # a request: a sendto, then the next recvfrom on the same socket
    if kind == 'sendto': pending[fd] = t
    elif fd in pending: reqs.append((pending.pop(fd), t))
reqs = reqs[3:]  # discovery, dependencies and the token come first
if reqs:
    start = min(s for s, _ in reqs); end = max(e for _, e in reqs)
    lat = sorted(e - s for s, e in reqs)
    busy = sum(lat)
    print(f"   under perf trace (-f): {len(reqs)} requests in {end - start:.3f} s, mean in flight {busy / (end - start):.2f} "
          f"of {pool}; latency seen by the client mean {busy / len(reqs) * 1000:.2f} ms, p50 {lat[len(lat) // 2] * 1000:.2f}, "
          f"p99 {lat[int(len(lat) * .99)] * 1000:.2f} ms")
PY
fi
