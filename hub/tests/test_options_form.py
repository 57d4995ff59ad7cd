"""The spawn page's form comes from the daemon's profiles.list (test/e2e/config.ts), per user."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every start tag, and the text of <h3>/<p>/<option>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("h3", "p", "option") else None

    def handle_data(self, data):
        if self._open and data.strip():
            self.texts.append((self._open, data.strip()))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def parse(html: str) -> _Elements:
    p = _Elements()
    p.feed(html)
    return p


async def test_form_lists_the_users_profiles_as_cards_with_the_default_checked(make_spawner, username):
    html = await make_spawner(username).get_options_form()
    page = parse(html)
    radios = page.find("input", type="radio", name="profile")
    assert [r["value"] for r in radios] == ["mock-1", "mock-2", "real", "broken", "direct-1"]  # not admins-only
    checked = [r["value"] for r in radios if "checked" in r]
    assert checked == ["mock-1"]
    assert ("h3", "Small server on testbed-1") in page.texts
    assert ("p", "A mock notebook server in cluster testbed-1") in page.texts
    assert ("p", "Its image cannot be pulled: shows how a failure reaches the user") in page.texts


async def test_admins_see_the_admin_only_profile(make_spawner, username):
    admin = make_spawner.User(username, admin=True)
    page = parse(await make_spawner(admin).get_options_form())
    assert "admins-only" in [r["value"] for r in page.find("input", type="radio", name="profile")]


async def test_option_select_with_default_and_unlisted_free_text_with_its_pattern(make_spawner, username):
    page = parse(await make_spawner(username).get_options_form())
    [select] = page.find("select", name="option--mock-1--memory")
    assert select["data-unlisted"] == "unlisted--mock-1--memory"
    options = [a for t, a in page.tags if t == "option"]
    assert [o["value"] for o in options] == ["small", "large", "--unlisted--"]
    assert "selected" in options[0] and "selected" not in options[1]
    assert ("option", "64 MB") in page.texts and ("option", "Other size…") in page.texts
    [text] = page.find("input", name="unlisted--mock-1--memory")
    assert text["type"] == "text"
    assert text["pattern"] == "[1-9][0-9]{0,3}M"
    assert text["title"] == "a size in megabytes, like 96M"
    # The pattern must be a valid browser pattern for the same strings the daemon accepts.
    assert re.fullmatch(text["pattern"], "96M") and not re.fullmatch(text["pattern"], "96Gi")


async def test_saved_options_are_preselected_on_a_new_start(make_spawner, username):
    # JupyterHub hands a new spawner the user_options of the last start.
    s = make_spawner(username)
    s.user_options = {"profile": "mock-1", "memory": "large"}
    page = parse(await s.get_options_form())
    assert [r["value"] for r in page.find("input", type="radio", name="profile") if "checked" in r] == ["mock-1"]
    selected = [a["value"] for t, a in page.tags if t == "option" and "selected" in a]
    assert selected == ["large"]

    s.user_options = {"profile": "mock-2"}
    page = parse(await s.get_options_form())
    assert [r["value"] for r in page.find("input", type="radio", name="profile") if "checked" in r] == ["mock-2"]


async def test_a_saved_free_text_value_is_preselected_in_its_field(make_spawner, username):
    s = make_spawner(username)
    s.user_options = {"profile": "mock-1", "memory": "96M"}
    page = parse(await s.get_options_form())
    selected = [a["value"] for t, a in page.tags if t == "option" and "selected" in a]
    assert selected == ["--unlisted--"]
    [text] = page.find("input", name="unlisted--mock-1--memory")
    assert text["value"] == "96M"


async def test_stale_saved_options_fall_back_to_the_defaults(make_spawner, username):
    s = make_spawner(username)
    # A profile this user may not use (or that was removed), then a choice that no longer exists.
    for saved in ({"profile": "admins-only", "memory": "large"}, {"profile": "gone"}, {"profile": "mock-1", "memory": "huge"}):
        s.user_options = saved
        page = parse(await s.get_options_form())
        assert [r["value"] for r in page.find("input", type="radio", name="profile") if "checked" in r] == ["mock-1"]
        assert [a["value"] for t, a in page.tags if t == "option" and "selected" in a] == ["small"]


async def test_a_choice_is_listed_only_for_the_groups_it_allows(make_spawner, username):
    plain = parse(await make_spawner(username).get_options_form())
    assert "huge" not in [a["value"] for t, a in plain.tags if t == "option"]
    member = make_spawner.User(username, groups=("big-memory",))
    page = parse(await make_spawner(member).get_options_form())
    assert [a["value"] for t, a in page.tags if t == "option"] == ["small", "large", "huge", "--unlisted--"]


async def test_form_text_is_escaped(make_spawner, username):
    html = await make_spawner(username).get_options_form()
    assert "<script>" not in html.replace("<script>\n  // Show", "")  # only our own script


def test_options_from_form_keeps_the_chosen_profiles_options(make_spawner, username):
    s = make_spawner(username)
    form = {
        "profile": ["mock-1"],
        "option--mock-1--memory": ["large"],
        "option--mock-2--memory": ["ignored"],
    }
    assert s.run_options_from_form(form) == {"profile": "mock-1", "memory": "large"}


def test_options_from_form_takes_the_unlisted_text(make_spawner, username):
    s = make_spawner(username)
    form = {"profile": ["mock-1"], "option--mock-1--memory": ["--unlisted--"], "unlisted--mock-1--memory": [" 96M "]}
    assert s.run_options_from_form(form) == {"profile": "mock-1", "memory": "96M"}


def test_options_from_query_string(make_spawner, username):
    # /hub/spawn?profile=mock-2 arrives as plain strings.
    assert make_spawner(username).options_from_query({"profile": "mock-2"}) == {"profile": "mock-2"}


async def test_operator_options_form_wins(make_spawner, username):
    s = make_spawner(username, options_form="<input name='profile' value='mock-2'>")
    assert await s.get_options_form() == "<input name='profile' value='mock-2'>"


def test_user_options_of_a_shape_the_daemon_cannot_take_are_refused(make_spawner, username):
    import pytest

    from multicluster_kubespawner.form import split_user_options

    assert split_user_options({"profile": "mock-1", "memory": "large"}) == ("mock-1", {"memory": "large"})
    assert split_user_options({}) == (None, {})
    with pytest.raises(ValueError, match="user_options.memory must be a string"):
        split_user_options({"profile": "mock-1", "memory": {"nested": 1}})
    with pytest.raises(ValueError, match="user_options.profile"):
        split_user_options({"profile": ["mock-1"]})
