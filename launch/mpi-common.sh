# Sourced by launch/local.sh, launch/cluster.sh and launch/slurm.sbatch: what every MPI launch of
# cpo shares. Defines functions and variables only; runs nothing.

cpo_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# Prints the cpo binary to launch: $CPO_BINARY if set, else this checkout's release build, built
# first when missing or older than any source file.
cpo_binary() {
  if [ -n "${CPO_BINARY:-}" ]; then
    [ -x "$CPO_BINARY" ] || die "CPO_BINARY=$CPO_BINARY is not an executable file"
    echo "$CPO_BINARY"
    return
  fi
  local binary="$cpo_repo/.build/release/cpo"
  if [ ! -x "$binary" ] || [ -n "$(find "$cpo_repo/Sources" "$cpo_repo/Package.swift" -newer "$binary" -print -quit)" ]; then
    echo "building $binary" >&2
    (cd "$cpo_repo" && swift build -c release --product cpo >&2) || die "the release build failed"
  fi
  echo "$binary"
}

# mpirun refuses root unless told twice; containers often run as root.
allow_root_if_root() {
  if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
}

# Fills the array cpo_arguments with "$@" (a cpo subcommand and its arguments), adding
# `--threads THREADS` when THREADS is not empty, the user gave no --threads and the subcommand
# takes one (cpo's own default is every core, too many when ranks share a node). OpenBLAS then
# starts only that many threads, and idle ones sleep after 4 s instead of spinning on cores the
# other ranks need.
with_threads() {
  local binary=$1 threads=$2
  shift 2
  cpo_arguments=("$@")
  export OPENBLAS_THREAD_TIMEOUT=4
  local argument words=()
  for argument in "$@"; do
    case $argument in --threads|--threads=*) return ;; esac
  done
  [ -n "$threads" ] || return 0
  for argument in "$@"; do
    case $argument in -*) break ;; *) words+=("$argument") ;; esac
  done
  if "$binary" "${words[@]}" --help 2>/dev/null | grep -q -- '--threads'; then
    cpo_arguments+=(--threads "$threads")
    export OPENBLAS_NUM_THREADS=$threads
  fi
}

# Appends to the array mpirun_flags what a launch across hosts needs: the transports named by $1
# (a cluster's are tcp,vader,self: TCP between hosts, shared memory within one), the network
# CPO_TCP_INTERFACES (a subnet or interface names) for MPI's data and its own control connections
# alike, and the OpenBLAS settings, which remote ranks see only when forwarded: the threads, and
# the kernels (OPENBLAS_CORETYPE, e.g. Haswell on every node of a cluster that mixes AVX-512 and
# AVX2 machines, so that all ranks round alike).
add_cluster_flags() {
  mpirun_flags+=(--bind-to none --mca btl "$1")
  if [ -n "${CPO_TCP_INTERFACES:-}" ]; then
    mpirun_flags+=(--mca btl_tcp_if_include "$CPO_TCP_INTERFACES" --mca oob_tcp_if_include "$CPO_TCP_INTERFACES")
  fi
  local variable
  for variable in OPENBLAS_NUM_THREADS OPENBLAS_THREAD_TIMEOUT OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    [ -z "${!variable+set}" ] || mpirun_flags+=(-x "$variable")
  done
}

# Runs a launcher (mpirun or srun, with its arguments) in the background and returns its status.
# The first SIGTERM, SIGINT or SIGUSR1 this script gets goes to the launcher as SIGUSR1, which
# mpirun and srun forward to every rank: `cpo train` then stops after its current step with a
# checkpoint and exit status 75 (mpirun itself would end its ranks on SIGTERM or SIGINT without
# waiting). A second signal goes on as SIGTERM, which ends the job at once.
run_launcher() {
  "$@" &
  launcher_pid=$!
  launcher_signals=0
  trap 'launcher_signals=$((launcher_signals + 1)); kill -"$([ "$launcher_signals" -eq 1 ] && echo USR1 || echo TERM)" "$launcher_pid" 2>/dev/null || true' TERM INT USR1
  local status
  while :; do
    status=0
    wait "$launcher_pid" || status=$?
    kill -0 "$launcher_pid" 2>/dev/null || break
  done
  trap - TERM INT USR1
  return "$status"
}
