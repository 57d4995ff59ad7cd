#!/usr/bin/env bash
# Debian's qemu-user-static and the arm64 C/C++ runtime, for the test that runs the release's
# linux-arm64 binary on this x64 machine: `qemu-aarch64-static -L /usr/aarch64-linux-gnu BINARY`.
# The binary is a dynamically linked Node (glibc, libstdc++, libgcc_s); -L points qemu at the arm64
# loader and libraries of the *-arm64-cross packages. No binfmt_misc registration is needed (a
# container may not have it), the test calls qemu explicitly.
# Idempotent: does nothing when both are in place.
set -euo pipefail
qemu=/usr/bin/qemu-aarch64-static
loader=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
libstdcxx=/usr/aarch64-linux-gnu/lib/libstdc++.so.6
if [ -x "$qemu" ] && [ -e "$loader" ] && [ -e "$libstdcxx" ]; then
  "$qemu" --version | head -1
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "qemu-arm64.sh: $qemu or the arm64 runtime is missing and installing them needs root: run \`apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross\` as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross </dev/null
"$qemu" --version | head -1
