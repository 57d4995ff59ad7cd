#!/usr/bin/env bash
# The benchmark's Python environment (bench/.venv): upstream's spawner 0.2 and KubeSpawner 7.1.0
# beside the hub's JupyterHub version, pinned in bench/requirements.txt.
# Idempotent (a stamp holds the requirements' hash). Prints the venv's path on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
reqs="$here/requirements.txt"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "bench/venv.sh: $python not found; install Python >= 3.10 or set PYTHON" >&2; exit 1; }
want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.mcks-stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv"
  exit 0
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$reqs"
# Fail here, not in the middle of a benchmark, when the install is not what we pinned.
"$venv/bin/python" - <<'PY' >&2
from importlib.metadata import version
for name, want in [("jupyterhub-multicluster-kubespawner", "0.2"), ("jupyterhub-kubespawner", "7.1.0")]:
    assert version(name) == want, f"{name} {version(name)} installed, {want} pinned"
import multicluster_kubespawner.spawner, kubespawner
print("jupyterhub", version("jupyterhub"), "kubespawner", version("jupyterhub-kubespawner"), "upstream", version("jupyterhub-multicluster-kubespawner"))
PY
echo "$want" > "$venv/.mcks-stamp"
echo "$venv"
