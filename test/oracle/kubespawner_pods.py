"""KubeSpawner's own pod builder, as the reference the oracle tests compare `mcks dry-run` with.

Reads one JSON object on stdin: ``{"cases": [{"id", "user", "server", "kubespawner", "spawner",
"user_options", "z2jh"}]}`` and prints ``{"<id>": {"pod": {...}, "pvc": {...} | null}}``.

- ``kubespawner``: KubeSpawner traits by their Python names (``node_selector``, ``profile_list``…),
  set as ``c.KubeSpawner.<name>``; ``spawner``: ``c.Spawner.<name>`` (``cmd``, ``default_url``).
- ``z2jh``: a zero-to-jupyterhub values tree (chart defaults already merged in); it is turned
  into traits the way the chart's hub configuration does (``traits_from_z2jh``), then
  ``kubespawner`` is applied over it.
- ``user_options``: what the hub would pass (``{"profile": slug, "<option>": choice,
  "<option>--unlisted-choice": text}``); with a profile list, KubeSpawner's own
  ``load_user_options`` applies the profile's and the choices' ``kubespawner_override``.

Nothing talks to a cluster: KubeSpawner's client setup is replaced by no-ops before the class
is created (it would otherwise look for a kubeconfig), and only ``get_pod_manifest`` /
``get_pvc_manifest`` are called.
"""

from __future__ import annotations

import asyncio
import json
import sys

import kubespawner.spawner as ks_module
from kubernetes_asyncio.client import ApiClient
from traitlets.config import Config

ks_module.load_config = lambda **kwargs: None
ks_module.shared_client = lambda *args, **kwargs: None
KubeSpawner = ks_module.KubeSpawner

# sanitize_for_serialization only needs the class's tables; no HTTP session is opened.
_serializer = object.__new__(ApiClient)


class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _user(name: str):
    return _Obj(name=name, id=1, url=f"/user/{name}/", admin=False, groups=[])


def _hub():
    return _Obj(public_host="hub.example.org", url="/hub/", base_url="/hub/", api_url="http://hub:8081/hub/api")


def _get(values: dict, path: str, default=None):
    cur = values
    for part in path.split("."):
        if not isinstance(cur, dict) or cur.get(part) is None:
            return default
        cur = cur[part]
    return cur


