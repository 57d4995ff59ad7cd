"""JSON-RPC 2.0 over the mcks Unix socket: one JSON object per line.

One connection per call: the daemon sends a call's notifications (``server.progress``) on the
connection that made it, and Unix-socket connections cost next to nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any, Awaitable, Callable

# The daemon rejects messages over 1 MiB; allow a little more for responses.
LINE_LIMIT = 2 * 1024 * 1024

_ids = itertools.count(1)


class RpcError(Exception):
    """The daemon answered with an error; ``str(err)`` is its human message."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.data = data


class DaemonUnavailable(Exception):
    """The socket could not be reached (daemon not running, wrong path, permissions)."""


Notify = Callable[[str, dict], Awaitable[None] | None]


async def call(
    socket_path: str,
    method: str,
    params: dict,
    *,
    connect_timeout: float,
    timeout: float | None,
    on_notification: Notify | None = None,
) -> Any:
    """Call ``method`` and return its result; relays notifications while waiting."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(socket_path, limit=LINE_LIMIT), connect_timeout
        )
    except (OSError, asyncio.TimeoutError) as e:
        raise DaemonUnavailable(
            f"cannot reach the mcks daemon at {socket_path}: {e or 'timed out'}; is `mcks serve` running?"
        ) from e
    request_id = next(_ids)
    try:
        line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        writer.write(line.encode() + b"\n")
        await writer.drain()
        return await asyncio.wait_for(_read_reply(reader, request_id, on_notification), timeout)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _read_reply(reader: asyncio.StreamReader, request_id: int, on_notification: Notify | None) -> Any:
    while True:
        raw = await reader.readline()
        if not raw:
            raise DaemonUnavailable("the mcks daemon closed the connection before answering")
        msg = json.loads(raw)
        if "id" not in msg or msg.get("id") is None and "method" in msg:
            if on_notification is not None:
                r = on_notification(msg.get("method", ""), msg.get("params") or {})
                if asyncio.iscoroutine(r):
                    await r
            continue
        if msg.get("id") != request_id:
            continue
        if "error" in msg:
            err = msg["error"] or {}
            raise RpcError(err.get("code", -32000), err.get("message", "unknown error"), err.get("data"))
        return msg.get("result")
