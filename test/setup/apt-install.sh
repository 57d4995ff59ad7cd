#!/usr/bin/env bash
# Installs Debian packages for a setup script of this folder, which calls it only when what it
# needs is missing: `apt-install.sh CALLER PACKAGE...`. Needs root; says what to run otherwise.
set -euo pipefail
caller="$1"
shift
if [ "$(id -u)" != 0 ]; then
  echo "$caller: missing, and installing it needs root: run \`apt-get install -y $*\` as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "$@" </dev/null
