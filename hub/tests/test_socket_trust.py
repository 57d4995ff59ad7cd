"""Attack (issue 11, finding 15): another local user puts a socket where the hub expects mcks, to
collect the hub's API tokens from ``server.start``. The spawner must refuse to send anything to a
socket it cannot trust, say why, and still talk to one it can.

The squatter is a real listening Unix socket that records every byte it receives. Making it
another user's needs root (chown), as CI runs.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterhub import orm
from jupyterhub.objects import Hub

from multicluster_kubespawner import MultiClusterKubeSpawner
from multicluster_kubespawner.spawner import SpawnError

NOBODY = 65534


class Squatter:
    """A Unix socket server that answers nothing and keeps whatever it is sent."""

    def __init__(self, path: str):
        self.path = path
        self.received = b""
        self.server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> "Squatter":
        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                self.received += await reader.read(65536)
            finally:
                writer.close()

        self.server = await asyncio.start_unix_server(on_client, self.path)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


def spawner(socket_path: str, **traits) -> MultiClusterKubeSpawner:
    user = SimpleNamespace(name="alice", escaped_name="alice", admin=False, groups=[], url="/user/alice/", server=None, settings={})
    orm_spawner = SimpleNamespace(
        name="", server=orm.Server(base_url="/user/alice/", ip="", port=0, proto="http", cookie_name="jupyterhub-user"), state=None, user_options=None
    )
    return MultiClusterKubeSpawner(
        user=user,
        orm_spawner=orm_spawner,
        hub=Hub(ip="127.0.0.1", port=8081, base_url="/hub/"),
        oauth_client_id="jupyterhub-user-alice",
        socket_path=socket_path,
        api_token=f"secret-{uuid.uuid4().hex}",
        **{"connect_timeout": 2, "request_timeout": 2, **traits},
    )


def folder(mode: int, owner: int | None = None) -> Path:
    d = Path(tempfile.mkdtemp(prefix="mcks-squat-"))
    os.chmod(d, mode)
    if owner is not None:
        os.chown(d, owner, owner)
    return d


def needs_root() -> None:
    assert os.geteuid() == 0, "this attack needs a second user: run the hub tests as root (CI does)"


async def test_a_socket_of_another_user_gets_no_token():
    needs_root()
    sock = str(folder(0o1777) / "mcks.sock")  # a /tmp-like folder: anyone may create the socket first
    async with Squatter(sock) as squatter:
        os.chown(sock, NOBODY, NOBODY)
        s = spawner(sock)
        with pytest.raises(SpawnError, match=rf"socket is owned by uid {NOBODY}, not by root or the hub's user"):
            await s.start()
        assert squatter.received == b"", "the spawner sent something (the token) to the squatted socket"
        # An operator who runs mcks as that user says so, and then the socket is used.
        trusted = spawner(sock, allowed_socket_owners=[NOBODY], connect_timeout=1, request_timeout=1)
        with pytest.raises(SpawnError):
            await trusted.profiles()
        assert b"profiles.list" in squatter.received


async def test_a_socket_in_a_world_writable_folder_without_sticky_bit_is_refused():
    sock = str(folder(0o777) / "mcks.sock")
    async with Squatter(sock) as squatter:
        s = spawner(sock)
        with pytest.raises(SpawnError, match=r"writable by everyone without the sticky bit \(mode 777\)"):
            await s.start()
        assert squatter.received == b""


async def test_a_socket_in_another_users_folder_is_refused():
    needs_root()
    d = folder(0o755)
    sock = str(d / "mcks.sock")
    async with Squatter(sock) as squatter:
        os.chown(d, NOBODY, NOBODY)
        with pytest.raises(SpawnError, match=rf"its folder {d} is owned by uid {NOBODY}"):
            await spawner(sock).start()
        assert squatter.received == b""


async def test_a_regular_file_at_the_socket_path_is_refused():
    path = folder(0o755) / "mcks.sock"
    path.write_text("")
    with pytest.raises(SpawnError, match="it is not a socket"):
        await spawner(str(path)).profiles()
