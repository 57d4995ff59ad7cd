"""``MultiClusterKubeSpawner``: JupyterHub's side of multicluster-kubespawner.

All Kubernetes work happens in the ``mcks serve`` daemon; this class maps the Spawner API onto the
daemon's socket protocol (docs/architecture.md, "The socket protocol"):

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
import pwd
from typing import Any

from jupyterhub.spawner import Spawner
from jupyterhub.traitlets import Command
from traitlets import Bool, Float, Int, List, Unicode, Union, default

from . import rpc
from .form import options_from_form, render_form, split_user_options


class SpawnError(Exception):
    """A failure the daemon described for people; JupyterHub shows ``jupyterhub_message`` as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.jupyterhub_message = message


class MultiClusterKubeSpawner(Spawner):
    socket_path = Unicode(
        help="""Path of the Unix socket that `mcks serve --socket PATH` listens on.

        Defaults to $MCKS_SOCKET, else /run/mcks/mcks.sock.""",
    ).tag(config=True)

    @default("socket_path")
    def _default_socket_path(self) -> str:
        return os.environ.get("MCKS_SOCKET", "/run/mcks/mcks.sock")

    allowed_socket_owners = List(
        Union([Unicode(), Int()]),
        help="""Users (names or uids) besides root and the hub's own user whose socket the spawner trusts.

        Needed when `mcks serve` runs as another user and shares the socket with `--socket-mode 660`.
        Before every call the spawner checks that the socket is owned by one of them and that its
        folder is not writable by everyone (without the sticky bit): otherwise another local user
        could have put a socket there to collect the hub's API tokens.""",
    ).tag(config=True)

    connect_timeout = Float(
        30,
        help="""Seconds to keep trying to connect to the daemon's socket.

        Long enough to ride out a restart of `mcks serve`: a poll that fails makes the hub
        consider the server dead.""",
    ).tag(config=True)
    request_timeout = Float(
        60,
        help="""Seconds to wait for the answer to a quick call (profiles.list, server.poll).

        `server.start` is bounded by JupyterHub's `start_timeout` (and the daemon's own startTimeout);
        `server.stop` and `server.delete` by `stop_request_timeout`.""",
    ).tag(config=True)
    stop_request_timeout = Float(
        300, help="Seconds to wait for `server.stop` / `server.delete` to report every object gone."
    ).tag(config=True)
    pass_auth_state = Bool(
        False,
        help="""Send the user's auth_state (from the authenticator) to the daemon.

        It then reaches the profiles' and choices' `allowed(user)` as `user.authState`, templates
        as `{{ user.authState… }}` and plugin hooks as `ctx.user.authState`. It travels over the
        0600 socket only; the daemon never logs it. Needs `c.Authenticator.enable_auth_state`.""",
    ).tag(config=True)

    # As KubeSpawner: no command by default, so the image's own entrypoint and command run.
    # A `c.Spawner.cmd` (+ `args`) the operator sets becomes the container's args, unless the
    # chosen profile sets `cmd` or `args` (the daemon decides; README "Enabling it in JupyterHub").
    cmd = Command(None, allow_none=True, minlen=0, help=Spawner.cmd.help).tag(config=True)

    @default("options_from_form")
    def _default_options_from_form(self):
        return lambda formdata: options_from_form(formdata)

    if "apply_user_options" in Spawner.class_trait_names():  # JupyterHub >= 5.3

        @default("apply_user_options")
        def _default_apply_user_options(self):
            # start() reads user_options itself; checking the shape here turns bad REST input
            # into a 400 with the reason, before anything is started.
            return lambda spawner, user_options: split_user_options(user_options) and None

    # State the daemon returned for the running server: {cluster, namespace, key, profile}.
    mcks_state: dict | None = None
    # The key of a server that upstream's jupyterhub-multicluster-kubespawner (0.2) started: there
    # is a server, but no daemon state for it. The daemon finds it from the user and server names
    # once its objects are adopted (docs/deploy.md, "Upgrading from the Python spawner").
    upstream_key: str | None = None

    # ------------------------------------------------------------------ calls
    def _user(self) -> dict[str, Any]:
        groups = [getattr(g, "name", g) for g in (getattr(self.user, "groups", None) or [])]
        return {"name": self.user.name, "groups": [str(g) for g in groups], "admin": bool(getattr(self.user, "admin", False))}

    async def _user_with_auth_state(self) -> dict[str, Any]:
        """The user as ``profiles.list`` and ``server.start`` send it: with ``authState`` when opted in."""
        user = self._user()
        if self.pass_auth_state:
            auth_state = await self.user.get_auth_state()
            if auth_state is not None:
                user["authState"] = auth_state
        return user

    def _target(self) -> dict[str, Any]:
        return {"user": self._user(), "server": self.name or ""}

    def _allowed_socket_owners(self) -> frozenset[int]:
        uids = set()
        for owner in self.allowed_socket_owners:
            uids.add(owner if isinstance(owner, int) else pwd.getpwnam(owner).pw_uid)
        return frozenset(uids)

    async def _call(self, method: str, params: dict, timeout: float | None, on_notification=None) -> Any:
        try:
            return await rpc.call(
                self.socket_path,
                method,
                params,
                connect_timeout=self.connect_timeout,
                timeout=timeout,
                on_notification=on_notification,
                allowed_owners=self._allowed_socket_owners(),
            )
        except (rpc.RpcError, rpc.DaemonUnavailable) as e:
            # The daemon's message says what failed and how to fix it: it is what the user should read.
            raise SpawnError(str(e)) from e

    # ------------------------------------------------------------------ state
    def load_state(self, state: dict) -> None:
        super().load_state(state)
        state = state or {}
        mcks = state.get("mcks")
        self.mcks_state = dict(mcks) if isinstance(mcks, dict) else None
        # Upstream stored {key, kubernetes_context, created_resources, …} (the YAML it applied,
        # hub token included); only the key is kept, under a name of our own.
        legacy = state.get("upstream_key", state.get("key") if "created_resources" in state else None)
        self.upstream_key = legacy if self.mcks_state is None and isinstance(legacy, str) else None

    def get_state(self) -> dict:
        state = super().get_state()
        if self.mcks_state:
            state["mcks"] = dict(self.mcks_state)
        elif self.upstream_key:
            state["upstream_key"] = self.upstream_key
        return state

    def clear_state(self) -> None:
        super().clear_state()
        self.mcks_state = None
        self.upstream_key = None

    # ------------------------------------------------------------------ options
    async def profiles(self) -> list[dict]:
        """The profiles this user may pick (``profiles.list``)."""
        return await self._call("profiles.list", {"user": await self._user_with_auth_state()}, timeout=self.request_timeout)

    async def get_options_form(self) -> str:
        # An operator-set options_form wins, as with every spawner.
        if self.options_form:
            return await super().get_options_form()
        # JupyterHub restores the options of the last start into user_options: pre-select them.
        return render_form(await self.profiles(), self.user_options)

    # ------------------------------------------------------------------ lifecycle
    def _reset_progress(self) -> None:
        self._events: list[dict] = []
        self._events_done = False
        self._events_wake = asyncio.Event()

    def _push_progress(self, event: dict | None) -> None:
        if event is None:
            self._events_done = True
        else:
            self._events.append(event)
        wake, self._events_wake = self._events_wake, asyncio.Event()
        wake.set()

    async def start(self) -> str:
        profile, options = split_user_options(self.user_options or {})
        self._reset_progress()

        def relay(method: str, params: dict) -> None:
            event = params.get("event")
            if method == "server.progress" and isinstance(event, dict) and "message" in event:
                out: dict[str, Any] = {"message": str(event["message"])}
                if isinstance(event.get("progress"), (int, float)):
                    out["progress"] = int(event["progress"])
                self._push_progress(out)

        params: dict[str, Any] = {
            **self._target(),
            "user": await self._user_with_auth_state(),
            "profile": profile or "",
            "options": options,
            "env": {k: str(v) for k, v in self.get_env().items()},
            # The hub's own command and arguments; the daemon uses them unless the profile sets its own.
            "cmd": [str(a) for a in (self.cmd or [])],
            "args": [str(a) for a in (self.get_args() or [])],
        }
        # A task of its own, so that stop() during a pending start can cancel it (closing the
        # connection is what aborts the daemon's side).
        self._start_call = asyncio.ensure_future(self._call("server.start", params, timeout=None, on_notification=relay))
        try:
            result = await self._start_call
        except asyncio.CancelledError:
            self._start_call.cancel()
            # JupyterHub gave up (start_timeout, or a stop while pending): remove what was applied.
            self._cleanup = asyncio.ensure_future(self._stop_remote(now=True, state=None))
            raise
        finally:
            self._push_progress(None)
        self.mcks_state = dict(result["state"])
        return str(result["url"])

    async def progress(self):
        # Every reader (a reloaded progress page) sees every event of this start from the beginning.
        if not hasattr(self, "_events"):
            return
        i = 0
        while True:
            wake = self._events_wake
            while i < len(self._events):
                yield self._events[i]
                i += 1
            if self._events_done:
                return
            await wake.wait()

    async def poll(self) -> int | None:
        if not self.mcks_state and not self.upstream_key:
            # Nothing started (or the state was cleared): JupyterHub's "not running".
            return 0
        # An upstream server goes without state: the daemon locates it by the names alone.
        result = await self._call("server.poll", {**self._target(), "state": self.mcks_state}, timeout=self.request_timeout)
        status = result.get("status")
        return None if status is None else int(status)

    async def _stop_remote(self, now: bool, state: dict | None) -> None:
        # state None: the daemon finds the server's objects by their labels.
        await self._call("server.stop", {**self._target(), "state": state, "now": bool(now)}, timeout=self.stop_request_timeout)

    async def stop(self, now: bool = False) -> None:
        pending = getattr(self, "_start_call", None)
        if pending is not None and not pending.done():
            pending.cancel()
        await self._stop_remote(now, self.mcks_state)

    async def delete_forever(self) -> None:
        await self._call("server.delete", {**self._target(), "state": self.mcks_state}, timeout=self.stop_request_timeout)
