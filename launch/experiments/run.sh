#!/usr/bin/env bash
# The paper's comparison, in miniature: one MLE model, then arms that train it further with the
# same budget (MLE, CPO with each kind of negatives plain and ranked, DPO, PSS), the best CPO arm's
# weight-space ensemble with the MLE model (α chosen on validation prompts), each judged on held-out
# test prompts no arm saw. Writes OUT/results.md (table of arms, α sweep, settings, times),
# OUT/report.html (curves and win rates as SVG), every run's metrics.jsonl and evaluation files.
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: launch/experiments/run.sh [OPTIONS]
  Data (one of):
    --task NAME            a built-in task (default: sort); judge: verifier
    --dolly [PATH]         Dolly-15k JSONL (default ../shared/data/dolly-15k/databricks-dolly-15k.jsonl);
                           judge: lm, with the base MLE model as the judge (a proxy; see README)
  Budget and method (defaults in brackets):
    --preset NAME          random-weight model of the base MLE run [tiny]: any `cpo train --preset`
                           (GPT-2: tiny, small, gpt2-124m; Llama: llama-tiny, smollm2-135m, …)
    --model DIR            start the base MLE run from this model folder instead (its own tokenizer)
    --base-steps N         MLE steps of the base model [600], batch 64, lr 3e-3
    --arm-steps N          steps of every arm [300]
    --batch-size N         global batch of every arm [16]
    --lr X                 peak learning rate of every arm [1e-3]
    --beta X               β of the CPO and DPO arms [0.1]
    --num-candidates K     K of the CPO arms [4]
    --nll-weight X         λ of the CPO and DPO arms [1]
    --train-count N        training examples of a task [20000]
    --eval-count N         validation and test prompts each [1000 for a task, 200 for Dolly]
    --arms LIST            comma list of arms [all]: mle, cpo-an, cpo-bn, cpo-mn, cpo-tn, cpo-mix,
                           cpo-an-ranked, …, cpo-mix-ranked, dpo, pss
    --alphas LIST          α values of the sweep [0,0.1,…,1]
    --judge-options "..."  judge options for cpo eval instead of the default, e.g.
                           "--judge http --judge-url URL --judge-model NAME --judge-cache FILE"
    --ranks N              MPI ranks of every run [2]
    --seed N               seed of data, initialisation and order [1]
    --out DIR              output folder [runs/experiments]; finished runs in it are kept and reused
USAGE
  exit 2
}

command_line="$*"
task=sort dolly="" preset=tiny model="" base_steps=600 arm_steps=300 batch=16 lr=1e-3 beta=0.1 candidates=4 nll=1
train_count=20000 eval_count="" arms="" judge_options="" alphas=0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1 ranks=2 seed=1
out=runs/experiments
all_arms=(mle cpo-an cpo-bn cpo-mn cpo-tn cpo-mix cpo-an-ranked cpo-bn-ranked cpo-mn-ranked cpo-tn-ranked
  cpo-mix-ranked dpo pss)
while [ $# -gt 0 ]; do
  case $1 in
    --task) task=$2; shift 2 ;;
    --dolly)
      if [ $# -ge 2 ] && [[ $2 != --* ]]; then dolly=$2; shift 2; else dolly=default; shift; fi ;;
    --preset) preset=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --base-steps) base_steps=$2; shift 2 ;;
    --arm-steps) arm_steps=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --lr) lr=$2; shift 2 ;;
    --beta) beta=$2; shift 2 ;;
    --num-candidates) candidates=$2; shift 2 ;;
    --nll-weight) nll=$2; shift 2 ;;
    --train-count) train_count=$2; shift 2 ;;
    --eval-count) eval_count=$2; shift 2 ;;
    --arms) arms=$2; shift 2 ;;
    --alphas) alphas=$2; shift 2 ;;
    --judge-options) judge_options=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
