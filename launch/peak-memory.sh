#!/usr/bin/env bash
# Runs a command and reports the memory of the cpo processes it starts (the ranks of an mpirun, or a
# single cpo): the peak over time of their summed PSS, which counts a page shared by ranks once and
# is what must fit when ranks share a machine, and each process's peak RSS (VmHWM).
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: launch/peak-memory.sh COMMAND [ARGS...]
  e.g. launch/peak-memory.sh launch/local.sh 2 train --zero 2 --preset gpt2-355m ...
  Samples /proc/PID/smaps_rollup and /proc/PID/status of every cpo process below COMMAND every
  0.2 s, and when COMMAND ends prints the largest summed PSS seen and each process's VmHWM at its
  last sample. Exits with COMMAND's status.
USAGE
  exit 2
}
[ $# -ge 1 ] || usage

descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do echo "$child"; descendants "$child"; done
}

"$@" &
command_pid=$!
peak_kb=0 peak_processes=0
declare -A hwm_kb
while kill -0 "$command_pid" 2>/dev/null; do
  total_kb=0 processes=0
  for pid in $(descendants "$command_pid") "$command_pid"; do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = cpo ] || continue
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$pss" ] && [ -n "$hwm" ] || continue
    total_kb=$((total_kb + pss)) processes=$((processes + 1)) hwm_kb[$pid]=$hwm
  done
  if [ "$total_kb" -gt "$peak_kb" ]; then peak_kb=$total_kb peak_processes=$processes; fi
  sleep 0.2
done
status=0
wait "$command_pid" || status=$?
echo "peak summed PSS: $((peak_kb / 1024)) MiB over $peak_processes cpo processes" >&2
for pid in "${!hwm_kb[@]}"; do echo "  pid $pid: peak RSS (VmHWM) $((hwm_kb[$pid] / 1024)) MiB" >&2; done
exit "$status"
