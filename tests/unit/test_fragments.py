"""The pieces of the shared fragments (forum/web/fragments.py): holes that only templates can open,
filled for each request; times computed when served; a cache that fails costs only the rendering."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup, escape

from forum.extensions import cache
from forum.markup import render_markdown
from forum.web.fragments import ago_hole, fill, hole, shared


def test_holes_are_filled_by_kind_and_value():
    html = Markup("<p>") + hole("vote", 12) + Markup("</p><p>") + hole("vote", 7) + Markup("</p>")
    assert fill(html, vote=lambda thread_id: f"[{thread_id}]") == "<p>[12]</p><p>[7]</p>"


def test_a_hole_without_its_filler_is_an_error_not_a_silent_gap():
    with pytest.raises(KeyError):
        fill(hole("follow", 0))


def test_escaped_text_and_sanitised_markdown_cannot_open_a_hole():
    typed = "<!--h:vote:1--> `<!--h:csrf:0-->` <!--h:follow:0-->"
    for html in (str(escape(typed)), str(render_markdown(typed))):
        assert fill(html, vote=lambda _: "VOTE", csrf=lambda _: "TOKEN", follow=lambda _: "FOLLOW") == html
        assert "VOTE" not in html and "TOKEN" not in html


def test_times_are_computed_when_filled(monkeypatch):
    moment = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    kept = str(ago_hole(moment))
    monkeypatch.setattr("forum.web.filters.utcnow", lambda: moment + timedelta(minutes=5))
    assert fill(kept) == "il y a 5 min"
    monkeypatch.setattr("forum.web.filters.utcnow", lambda: moment + timedelta(hours=3))
    assert fill(kept) == "il y a 3 h"
    assert ago_hole(None) == ""


def test_shared_builds_once_then_serves_the_kept_value(app):
    built = []
    for _ in range(3):
        value = shared("test:once", lambda: built.append(1) or {"html": "<p>rendu</p>"})
        assert value == {"html": "<p>rendu</p>"}
    assert built == [1]


def test_a_failing_cache_costs_the_rendering_not_the_page(app, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis arrêté")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert shared("test:down", lambda: "<p>rendu sans cache</p>") == "<p>rendu sans cache</p>"
    assert "Fragment cache unavailable" in caplog.text


def test_a_failing_write_still_returns_the_rendering(app, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda key: None)
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: (_ for _ in ()).throw(ConnectionError()))
    assert shared("test:set-down", lambda: "<p>rendu</p>") == "<p>rendu</p>"
