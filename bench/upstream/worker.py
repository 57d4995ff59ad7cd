"""
Upstream's spawner (jupyterhub-multicluster-kubespawner 0.2, from bench/.venv), timed in-process:
what its start() does before `kubectl apply` (load_user_options → get_resources_spec, its Jinja2
templates → apply_patches, one `kubectl patch --local` process per patch → augment_notebook_container),
called on a real MultiClusterKubeSpawner instance. Driven by bench/upstream.ts over stdin/stdout,
one JSON object per line:

    in:  {"patches": {"01-x": "<template>", …}, "users": N, "profile": {spawner_override…}}
    out: {"ms": <wall ms for the N users>, "pod": <the last user's patched Pod>}
"""
import asyncio
import json
import sys
import time

from jupyterhub.objects import Hub
from multicluster_kubespawner.spawner import MultiClusterKubeSpawner


class User:
    """What a Spawner reads of a hub user: name, id, url, and nothing of the database."""

    def __init__(self, i):
        self.name = f"user{i}"
        self.id = i
        self.url = f"/user/{self.name}/"
        self.escaped_name = self.name
        self.spawners = {}


def spawner_for(i, patches, profile):
    s = MultiClusterKubeSpawner(
        user=User(i),
        hub=Hub(url="http://127.0.0.1:8081/hub/"),
        api_token="x",
        oauth_client_id=f"jupyterhub-user-user{i}",
        profile_list=[profile],
        patches=patches,
    )
    return s


async def one(i, patches, profile):
    s = spawner_for(i, patches, profile)
    # start() up to, not including, kubectl apply (no cluster here).
    await s.load_user_options()
    return s.augment_notebook_container(await s.apply_patches(s.get_resources_spec()))


async def main():
    for line in sys.stdin:
        req = json.loads(line)
        patches, profile = req["patches"], req["profile"]
        t0 = time.perf_counter()
        for i in range(req["users"]):
            objs = await one(i, patches, profile)
        ms = (time.perf_counter() - t0) * 1000
        pod = next(o for o in objs if o["kind"] == "Pod")
        sys.stdout.write(json.dumps({"ms": ms, "pod": pod}) + "\n")
        sys.stdout.flush()


asyncio.run(main())
