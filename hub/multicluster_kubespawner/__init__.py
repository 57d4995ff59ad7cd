"""JupyterHub spawner for multicluster-kubespawner: a thin client of the `mcks serve` socket."""

from .spawner import MultiClusterKubeSpawner

__all__ = ["MultiClusterKubeSpawner"]
__version__ = "0.1.0"
