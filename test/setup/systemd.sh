#!/usr/bin/env bash
# Debian's systemd (systemd-analyze, and /lib/systemd/systemd itself) for the test of the VM recipe
# in docs/deploy.md: test/release/deploy-systemd.test.ts verifies the unit and boots systemd in
# fresh namespaces to run it. unshare, nsenter and setpriv come with util-linux (essential).
# Idempotent: does nothing when both are there.
set -euo pipefail
if command -v systemd-analyze >/dev/null && [ -x /lib/systemd/systemd ]; then
  systemd-analyze --version | head -1
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "systemd.sh: systemd is missing and installing it needs root: run \`apt-get install -y systemd\` as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends systemd </dev/null
systemd-analyze --version | head -1
