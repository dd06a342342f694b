"""Voting with the keyboard only: Tab reaches the vote toggle, Enter votes, Tab then reaches the
importance choice, the arrow keys pick "Bloquant", Enter submits; the focused control shows a visible focus ring and the vote is stated
in words (not by colour), before and after a reload."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting
from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser

FOCUSED = """() => { const el = document.activeElement;
  return el ? {id: el.id, name: el.name || '', type: el.type || '', checked: !!el.checked} : null; }"""
FOCUS_RING = """() => { const el = document.activeElement, style = getComputedStyle(el);
  return {visible: el.matches(':focus-visible'), style: style.outlineStyle, width: style.outlineWidth}; }"""


def test_member_votes_bloquant_with_the_keyboard_only(live_site, page):
    author_id = live_site.member("Agnès Clavier", boards=("chorus",))["id"]
    voter = live_site.member("Bruno Tabulation", boards=("chorus",))
    with live_site.app():
        request = posting.create_thread(db.session.get(User, author_id), boards.get_board("chorus"), "request",
                                        "Raccourci clavier pour valider une ordonnance",
                                        "Pouvoir valider l'ordonnance avec Ctrl+Entrée.")
        db.session.flush()
        request_url = f"/t/{request.id}"

    log_in(page, voter["email"])
    page.goto(request_url)
    page.locator("body").focus()
    for _ in range(80):  # Tab from the top of the page until the vote toggle has the focus
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["id"].startswith("vote-toggle-"):
            break
    else:
        raise AssertionError("Tab never reached the vote toggle")
    ring = page.evaluate(FOCUS_RING)
    assert ring["visible"] and ring["style"] != "none" and ring["width"] != "0px", ring
    page.keyboard.press("Enter")
    expect(page.locator("[data-vote-state]")).to_have_text("Votre vote actuel : Utile (1 point).")
    expect(page.locator("#" + focused["id"])).to_be_focused()  # the focus stays on the toggle
    for _ in range(20):  # then on to the importance choice
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["name"] == "importance":
            break
    else:
        raise AssertionError("Tab never reached the importance choice of the vote form")
    assert focused["id"] == "importance-utile" and focused["checked"]
    ring = page.evaluate(FOCUS_RING)
    assert ring["visible"] and ring["style"] != "none" and ring["width"] != "0px", ring

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED) == {"id": "importance-bloquant", "name": "importance", "type": "radio",
                                      "checked": True}
    assert page.evaluate(FOCUS_RING)["style"] != "none"
    page.keyboard.press("Enter")
    expect(page.locator("[data-vote-state]")).to_have_text("Votre vote actuel : Bloquant (3 points).")
    expect(page.locator("[data-vote-score]")).to_have_text("4")  # with the author's default vote « utile »

    page.reload()
    expect(page.locator("[data-vote-state]")).to_have_text("Votre vote actuel : Bloquant (3 points).")
    expect(page.locator("#importance-bloquant")).to_be_checked()
    expect(page.get_by_role("button", name="Modifier mon vote")).to_be_visible()
    page.locator("#importance-bloquant").focus()
    screenshot(page, "vote-au-clavier")
