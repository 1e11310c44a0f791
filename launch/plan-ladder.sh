#!/usr/bin/env bash
# Prints the README's memory ladder: `cpo plan`'s peak per rank of a CPO job (K = 4 with AN
# negatives, batch 16 × 64 tokens, --zero 2 --recompute blocks, each preset at its released
# vocabulary) on R = 1, 2, 4, 8, 16 ranks, one rank per node, and whether it fits 24 GB and 64 GB
# nodes. Extra arguments go to every `cpo plan` (e.g. --zero 0).
set -euo pipefail
source "$(dirname "$0")/mpi-common.sh"
binary=$(cpo_binary)
presets=(gpt2-124m gpt2-355m gpt2-774m gpt2-1558m smollm2-135m llama3.2-1b)
ranks=(1 2 4 8 16)
field() { sed -E "s/.*\"$1\":([0-9.]+|true|false).*/\1/" <<<"$2"; }
echo "| preset | parameters | $(printf 'R = %s | ' "${ranks[@]}")"
echo "|---|---|$(printf -- '---|%.0s' "${ranks[@]}")"
for preset in "${presets[@]}"; do
  row=""
  for r in "${ranks[@]}"; do
    plan=$("$binary" plan --objective cpo --preset "$preset" --vocabulary-size released --task sort --task-count 2000 \
      --negatives an --num-candidates 4 --batch-size 16 --seq-len 64 --zero 2 --recompute blocks \
      --ranks "$r" --ranks-per-node 1 --node-memory 64 --json "$@")
    if [[ $plan == *least_bytes_per_rank* ]]; then
      bytes=$(field least_bytes_per_rank "$plan") mark="> "
    else
      bytes=$(field peak_bytes_per_rank "$plan") mark=""
      [ -n "${parameters:-}" ] || parameters=$(field parameters_bytes "$plan")
    fi
    gb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e9 }')
    fit=$(awk -v b="$bytes" 'BEGIN { print (b <= 24e9 ? "24 ✓ 64 ✓" : (b <= 64e9 ? "24 ✗ 64 ✓" : "24 ✗ 64 ✗")) }')
    row+="${mark}${gb} GB (${fit}) | "
  done
  echo "| $preset | $(awk -v b="${parameters:-0}" 'BEGIN { printf "%.0fM", b / 4e6 }') | $row"
  parameters=""
done
