"""The spawn page's profile form, built from the daemon's ``profiles.list`` answer, and its parsing.

Field names: ``profile`` (the slug), ``option--<slug>--<name>`` (a choice key, or ``--unlisted--``),
``unlisted--<slug>--<name>`` (the free-text value). ``user_options`` keeps KubeSpawner's shape:
``{"profile": slug, "<option name>": value}``, so ``POST /users/x/server {"profile": "gpu"}`` works.
"""

from __future__ import annotations

from datetime import datetime, timezone
import re
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


def _fits_unlisted(unlisted: dict | None, value: str) -> bool:
    """Whether a saved free-text value is still accepted (the daemon checks it again at start)."""
    if not unlisted:
        return False
    pattern = unlisted.get("validation")
    if not pattern:
        return True
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:  # a JavaScript-only pattern: let the browser and the daemon judge
        return True


def _preselected(profiles: list[dict], available: list[str], saved: dict | None) -> tuple[str | None, dict[str, dict[str, dict[str, str]]]]:
    """The profile to check and, per profile slug and option, ``{"value", "text"}``: the choice
    to select (a choice key or ``UNLISTED``) and the free text to fill in.

    The user's saved ``user_options`` (JupyterHub keeps those of the last start) win where they
    still fit the profiles this user may use now (``available``: those that can start); anything
    else falls back to the defaults, so a stale saved choice (a profile or choice removed since,
    a cluster down) never breaks the form. The default is the default profile, unless its
    cluster is down: then the first one that can start.
    """
    saved = saved if isinstance(saved, dict) else {}
    default = next((p["slug"] for p in profiles if p["slug"] in available and p.get("default")), available[0] if available else None)
    selected = saved.get("profile") if saved.get("profile") in available else default
    chosen: dict[str, dict[str, dict[str, str]]] = {}
    for p in profiles:
        values: dict[str, dict[str, str]] = {}
        for name, opt in (p.get("options") or {}).items():
            choices = opt.get("choices") or {}
            value = saved.get(name) if p["slug"] == saved.get("profile") else None
            if isinstance(value, str) and value in choices:
                values[name] = {"value": value, "text": ""}
            elif isinstance(value, str) and value and _fits_unlisted(opt.get("unlisted"), value):
                values[name] = {"value": UNLISTED, "text": value}
            else:
                default_choice = next((k for k, c in choices.items() if c.get("default")), next(iter(choices), UNLISTED))
                values[name] = {"value": default_choice, "text": ""}
        chosen[p["slug"]] = values
    return selected, chosen


def render_form(profiles: list[dict], saved: dict | None = None) -> str:
    """The form for ``profiles``; ``saved`` is the user's last ``user_options`` (pre-selected)."""
    if not profiles:
        return ""
    notices = {p["slug"]: cluster_notice(p) for p in profiles}
    available = [p["slug"] for p in profiles if (notices[p["slug"]] or {}).get("available", True)]
    selected, chosen = _preselected(profiles, available, saved)
    return _env.get_template("form.html").render(profiles=profiles, notices=notices, selected=selected, chosen=chosen, UNLISTED=UNLISTED)


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
