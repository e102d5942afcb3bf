#!/usr/bin/env bash
# Where a trivial task's time goes: `ecsrun run-task` of a container that
# prints one line, built at one or more revisions, beside `docker run --rm`
# of the same container, interleaved (each round runs every command once,
# in turn, each ecsrun with its own state directory, the rounds starting
# with each command in turn). For each command it
# prints the medians of the whole command and of its stages, cut by the
# Docker daemon's own event times: from the command's start to the
# container's create, create to start, start to die, and from the die to
# the command's end. The ratios compare each command's median with the
# first's (docker run --rm).
#
#   bench/stages.sh [--rounds N] [REV...]
#
#   REV         a git revision of ecsrun to build and time; "." (the
#               default) is the working tree. Several compare revisions in
#               one run: bench/stages.sh HEAD~1 .
#   --rounds N  rounds (default 21)
#
# Needs Go and a Docker Engine; builds everything it runs, pulls nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
# shellcheck source=bench/lib.sh
. bench/lib.sh

rounds=21 revs=()
while (($#)); do
  case "$1" in
  --rounds) rounds=$2; shift ;;
  -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "bench/stages.sh: unknown argument $1" >&2; exit 2 ;;
  *) revs+=("$1") ;;
  esac
  shift
done
((${#revs[@]})) || revs=(.)

work=$(mktemp -d)
family=ecsrun-bench-stages
cleanup_containers() {
  local ids
  ids="$(docker ps -aq --filter "label=com.amazonaws.ecs.task-definition-family=$family" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "${ids// /}" ]] || docker rm -f $ids >/dev/null 2>&1 || true
}
finish() {
  cleanup_containers
  for d in "$work"/src-*; do
    [[ -d $d ]] && git worktree remove --force "$d" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap finish EXIT

log "building ecsrun at ${revs[*]} and the bench image..."
names=("docker run --rm") cmds=(docker)
for i in "${!revs[@]}"; do
  rev=${revs[$i]}
  if [[ $rev == . ]]; then
    go build -o "$work/ecsrun-$i" ./cmd/ecsrun
    names+=("ecsrun (working tree)")
  else
    git worktree add --detach -q "$work/src-$i" "$rev"
    (cd "$work/src-$i" && go build -o "$work/ecsrun-$i" ./cmd/ecsrun)
    git worktree remove --force "$work/src-$i"
    names+=("ecsrun $rev ($(git rev-parse --short "$rev"))")
  fi
  cmds+=("$i")
done
build_toolbox "$work/img"
cat >"$work/taskdef.json" <<JSON
{"family": "$family", "networkMode": "none", "containerDefinitions": [{"name": "app",
  "image": "$img", "essential": true, "memory": 64, "command": ["out", "hello"]}]}
JSON

# run CMD: one run of a command (docker, or the index of a revision).
run() {
  if [[ $1 == docker ]]; then
    docker run --rm --network none -m 64m --label io.ecsrun.bench=stages "$img" out hello
  else
    "$work/ecsrun-$1" --state-dir "$work/state-$1" run-task --pull prefer-cached --task-definition "$family"
  fi
}
# Register the definition in each state directory; warm every path.
for c in "${cmds[@]}"; do
  if [[ $c != docker ]]; then
    "$work/ecsrun-$c" --state-dir "$work/state-$c" run-task --pull prefer-cached --task-definition "$work/taskdef.json" >/dev/null 2>&1
  fi
  run "$c" >/dev/null 2>&1
done
cleanup_containers

# timed CMD: runs it once after the machine has settled, and appends to
# $work/CMD.stages the command's stages in ms: start to create, create to
# start, start to die, die to end, and the whole.
timed() {
  local t0 t1
  sync
  settle
  t0=$EPOCHREALTIME
  run "$1" >"$work/$1.out" 2>&1 || {
    log "bench/stages.sh: ${names[$2]} failed:"
    tail -5 "$work/$1.out" >&2
    exit 1
  }
  t1=$EPOCHREALTIME
  docker events --since "$t0" --until "$t1" --filter type=container --filter event=create \
    --filter event=start --filter event=die --format '{{.TimeNano}} {{.Action}}' |
    awk -v t0="${t0/./}" -v t1="${t1/./}" -v cmd="$1" '
      !($2 in at) {at[$2] = $1 / 1000}
      END {
        if (!("create" in at) || !("start" in at) || !("die" in at)) {
          printf "bench/stages.sh: %s: the daemon reported no create, start and die between its start and end\n", cmd > "/dev/stderr"
          exit 1
        }
        printf "%.1f %.1f %.1f %.1f %.1f\n", (at["create"] - t0) / 1000, (at["start"] - at["create"]) / 1000,
          (at["die"] - at["start"]) / 1000, (t1 - at["die"]) / 1000, (t1 - t0) / 1000
      }' >>"$work/$1.stages"
}

log "$rounds rounds of ${#cmds[@]} commands..."
load_start=$(loadavg)
# Each round starts one command further on: a command runs after each of
# the others equally often (one that follows an ecsrun run, whose stopped
# container stays until the round's end, as ECS keeps them, was seen 5 ms
# slower to its create than one that follows a removal).
n=${#cmds[@]}
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < n; k++)); do
    i=$(((r + k) % n))
    timed "${cmds[$i]}" "$i"
  done
  cleanup_containers
done

median() { median_col "$1" "$2" 1; }
echo
echo "bench/stages.sh, $(date -u +%Y-%m-%dT%H:%MZ), $rounds rounds (medians, ms; stages cut at the Docker daemon's create, start and die events)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r), Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'); load average $load_start at the start, $(loadavg) at the end"
echo
base=$(median "$work/docker.stages" 5)
{
  printf 'command\tto create\tcreate to start\tstart to die\tdie to end\twhole\tratio\n'
  for i in "${!cmds[@]}"; do
    f="$work/${cmds[$i]}.stages"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${names[$i]}" "$(median "$f" 1)" "$(median "$f" 2)" "$(median "$f" 3)" "$(median "$f" 4)" \
      "$(median "$f" 5)" "$(awk -v w="$(median "$f" 5)" -v b="$base" 'BEGIN {printf "%.3f", w / b}')"
  done
} | awk -F'\t' '{for (i = 1; i <= NF; i++) {w[NR, i] = $i; if (length($i) > m[i]) m[i] = length($i)}; n = NR}
  END {for (r = 1; r <= n; r++) {line = ""; for (i = 1; i <= 7; i++) line = line sprintf(i == 1 ? "%-" m[i] "s" : "  %" m[i] "s", w[r, i]); print line}}'
