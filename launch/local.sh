#!/usr/bin/env bash
# Runs N ranks of cpo on this machine under mpirun: the set-up for debugging distribution.
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: launch/local.sh N SUBCOMMAND [ARGS...]
  Runs `cpo SUBCOMMAND ARGS...` as N MPI ranks on this machine, e.g.
    launch/local.sh 2 bench allreduce
    launch/local.sh 4 train --objective cpo --model runs/mle/final --data d.jsonl --out runs/cpo
  Builds the release cpo first when it is missing or older than the sources. Ranks are not bound
  to cores; more ranks than cores are allowed. Exits with mpirun's status.
environment:
  CPO_BINARY            the cpo to run (default: .build/release/cpo of this checkout)
  CPO_THREADS_PER_RANK  --threads given to each rank unless ARGS has one (default 1)
USAGE
  exit 2
}
[ $# -ge 2 ] || usage
ranks=$1
shift
[[ $ranks =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: N must be a positive number of ranks, got '$ranks'" >&2; usage; }

source "$(dirname "$0")/mpi-common.sh"
allow_root_if_root
binary=$(cpo_binary)
with_threads "$binary" "${CPO_THREADS_PER_RANK:-1}" "$@"

flags=(-np "$ranks" --bind-to none)
[ "$ranks" -le "$(nproc)" ] || flags+=(--oversubscribe)
run_launcher mpirun "${flags[@]}" "$binary" "${cpo_arguments[@]}"
