#!/usr/bin/env bash
# Times `ecsrun run-task` of a trivial container against a bare
# `docker run --rm` of the same image and command, interleaved in one run,
# and prints the medians and their ratio (goal: at most 1.10).
#
#   bench/run-task.sh [ROUNDS]     (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
./examples/hello/build.sh >/dev/null
go build -o bin/ecsrun ./cmd/ecsrun
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
# Register once so every round runs the same revision; warm both paths.
./bin/ecsrun run-task --state-dir "$state" --task-definition examples/hello/taskdef.json >/dev/null 2>&1
docker run --rm ecsrun-example/hello:latest first second >/dev/null 2>&1

now_ms() { date +%s%3N; }
docker_t=(); ecsrun_t=()
for ((i = 0; i < rounds; i++)); do
  t0=$(now_ms); docker run --rm -m 64m -e GREETING_NAME=ecsrun ecsrun-example/hello:latest first second >/dev/null 2>&1; t1=$(now_ms)
  docker_t+=($((t1 - t0)))
  t0=$(now_ms); ./bin/ecsrun run-task --state-dir "$state" --task-definition hello >/dev/null 2>&1; t1=$(now_ms)
  ecsrun_t+=($((t1 - t0)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
d=$(median "${docker_t[@]}"); e=$(median "${ecsrun_t[@]}")
echo "rounds:                          $rounds"
echo "docker run --rm (median):        ${d} ms"
echo "ecsrun run-task (median):        ${e} ms"
awk -v e="$e" -v d="$d" 'BEGIN {printf "ratio ecsrun/docker:             %.2f (goal <= 1.10)\n", e/d}'
