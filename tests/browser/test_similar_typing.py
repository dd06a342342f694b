"""Duplicates caught while writing: typing a request's title shows the close open requests, whose
« Soutenir cette demande » votes for the existing one; « Publier » of a near duplicate asks once."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting
from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser




@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_typing_a_title_suggests_the_existing_request_and_supporting_it_votes(live_site, page, width, height):
    author_id = live_site.member(f"Alice Sombre {width}", boards=("chorus",))["id"]
    writer = live_site.member(f"Basile Doublon {width}", boards=("chorus",))
    title = f"Affichage en mode sombre de la messagerie {width}"
    with live_site.app():
        existing = posting.create_thread(db.session.get(User, author_id), boards.get_board("chorus"), "request",
                                         title, "Fond noir pour lire le soir.")
        db.session.flush()
        existing_url = f"/t/{existing.id}/{existing.slug}"

    log_in(page, writer["email"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/b/chorus/nouveau?type=request")
    page.get_by_label("Titre").press_sequentially("Mode sombre messagerie", delay=40)
    live = page.locator("#similar-live")
    expect(live).to_contain_text(title)
    expect(live).to_contain_text("proche à")
    expect(live).to_contain_text("Nouvelle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"similar-typing-{width}")

    with page.expect_navigation():
        live.get_by_role("listitem").filter(has_text=title).get_by_role("button", name="Soutenir cette demande").click()
    assert page.url.split("#")[0].endswith(existing_url) and page.url.endswith("#votes")
    expect(page.locator("[data-vote-panel]")).to_contain_text("Votre vote actuel : Utile")

    page.goto("/b/chorus/nouveau?type=request")
    page.get_by_label("Titre").fill(f"Affichage du mode sombre de la messagerie {width}")
    page.locator("textarea[name=body]").fill("Pour lire le soir sans éblouissement.")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_role("heading", name="Une demande très proche existe déjà")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_value("Pour lire le soir sans éblouissement.")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"similar-confirm-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier quand même").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Affichage du mode sombre de la messagerie {width}")
