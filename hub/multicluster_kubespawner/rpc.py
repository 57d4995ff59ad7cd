"""JSON-RPC 2.0 over the mcks Unix socket: one JSON object per ``\\n``-terminated line.

One connection per call: the daemon sends ``server.progress`` notifications only on the connection
that made the ``server.start``, and closing a connection aborts the daemon's work for the calls
still running on it — which is how a cancelled start stops the remote side.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import stat
from collections.abc import Awaitable, Callable
from typing import Any

# The daemon drops lines over 1 MiB; its answers are far smaller, but don't choke on a big one.
LINE_LIMIT = 4 * 1024 * 1024

# Error codes of the daemon (src/rpc/errors.ts): -32000 is a failure written for people.
OPERATION_FAILED = -32000
INTERNAL_ERROR = -32001
SHUTTING_DOWN = -32002

_ids = itertools.count(1)

Notify = Callable[[str, dict], "Awaitable[None] | None"]


class RpcError(Exception):
    """The daemon answered with an error; ``str(err)`` is its message."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.data = data


class DaemonUnavailable(Exception):
    """The socket could not be reached or the daemon went away mid-call."""


class UntrustedSocket(DaemonUnavailable):
    """The socket path may belong to someone other than the daemon: nothing is sent to it."""


def check_socket(socket_path: str, allowed_owners: frozenset[int] = frozenset()) -> None:
    """Refuse a socket another local user could have put there, before anything (a hub token) is sent.

    The socket must be a socket owned by root, by the hub's own user or by one of ``allowed_owners``
    (the daemon's user when it runs as another user with ``--socket-mode 660``), and its folder
    must be owned by one of them too and not writable by everyone unless it has the sticky bit
    (in such a folder anyone could replace the socket). A missing socket is not an error here:
    the caller retries until the daemon creates it.
    """
    owners = {0, os.geteuid(), *allowed_owners}
    folder = os.path.dirname(os.path.abspath(socket_path))
    try:
        st = os.lstat(socket_path)
    except FileNotFoundError:
        st = None
    fix = "; see MultiClusterKubeSpawner.allowed_socket_owners and the README's Security model"
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            raise UntrustedSocket(f"refusing to talk to {socket_path}: it is not a socket{fix}")
        if st.st_uid not in owners:
            raise UntrustedSocket(
                f"refusing to talk to {socket_path}: the socket is owned by uid {st.st_uid}, not by root or"
                f" the hub's user (uid {os.geteuid()}), so it may not be mcks{fix}"
            )
    try:
        dst = os.stat(folder)
    except FileNotFoundError:
        return
    if dst.st_uid not in owners:
        raise UntrustedSocket(
            f"refusing to talk to {socket_path}: its folder {folder} is owned by uid {dst.st_uid}, who could"
            f" replace the socket{fix}"
        )
    if dst.st_mode & stat.S_IWOTH and not dst.st_mode & stat.S_ISVTX:
        raise UntrustedSocket(
            f"refusing to talk to {socket_path}: its folder {folder} is writable by everyone without the"
            f" sticky bit (mode {stat.S_IMODE(dst.st_mode):o}), so anyone could replace the socket;"
            f" put the socket in a folder only mcks can write{fix}"
        )


async def call(
    socket_path: str,
    method: str,
    params: dict,
    *,
    connect_timeout: float,
    timeout: float | None,
    on_notification: Notify | None = None,
    allowed_owners: frozenset[int] = frozenset(),
) -> Any:
    """Call ``method`` and return its result, relaying notifications until the answer arrives.

    Cancelling the awaiting task closes the connection, which aborts the call in the daemon.
    """
    reader, writer = await _connect(socket_path, connect_timeout, allowed_owners)
    request_id = next(_ids)
    try:
        line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        writer.write(line.encode() + b"\n")
        await writer.drain()
        return await asyncio.wait_for(_read_reply(reader, request_id, on_notification), timeout)
    except asyncio.TimeoutError as e:
        raise DaemonUnavailable(f"the mcks daemon did not answer {method} within {timeout:g} s") from e
    except (ConnectionError, BrokenPipeError) as e:
        raise DaemonUnavailable(f"the connection to the mcks daemon at {socket_path} broke during {method}: {e}") from e
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, asyncio.CancelledError):
            pass


async def _connect(socket_path: str, connect_timeout: float, allowed_owners: frozenset[int]):
    """Connects, retrying while the socket is missing or refuses: a daemon restart takes seconds,
    and a poll that fails during it would make the hub think the server died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + connect_timeout
    delay = 0.1
    while True:
        # Checked at every attempt: a restart replaces the socket.
        check_socket(socket_path, allowed_owners)
        try:
            return await asyncio.wait_for(
                asyncio.open_unix_connection(socket_path, limit=LINE_LIMIT), max(0.1, deadline - loop.time())
            )
        except asyncio.TimeoutError as e:
            raise DaemonUnavailable(
                f"cannot reach the mcks daemon at {socket_path}: no connection within {connect_timeout:g} s;"
                " is `mcks serve` running and not overloaded?"
            ) from e
        except (FileNotFoundError, ConnectionRefusedError) as e:
            if loop.time() + delay > deadline:
                raise DaemonUnavailable(
                    f"cannot reach the mcks daemon at {socket_path}: {e.strerror or e} (for {connect_timeout:g} s);"
                    " start it with `mcks serve -c CONFIG --socket PATH` or fix MultiClusterKubeSpawner.socket_path"
                ) from e
        except OSError as e:
            # Permissions and the like: waiting will not help.
            raise DaemonUnavailable(
                f"cannot connect to the mcks daemon at {socket_path}: {e.strerror or e};"
                " the hub's user needs read/write access to the socket (see `mcks serve --socket-mode`)"
            ) from e
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


async def _read_reply(reader: asyncio.StreamReader, request_id: int, on_notification: Notify | None) -> Any:
    while True:
        raw = await reader.readline()
        if not raw:
            raise DaemonUnavailable("the mcks daemon closed the connection before answering (did it stop or restart?)")
        msg = json.loads(raw)
        if not isinstance(msg, dict):
            continue
        if "method" in msg and "id" not in msg:
            if on_notification is not None:
                r = on_notification(msg["method"], msg.get("params") or {})
                if asyncio.iscoroutine(r):
                    await r
            continue
        # An error with id null answers a line the daemon could not read: ours, one per connection.
        if msg.get("id") not in (request_id, None):
            continue
        if "error" in msg:
            err = msg["error"] or {}
            raise RpcError(int(err.get("code", OPERATION_FAILED)), str(err.get("message", "unknown error")), err.get("data"))
        return msg.get("result")
