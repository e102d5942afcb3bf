#!/usr/bin/env bash
# Runs every performance measure of docs/performance.md and prints one table:
# measure, ecsrun, baseline, ratio, target, pass/fail, with the load average
# and the machine. Each ratio is measured in one run against its baseline,
# the two commands interleaved (A B A B ...), and compares medians.
#
#   bench/all.sh [--strict] [--quick] [--rounds N]
#
#   --strict    exit 1 when a target is missed (default: exit non-zero only
#               when the script itself fails)
#   --quick     fewer rounds (a smoke test of the script, under two minutes)
#   --rounds N  rounds of the single-task and the chatty-task measures
#               (default 21 of each, and 3 of the fan-out; with N, the
#               fan-out gets (N+3)/4)
#
# Needs Go and a Docker Engine; builds everything it runs (the ecsrun binary,
# an image FROM scratch holding a static Go binary), pulls nothing.
# ECSRUN_BENCH_KEEP=1 keeps the work directory (CPU profiles included).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
# shellcheck source=bench/lib.sh
. bench/lib.sh

# The single task takes about 300 ms, and `docker run --rm` of it alone
# spreads over 80 ms within a run: over 11 rounds, the ratio of the medians
# of the same two binaries moved between 0.96 and 1.14 from run to run, more
# than the 5% the target allows. 21 rounds narrow that by about a quarter.
# So for the chatty task, whose `docker run --rm` spreads over 250 ms within
# a run: over 11 rounds its `--logs none` ratio moved between 1.01 and 1.15
# in six runs of the same code.
strict=0 rounds=21 chatty_rounds=21 fan_rounds=3 quick=0
while (($#)); do
  case "$1" in
  --strict) strict=1 ;;
  --quick) quick=1 rounds=3 chatty_rounds=3 fan_rounds=1 ;;
  --rounds) rounds=$2 chatty_rounds=$2 fan_rounds=$((($2 + 3) / 4)); shift ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
fan=50
chatty_lines=200000

