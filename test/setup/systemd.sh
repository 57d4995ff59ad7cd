#!/usr/bin/env bash
# Debian's systemd (systemd-analyze, and /lib/systemd/systemd itself) for the test of the VM recipe
# in docs/deploy.md: test/release/deploy-systemd.test.ts verifies the unit and boots systemd in
# fresh namespaces to run it. unshare, nsenter and setpriv come with util-linux (essential).
# Idempotent: does nothing when both are there.
set -euo pipefail
if ! command -v systemd-analyze >/dev/null || ! [ -x /lib/systemd/systemd ]; then
  bash "$(dirname "$0")/apt-install.sh" systemd.sh systemd
fi
systemd-analyze --version | head -1
