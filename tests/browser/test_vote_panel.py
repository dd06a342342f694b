"""Voting through the page's script (the one-tap toggle, then the importance): the panel then reads
exactly what a reload shows (figures, the member's vote, the professions line, « Retirer mon vote »),
and the message of a withdrawal appears next to the panel, in view, not at the top of the page.
The author of the request voted « utile » for it by default, so the figures count them."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting, votes
from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser




@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_vote_bloquant_by_script_shows_what_a_reload_shows_and_withdrawal_says_so_in_view(
        live_site, page, width, height):
    author_id = live_site.member(f"Agnès Panneau {width}", boards=("chorus",))["id"]
    others = [live_site.member(f"Votant {width} {n}", boards=("chorus",))["id"] for n in (1, 2)]
    voter = live_site.member(f"Bruno Clic {width}", boards=("chorus",))
    with live_site.app():
        board = boards.get_board("chorus")
        request = posting.create_thread(db.session.get(User, author_id), board, "request",
                                        f"Alerte d'interaction médicamenteuse ({width})",
                                        "Prévenir avant de valider une ordonnance à risque.")
        db.session.flush()
        votes.cast_vote(db.session.get(User, others[0]), request, "utile")
        votes.cast_vote(db.session.get(User, others[1]), request, "important")
        request_url = f"/t/{request.id}"

    log_in(page, voter["email"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(request_url)
    panel = page.locator("[data-vote-panel]")
    expect(panel).to_contain_text("3 votes comptés (2 utiles, 1 important, 0 bloquant)")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Voter").click()
    expect(panel).to_contain_text("Votre vote actuel : Utile (1 point).")
    expect(panel).to_contain_text("4 votes comptés (3 utiles, 1 important, 0 bloquant)")
    expect(page.get_by_role("button", name="✓ Voté")).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Bloquant (3 points)").check()
    page.get_by_role("button", name="Modifier mon vote").click()

    expect(page.locator("[data-vote-message]")).to_have_text("Votre vote est enregistré.")
    assert page.evaluate("window.sameDocument === true"), "the vote reloaded the page"
    expect(panel).to_contain_text("4 votes comptés (2 utiles, 1 important, 1 bloquant)")
    expect(panel).to_contain_text("Votre vote actuel : Bloquant (3 points).")
    expect(panel).to_contain_text("médecin généraliste : 4")
    expect(page.get_by_role("button", name="Retirer mon vote")).to_be_visible()
    after_vote = panel.inner_text()
    screenshot(page, f"vote-bloquant-{width}")

    page.reload()
    assert panel.inner_text() == after_vote
    expect(page.locator("#importance-bloquant")).to_be_checked()

    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Retirer mon vote").click()
    message = page.locator("[data-vote-message]")
    expect(message).to_have_text("Votre vote est retiré.")
    expect(message).to_be_in_viewport()
    assert page.evaluate("window.sameDocument === true"), "the withdrawal reloaded the page"
    expect(panel).to_contain_text("3 votes comptés (2 utiles, 1 important, 0 bloquant)")
    expect(panel).to_contain_text("Vous n'avez pas encore voté pour cette demande.")
    expect(page.get_by_role("button", name="Retirer mon vote")).to_have_count(0)
    screenshot(page, f"vote-retire-{width}")
    after_withdrawal = panel.inner_text()
    page.reload()
    assert panel.inner_text() == after_withdrawal
