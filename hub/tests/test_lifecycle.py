"""start / progress / poll / stop / state / named servers / delete_forever / errors / cancellation,
each against the real daemon and the bed's clusters."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request

import pytest

from multicluster_kubespawner.spawner import SpawnError

from .kube import managed_objects, pod_json, pod_network, wait_gone


async def _start_collecting(spawner) -> tuple[str, list[dict]]:
    """Runs start() while reading progress() like the hub's progress page does."""
    events: list[dict] = []
    start = asyncio.ensure_future(spawner.start())
    await asyncio.sleep(0)  # start() resets the event list before progress() reads it

    async def read():
        async for e in spawner.progress():
            events.append(e)

    reader = asyncio.ensure_future(read())
    try:
        url = await asyncio.wait_for(start, 90)
    finally:
        await asyncio.wait_for(reader, 5)
    return url, events


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


async def test_start_poll_stop_on_the_chosen_cluster(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "mock-2"}
    url, events = await _start_collecting(s)

    # Progress: the daemon's notifications, in order, ending at 100.
    assert len(events) >= 5, events
    assert all(set(e) <= {"progress", "message"} for e in events)
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress) and progress[-1] == 100
    assert any("testbed-2" in e["message"] for e in events)
    # The progress page names the profile and the cluster, from the first step to the last.
    assert "(profile mock-2, cluster testbed-2)" in events[0]["message"], events[0]
    assert events[-1]["message"].endswith("(profile mock-2, cluster testbed-2)"), events[-1]

    # The URL is the cluster's ingress; the pod behind it is in testbed-2 (its node's pod network).
    assert url.endswith(f"/user/{username}/")
    answer = _get_json(url + "whoami")
    assert answer["path"] == f"/user/{username}/whoami"
    assert answer["ip"].startswith(pod_network("testbed-2"))
    assert managed_objects("testbed-2", username) and not managed_objects("testbed-1", username)

    # State: what the daemon returned, nothing secret.
    state = s.get_state()
    assert state["mcks"] == {"cluster": "testbed-2", "namespace": "default", "key": f"jupyter-{username}", "profile": "mock-2"}
    assert s.api_token not in json.dumps(state)
    # The hub's token went into a Secret, not into the pod's spec text.
    pod = pod_json("testbed-2", "default", f"jupyter-{username}")
    assert s.api_token not in json.dumps(pod)

    assert await s.poll() is None

    await s.stop()
    # stop returns once the Pod is gone; the cluster's garbage collector removes the rest just after.
    assert wait_gone("testbed-2", username) == []
    status = await s.poll()
    assert isinstance(status, int)
    s.clear_state()
    assert s.get_state() == {}
    assert await s.poll() == 0


async def test_state_survives_a_new_spawner(make_spawner, username):
    first = make_spawner(username)
    first.user_options = {"profile": "mock-1", "memory": "large"}
    await first.start()
    saved = json.loads(json.dumps(first.get_state()))  # what the hub's database keeps

    # The hub restarted: a new Spawner object, state loaded from the database.
    second = make_spawner(username)
    second.load_state(saved)
    assert second.mcks_state == saved["mcks"]
    assert await second.poll() is None
    pod = pod_json("testbed-1", "default", f"jupyter-{username}")
    assert pod["spec"]["containers"][0]["resources"]["requests"]["memory"] in ("128M", "128Mi")
    await second.stop(now=True)
    assert wait_gone("testbed-1", username) == []


async def test_named_servers_are_separate(make_spawner, username):
    a = make_spawner(username, server="one")
    a.user_options = {"profile": "mock-1"}
    b = make_spawner(username, server="two")
    b.user_options = {"profile": "mock-2"}
    url_a, url_b = await asyncio.gather(a.start(), b.start())
    assert url_a.endswith(f"/user/{username}/one/") and url_b.endswith(f"/user/{username}/two/")
    assert a.mcks_state["key"] != b.mcks_state["key"]
    assert _get_json(url_a + "api")["version"] and _get_json(url_b + "x")["ip"].startswith(pod_network("testbed-2"))

    await a.stop()
    # Stopping one leaves the other running.
    assert await a.poll() is not None
    assert await b.poll() is None
    await b.stop()
    assert wait_gone("testbed-1", username) == [] and wait_gone("testbed-2", username) == []


async def test_delete_forever_removes_everything(make_spawner, username):
    s = make_spawner(username, server="gone")
    s.user_options = {"profile": "mock-1"}
    await s.start()
    await s.stop()
    await s.delete_forever()
    assert managed_objects("testbed-1", username) == []
    # And without any state (a server that never started): still fine.
    await make_spawner(username, server="never").delete_forever()


async def test_unlisted_value_is_validated_by_the_daemon(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "mock-1", "memory": "lots"}
    with pytest.raises(SpawnError) as e:
        await s.start()
    message = e.value.jupyterhub_message
    assert "lots" in message and "Memory" in message and "like 96M" in message, message
    assert managed_objects("testbed-1", username) == []

    s.user_options = {"profile": "mock-1", "memory": "96M"}
    await s.start()
    pod = pod_json("testbed-1", "default", f"jupyter-{username}")
    assert pod["spec"]["containers"][0]["resources"]["requests"]["memory"] in ("96M", "96Mi")
    await s.stop()


async def test_kubernetes_failure_reaches_the_user_as_the_message(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "broken"}
    with pytest.raises(SpawnError) as e:
        await _start_collecting(s)
    assert "ErrImagePull" in e.value.jupyterhub_message
    assert "testbed/fail-pull" in e.value.jupyterhub_message
    # A failed start cleans up after itself (the hub then calls stop too, which must be harmless).
    await s.stop()
    assert wait_gone("testbed-2", username) == []


async def test_unknown_profile_is_a_clear_error(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "no-such-profile"}
    with pytest.raises(SpawnError) as e:
        await s.start()
    assert "no-such-profile" in str(e.value)


async def test_a_user_cannot_use_a_profile_they_are_not_allowed(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "admins-only"}
    with pytest.raises(SpawnError) as e:
        await s.start()
    assert "admins-only" in str(e.value)
    assert managed_objects("testbed-1", username) == []


async def test_cancelled_start_stops_the_remote_side(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "mock-1"}
    start = asyncio.ensure_future(s.start())
    # Cancel once the objects exist in the cluster, as JupyterHub's start_timeout would.
    for _ in range(200):
        if managed_objects("testbed-1", username):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the start never created objects")
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start
    assert wait_gone("testbed-1", username) == []


async def test_missing_daemon_is_a_clear_error(make_spawner, username, tmp_path):
    s = make_spawner(username, socket_path=str(tmp_path / "nobody.sock"), connect_timeout=2)
    with pytest.raises(SpawnError) as e:
        await s.get_options_form()
    assert "nobody.sock" in str(e.value) and "mcks serve" in str(e.value)


async def test_poll_rides_out_a_daemon_restart(make_spawner, username, daemon):
    # As long as the daemon fixture gives a restart (90 s), on a loaded machine.
    s = make_spawner(username, connect_timeout=90)
    s.user_options = {"profile": "mock-1"}
    await s.start()
    daemon.stop(signal.SIGKILL)  # killed, not stopped: no chance to clean anything up
    # The hub polls while the daemon is down; the spawner keeps trying to connect.
    poll = asyncio.ensure_future(s.poll())
    await asyncio.sleep(1)
    assert not poll.done()
    await asyncio.get_running_loop().run_in_executor(None, daemon.start)
    assert await asyncio.wait_for(poll, 120) is None
    # The restarted daemon still knows the server: stop removes everything.
    await s.stop()
    assert wait_gone("testbed-1", username) == []
