#!/usr/bin/env bash
# The benchmark's Python environment (bench/.venv): upstream's spawner 0.2 and KubeSpawner 7.1.0
# beside the hub's JupyterHub version, pinned in bench/requirements.txt; made like the hub's venv
# (test/setup/hub-venv.sh) without this repository's hub package. Prints the venv's path last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(HUB_PACKAGE=0 bash "$here/../test/setup/hub-venv.sh" "$here/.venv" "$here/requirements.txt" | tail -n 1)"
# The hub's JupyterHub, and the versions the comparison names.
"$venv/bin/python" - "$here/../hub/requirements.txt" <<'PY'
import sys
from importlib.metadata import version
hub_pin = next(l.split("==")[1].strip() for l in open(sys.argv[1]) if l.lower().startswith("jupyterhub=="))
for name, want in [("jupyterhub", hub_pin), ("jupyterhub-multicluster-kubespawner", "0.2"), ("jupyterhub-kubespawner", "7.1.0")]:
    assert version(name) == want, f"{name} {version(name)} installed, {want} wanted"
PY
echo "$venv"
