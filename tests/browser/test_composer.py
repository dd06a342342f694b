"""The composer in a real browser: a reply survives navigating away and back (saved while typing),
the toolbar wraps the selection, « Aperçu » shows in place, and leaving with unsaved text warns."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting
from tests.browser.conftest import expect, log_in, screenshot

pytestmark = pytest.mark.browser




def _thread(live_site, name: str) -> tuple[dict, str]:
    author_id = live_site.member(f"Auteur {name}", boards=("chorus",))["id"]
    member = live_site.member(f"Rédactrice {name}", boards=("chorus",))
    with live_site.app():
        thread = posting.create_thread(db.session.get(User, author_id), boards.get_board("chorus"), "question",
                                       f"Comment renouveler une ordonnance ({name}) ?", "Je cherche le bouton.")
        db.session.flush()
        url = f"/t/{thread.id}"
    return member, url


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)])
def test_a_typed_reply_survives_navigating_away_and_back(live_site, page, width, height):
    member, url = _thread(live_site, f"retour {width}")
    log_in(page, member["email"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.get_by_label("Votre réponse (Markdown)").fill("Menu Ordonnance puis **Renouveler**.")
    expect(page.locator("[data-draft-status]")).to_contain_text("Brouillon enregistré le")
    page.get_by_role("link", name="Chorus").first.click()
    page.wait_for_url("**/b/chorus**")
    page.goto(url)
    expect(page.get_by_label("Votre réponse (Markdown)")).to_have_value("Menu Ordonnance puis **Renouveler**.")
    expect(page.locator(".draft-notice")).to_contain_text("restauré")
    expect(page.get_by_role("toolbar", name="Mise en forme")).to_be_visible()
    page.locator(".draft-notice").scroll_into_view_if_needed()
    screenshot(page, f"composer-brouillon-restaure-{width}")
    page.goto("/b/chorus/nouveau")
    expect(page.get_by_role("button", name="Gras")).to_be_visible()
    screenshot(page, f"composer-nouveau-sujet-{width}")


def test_bold_wraps_the_selection_and_preview_shows_in_place(live_site, page):
    member, url = _thread(live_site, "outils")
    log_in(page, member["email"])
    page.goto(url)
    box = page.get_by_label("Votre réponse (Markdown)")
    box.fill("Cliquez sur Valider")
    box.evaluate("ta => ta.setSelectionRange(12, 19)")
    page.get_by_role("button", name="Gras").click()
    expect(box).to_have_value("Cliquez sur **Valider**")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator(".preview .post-body strong")).to_have_text("Valider")
    assert page.evaluate("window.sameDocument === true"), "the preview reloaded the page"


def test_leaving_with_unsaved_text_asks_first(live_site, page):
    member, url = _thread(live_site, "départ")
    log_in(page, member["email"])
    page.goto(url)
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_label("Votre réponse (Markdown)").type("Pas encore enregistré")
    page.get_by_role("link", name="Chorus").first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(url)
    expect(page.get_by_label("Votre réponse (Markdown)")).to_have_value("Pas encore enregistré")
