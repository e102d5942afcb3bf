# Helpers of the bench scripts (bench/all.sh, bench/stages.sh), sourced
# from the repository's root. settle needs $work, the script's work
# directory.

log() { printf '%s\n' "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# build_toolbox DIR: builds the image ecsrun-bench/toolbox:latest (FROM
# scratch, the test toolbox, a static Go binary) in DIR, and sets img.
build_toolbox() {
  local out
  mkdir -p "$1"
  (cd internal/testimage/toolbox && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$1/toolbox" .)
  printf 'FROM scratch\nCOPY toolbox /toolbox\nENTRYPOINT ["/toolbox"]\n' >"$1/Dockerfile"
  img=ecsrun-bench/toolbox:latest
  if ! out=$(docker build -t "$img" "$1" 2>&1); then
    echo "$out" >&2
    return 1
  fi
}

# quiet: whether the machine was quiet for the last half second: its CPUs
# less than 10% busy, and (where the kernel reports pressure stalls) tasks
# stalled on IO less than 5% of the time.
cpu_busy_idle() { awk '/^cpu / {b = 0; for (i = 2; i <= NF; i++) if (i != 5 && i != 6) b += $i; print b, $5 + $6; exit}' /proc/stat; }
io_stall() { if [[ -r /proc/pressure/io ]]; then awk '/^some/ {split($5, a, "="); print a[2]; exit}' /proc/pressure/io; else echo 0; fi; }
quiet() {
  local c0 i0 c1 i1
  c0=$(cpu_busy_idle) i0=$(io_stall)
  sleep 0.5
  c1=$(cpu_busy_idle) i1=$(io_stall)
  awk -v c0="$c0" -v c1="$c1" -v i0="$i0" -v i1="$i1" 'BEGIN {
    split(c0, a, " "); split(c1, b, " "); busy = b[1] - a[1]; all = busy + b[2] - a[2]
    exit !((all == 0 || busy / all < 0.10) && (i1 - i0) < 25000)}'
}
# settle: waits, at most settle_max seconds, until the machine is quiet,
# and records the wait in $work/settle: whatever the command before left
# running (the daemon's removal of a container, the kernel's writeback of a
# chatty log, a build) must not fall on the next command.
settle_max=60
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
settle() {
  local t0 state=quiet
  t0=$(now_ms)
  until quiet; do
    if (($(now_ms) - t0 >= settle_max * 1000)); then
      state=loud
      break
    fi
  done
  echo "$(($(now_ms) - t0)) $state" >>"$work/settle"
}

# median_col FILE COLUMN [DECIMALS]: the median of a column, rounded to
# DECIMALS places (0 when not given: to an integer, halves up).
median_col() {
  awk -v c="$2" '{print $c}' "$1" | sort -g | awk -v d="${3:-0}" '{a[NR] = $1} END {
    m = NR == 0 ? 0 : NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    if (d == 0) printf "%d\n", m + 0.5; else printf "%.*f\n", d, m}'
}
