#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the browser tests of the web UI (playwright-core
# drives it; no browser is ever downloaded). Installs the Debian package when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  exit 0
fi
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium is not at /usr/bin/chromium after installing it" >&2; exit 1; }
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
