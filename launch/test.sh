#!/usr/bin/env bash
# Runs the whole test suite (debug build), the numeric tests once more with OpenBLAS's AVX2
# kernels when the CPU chose others, then a smoke run of the release binary and 5 s of each fuzz
# target, installing missing system packages first. Arguments go to the first `swift test` (e.g.
# --filter GPT2Tests).
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

# OpenBLAS picks its kernels by CPU, and sgemm's rounding differs between them: machines of
# this kind are AVX-512 (SkylakeX kernels) or AVX2 (Haswell; Zen is Haswell's). So that green
# here means green on both, the tests whose numbers go through sgemm run again on the AVX2
# kernels, which every x86-64 CPU this builds for can run.
numeric='GPT2Tests|GPT2DecoderTests|KernelTests|CandidateScoringTests|CPOGradientTests|ContrastiveTrainingTests|TrainerTests'
numeric+='|MultiRankTrainingTests|MultiNodeTests|Generat|NegativeSamplingTests|NegativeLayoutTests|AdamWTests|WeightEnsembleTests'
numeric+='|AlphaSweepTests|LanguageModelJudgeTests|CheckpointFolderTests'
numeric+='|LlamaTests|LlamaDecoderTests|LlamaKernelTests|RotaryEmbeddingTests'
kernels=$("$CPO_TEST_BINARY" bench gemm --seconds-per-shape 0 --threads 1 --json | sed -E 's/.*"openblas_kernels":"([^"]*)".*/\1/')
case ${OPENBLAS_CORETYPE:-$kernels} in
  [Hh]aswell|[Zz]en) echo "OpenBLAS runs its AVX2 kernels ($kernels) already: no second run" ;;
  *)
    echo "OpenBLAS chose its $kernels kernels: the numeric tests again with OPENBLAS_CORETYPE=Haswell"
    OPENBLAS_CORETYPE=Haswell swift test --skip-build --disable-swift-testing --filter "$numeric" 2>&1 | tee -a "$log" ;;
esac

# Optimised code can fail where debug code does not: train, score and generate once in release.
bash launch/smoke-release.sh
# Every input reader under libFuzzer for 5 s from its seeds (README: Fuzzing): a debug build, which
# compiles faster than release; the long runs are done by hand.
CPO_FUZZ_CONFIGURATION=debug bash launch/fuzz.sh all 5
executed=0 failed=0
while read -r count failures; do
  executed=$((executed + count)) failed=$((failed + failures))
done < <(grep -E "^Test Suite '(All|Selected) tests' (passed|failed)" -A1 "$log" | grep -E "Executed [0-9]+ tests?" \
          | sed -E 's/.*Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\1 \2/')
echo "tests: $((executed - failed)) passed, $failed failed"
