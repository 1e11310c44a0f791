#!/usr/bin/env bash
# Runs N ranks of cpo across the hosts of a hostfile under mpirun: TCP between hosts, shared
# memory between ranks of one host.
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: launch/cluster.sh HOSTFILE N SUBCOMMAND [ARGS...]
  Runs `cpo SUBCOMMAND ARGS...` as N MPI ranks over the hosts in HOSTFILE (one line per host:
  `NAME slots=RANKS`; see hostfiles/cluster.example), e.g.
    launch/cluster.sh hostfiles/cluster 8 train --objective cpo --model runs/mle/final ...
  mpirun starts the ranks over ssh (password-less, to every host). The cpo binary must exist at
  the same absolute path on every host (a shared filesystem, or the same checkout path
  everywhere); paths in ARGS are read on every host, written on the first (rank 0).
  Exits with mpirun's status.
environment:
  CPO_BINARY            the cpo to run (default: .build/release/cpo of this checkout, built
                        here first when missing or older than the sources)
  CPO_TCP_INTERFACES    the network between hosts, as a subnet (10.1.0.0/16) or interface
                        names (eth1,eth2); default: every interface but loopback
  CPO_THREADS_PER_RANK  --threads given to each rank unless ARGS has one (default: cpo's own,
                        every core of the host; set cores/slots when a host runs several ranks)
USAGE
  exit 2
}
[ $# -ge 3 ] || usage
hostfile=$1 ranks=$2
shift 2
[ -r "$hostfile" ] || { echo "cluster.sh: cannot read hostfile '$hostfile'" >&2; usage; }
[[ $ranks =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: N must be a positive number of ranks, got '$ranks'" >&2; usage; }

source "$(dirname "$0")/mpi-common.sh"
allow_root_if_root
binary=$(cpo_binary)
with_threads "$binary" "${CPO_THREADS_PER_RANK:-}" "$@"

mpirun_flags=(--hostfile "$hostfile" -np "$ranks")
add_cluster_flags tcp,vader,self
run_launcher mpirun "${mpirun_flags[@]}" "$binary" "${cpo_arguments[@]}"
