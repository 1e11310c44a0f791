#!/usr/bin/env bash
# Screenshots a `cpo report` page with headless Chromium, to check its layout by eye:
#   launch/render-report.sh REPORT.html OUT.png [WIDTH,HEIGHT]   (default 1000,2400)
# Installs the Debian package chromium with apt-get when it is missing.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 2
fi
report=$(realpath "$1")
out=$(realpath -m "$2")
size=${3:-1000,2400}
if ! command -v chromium >/dev/null; then
  echo "installing: chromium"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
# A throw-away profile: nothing of the user's browser state is read or left behind.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$out" --window-size="$size" "file://$report" 2>/dev/null
echo "wrote $out"
