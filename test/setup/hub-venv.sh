#!/usr/bin/env bash
# The hub's Python environment: JupyterHub, jupyter_server (for the real jupyterhub-singleuser the
# test bed runs for one image), pytest, prometheus_client (the metrics test's parser), and this
# repository's hub/ package (editable).
# Versions are pinned, transitive ones included, in hub/requirements.txt.
#
#   test/setup/hub-venv.sh [VENV] [REQUIREMENTS]     default: hub/.venv hub/requirements.txt
#   HUB_PACKAGE=0 test/setup/hub-venv.sh VENV REQS    the requirements only (bench/venv.sh)
#
# Idempotent: a stamp inside the venv holds the hash of the requirements and hub/pyproject.toml;
# when it matches, nothing is installed. Prints the venv's path on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${1:-$root/hub/.venv}"
reqs="${2:-$root/hub/requirements.txt}"
python="${PYTHON:-python3}"
hub_package="${HUB_PACKAGE:-1}"

command -v "$python" >/dev/null || { echo "hub-venv.sh: $python not found; install Python >= 3.10 or set PYTHON" >&2; exit 1; }
[ -f "$reqs" ] || { echo "hub-venv.sh: $reqs does not exist" >&2; exit 1; }

want="$(cat "$reqs" "$root/hub/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.mcks-stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv"
  exit 0
fi

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$reqs"
if [ "$hub_package" = 1 ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps --no-build-isolation -e "$root/hub"
  # Fail here, not in a test, when the install is not what we pinned.
  "$venv/bin/python" -c 'import jupyterhub, multicluster_kubespawner, prometheus_client.parser, pytest; print("jupyterhub", jupyterhub.__version__)' >&2
  "$venv/bin/python" - <<'PY'
from importlib.metadata import entry_points
names = [e.name for e in entry_points(group="jupyterhub.spawners")]
assert "multicluster" in names, f"entry point jupyterhub.spawners:multicluster missing, found {names}"
PY
fi
echo "$want" > "$venv/.mcks-stamp"
echo "$venv"
