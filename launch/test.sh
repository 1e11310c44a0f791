#!/usr/bin/env bash
# Runs the whole test suite (debug build), then a smoke run of the release binary, installing
# missing system packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
# Root may run mpirun in the multi-process tests only with these set.
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
swift build --build-tests
# The multi-rank training tests launch the release cpo: in debug code they take many minutes.
swift build -c release --product cpo
export CPO_TEST_BINARY=.build/release/cpo
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The suite is XCTest only; without Swift Testing's empty run its closing line is XCTest's count.
swift test --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log"
# Optimised code can fail where debug code does not: train, score and generate once in release.
bash launch/smoke-release.sh
summary=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1)
executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
echo "tests: $((executed - failed)) passed, $failed failed"
