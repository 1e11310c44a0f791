#!/usr/bin/env bash
# From a fresh machine to the whole pipeline on the built-in default: installs missing system
# packages, builds the release binary, trains a tiny GPT-2 with MLE on the `sort` task (2 ranks),
# continues it with CPO on 2 ranks (and, for an equal budget, with MLE), judges every model on
# held-out prompts, sweeps the MLE/CPO weight-space ensemble's α on validation prompts, and prints
# the comparison table (also in runs/quickstart/results.md, with report.html).
# Extra arguments go to launch/experiments/run.sh (e.g. --arm-steps 600).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build -c release --product cpo
out=${CPO_QUICKSTART_OUT:-runs/quickstart}
rm -rf "$out"
exec bash launch/experiments/run.sh --arms mle,cpo-mix --out "$out" "$@"