work=$(mktemp -d)
families=(ecsrun-bench-single ecsrun-bench-chatty ecsrun-bench-fan)
cleanup_containers() {
  local ids=""
  for f in "${families[@]}"; do
    ids+=" $(docker ps -aq --filter "label=com.amazonaws.ecs.task-definition-family=$f" 2>/dev/null || true)"
  done
  ids+=" $(docker ps -aq --filter label=io.ecsrun.bench=baseline 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "${ids// /}" ]] || docker rm -f $ids >/dev/null 2>&1 || true
}
finish() {
  cleanup_containers
  if [[ "${ECSRUN_BENCH_KEEP:-}" == 1 ]]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT

load_start=$(loadavg)
t_start=$(date +%s)

# --- build ---------------------------------------------------------------
log "building ecsrun and the bench image..."
go build -o "$work/ecsrun" ./cmd/ecsrun
build_toolbox "$work/img"
ecsrun="$work/ecsrun"
text="2026-12-07T08:00:00Z INFO migrate applied table=items" # lines of about 60 bytes

cat >"$work/single.json" <<JSON
{"family": "ecsrun-bench-single", "networkMode": "none", "containerDefinitions": [{"name": "app",
  "image": "$img", "essential": true, "memory": 64, "command": ["out", "hello"]}]}
JSON
cat >"$work/chatty.json" <<JSON
{"family": "ecsrun-bench-chatty", "networkMode": "none", "containerDefinitions": [{"name": "app",
  "image": "$img", "essential": true, "memory": 128, "command": ["lines", "$chatty_lines", "$text"]}]}
JSON
cat >"$work/fan.json" <<JSON
{"family": "ecsrun-bench-fan", "networkMode": "none", "containerDefinitions": [{"name": "app",
  "image": "$img", "essential": true, "memory": 32, "command": ["out", "hello"]}]}
JSON
items=$(seq -s, 1 "$fan")
cat >"$work/fan-flow.json" <<JSON
{"StartAt": "FanOut", "States": {"FanOut": {"Type": "Map", "MaxConcurrency": 0, "ItemsPath": "\$.items",
  "ItemProcessor": {"StartAt": "Run", "States": {"Run": {"Type": "Task",
    "Resource": "arn:aws:states:::ecs:runTask.sync",
    "Parameters": {"LaunchType": "EC2", "Cluster": "default", "TaskDefinition": "ecsrun-bench-fan"},
    "ResultSelector": {"exit.$": "\$.Containers[0].ExitCode"}, "End": true}}},
  "End": true}}}
JSON

state="$work/state"
run_ecsrun() { "$ecsrun" --state-dir "$state" "$@"; }
# Register the task definitions once and warm both paths (page cache, image).
run_ecsrun run-task --pull prefer-cached --task-definition "$work/single.json" >/dev/null 2>&1
run_ecsrun run-task --pull prefer-cached --task-definition "$work/fan.json" >/dev/null 2>&1
run_ecsrun run-task --pull prefer-cached --task-definition "$work/chatty.json" --logs none >/dev/null 2>&1
docker run --rm --network none "$img" out hello >/dev/null 2>&1
cleanup_containers

# --- measuring -----------------------------------------------------------
# timed NAME CMD...: runs CMD with stdout and stderr to files and appends
# "wall_ms cpu_ms" (CPU: user+sys of CMD and its children) to
# $work/NAME.times; the dockerd CPU spent meanwhile goes to NAME.dockerd.
dockerd_pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1 || true)
clk=$(getconf CLK_TCK)
dockerd_ticks() {
  if [[ -n "$dockerd_pid" && -r /proc/$dockerd_pid/stat ]]; then
    awk '{print $14 + $15}' "/proc/$dockerd_pid/stat" 2>/dev/null || echo 0
  else
    echo 0
  fi
}
timed() {
  local name=$1 d0 d1 t
  shift
  # What the command before wrote goes to disk first, outside the timing:
  # the chatty task writes tens of MB (Docker's json-file log, the engine's
  # store), and its writeback would otherwise fall on whichever command
  # runs next. Then the machine settles.
  sync
  settle
  d0=$(dockerd_ticks)
  t=$({ TIMEFORMAT='%3R %3U %3S'; time "$@" >"$work/$name.out" 2>"$work/$name.err"; } 2>&1) || {
    log "bench/all.sh: $name failed: $*"
    tail -5 "$work/$name.err" >&2
    exit 1
  }
  d1=$(dockerd_ticks)
  awk -v t="$t" 'BEGIN {split(t, a, " "); printf "%d %d\n", a[1] * 1000, (a[2] + a[3]) * 1000}' >>"$work/$name.times"
  echo $(((d1 - d0) * 1000 / clk)) >>"$work/$name.dockerd"
}

docker_single() { docker run --rm --network none -m 64m "$img" out hello; }
ecsrun_single() { run_ecsrun run-task --pull prefer-cached --task-definition ecsrun-bench-single; }
docker_chatty() { docker run --rm --network none -m 128m "$img" lines "$chatty_lines" "$text"; }
ecsrun_chatty() { run_ecsrun run-task --pull prefer-cached --task-definition ecsrun-bench-chatty "$@"; }
# The fan-out's commands end after fan_limit seconds at most: under 50
# parallel starts, Docker 20.10 has lost containers' exits (they stay "Up"
# with their processes gone), which would hang the run. timeout exits 124,
# or 137 when the command outlived its TERM by 5 s (a docker run does: it
# passes the signal to its container, which the daemon has lost).
fan_limit=300
fan_hung() {
  log "bench/all.sh: $1 did not end within $fan_limit s: the Docker daemon lost a container's exit (docker ps shows them Up); restart dockerd and run again"
  return 1
}
docker_fan() {
  local pids=() i st=0
  for ((i = 0; i < fan; i++)); do
    timeout -k 5 "$fan_limit" docker run --rm --network none -m 32m --label io.ecsrun.bench=baseline "$img" out hello >/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do
    wait "$i" || st=$?
  done
  if ((st == 124 || st == 137)); then fan_hung "a docker run of the fan-out"; fi
  return "$st"
}
ecsrun_fan() {
  local st=0
  timeout -k 5 "$fan_limit" "$ecsrun" --state-dir "$state" workflow run "$work/fan-flow.json" --pull prefer-cached --logs none --input "{\"items\": [$items]}" || st=$?
  if ((st == 124 || st == 137)); then fan_hung "ecsrun workflow run of the fan-out"; fi
  return "$st"
}

log "single task: $rounds rounds..."
for ((i = 0; i < rounds; i++)); do
  timed docker-single docker_single
  timed ecsrun-single ecsrun_single
done
cleanup_containers
log "chatty task ($chatty_lines lines): $chatty_rounds rounds..."
for ((i = 0; i < chatty_rounds; i++)); do
  timed docker-chatty docker_chatty
  timed ecsrun-chatty ecsrun_chatty
  timed ecsrun-chatty-none ecsrun_chatty --logs none
  cleanup_containers
done
if [[ $(wc -l <"$work/ecsrun-chatty.out") -ne $chatty_lines ]]; then
  log "bench/all.sh: run-task printed $(wc -l <"$work/ecsrun-chatty.out") lines of the chatty task, not $chatty_lines"
  exit 1
fi
log "fan-out ($fan tasks): $fan_rounds rounds..."
for ((i = 0; i < fan_rounds; i++)); do
  timed docker-fan docker_fan
  timed ecsrun-fan ecsrun_fan
  cleanup_containers
done
# One profiled run of the chatty task, for docs/performance.md.
ECSRUN_CPUPROFILE="$work/chatty.prof" run_ecsrun run-task --pull prefer-cached --task-definition ecsrun-bench-chatty >/dev/null 2>&1 || true
cleanup_containers

# --- Go benchmarks -------------------------------------------------------
log "Go benchmarks..."
benchtime=1s
[[ $quick == 1 ]] && benchtime=200ms
go test -run '^$' -bench 'Placement_(Binpack|SpreadBinpack)5000' -benchtime 5x ./internal/placement >"$work/placement.bench" 2>&1 || {
  cat "$work/placement.bench" >&2
  exit 1
}
go test -run '^$' -bench 'ControlPlane_RunTask5000' -count 3 ./internal/engine >"$work/controlplane.bench" 2>&1 || {
  cat "$work/controlplane.bench" >&2
  exit 1
}
{
  go test -run '^$' -bench 'LogStream|LogFile' -benchtime "$benchtime" ./internal/runtime/docker
  go test -run '^$' -bench 'LogPosition' -benchtime "$benchtime" ./internal/runtime
  go test -run '^$' -bench 'AppendMarked|GetLogEvents' -benchmem -benchtime "$benchtime" ./internal/logs
  go test -run '^$' -bench 'Follower|ConsoleLines' -benchmem -benchtime "$benchtime" ./internal/runtask
} >"$work/logpath.bench" 2>&1 || {
  cat "$work/logpath.bench" >&2
  exit 1
}
# bench_metric FILE BENCH UNIT: the median of a benchmark's metric.
bench_metric() {
  grep "^Benchmark$2" "$1" | awk -v u="$3" '{for (i = 2; i < NF; i++) if ($(i + 1) == u) print $i}' |
    sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "?"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
}

# --- the table -----------------------------------------------------------
fails=0
rows=()
# row MEASURE ECSRUN BASELINE RATIO TARGET VERDICT
row() { rows+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$@")"); }
# ratio_row MEASURE UNIT ECSRUN BASELINE MAX: a ratio that must be at most MAX.
ratio_row() {
  local r v
  r=$(awk -v e="$3" -v b="$4" 'BEGIN {if (b > 0) printf "%.2f", e / b; else print "?"}')
  v=$(awk -v r="$r" -v m="$5" 'BEGIN {print (r != "?" && r <= m) ? "pass" : "FAIL"}')
  [[ $v == pass ]] || fails=$((fails + 1))
  row "$1" "$3 $2" "$4 $2" "$r" "<= $5" "$v"
}
# min_row MEASURE UNIT VALUE MIN: a figure that must be at least MIN.
min_row() {
  local v
  v=$(awk -v x="$3" -v m="$4" 'BEGIN {print (x != "?" && x >= m) ? "pass" : "FAIL"}')
  [[ $v == pass ]] || fails=$((fails + 1))
  row "$1" "$(printf '%.0f' "$3") $2" "-" "-" ">= $4" "$v"
}
info_row() { row "$1" "$2" "$3" "${4:--}" "-" "info"; }
# ratio_info_row MEASURE UNIT ECSRUN BASELINE: a ratio shown, no target.
ratio_info_row() {
  info_row "$1" "$3 $2" "$4 $2" "$(awk -v e="$3" -v b="$4" 'BEGIN {if (b > 0) printf "%.2f", e / b; else print "?"}')"
}

