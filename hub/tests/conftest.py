"""Fixtures: the test bed (real kube-apiservers + fake kubelets), a REAL `mcks serve` on it, and
spawners built the way JupyterHub builds them, around a small user/server stand-in.

Nothing here fakes the daemon: every call goes over the socket to `mcks serve`, which applies to
the bed's clusters. A part that cannot start fails the session with what to do about it.

Environment:
  MCKS_BIN        run this binary (e.g. dist/mcks) instead of `node src/main.ts`
  MCKS_HUB_CONFIG the mcks config to serve (default test/e2e/config.ts)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterhub import orm
from jupyterhub.objects import Hub

from multicluster_kubespawner import MultiClusterKubeSpawner

from .kube import REPO, kubeconfig

NODE = REPO / "node_modules/.bin/node"


@pytest.fixture(scope="session")
def bed() -> Path:
    """Starts the bed if it is not running (idempotent); leaves it running, as test/run.ts expects."""
    r = subprocess.run([str(NODE), "test/testbed/cli.ts", "up"], cwd=REPO, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.fail(f"the test bed did not start (`npm run testbed -- up`):\n{r.stdout}\n{r.stderr}", pytrace=False)
    return kubeconfig()


def _serve_argv(config: str, socket_path: str) -> list[str]:
    binary = os.environ.get("MCKS_BIN")
    head = [binary] if binary else [str(NODE), str(REPO / "src/main.ts")]
    return [*head, "serve", "-c", config, "--socket", socket_path]


def _accepts(path: str) -> bool:
    """Whether a daemon listens there (a killed daemon leaves its socket file behind)."""
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


@pytest.fixture(scope="session")
def daemon(bed: Path):
    """A real `mcks serve` on a private socket; yields a handle with `.socket` and `.restart()`."""
    tmp = Path(tempfile.mkdtemp(prefix="mcks-hub-tests-"))
    config = os.environ.get("MCKS_HUB_CONFIG", str(REPO / "test/e2e/config.ts"))
    log_path = tmp / "serve.log"
    handle = SimpleNamespace(socket=str(tmp / "mcks.sock"), log=log_path, proc=None)

    def start() -> None:
        log = open(log_path, "ab")
        env = {**os.environ, "KUBECONFIG": str(bed)}
        handle.proc = subprocess.Popen(_serve_argv(config, handle.socket), cwd=REPO, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while not _accepts(handle.socket):
            if handle.proc.poll() is not None:
                pytest.fail(f"`mcks serve` exited with {handle.proc.returncode}:\n{log_path.read_text()}", pytrace=False)
            if time.monotonic() > deadline:
                handle.proc.kill()
                pytest.fail(f"`mcks serve` did not create {handle.socket} within 90 s:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.1)

    def stop(sig: int = signal.SIGTERM) -> None:
        if handle.proc and handle.proc.poll() is None:
            handle.proc.send_signal(sig)
            try:
                handle.proc.wait(30)
            except subprocess.TimeoutExpired:
                handle.proc.kill()
                handle.proc.wait()

    handle.start, handle.stop = start, stop
    start()
    yield handle
    stop()


class _StandInUser:
    """What a Spawner reads of JupyterHub's `User`: name, groups, admin, url, server-name rules."""

    def __init__(self, name: str, admin: bool = False, groups: tuple[str, ...] = (), auth_state: dict | None = None):
        self.name = name
        self.escaped_name = name
        self.admin = admin
        self.groups = [SimpleNamespace(name=g) for g in groups]
        self.url = f"/user/{name}/"
        self.server = None
        self.settings: dict = {}
        self._auth_state = auth_state

    async def get_auth_state(self):
        return self._auth_state


@pytest.fixture
async def make_spawner(daemon):
    """`make_spawner(user, server="", **traits)` → a MultiClusterKubeSpawner as the hub would build it."""
    made: list[MultiClusterKubeSpawner] = []

    def make(user: str | _StandInUser, server: str = "", **traits) -> MultiClusterKubeSpawner:
        u = user if isinstance(user, _StandInUser) else _StandInUser(user)
        base_url = f"/user/{u.name}/" + (f"{server}/" if server else "")
        # A real (detached) orm.Server: get_env() derives the service prefix and URLs from it.
        orm_spawner = SimpleNamespace(name=server, server=orm.Server(base_url=base_url, ip="", port=0, proto="http", cookie_name="jupyterhub-user"), state=None, user_options=None)
        client_id = f"jupyterhub-user-{u.name}" + (f"-{server}" if server else "")
        traits.setdefault("socket_path", daemon.socket)
        traits.setdefault("api_token", f"secret-{uuid.uuid4().hex}")
        s = MultiClusterKubeSpawner(
            user=u,
            orm_spawner=orm_spawner,
            hub=Hub(ip="127.0.0.1", port=8081, base_url="/hub/"),
            oauth_client_id=client_id,
            **traits,
        )
        made.append(s)
        return s

    make.User = _StandInUser  # type: ignore[attr-defined]
    yield make
    # A failed test must not leave servers on the shared bed.
    for s in made:
        try:
            await s.stop(now=True)
        except Exception:
            pass


@pytest.fixture
def username() -> str:
    """A user name no other test (nor another run on the same bed) uses."""
    return f"pyt-{uuid.uuid4().hex[:8]}"
