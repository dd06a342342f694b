"""One-tap voting from the lists through votes.js: the row is replaced by the one the server renders,
so its figures right after the vote are what a reload shows; the withdrawal's message is shown in
the row, in view. Screenshots of the ranked, board and request pages before and after a vote."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting
from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser




def figures(row) -> tuple[str, str]:
    return (row.locator('td[data-label="Score"]').inner_text(),
            row.locator("[data-vote-toggle] > span.small").inner_text())


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_one_tap_vote_from_the_ranked_list_shows_what_a_reload_shows(live_site, page, width, height):
    author_id = live_site.member(f"Agnès Liste {width}", boards=("chorus",))["id"]
    voter = live_site.member(f"Bruno Tap {width}", boards=("chorus",))
    with live_site.app():
        request = posting.create_thread(db.session.get(User, author_id), boards.get_board("chorus"), "request",
                                        f"Ordonnance en un geste ({width})", "Valider l'ordonnance d'un geste.")
        db.session.flush()
        request_id = request.id

    log_in(page, voter["email"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/b/chorus/demandes?tri=recent")
    row = page.locator(f"#demande-{request_id}")
    toggle = row.get_by_role("button", name="Voter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(row).to_contain_text("1 vote")  # the author's own vote
    screenshot(page, f"classement-avant-vote-{width}")

    page.evaluate("window.sameDocument = true")
    toggle.click()
    expect(row.locator("[data-vote-message]")).to_have_text("Votre vote est enregistré.")
    assert page.evaluate("window.sameDocument === true"), "the vote reloaded the page"
    expect(row.get_by_role("button", name="✓ Voté")).to_have_attribute("aria-pressed", "true")
    expect(row).to_contain_text("2 votes")
    expect(row.get_by_role("button", name="✓ Voté")).to_be_focused()
    after_vote = figures(row)
    screenshot(page, f"classement-apres-vote-{width}")
    page.reload()
    assert figures(row) == after_vote
    expect(row.get_by_role("button", name="✓ Voté")).to_have_attribute("aria-pressed", "true")

    page.evaluate("window.sameDocument = true")
    row.get_by_role("button", name="✓ Voté").click()
    message = row.locator("[data-vote-message]")
    expect(message).to_have_text("Votre vote est retiré.")
    expect(message).to_be_in_viewport()
    assert page.evaluate("window.sameDocument === true"), "the withdrawal reloaded the page"
    expect(row).to_contain_text("1 vote")
    after_withdrawal = figures(row)
    page.reload()
    assert figures(row) == after_withdrawal

    # the board page and the request page: the same toggle, before and after a vote
    page.goto("/b/chorus/?type=request")
    item = page.locator(f"#demande-{request_id}")
    screenshot(page, f"forum-avant-vote-{width}")
    item.get_by_role("button", name="Voter").click()
    expect(item.locator("[data-vote-message]")).to_have_text("Votre vote est enregistré.")
    expect(item).to_contain_text("2 votes")
    screenshot(page, f"forum-apres-vote-{width}")
    page.reload()
    expect(item).to_contain_text("2 votes")
    page.goto(f"/t/{request_id}")
    screenshot(page, f"demande-apres-vote-{width}")
    page.get_by_role("button", name="Retirer mon vote").click()
    expect(page.locator("[data-vote-message]")).to_have_text("Votre vote est retiré.")
    screenshot(page, f"demande-avant-vote-{width}")