if [ -n "$arms" ]; then IFS=, read -r -a arm_list <<<"$arms"; else arm_list=("${all_arms[@]}"); fi
for arm in "${arm_list[@]}"; do
  [[ " ${all_arms[*]} " == *" $arm "* ]] || { echo "run.sh: unknown arm '$arm'; arms: ${all_arms[*]}" >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/launch/mpi-common.sh"
allow_root_if_root
cpo=$(cpo_binary)
mkdir -p "$out/data"
out=$(cd "$out" && pwd)
local_run() { "$repo/launch/local.sh" "$ranks" "$@"; }
started=$(date +%s)
timings=""

# Times a stage and skips it when its marker (a finished model or summary) exists from an earlier run.
stage() {
  local name=$1 marker=$2
  shift 2
  if [ -e "$marker" ]; then echo "== $name: kept from an earlier run ($marker)"; return; fi
  echo "== $name"
  local start=$(date +%s)
  "$@"
  timings+="$name $(( $(date +%s) - start )) s; "
}

# Data: training, validation and test prompts, the held-out ones never seen in training.
data=$out/data
if [ -z "$dolly" ]; then
  : "${eval_count:=1000}"
  judge=(--judge verifier)
  if [ ! -e "$data/test.jsonl" ]; then
    "$cpo" data synth --task "$task" --count "$train_count" --seed "$seed" --out "$data/train.jsonl"
    "$cpo" data synth --task "$task" --count "$eval_count" --seed $((seed + 1000)) --out "$data/valid.all.jsonl"
    "$cpo" data synth --task "$task" --count "$eval_count" --seed $((seed + 2000)) --out "$data/test.all.jsonl"
    # A short task repeats itself across seeds: drop held-out lines that are training lines.
    grep -F -x -v -f "$data/train.jsonl" "$data/valid.all.jsonl" > "$data/valid.jsonl" || true
    cat "$data/train.jsonl" "$data/valid.jsonl" | grep -F -x -v -f - "$data/test.all.jsonl" > "$data/test.jsonl" || true
    rm "$data/valid.all.jsonl" "$data/test.all.jsonl"
  fi
  data_name="built-in task \`$task\`"
else
  [ "$dolly" = default ] && dolly=$repo/../shared/data/dolly-15k/databricks-dolly-15k.jsonl
  [ -r "$dolly" ] || { echo "run.sh: cannot read Dolly data at $dolly" >&2; exit 2; }
  : "${eval_count:=200}"
  judge=(--judge lm --judge-model-dir "$out/base/final")
  if [ ! -e "$data/test.jsonl" ]; then
    total=$(wc -l < "$dolly")
    head -n $((total - 2 * eval_count)) "$dolly" > "$data/train.jsonl"
    tail -n $((2 * eval_count)) "$dolly" | head -n "$eval_count" > "$data/valid.jsonl"
    tail -n "$eval_count" "$dolly" > "$data/test.jsonl"
  fi
  data_name="Dolly-15k ($dolly)"
fi
# shellcheck disable=SC2206 # the options are words
[ -n "$judge_options" ] && judge=($judge_options)
echo "data: $(wc -l < "$data/train.jsonl") training, $(wc -l < "$data/valid.jsonl") validation, $(wc -l < "$data/test.jsonl") test lines in $data"

start=(--preset "$preset")
[ -z "$model" ] || start=(--model "$model")
stage base "$out/base/final" local_run train "${start[@]}" --data "$data/train.jsonl" --steps "$base_steps" --batch-size 64 \
  --learning-rate 3e-3 --warmup-steps $(( base_steps / 10 < 50 ? base_steps / 10 : 50 )) --eval-every $((base_steps / 3)) --seed "$seed" --out "$out/base" --resume

evaluate() { # RUN SPLIT: judges RUN/final on the split into RUN/eval (test) or RUN/eval-valid
  local folder=$1/eval
  [ "$2" = test ] || folder=$1/eval-$2
  stage "$(basename "$1") on $2" "$folder/summary.json" \
    local_run eval --model "$1/final" --data "$data/$2.jsonl" "${judge[@]}" --out "$folder"
}

arm_arguments() { # ARM: the train options that make the arm, after the shared ones
  local kind
  case $1 in
    mle) echo "--objective mle" ;;
    dpo) echo "--objective dpo --negatives an:1,bn:1,mn:1,tn:1 --beta $beta --nll-weight $nll --candidate-shards 2" ;;
    pss) echo "--objective pss" ;;
    cpo-*)
      kind=${1#cpo-}
      kind=${kind%-ranked}
      [ "$kind" = mix ] && kind=an:1,bn:1,mn:1,tn:1
      echo "--objective cpo --negatives $kind --num-candidates $candidates --candidate-shards 2 --beta $beta --nll-weight $nll"
      [[ $1 == *-ranked ]] && echo "--rank-negatives"
      ;;
  esac
}