ratio_row "single task, wall (docker run --rm)" ms "$(median_col "$work/ecsrun-single.times" 1)" "$(median_col "$work/docker-single.times" 1)" 1.05
ratio_row "chatty task ${chatty_lines} lines, wall, logs streamed" ms "$(median_col "$work/ecsrun-chatty.times" 1)" "$(median_col "$work/docker-chatty.times" 1)" 1.10
ratio_row "chatty task, wall, --logs none" ms "$(median_col "$work/ecsrun-chatty-none.times" 1)" "$(median_col "$work/docker-chatty.times" 1)" 1.10
# The command's CPU alone, as information: the docker CLI only copies bytes
# (dockerd runs the container, writes its log and serves the attach stream)
# where ecsrun does that work in its own process. The issue's "at most 2x
# its CPU time" is the CPU each command costs the machine, the daemon
# included (the rows below): the 5-9x the issue measured was that, when the
# command alone stood at 25x and more (docs/performance.md, "The CPU
# target").
ratio_info_row "chatty task, CPU of the command, logs streamed" ms "$(median_col "$work/ecsrun-chatty.times" 2)" "$(median_col "$work/docker-chatty.times" 2)"
ratio_info_row "chatty task, CPU of the command, --logs none" ms "$(median_col "$work/ecsrun-chatty-none.times" 2)" "$(median_col "$work/docker-chatty.times" 2)"
sum() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%d", a + b}'; }
cb=$(sum "$(median_col "$work/docker-chatty.times" 2)" "$(median_col "$work/docker-chatty.dockerd" 1)")
ce=$(sum "$(median_col "$work/ecsrun-chatty.times" 2)" "$(median_col "$work/ecsrun-chatty.dockerd" 1)")
ratio_row "chatty task, CPU of the command + dockerd, logs streamed" ms "$ce" "$cb" 2
ce=$(sum "$(median_col "$work/ecsrun-chatty-none.times" 2)" "$(median_col "$work/ecsrun-chatty-none.dockerd" 1)")
ratio_row "chatty task, CPU of the command + dockerd, --logs none" ms "$ce" "$cb" 2
ratio_row "Map of $fan ECS tasks, MaxConcurrency 0 ($fan parallel docker run --rm)" ms "$(median_col "$work/ecsrun-fan.times" 1)" "$(median_col "$work/docker-fan.times" 1)" 1.10
min_row "placement: binpack, 5,000 instances" placements/s "$(bench_metric "$work/placement.bench" Placement_Binpack5000 placements/s)" 34000
min_row "placement: spread then binpack, 5,000 instances" placements/s "$(bench_metric "$work/placement.bench" Placement_SpreadBinpack5000 placements/s)" 10000
min_row "control plane: RunTask x10 against 5,000 instances" tasks/s "$(bench_metric "$work/controlplane.bench" ControlPlane_RunTask5000 tasks/s)" 5000
info_row "control plane: CPU per task" "$(bench_metric "$work/controlplane.bench" ControlPlane_RunTask5000 cpu-µs/task) µs" "-"
info_row "log stream reading (demux, parse, split), per line" "$(bench_metric "$work/logpath.bench" LogStream allocs/line) allocs" "-"
info_row "log file reading (json-file: parse, split), per line" "$(awk '/^BenchmarkLogFile/ {for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") printf "%.0f", $i / 10000}' "$work/logpath.bench") ns" "-"
info_row "log position (Keep), per line" "$(bench_metric "$work/logpath.bench" LogPosition_Keep ns/op) ns" "-"
info_row "log store append (batches of 1,000), per line" "$(awk '/^BenchmarkAppendMarked/ {for (i = 2; i < NF; i++) if ($(i + 1) == "allocs/op") printf "%.2f", $i / 1000}' "$work/logpath.bench") allocs" "-"
info_row "log store append (batches of 1,000), time per line" "$(awk '/^BenchmarkAppendMarked/ {for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") printf "%.2f", $i / 1000000}' "$work/logpath.bench") µs" "-"
info_row "follower (store to console), per line" "$(bench_metric "$work/logpath.bench" Follower- allocs/line) allocs" "-"
info_row "follower of a live stream (in-memory tail), per line" "$(awk '/^BenchmarkFollowerLive/ {for (i = 2; i < NF; i++) if ($(i + 1) == "allocs/op") printf "%.3f", $i / 1000}' "$work/logpath.bench") allocs" "-"
info_row "console prefixing, per line" "$(bench_metric "$work/logpath.bench" ConsoleLines allocs/line) allocs" "-"

