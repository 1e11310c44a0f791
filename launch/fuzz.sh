#!/usr/bin/env bash
# Fuzzes one reader of cpo's input files with libFuzzer for a fixed time:
#   launch/fuzz.sh TARGET SECONDS [libFuzzer flags...]
# TARGET: safetensors, config, jsonl, tokenizer-json, gpt2-tokenizer, verdict-cache, or all (each
# for SECONDS). The targets live in Fuzz/ (a package of their own, so the project's build is
# unchanged) and start from the seeds in Fuzz/Corpus/TARGET; inputs libFuzzer finds go to a work
# folder (CPO_FUZZ_WORK, default a temporary one), never into the seeds. A crash, a timeout (10 s an
# input) or more than 4 GB of memory stops the run and leaves the input in CPO_FUZZ_ARTIFACTS
# (default runs/fuzz-artifacts), with the log of the run. Ends with one line per target: executions
# and crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(safetensors config jsonl tokenizer-json gpt2-tokenizer verdict-cache)
if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: launch/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]; targets: ${targets[*]}" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
if [ "$target" = all ]; then
  chosen=("${targets[@]}")
elif [[ " ${targets[*]} " == *" $target "* ]]; then
  chosen=("$target")
else
  echo "unknown fuzz target '$target'; targets: ${targets[*]}" >&2
  exit 2
fi

# -sanitize=fuzzer instruments every module for coverage and links libFuzzer; -enable-testing lets
# a target reach the internal readers (@testable). gold crashes on these links, so lld links them.
# CPO_FUZZ_CONFIGURATION=debug builds faster and runs slower (CI's short runs use it).
flags=(-c "${CPO_FUZZ_CONFIGURATION:-release}" -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing -Xswiftc -use-ld=lld)
swift build --package-path Fuzz "${flags[@]}"
bin=$(swift build --package-path Fuzz "${flags[@]}" --show-bin-path)
artifacts=${CPO_FUZZ_ARTIFACTS:-runs/fuzz-artifacts}
mkdir -p "$artifacts"
# Swift's runtime backtracer would take the signal of a trap (SIGILL) before libFuzzer, which then
# never writes the input that crashed: the process just dies. Without it, libFuzzer reports the
# "deadly signal" and keeps the input.
export SWIFT_BACKTRACE=enable=no

summary=() status=0
for name in "${chosen[@]}"; do
  work=${CPO_FUZZ_WORK:-}
  [ -n "$work" ] && work=$work/$name || work=$(mktemp -d)
  mkdir -p "$work"
  log=$(mktemp)
  # Tokenizer files and configs are larger than libFuzzer's default 4 kB.
  # libFuzzer exits non-zero on a crash, a timeout or too much memory, and so does a process that
  # died some other way: either is a crash, and its log is kept beside the artifacts.
  result=0
  "$bin/fuzz-$name" "$work" "Fuzz/Corpus/$name" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$@" > "$log" 2>&1 || result=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$result" -ne 0 ]; then
    status=1
    tail -40 "$log" >&2
    cp "$log" "$artifacts/$name-$(date +%Y%m%d-%H%M%S).log"
  fi
  summary+=("fuzz $name: ${executions:-unknown} executions in $seconds s, $((result != 0 ? 1 : 0)) crashes")
  [ -z "${CPO_FUZZ_WORK:-}" ] && rm -rf "$work"
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
