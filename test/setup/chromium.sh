#!/usr/bin/env bash
# Debian's chromium for the browser test (playwright-core drives it; its own browser downloads
# cannot reach their hosts here). Idempotent: does nothing when /usr/bin/chromium runs.
set -euo pipefail
if ! /usr/bin/chromium --version >/dev/null 2>&1; then
  bash "$(dirname "$0")/apt-install.sh" chromium.sh chromium fonts-dejavu-core
fi
/usr/bin/chromium --version
