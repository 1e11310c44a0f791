#!/usr/bin/env bash
# Release-build smoke run: a few MLE and CPO steps on a built-in task, then score and generate with
# the result. Fails on any error or crash.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cpo
cpo=.build/release/cpo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$cpo data synth --task sort --count 40 --seed 1 --out "$work/sort.jsonl"
$cpo train --preset tiny --data "$work/sort.jsonl" --steps 3 --batch-size 4 --valid-fraction 0.1 --save-every 2 --out "$work/mle" 2>/dev/null
$cpo train --preset tiny --data "$work/sort.jsonl" --steps 3 --batch-size 4 --valid-fraction 0.1 --save-every 2 --out "$work/mle" --resume 2>/dev/null
$cpo train --objective cpo --model "$work/mle/final" --data "$work/sort.jsonl" --negatives an:1,bn:1,mn:1,tn:1 \
  --rank-negatives --steps 2 --batch-size 4 --valid-fraction 0 --out "$work/cpo" 2>/dev/null
$cpo score --model "$work/cpo/final" --input "$work/sort.jsonl" --output "$work/scores.jsonl"
$cpo generate --model "$work/cpo/final" --input "$work/sort.jsonl" --max-new-tokens 8 --output "$work/generations.jsonl"
test "$(wc -l < "$work/scores.jsonl")" -eq 40
test "$(wc -l < "$work/generations.jsonl")" -eq 40
echo "release smoke run: ok"
