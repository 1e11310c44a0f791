#!/usr/bin/env bash
# From a fresh machine to a trained model: installs missing system packages, builds the release
# binary, and trains a small GPT-2 with MLE on the built-in default task, reporting held-out loss and
# greedy exact-match accuracy. Extra arguments go to `cpo train` (e.g. --steps 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build -c release --product cpo
out=${CPO_QUICKSTART_OUT:-runs/quickstart}
rm -rf "$out"
.build/release/cpo train --preset small --task sort --steps 1500 --batch-size 16 --learning-rate 2e-3 \
  --warmup-steps 50 --eval-every 250 --out "$out" "$@"
echo
echo "metrics: $out/metrics.jsonl; model: $out/final"
echo "try: .build/release/cpo generate --model $out/final --input <(.build/release/cpo data synth --task sort --count 3 --seed 99 --out /dev/stdout >/dev/null; true) --greedy"