evaluate "$out/base" test
for arm in "${arm_list[@]}"; do
  # shellcheck disable=SC2046 # the arm's options are words
  stage "$arm" "$out/$arm/final" local_run train --model "$out/base/final" --data "$data/train.jsonl" --steps "$arm_steps" \
    --batch-size "$batch" --learning-rate "$lr" --warmup-steps $(( arm_steps / 10 < 10 ? arm_steps / 10 : 10 )) --seed "$seed" --eval-every "$arm_steps" \
    $(arm_arguments "$arm") --out "$out/$arm" --resume
  evaluate "$out/$arm" test
  [[ $arm == cpo-* ]] && evaluate "$out/$arm" valid
done

win_rate() { sed -n 's/.*"win_rate" : \([0-9.eE+-]*\).*/\1/p' "$1"; }

# The ensemble: the CPO arm with the best validation win rate, mixed with the base MLE model.
best="" best_rate=-1
for arm in "${arm_list[@]}"; do
  [[ $arm == cpo-* ]] || continue
  rate=$(win_rate "$out/$arm/eval-valid/summary.json")
  if [ -n "$rate" ] && awk -v a="$rate" -v b="$best_rate" 'BEGIN { exit !(a > b) }'; then best=$arm best_rate=$rate; fi
done
runs=("$out/base")
labels=(--label "MLE (base)")
for arm in "${arm_list[@]}"; do runs+=("$out/$arm"); labels+=(--label "$arm"); done
if [ -n "$best" ]; then
  stage "α sweep" "$out/ensemble/sweep.json" local_run sweep-alpha --mle "$out/base/final" --cpo "$out/$best/final" \
    --alphas "$alphas" --data "$data/valid.jsonl" "${judge[@]}" --out "$out/ensemble"
  stage "ensemble on test" "$out/ensemble/eval/summary.json" \
    local_run eval --model "$out/ensemble/ensemble" --data "$data/test.jsonl" "${judge[@]}" --out "$out/ensemble/eval"
  runs+=("$out/ensemble")
  labels+=(--label "ensemble (base + $best)")
fi

"$cpo" report --run "${runs[@]}" "${labels[@]}" --title "swift-cpo experiments: $data_name" \
  --out "$out/report.html" --markdown "$out/table.md" >/dev/null
total=$(( $(date +%s) - started ))
{
  echo "# Results: $data_name"
  echo
  echo "Command: \`launch/experiments/run.sh $command_line\` (from the repository root); $ranks MPI ranks on $(nproc) cores, finished $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "Base: \`${model:-$preset}\` ($(sed -nE 's/.*"model_type" *: *"([^"]*)".*/\1/p' "$out/base/final/config.json")), MLE for $base_steps steps × 64 examples. Every arm starts from it and trains $arm_steps steps × $batch examples,"
  echo "peak learning rate $lr; CPO: K = $candidates, β = $beta, λ (NLL weight) = $nll, MixN = an:1,bn:1,mn:1,tn:1; DPO: K = 2 with a MixN negative, same β and λ."
  echo "Win rate against the test references ($(wc -l < "$data/test.jsonl") prompts, greedy decoding), with its 95 % Wilson interval:"
  echo
  cat "$out/table.md"
  if [ -n "$best" ]; then
    echo
    echo "Ensemble: θ = α·θ_MLE(base) + (1 − α)·θ_$best ($best: best validation win rate of the CPO arms, $best_rate). α on the validation prompts:"
    echo
    cat "$out/ensemble/sweep.md"
  fi
  echo
  echo "Wall time: $total s in all (${timings%; })."
  echo "Curves and win rates: report.html. Per run: metrics.jsonl, eval/summary.json, eval/evaluation.jsonl."
} > "$out/results.md"
echo
cat "$out/results.md"
