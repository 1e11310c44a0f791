#!/usr/bin/env bash
# Runs COMMAND and reports the peak memory of its cpo processes (every rank of an mpirun job):
# each one's peak RSS (the kernel's high-water mark, VmHWM), its peak PSS and the peak of the PSS
# summed over all of them (sampled every 0.1 s from /proc/PID/smaps_rollup). RSS counts shared pages (a reference all ranks of a
# node map once) in every process; PSS charges each process its share, so the summed PSS is what
# the node holds.
set -euo pipefail
[ "${1:-}" = "--" ] && [ $# -ge 2 ] || {
  echo "usage: launch/peak-memory.sh -- COMMAND [ARGS...]   e.g. launch/peak-memory.sh -- launch/local.sh 2 train ..." >&2
  exit 2
}
shift
"$@" &
job=$!
declare -A peak_pss peak_rss
peak_sum=0
descendants() {
  local pid=$1 child
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}
while kill -0 "$job" 2>/dev/null; do
  sum=0
  for pid in "$job" $(descendants "$job"); do
    [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = cpo ] || continue
    pss=$(awk '/^Pss:/ {p=$2} END {print p+0}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
    rss=$(awk '/^VmHWM:/ {r=$2} END {print r+0}' /proc/"$pid"/status 2>/dev/null || echo 0)
    sum=$((sum + pss))
    [ "$pss" -le "${peak_pss[$pid]:-0}" ] || peak_pss[$pid]=$pss
    [ "$rss" -le "${peak_rss[$pid]:-0}" ] || peak_rss[$pid]=$rss
  done
  [ "$sum" -le "$peak_sum" ] || peak_sum=$sum
  sleep 0.1
done
status=0
wait "$job" || status=$?
gib() { awk -v k="$1" 'BEGIN { printf "%.2f GiB", k / 1048576 }'; }
for pid in "${!peak_pss[@]}"; do
  echo "peak-memory: cpo pid $pid: peak PSS $(gib "${peak_pss[$pid]}"), peak RSS $(gib "${peak_rss[$pid]}")" >&2
done
echo "peak-memory: peak PSS summed over the cpo processes: $(gib "$peak_sum")" >&2
exit $status
