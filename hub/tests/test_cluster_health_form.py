"""How the spawn page shows a profile whose cluster is down, from the ``cluster`` the daemon adds
to each profile (pure functions; with a real daemon and a stopped API server in
test/e2e/cluster-health.test.ts)."""

from __future__ import annotations

from datetime import datetime, timezone

from multicluster_kubespawner.form import cluster_notice, render_form

from .test_options_form import parse

NOW = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def profile(slug: str, **cluster) -> dict:
    c = {"name": "eu", "reachable": True, "fallbacks": [], "startsOn": "eu", "homeOnCluster": False, **cluster}
    return {"slug": slug, "displayName": slug.upper(), "description": "", "default": False, "options": {}, "cluster": c}


DOWN = {"reachable": False, "since": NOW, "reason": "connection refused"}


def test_a_reachable_cluster_without_fallbacks_says_nothing():
    assert cluster_notice(profile("a")) is None
    assert cluster_notice({"slug": "offline"}) is None  # a daemon that sends no cluster


def test_an_unreachable_cluster_disables_the_profile_with_since_when_and_why():
    n = cluster_notice(profile("a", **DOWN, startsOn=None))
    assert n["available"] is False
    assert n["text"].startswith("Unavailable: Cluster eu is unreachable since ")
    assert n["text"].endswith(" UTC (connection refused).")


def test_a_fallback_in_use_keeps_the_profile_and_names_where_it_starts():
    n = cluster_notice(profile("a", **DOWN, fallbacks=["us", "ap"], startsOn="us"))
    assert n["available"] is True
    assert "unreachable" in n["text"] and "Servers start on us until it is back." in n["text"]


def test_a_home_volume_on_the_first_cluster_means_no_fallback_and_the_page_says_so():
    n = cluster_notice(profile("a", **DOWN, fallbacks=["us"], startsOn=None, homeOnCluster=True))
    assert n["available"] is False
    assert "Your home volume lives on eu, so this profile does not start on us." in n["text"]
    up = cluster_notice(profile("a", fallbacks=["us"], homeOnCluster=True))
    assert up == {"available": True, "text": "Runs on eu. Your home volume lives there, so it never moves to us."}
    plain = cluster_notice(profile("a", fallbacks=["us", "ap"]))
    assert "while eu is unreachable, on us then ap (never when your home volume lives on eu)" in plain["text"]


def test_the_form_disables_unavailable_profiles_and_checks_the_first_that_can_start():
    profiles = [profile("a", **DOWN, startsOn=None), profile("b"), profile("c")]
    profiles[0]["default"] = True
    page = parse(render_form(profiles))
    radios = {r["value"]: r for r in page.find("input", type="radio", name="profile")}
    assert "disabled" in radios["a"] and "checked" not in radios["a"]
    assert "checked" in radios["b"] and "disabled" not in radios["b"]
    [card] = [a for t, a in page.tags if t == "label" and a.get("data-slug") == "a"]
    assert "mcks-unavailable" in card["class"]
    assert page.find("div", id="cluster-a")


def test_reasons_are_escaped():
    html = render_form([profile("a", **{**DOWN, "reason": "<img src=x onerror=alert(1)>"}, startsOn=None)])
    assert "<img" not in html and "&lt;img" in html
