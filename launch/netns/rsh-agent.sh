#!/usr/bin/env bash
# mpirun's remote shell for simulated hosts (launch/netns/run.sh passes it as plm_rsh_agent):
# called like ssh, `rsh-agent.sh [OPTIONS] HOST COMMAND...`, it runs COMMAND in HOST's network
# namespace instead of logging in. HOST is an address 198.18.0.K of the hostfile; its namespace is
# $CPO_NETNS_PREFIX-hK. Like an ssh login, COMMAND starts from a clean environment, so a job that
# works here does not lean on variables mpirun would not carry to a real host.
set -euo pipefail
while [ $# -gt 0 ] && [[ $1 == -* ]]; do shift; done
[ $# -ge 2 ] || { echo "usage: rsh-agent.sh [OPTIONS] HOST COMMAND..." >&2; exit 2; }
[ -n "${CPO_NETNS_PREFIX:-}" ] || { echo "rsh-agent.sh: CPO_NETNS_PREFIX is unset; launch through launch/netns/run.sh" >&2; exit 2; }
host=$1
shift
[[ $host =~ ^198\.18\.0\.([1-9][0-9]?)$ ]] || { echo "rsh-agent.sh: '$host' is not a simulated host (198.18.0.K)" >&2; exit 2; }
namespace=$CPO_NETNS_PREFIX-h${BASH_REMATCH[1]}

# ssh hands its arguments, joined by spaces, to the remote shell; so does this.
exec ip netns exec "$namespace" env -i PATH="$PATH" HOME="${HOME:-/}" /bin/sh -c "$*"