load_end=$(loadavg)
echo
echo "bench/all.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($rounds single rounds, $chatty_rounds chatty, $fan_rounds fan-out; medians)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r), Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'), $(go version | awk '{print $3}')"
echo "load average: $load_start at the start, $load_end at the end"
echo "before each timed command: $(awk '{n++; t += $1; if ($2 == "loud") l++; if ($1 > m) m = $1} END {printf "%d waits for a quiet machine (CPUs under 10%% busy and IO stalls under 5%% for half a second), %.0f s in all, the longest %.1f s; %d not quiet within '"$settle_max"' s", n, t / 1000, m / 1000, l}' "$work/settle")"
echo
{
  printf 'measure\tecsrun\tbaseline\tratio\ttarget\tresult\n'
  printf '%s\n' "${rows[@]}"
} | awk -F'\t' '{for (i = 1; i <= NF; i++) {w[NR, i] = $i; if (length($i) > m[i]) m[i] = length($i)}; n = NR}
  END {for (r = 1; r <= n; r++) {line = ""; for (i = 1; i <= 6; i++) line = line sprintf(i == 1 ? "%-" m[i] "s" : "  %" m[i] "s", w[r, i]); print line}}'
echo
echo "took $(($(date +%s) - t_start)) s; $fails target(s) missed"
if [[ $strict == 1 && $fails -gt 0 ]]; then
  exit 1
fi
exit 0
