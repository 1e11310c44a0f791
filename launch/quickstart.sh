#!/usr/bin/env bash
# From a fresh machine to trained models: installs missing system packages, builds the release
# binary, trains a small GPT-2 with MLE on the built-in `sort` task, then continues it with CPO
# (mixed negatives) on two ranks, reporting held-out loss, greedy exact-match accuracy and reward
# accuracy as it goes. Extra arguments go to the MLE `cpo train` (e.g. --steps 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build -c release --product cpo
cpo=.build/release/cpo
out=${CPO_QUICKSTART_OUT:-runs/quickstart}
rm -rf "$out"
echo "== MLE: a tiny GPT-2 learns to sort digits"
$cpo train --preset tiny --task sort --steps 600 --batch-size 64 --learning-rate 3e-3 --warmup-steps 50 \
  --eval-every 200 --out "$out/mle" "$@"
echo "== CPO from the MLE model: ground truth against AN, BN and TN negatives, 2 ranks"
launch/local.sh 2 train --objective cpo --model "$out/mle/final" --task sort --negatives an:2,bn:1,tn:1 \
  --num-candidates 4 --candidate-shards 2 --beta 1 --nll-weight 1 --batch-size 16 --steps 100 \
  --learning-rate 1e-4 --warmup-steps 10 --eval-every 50 --out "$out/cpo"
echo
echo "models: $out/mle/final, $out/cpo/final; metrics: $out/*/metrics.jsonl"
