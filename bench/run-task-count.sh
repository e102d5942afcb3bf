#!/usr/bin/env bash
# Measures what one `ecsrun run-task --count N` costs: the ECS and CloudWatch
# Logs API calls by operation (from the run's JSON report, which counts
# every call) and the wall time against the task's own runtime.
#
#   bench/run-task-count.sh [COUNT] [TASK_SECONDS]     (default 100 tasks of 5 s)
#   RUNTIME=docker bench/run-task-count.sh             (default: process)
#
# RUNTIME=process runs the tasks as host processes (the engine and the
# client's own cost, without Docker's); RUNTIME=docker runs the hello
# example image (networkMode none).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100}
secs=${2:-5}
runtime=${RUNTIME:-process}
go build -o bin/ecsrun ./cmd/ecsrun
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
def="$state/taskdef.json"
case "$runtime" in
process)
  (cd internal/testimage/toolbox && CGO_ENABLED=0 go build -o "$state/toolbox" .)
  cat > "$def" <<JSON
{"family": "bench", "containerDefinitions": [{"name": "app", "image": "toolbox", "memory": 64,
  "entryPoint": ["$state/toolbox"], "command": ["out", "started", "--", "sleep", "${secs}s", "--", "out", "done"]}]}
JSON
  ;;
docker)
  ./examples/hello/build.sh >/dev/null
  cat > "$def" <<JSON
{"family": "bench", "networkMode": "none", "containerDefinitions": [{"name": "app", "image": "ecsrun-example/hello:latest",
  "memory": 64, "environment": [{"name": "SLEEP", "value": "${secs}s"}]}]}
JSON
  ;;
*) echo "RUNTIME must be process or docker" >&2; exit 2 ;;
esac
t0=$(date +%s%3N)
./bin/ecsrun run-task --state-dir "$state/engine" --runtime "$runtime" --pull prefer-cached \
  --task-definition "$def" --count "$count" --output json > "$state/report.json" 2> "$state/log"
t1=$(date +%s%3N)
python3 - "$state/report.json" "$count" "$secs" "$((t1 - t0))" "$runtime" <<'PY'
import json, statistics, sys
path, count, secs, wall_ms, runtime = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.load(open(path))
assert r["exitCode"] == 0 and len(r["tasks"]) == count, r["exitReason"]
calls = r["apiCalls"]
ecs = sum(v for k, v in calls.items() if k.startswith("ECS."))
logs = sum(v for k, v in calls.items() if k.startswith("Logs."))
durs = [a["durationSeconds"] for a in r["attempts"] if a.get("durationSeconds") is not None]
wall = wall_ms / 1000
print(f"runtime:                      {runtime}")
print(f"tasks:                        {count} x {secs:g} s")
print(f"ECS API calls:                {ecs}  " + ", ".join(f"{k[4:]} {v}" for k, v in sorted(calls.items()) if k.startswith("ECS.")))
print(f"CloudWatch Logs API calls:    {logs}  (GetLogEvents: each stream read while it runs, and drained)")
print(f"wall time of run-task:        {wall:.2f} s")
print(f"task runtime (own):           {secs:.2f} s")
print(f"task lifetime (median, max):  {statistics.median(durs):.2f} s, {max(durs):.2f} s  (RunTask to STOPPED)")
print(f"ratio wall / task runtime:    {wall / secs:.2f}")
PY