def traits_from_z2jh(values: dict) -> tuple[dict, dict]:
    """(KubeSpawner traits, Spawner traits) for the `singleuser` and `scheduling.userPods` parts of
    a z2jh values tree, as the chart's jupyterhub_config.py sets them (only what shapes the pod)."""
    su = values.get("singleuser", {})
    t: dict = {}
    s: dict = {}
    direct = {
        "image_pull_policy": "image.pullPolicy",
        "extra_labels": "extraLabels",
        "extra_annotations": "extraAnnotations",
        "uid": "uid",
        "fs_gid": "fsGid",
        "service_account": "serviceAccountName",
        "node_selector": "nodeSelector",
        "node_affinity_required": "extraNodeAffinity.required",
        "node_affinity_preferred": "extraNodeAffinity.preferred",
        "pod_affinity_required": "extraPodAffinity.required",
        "pod_affinity_preferred": "extraPodAffinity.preferred",
        "pod_anti_affinity_required": "extraPodAntiAffinity.required",
        "pod_anti_affinity_preferred": "extraPodAntiAffinity.preferred",
        "lifecycle_hooks": "lifecycleHooks",
        "init_containers": "initContainers",
        "extra_containers": "extraContainers",
        "mem_limit": "memory.limit",
        "mem_guarantee": "memory.guarantee",
        "cpu_limit": "cpu.limit",
        "cpu_guarantee": "cpu.guarantee",
        "extra_resource_limits": "extraResource.limits",
        "extra_resource_guarantees": "extraResource.guarantees",
        "environment": "extraEnv",
        "profile_list": "profileList",
        "extra_pod_config": "extraPodConfig",
        "start_timeout": "startTimeout",
    }
    for trait, key in direct.items():
        v = _get(su, key)
        if v is not None:
            t[trait] = v
    image = _get(su, "image.name")
    if image:
        tag = _get(su, "image.tag")
        t["image"] = f"{image}:{tag}" if tag else image
    t["allow_privilege_escalation"] = su.get("allowPrivilegeEscalation")
    pull_secrets = list(_get(values, "imagePullSecrets", [])) + list(_get(su, "image.pullSecrets", []))
    if pull_secrets:
        t["image_pull_secrets"] = pull_secrets

    purpose = _get(values, "scheduling.userPods.nodeAffinity.matchNodePurpose")
    term = {"matchExpressions": [{"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}]}
    if purpose == "prefer":
        t["node_affinity_preferred"] = list(t.get("node_affinity_preferred", [])) + [{"weight": 100, "preference": term}]
    elif purpose == "require":
        t["node_affinity_required"] = list(t.get("node_affinity_required", [])) + [term]
    tolerations = list(_get(values, "scheduling.userPods.tolerations", [])) + list(su.get("extraTolerations") or [])
    if tolerations:
        t["tolerations"] = tolerations

    volumes: dict = {}
    mounts: dict = {}
    storage = su.get("storage", {})
    kind = storage.get("type")
    if kind == "dynamic":
        dyn = storage.get("dynamic", {})
        if dyn.get("pvcNameTemplate"):
            t["pvc_name_template"] = dyn["pvcNameTemplate"]
        vname = dyn.get("volumeNameTemplate")
        t["storage_pvc_ensure"] = True
        if dyn.get("storageClass") is not None:
            t["storage_class"] = dyn["storageClass"]
        if dyn.get("storageAccessModes") is not None:
            t["storage_access_modes"] = dyn["storageAccessModes"]
        if storage.get("capacity") is not None:
            t["storage_capacity"] = storage["capacity"]
        volumes[vname] = {"name": vname, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
        mounts[vname] = {"mountPath": storage.get("homeMountPath"), "name": vname, "subPath": dyn.get("subPath")}
    elif kind == "static":
        static = storage.get("static", {})
        volumes["home"] = {"name": "home", "persistentVolumeClaim": {"claimName": static.get("pvcName")}}
        mounts["home"] = {"mountPath": storage.get("homeMountPath"), "name": "home", "subPath": static.get("subPath")}
    extra_volumes = storage.get("extraVolumes") or {}
    if isinstance(extra_volumes, dict):
        volumes.update(extra_volumes)
    else:
        for v in extra_volumes:
            volumes[v["name"]] = v
    extra_mounts = storage.get("extraVolumeMounts") or {}
    if isinstance(extra_mounts, dict):
        mounts.update(extra_mounts)
    else:
        for i, m in enumerate(extra_mounts):
            mounts[f"{i}-{m['name']}"] = m
    t["volumes"] = volumes
    t["volume_mounts"] = mounts

    if "cmd" in su:
        s["cmd"] = su["cmd"]
    if su.get("defaultUrl") is not None:
        s["default_url"] = su["defaultUrl"]

    if _get(su, "cloudMetadata.blockWithIptables") is True:
        ip = _get(su, "cloudMetadata.ip")
        tools = f"{_get(su, 'networkTools.image.name')}:{_get(su, 'networkTools.image.tag')}"
        block = {
            "name": "block-cloud-metadata",
            "image": tools,
            "command": ["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination", ip,
                        "--destination-port", "80", "--jump", "DROP"],
            "securityContext": {"privileged": True, "runAsUser": 0, "capabilities": {"add": ["NET_ADMIN"]}},
        }
        resources = _get(su, "networkTools.resources")
        if resources:
            block["resources"] = resources
        t["init_containers"] = list(t.get("init_containers", [])) + [block]
    return t, s


async def build(case: dict) -> dict:
    c = Config()
    traits, spawner_traits = traits_from_z2jh(case["z2jh"]) if case.get("z2jh") else ({}, {})
    traits.update(case.get("kubespawner", {}))
    spawner_traits.update(case.get("spawner", {}))
    for k, v in traits.items():
        setattr(c.KubeSpawner, k, v)
    for k, v in spawner_traits.items():
        setattr(c.Spawner, k, v)
    spawner = KubeSpawner(_mock=True, config=c, user=_user(case.get("user", "alice")), hub=_hub(), name=case.get("server", ""))
    spawner.user_options = case.get("user_options", {})
    await spawner.load_user_options()
    pod = _serializer.sanitize_for_serialization(await spawner.get_pod_manifest())
    pvc = _serializer.sanitize_for_serialization(spawner.get_pvc_manifest()) if spawner.storage_pvc_ensure else None
    return {"pod": pod, "pvc": pvc, "start_timeout": spawner.start_timeout}


async def main() -> None:
    request = json.load(sys.stdin)
    out = {}
    for case in request["cases"]:
        try:
            out[case["id"]] = await build(case)
        except Exception as e:  # one case's error is reported as that case's result
            out[case["id"]] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
