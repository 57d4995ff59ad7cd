"""pass_auth_state: the user's auth_state reaches the daemon's allowed() and the pod's templates,
only when the operator opts in, and never the daemon's log or the hub's stored state."""

from __future__ import annotations

import json

from .kube import pod_json

SECRET = "gho_auth-state-token-0f3c"


def _radios(html: str) -> list[str]:
    import re

    return re.findall(r'name="profile" id="profile-[^"]+" value="([^"]+)"', html)


async def test_auth_state_stays_home_unless_the_operator_opts_in(make_spawner, username):
    user = make_spawner.User(username, auth_state={"tier": "gold", "access_token": SECRET})
    assert "gold" not in _radios(await make_spawner(user).get_options_form())
    assert "gold" in _radios(await make_spawner(user, pass_auth_state=True).get_options_form())


async def test_auth_state_reaches_allowed_and_templates_but_not_the_log_or_the_state(make_spawner, username, daemon):
    user = make_spawner.User(username, auth_state={"tier": "gold", "access_token": SECRET})
    s = make_spawner(user, pass_auth_state=True)
    s.user_options = {"profile": "gold"}
    await s.start()
    try:
        pod = pod_json("testbed-2", "default", f"jupyter-{username}")
        assert pod["metadata"]["annotations"]["example.org/tier"] == "gold"
        assert SECRET not in json.dumps(pod)
        assert SECRET not in json.dumps(s.get_state())
        assert SECRET not in daemon.log.read_text()
    finally:
        await s.stop()
