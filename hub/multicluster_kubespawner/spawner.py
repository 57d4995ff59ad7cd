"""``MultiClusterKubeSpawner``: JupyterHub's side of multicluster-kubespawner.

All Kubernetes work happens in the ``mcks serve`` daemon; this class translates the Spawner API
into the daemon's socket protocol (see DESIGN.md in the repository):

=================  ==================
Spawner            socket method
=================  ==================
options form       ``profiles.list``
``start``          ``server.start`` (+ ``server.progress`` notifications → ``progress()``)
``poll``           ``server.poll``
``stop``           ``server.stop``
``delete_forever`` ``server.delete``
=================  ==================

The stored state is what the daemon returned (cluster, namespace, key, profile): never a secret.
The hub's API token travels once, in ``env`` over the 0600 socket, into a per-server Secret.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from jupyterhub.spawner import Spawner
from traitlets import Float, Unicode, default

from . import rpc
from .form import options_from_form as _options_from_form
from .form import render_form, split_user_options

_DONE = object()


class MultiClusterKubeSpawner(Spawner):
    socket_path = Unicode(
        help="""Path of the Unix socket `mcks serve --socket PATH` listens on.

        Defaults to $MCKS_SOCKET, else /run/mcks/mcks.sock.""",
    ).tag(config=True)

    @default("socket_path")
    def _default_socket_path(self) -> str:
        return os.environ.get("MCKS_SOCKET", "/run/mcks/mcks.sock")

    connect_timeout = Float(10, help="Seconds to wait for a connection to the daemon.").tag(config=True)
    request_timeout = Float(
        60,
        help="Seconds to wait for quick calls (profiles, poll). `start` uses start_timeout, `stop` its own.",
    ).tag(config=True)
    stop_timeout = Float(300, help="Seconds to wait for `stop` to remove every object.").tag(config=True)

    # ---------------------------------------------------------------- helpers
    def _user(self) -> dict[str, Any]:
        groups = [getattr(g, "name", g) for g in (getattr(self.user, "groups", None) or [])]
        return {"name": self.user.name, "groups": groups, "admin": bool(getattr(self.user, "admin", False))}

    async def _call(self, method: str, params: dict, timeout: float | None = None, on_notification=None) -> Any:
        try:
            return await rpc.call(
                self.socket_path,
                method,
                params,
                connect_timeout=self.connect_timeout,
                timeout=self.request_timeout if timeout is None else timeout,
                on_notification=on_notification,
            )
        except rpc.RpcError as e:
            # The daemon's message is written for people: what failed and why.
            raise RuntimeError(str(e)) from None

    # ---------------------------------------------------------------- state
    _state: dict | None = None

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        mcks = state.get("mcks") if state else None
        self._state = dict(mcks) if mcks else None

    def get_state(self) -> dict:
        state = super().get_state()
        if self._state:
            state["mcks"] = dict(self._state)
        return state

    def clear_state(self) -> None:
        super().clear_state()
        self._state = None

    # ---------------------------------------------------------------- options
    async def _profiles(self) -> list[dict]:
        return await self._call("profiles.list", {"user": self._user()})

    async def get_options_form(self) -> str:
        if self.options_form:
            return await super().get_options_form()
        return render_form(await self._profiles())

    def options_from_form(self, formdata: dict) -> dict:
        return _options_from_form(formdata)

    # ---------------------------------------------------------------- lifecycle
    def _queue(self) -> asyncio.Queue:
        q = getattr(self, "_progress_queue", None)
        if q is None:
            q = self._progress_queue = asyncio.Queue()
        return q

    async def start(self):
        profile, options = split_user_options(self.user_options or {})
        queue = self._queue()
        # Drop events of an earlier start.
        while not queue.empty():
            queue.get_nowait()

        def relay(method: str, params: dict) -> None:
            if method == "server.progress" and isinstance(params.get("event"), dict):
                queue.put_nowait(params["event"])

        params = {
            "user": self._user(),
            "server": self.name or "",
            "profile": profile or "",
            "options": options,
            "env": {k: str(v) for k, v in self.get_env().items()},
        }
        if not profile:
            del params["profile"]
        try:
            result = await self._call("server.start", params, timeout=None, on_notification=relay)
        except asyncio.CancelledError:
            # The hub gave up (stop while pending, start timeout): don't leave objects behind.
            await asyncio.shield(self._stop_remote(now=True, state=None))
            raise
        finally:
            queue.put_nowait(_DONE)
        self._state = dict(result["state"])
        return result["url"]

    async def progress(self):
        queue = self._queue()
        while True:
            event = await queue.get()
            if event is _DONE:
                return
            yield event

    async def poll(self):
        if not self._state:
            return 0
        result = await self._call(
            "server.poll", {"user": self._user(), "server": self.name or "", "state": self._state}
        )
        return result.get("status")

    async def _stop_remote(self, now: bool, state: dict | None) -> None:
        params: dict[str, Any] = {"user": self._user(), "server": self.name or "", "now": bool(now)}
        params["state"] = state or {}
        await self._call("server.stop", params, timeout=self.stop_timeout)

    async def stop(self, now: bool = False):
        await self._stop_remote(now, self._state)

    async def delete_forever(self):
        await self._call(
            "server.delete",
            {"user": self._user(), "server": self.name or "", "state": self._state or {}},
            timeout=self.stop_timeout,
        )
