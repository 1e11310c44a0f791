#!/usr/bin/env bash
# Installs the Debian packages swift-cpo builds against, only those that are missing.
set -euo pipefail
needed=()
for pkg in libopenmpi-dev openmpi-bin libopenblas-dev pkg-config iproute2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
if [ ${#needed[@]} -gt 0 ]; then
  echo "installing: ${needed[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${needed[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 (https://swift.org/install)" >&2; exit 1; }
