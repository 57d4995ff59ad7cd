"""Reads the bed's clusters with kubectl (admin contexts): what mcks left there, by its labels."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MANAGED = "app.kubernetes.io/managed-by=multicluster-kubespawner"
KINDS = "pods,services,secrets,serviceaccounts,ingresses.networking.k8s.io,configmaps,persistentvolumeclaims"


def kubeconfig() -> Path:
    clusters = REPO / ".testbed/clusters.json"
    if not clusters.exists():
        raise RuntimeError(f"{clusters} is missing: start the bed with `npm run testbed -- up`")
    return Path(json.loads(clusters.read_text())["kubeconfig"])


def managed_objects(cluster: str, username: str) -> list[str]:
    """`kind/name` of every object mcks manages for this user in that cluster (admin context)."""
    r = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig()), "--context", cluster, "get", KINDS, "--all-namespaces",
         "-l", f"{MANAGED},hub.jupyter.org/username={username}", "-o", "name"],
        capture_output=True, text=True, timeout=60,
    )
    if r.returncode != 0:
        raise RuntimeError(f"kubectl get on {cluster} failed: {r.stderr.strip()}")
    return r.stdout.split()


def pod_json(cluster: str, namespace: str, name: str) -> dict:
    r = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig()), "--context", cluster, "-n", namespace, "get", "pod", name, "-o", "json"],
        capture_output=True, text=True, timeout=60,
    )
    if r.returncode != 0:
        raise RuntimeError(f"kubectl get pod {name} on {cluster} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def wait_gone(cluster: str, username: str, timeout: float = 30) -> list[str]:
    """Waits until nothing of the user is left in the cluster; returns what is left at the end."""
    deadline = time.monotonic() + timeout
    left = managed_objects(cluster, username)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = managed_objects(cluster, username)
    return left


def pod_network(cluster: str) -> str:
    """The loopback /16 prefix of a bed cluster's pod IPs ("127.12."), from its node's InternalIP.

    Each bed agent claims a range of its own, so it is read, not assumed (another bed on the
    same machine shifts them)."""
    r = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig()), "--context", cluster, "get", "nodes", "-o",
         'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'],
        capture_output=True, text=True, timeout=60,
    )
    if r.returncode != 0 or not r.stdout:
        raise RuntimeError(f"kubectl get nodes on {cluster} failed: {r.stderr.strip()}")
    a, b = r.stdout.split(".")[:2]
    return f"{a}.{b}."
