#!/usr/bin/env bash
# Makes sure keepassxc-cli is on PATH: the import/export tests prove KDBX files with KeePassXC itself.
# Installs Debian's keepassxc package when it is missing.
set -euo pipefail
command -v keepassxc-cli >/dev/null 2>&1 && exit 0
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing Debian's keepassxc (for keepassxc-cli)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends keepassxc >/dev/null
command -v keepassxc-cli >/dev/null 2>&1 || { echo "keepassxc-cli is still missing after installing keepassxc" >&2; exit 1; }
