#!/usr/bin/env bash
# Debian's qemu-user-static and the arm64 C/C++ runtime, for the test that runs the release's
# linux-arm64 binary on this x64 machine: `qemu-aarch64-static -L /usr/aarch64-linux-gnu BINARY`.
# The binary is a dynamically linked Node (glibc, libstdc++, libgcc_s); -L points qemu at the arm64
# loader and libraries of the *-arm64-cross packages. No binfmt_misc registration is needed (a
# container may not have it), the test calls qemu explicitly.
# Idempotent: does nothing when both are in place.
set -euo pipefail
qemu=/usr/bin/qemu-aarch64-static
if ! [ -x "$qemu" ] || ! [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || ! [ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  bash "$(dirname "$0")/apt-install.sh" qemu-arm64.sh qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross
fi
"$qemu" --version | head -1
