"""The editor's voice in a real browser: Chorus's representative answers a request officially
without changing its status, and the answer shows signed, on a desktop and on a phone."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, posting, statuses
from tests.browser.conftest import expect, log_in, screenshot, submit

pytestmark = pytest.mark.browser



def test_editor_answers_without_changing_the_status(live_site, page):
    rep = live_site.member("Marc Dupont")
    author_id = live_site.member("Agnès Demande", boards=("chorus",))["id"]
    moderator_id = live_site.member("Julie Martin", role="moderator")["id"]
    with live_site.app():
        board = boards.get_board("chorus")
        user = db.session.get(User, rep["id"])
        user.role, user.editor_id = "editor", board.editor_id
        request = posting.create_thread(db.session.get(User, author_id), board, "request",
                                        "Mode sombre pour l'écran d'accueil", "Le blanc éblouit en consultation du soir.")
        db.session.flush()
        statuses.set_status(db.session.get(User, moderator_id), request, "a_l_etude")
        posting.reply(user, request, "Merci, nous regardons avec l'équipe mobile.")
        request_id = request.id

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, rep["email"])
    page.goto(f"/t/{request_id}")
    expect(page.get_by_text("Déclarer les logiciels que j'utilise")).to_have_count(0)
    page.get_by_text("Répondre officiellement sans changer le statut").click()
    page.get_by_label("Réponse officielle (Markdown)").fill("Nous l'étudions pour la **version 7** : merci des retours.")
    submit(page, page.get_by_role("button", name="Publier la réponse officielle"))
    answer = page.locator("section.official-answer")
    expect(answer).to_contain_text("Réponse officielle de l'éditeur — Marc Dupont, Éditeur de Chorus")
    expect(answer).to_contain_text("statut inchangé « À l'étude »")
    expect(page.locator(".badge-status").first).to_have_text("À l'étude")
    expect(page.locator("article.post .badge-editor")).to_have_text("Éditeur")
    screenshot(page, "reponse-officielle-sans-changement-bureau")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(answer).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "reponse-officielle-sans-changement-telephone")
