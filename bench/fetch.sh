#!/usr/bin/env bash
# Benchmark of `lightbeam fetch` (issue 5): 20,000 records of one endpoint from edfi-sandbox with
# page_size 500, pool_size 8; reports records/s of wall time and the client's CPU per record
# (hyperfine user+system). Usage: bench/fetch.sh BUILD_DIR [RECORDS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
records=${2:-20000}
here=$(cd "$(dirname "$0")" && pwd)
specs="$here/../../shared/edfi/ds-5.2"
[[ -f "$specs/resources-spec.json" ]] || specs="$here/../metadata"
work=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$build/edfi-sandbox" --specs "$specs" --port 0 --quiet >"$work/url" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do [[ -s "$work/url" ]] && break; sleep 0.05; done
url=$(head -1 "$work/url")

# Seed through 8 keep-alive connections (python's http.client; the sandbox is the bottleneck).
python3 - "$url" "$records" <<'PY'
import base64, http.client, json, sys, threading, urllib.parse
url, n = sys.argv[1], int(sys.argv[2])
u = urllib.parse.urlsplit(url)
def conn(): return http.client.HTTPConnection(u.hostname, u.port)
c = conn()
c.request("POST", u.path + "/oauth/token", "grant_type=client_credentials",
          {"Authorization": "Basic " + base64.b64encode(b"populated:populatedSecret").decode(),
           "Content-Type": "application/x-www-form-urlencoded"})
token = json.loads(c.getresponse().read())["access_token"]
c.request("GET", u.path + "/"); disc = json.loads(c.getresponse().read())
data = urllib.parse.urlsplit(disc["urls"]["dataManagementApi"]).path.rstrip("/")
def work(k):
    c = conn()
    for i in range(k, n, 8):
        body = json.dumps({"namespace": "uri://ed-fi.org/GradeLevelDescriptor", "codeValue": f"Grade{i:06d}",
                           "shortDescription": f"Grade {i}", "description": f"Benchmark grade level {i}"})
        c.request("POST", data + "/ed-fi/gradeLevelDescriptors", body,
                  {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status in (200, 201), r.status
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
PY

cat >"$work/lb.yaml" <<YAML
state_dir: $work/state
data_dir: $work/data
edfi_api:
  base_url: $url
  client_id: populated
  client_secret: populatedSecret
connection:
  pool_size: 8
  verify_ssl: false
fetch:
  page_size: 500
log_level: WARNING
YAML
"$build/lightbeam" fetch -c "$work/lb.yaml" -s gradeLevelDescriptors   # warm the metadata cache
lines=$(wc -l <"$work/data/gradeLevelDescriptors.jsonl")
hyperfine --warmup 1 --runs 10 -N --export-json "$work/fetch.json" \
  "$build/lightbeam fetch -c $work/lb.yaml -s gradeLevelDescriptors" >/dev/null 2>&1
jq -r --argjson n "$lines" '.results[0] |
  "fetch of \($n) records (page 500, pool 8): mean \(.mean*1000|floor) ms wall = \($n/.mean|floor) records/s; client CPU \(((.user+.system)*1e6/$n*10|floor)/10) us/record (user \(.user*1000|floor) ms + system \(.system*1000|floor) ms) = \($n/(.user+.system)|floor) records per CPU-second"' "$work/fetch.json"
