#!/usr/bin/env bash
# Debian's chromium for the browser test (playwright-core drives it; its own browser downloads
# cannot reach their hosts here). Idempotent: does nothing when /usr/bin/chromium runs.
set -euo pipefail
if /usr/bin/chromium --version >/dev/null 2>&1; then
  /usr/bin/chromium --version
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium.sh: /usr/bin/chromium is missing and installing it needs root: run \`apt-get install -y chromium\` as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core </dev/null
/usr/bin/chromium --version
