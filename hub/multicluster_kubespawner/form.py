"""The spawn page's profile form, built from the daemon's ``profiles.list`` answer, and its parsing.

Field names: ``profile`` (the slug), ``option--<slug>--<name>`` (a choice key, or ``--unlisted--``),
``unlisted--<slug>--<name>`` (the free-text value). ``user_options`` keeps KubeSpawner's shape:
``{"profile": slug, "<option name>": value}``, so ``POST /users/x/server {"profile": "gpu"}`` works.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2

UNLISTED = "--unlisted--"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
)


def _since(iso: Any) -> str:
    """`` since 14:03 UTC`` (or with the date when not today), from the daemon's ISO time."""
    try:
        t = datetime.fromisoformat(str(iso).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return ""
    today = datetime.now(timezone.utc).date() == t.date()
    return f" since {t:%H:%M} UTC" if today else f" since {t:%Y-%m-%d %H:%M} UTC"


def cluster_notice(profile: dict) -> dict | None:
    """Whether a profile can start now and what the page says about its cluster, from the
    ``cluster`` the daemon adds to each profile (``None``: nothing to say, it can start).

    ``{"available": bool, "text": str}``; the reason is the daemon's few words (never a URL).
    """
    c = profile.get("cluster")
    if not isinstance(c, dict) or not c.get("name"):
        return None
    name = str(c["name"])
    fallbacks = [str(f) for f in c.get("fallbacks") or []]
    home = bool(c.get("homeOnCluster"))
    starts_on = c.get("startsOn")
    if not c.get("reachable"):
        down = f"Cluster {name} is unreachable{_since(c.get('since'))} ({c.get('reason') or 'no answer'})."
        if starts_on:
            return {"available": True, "text": f"{down} Servers start on {starts_on} until it is back."}
        if fallbacks and home:
            return {"available": False, "text": f"{down} Your home volume lives on {name}, so this profile does not start on {', '.join(fallbacks)}."}
        return {"available": False, "text": f"Unavailable: {down}"}
    if not fallbacks:
        return None
    then = " then ".join(fallbacks)
    if home:
        return {"available": True, "text": f"Runs on {name}. Your home volume lives there, so it never moves to {then}."}
    return {"available": True, "text": f"Runs on {name}; while {name} is unreachable, on {then} (never when your home volume lives on {name})."}


def render_form(profiles: list[dict]) -> str:
    if not profiles:
        return ""
    notices = {p["slug"]: cluster_notice(p) for p in profiles}
    available = [p for p in profiles if (notices[p["slug"]] or {}).get("available", True)]
    # The default profile, unless its cluster is down: then the first one that can start.
    selected = next((p["slug"] for p in available if p.get("default")), available[0]["slug"] if available else None)
    return _env.get_template("form.html").render(profiles=profiles, notices=notices, selected=selected, UNLISTED=UNLISTED)


def _first(formdata: dict, key: str) -> str | None:
    v = formdata.get(key)
    if isinstance(v, list):
        return v[0] if v else None
    return v


def options_from_form(formdata: dict, profiles: list[dict] | None = None) -> dict[str, Any]:
    """Form fields → ``user_options``. Only the chosen profile's options are kept."""
    slug = _first(formdata, "profile")
    if not slug:
        return {}
    out: dict[str, Any] = {"profile": slug}
    prefix = f"option--{slug}--"
    for key in formdata:
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        value = _first(formdata, key)
        if value == UNLISTED:
            value = (_first(formdata, f"unlisted--{slug}--{name}") or "").strip()
        if value is not None:
            out[name] = value
    return out


def split_user_options(user_options: dict) -> tuple[str | None, dict[str, str]]:
    """``user_options`` → (profile slug, option values as strings).

    Raises ValueError for a shape the daemon cannot take (user_options may come straight from the
    REST API): the hub answers it with 400 and this message.
    """
    if not isinstance(user_options, dict):
        raise ValueError(f"user_options must be an object like {{\"profile\": \"<slug>\"}}, got {type(user_options).__name__}")
    opts = dict(user_options)
    profile = opts.pop("profile", None)
    if profile is not None and not isinstance(profile, str):
        raise ValueError(f"user_options.profile must be a profile slug (a string), got {profile!r}")
    values: dict[str, str] = {}
    for k, v in opts.items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise ValueError(f"user_options.{k} must be a string (an option's choice or free text), got {v!r}")
        values[k] = str(v)
    return (profile or None), values
