"""Irreversible actions in Chromium: « Figer » sits apart from « Enregistrer », asks on a separate
step that says what will happen, and only the step's button freezes; the other steps (merges,
deletion, suspension) say what they will do, at desktop and phone widths, without overflow."""
from __future__ import annotations

import os
from pathlib import Path

from forum.export import ExportFilters
from forum.extensions import db
from forum.models import Livrable, Thread, User
from forum.services import livrables
from tests.browser.conftest import log_in, screenshot, submit
from tests.factories import make_board, make_editor, make_post, make_request, make_thread, make_user, make_vote

SHOTS = Path(os.environ.get("SHOTS_DIR", "")) if os.environ.get("SHOTS_DIR") else None
WIDTHS = ((1366, 900), (390, 844))


def _keep(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _scene(live_site, moderator_id: int, name: str) -> dict:
    with live_site.app():
        moderator = db.session.get(User, moderator_id)
        board = make_board(name=name, slug=f"{name.lower()}-confirmations", editor=make_editor(name=f"Éditeur {name}"))
        one = make_request(board, title="Exporter l'agenda en iCal")
        two = make_request(board, title="Agenda au format iCal")
        for _ in range(3):
            make_vote(two, make_user(uses=[board]), "important")
        make_vote(one, make_user(uses=[board]), "utile")
        draft = livrables.create_draft(moderator, board, ExportFilters())
        question, other = make_thread(board, title="Imprimer une FSE ?"), make_thread(board, title="Impression FSE")
        reply = make_post(question, body="Une réponse à retirer.")
        return {"draft": draft.id, "one": one.id, "two": two.id, "question": question.id, "other": other.id,
                "reply": reply.id, "author": reply.author_id}


def test_freezing_a_livrable_goes_through_its_confirmation_step(live_site, new_page):
    moderator = live_site.member("Mona Confirmation", role="moderator")
    ids = _scene(live_site, moderator["id"], "Médiweb")
    page = new_page()
    log_in(page, moderator["email"])
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/livrables/{ids['draft']}")
        _no_overflow(page)
        _keep(page, f"confirm-draft-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})
    zone = page.locator("section.freeze-zone")
    assert zone.get_by_role("heading", name="Figer et transmettre").is_visible()
    freeze = zone.get_by_role("button", name="Figer et numéroter le livrable")
    assert freeze.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"  # red, not blue
    save = page.get_by_role("button", name="Enregistrer le brouillon")
    assert "danger" not in (save.get_attribute("class") or "") and "secondary" not in (save.get_attribute("class") or "")
    page.get_by_label("Introduction (Markdown)").fill("Synthèse du trimestre.")
    submit(page, freeze)
    assert "Le livrable n° 1 de Médiweb sera figé avec 2 demandes et transmis à l'éditeur" in page.inner_text("main")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        _no_overflow(page)
        _keep(page, f"confirm-freeze-{width}")
    with live_site.app():
        assert db.session.get(Livrable, ids["draft"]).number is None  # nothing frozen yet
    submit(page, page.get_by_role("button", name="Figer le livrable n° 1"))
    assert "Synthèse du trimestre." in page.inner_text("main")
    with live_site.app():
        assert db.session.get(Livrable, ids["draft"]).number == 1


def test_each_confirmation_step_says_what_will_happen(live_site, new_page):
    moderator = live_site.member("Marc Modérateur", role="moderator")
    ids = _scene(live_site, moderator["id"], "Hellodoc")
    target = live_site.member("Marc Dupont")
    page = new_page()
    log_in(page, moderator["email"])
    steps = [
        (f"/t/{ids['one']}/fusionner", {"Numéro de la demande": str(ids["two"])},
         f"Le vote de la demande n° {ids['one']} sera reporté sur la n° {ids['two']}", "merge-requests"),
        (f"/t/{ids['question']}/fusionner-sujet", {"Numéro du sujet cible": str(ids["other"])},
         f"Les 2 messages du sujet n° {ids['question']}", "merge-threads"),
        (f"/u/{target['id']}/suspendre", {"Motif": "Insultes répétées"},
         "Marc Dupont ne pourra plus écrire", "suspend"),
    ]
    for url, fields, sentence, name in steps:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(url)
        for label, value in fields.items():
            page.get_by_label(label).first.fill(value)
        submit(page, page.locator("main form button[type=submit], main form input[type=submit]").last)
        assert sentence in page.inner_text("main"), page.inner_text("main")[:1500]
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            _no_overflow(page)
            _keep(page, f"confirm-{name}-{width}")
    with live_site.app():
        assert db.session.get(Thread, ids["one"]).status != "doublon"
        assert db.session.get(User, target["id"]).suspended_until is None


def test_deleting_ones_reply_asks_first(live_site, new_page):
    author = live_site.member("Anne Autrice")
    with live_site.app():
        board = make_board(name="Weda", slug="weda-confirmations")
        thread = make_thread(board, title="Télétransmission en échec")
        reply = make_post(thread, db.session.get(User, author["id"]), body="Message à retirer.")
        reply_id = reply.id
    page = new_page()
    log_in(page, author["email"])
    page.goto(f"/p/{reply_id}")
    submit(page, page.locator(f"#p{reply_id}").get_by_role("button", name="Supprimer"))
    assert "Votre message du " in page.inner_text("main")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        _no_overflow(page)
        _keep(page, f"confirm-delete-post-{width}")
    submit(page, page.get_by_role("link", name="Annuler"))
    assert "Message à retirer." in page.inner_text("main")
