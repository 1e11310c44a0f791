#!/usr/bin/env bash
# Runs an MPI job across simulated hosts on this machine: one network namespace per host, joined
# by a bridge in a namespace of its own, addresses 198.18.0.K/24 (a benchmarking range, and only
# inside these namespaces). mpirun runs in the first host and starts the others through
# rsh-agent.sh instead of ssh; every byte between ranks goes over TCP on the simulated network.
# The namespaces are removed on exit, whatever happened.
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: launch/netns/run.sh HOSTS -- COMMAND [ARGS...]
  Runs COMMAND as MPI ranks on HOSTS (2 to 9) simulated hosts, e.g.
    launch/netns/run.sh 2 -- .build/release/cpo bench allreduce
    launch/netns/run.sh 3 -- "$PWD/.build/release/cpo" train --preset tiny --task sort --out /tmp/run
  COMMAND runs from the current directory on every host (they share the filesystem). Needs root
  (or CAP_NET_ADMIN) and iproute2. Exits with mpirun's status, or 77 when this machine refuses
  to create network namespaces. A run killed with SIGKILL cannot clean up: `ip netns list`
  shows what it left, `ip netns del NAME` removes it.
environment:
  CPO_NETNS_RANKS_PER_HOST  ranks on each host (default 1); they too talk over TCP
  CPO_NETNS_PREFIX          namespace names, PREFIX-switch and PREFIX-h1...PREFIX-hHOSTS
                            (default cpo<pid of run.sh>)
USAGE
  exit 2
}
[ $# -ge 3 ] && [ "$2" = "--" ] || usage
hosts=$1
shift 2
[[ $hosts =~ ^[2-9]$ ]] || { echo "run.sh: HOSTS must be 2 to 9, got '$hosts'" >&2; usage; }
per_host=${CPO_NETNS_RANKS_PER_HOST:-1}
[[ $per_host =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: CPO_NETNS_RANKS_PER_HOST must be a positive number, got '$per_host'" >&2; exit 2; }
command -v ip >/dev/null || { echo "run.sh: no 'ip' command: install iproute2 (bash launch/install-deps.sh)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
source "$here/../mpi-common.sh"
# Unique per run, so concurrent runs never share a namespace.
export CPO_NETNS_PREFIX=${CPO_NETNS_PREFIX:-cpo$$}
subnet=198.18.0.0/24
switch=$CPO_NETNS_PREFIX-switch
[ ! -e "/var/run/netns/$switch" ] || { echo "run.sh: network namespace $switch already exists; choose another CPO_NETNS_PREFIX" >&2; exit 2; }
work=$(mktemp -d)

namespaces=()
cleanup() {
  local namespace pid
  for namespace in "${namespaces[@]}"; do
    # Whatever mpirun left behind in the namespace (it was started by this script).
    for pid in $(ip netns pids "$namespace" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$namespace" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! refusal=$(ip netns add "$switch" 2>&1); then
  echo "run.sh: this machine refuses network namespaces (ip netns add: $refusal); needs root or CAP_NET_ADMIN" >&2
  exit 77
fi
namespaces+=("$switch")
ip -n "$switch" link add br0 type bridge
ip -n "$switch" link set br0 up
for k in $(seq 1 "$hosts"); do
  namespace=$CPO_NETNS_PREFIX-h$k
  ip netns add "$namespace"
  namespaces+=("$namespace")
  # Made inside the switch namespace, one end moved straight into the host: nothing ever appears
  # in this machine's own network.
  ip -n "$switch" link add "h$k" type veth peer name eth0 netns "$namespace"
  ip -n "$switch" link set "h$k" master br0 up
  ip -n "$namespace" addr add "198.18.0.$k/24" dev eth0
  ip -n "$namespace" link set eth0 up
  ip -n "$namespace" link set lo up
  echo "198.18.0.$k slots=$per_host" >> "$work/hostfile"
done

allow_root_if_root
mpirun_flags=(--hostfile "$work/hostfile" -np $((hosts * per_host)))
CPO_TCP_INTERFACES=$subnet add_cluster_flags tcp,self
# The agent's clean environment does not carry the namespace prefix to further hosts: mpirun
# starts every host's daemon itself.
mpirun_flags+=(--mca plm_rsh_agent "$here/rsh-agent.sh" --mca plm_rsh_no_tree_spawn 1)
# Every simulated host is this one machine: with one slot each, mpirun counts no oversubscription
# and its ranks would spin on cores the others need to reach the same collective.
mpirun_flags+=(--mca mpi_yield_when_idle 1)
status=0
# In the background, so that a TERM (e.g. a test's timeout) is handled at once rather than after
# mpirun returns: the EXIT trap then kills whatever runs in the namespaces, a hung launch included.
ip netns exec "$CPO_NETNS_PREFIX-h1" mpirun "${mpirun_flags[@]}" "$@" &
wait $! || status=$?
exit $status
