"""A livrable on paper: the printable HTML, emulated as print in Chromium, keeps its table as a table
(cells side by side, headers repeated), carries each request's summary and the évolution, and prints
to A4 landscape PDF pages; the livrable page shows the same summaries at desktop and phone widths."""
from __future__ import annotations

import os
import re
from pathlib import Path

from forum.export import ExportFilters
from forum.extensions import db
from forum.services import boards as board_service
from forum.services import livrables
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_board, make_editor, make_request, make_user, make_vote

SUMMARY = "Pouvoir partager l'agenda avec le secrétariat, sans double saisie."
SHOTS = Path(os.environ.get("SHOTS_DIR", "")) if os.environ.get("SHOTS_DIR") else None


def _two_livrables(live_site, moderator_id: int) -> int:
    """Livrable n° 1 then n° 2 of a fresh board (12 requests, so the table spans pages)."""
    with live_site.app():
        from forum.models import User
        moderator = db.session.get(User, moderator_id)
        board = make_board(name="Agenda Santé", slug="agenda-sante", editor=make_editor(name="Éditeur Agenda"))
        for number in range(10):
            make_request(board, title=f"Demande numéro {number} sur la facturation des actes",
                         body=f"Texte **long** de la demande {number}. " * 12 + "\n\nSuite.")
        livrables.freeze(moderator, livrables.create_draft(moderator, board, ExportFilters()))
        agenda = make_request(board, title="Agenda partagé avec le secrétariat",
                              body="Pouvoir **partager** l'agenda avec le secrétariat,\nsans double saisie.\n\nSuite.")
        make_request(board, title="Facturation groupée", body="=SOMME(A1) *urgent*")
        for _ in range(3):
            make_vote(agenda, make_user(uses=[board]), "bloquant")
        draft = livrables.create_draft(moderator, board_service.get_board("agenda-sante"), ExportFilters())
        livrables.update_draft(moderator, draft, "Synthèse **trimestrielle**.\n\nSecond paragraphe.",
                               {item.thread_id: (True, "Demandée par *trois* MSP.") for item in draft.items})
        return livrables.freeze(moderator, draft).id


def _keep(page, name: str, **options) -> None:
    screenshot(page, name)
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, **options)
        page.screenshot(path=str(SHOTS / f"{name}-haut.png"), **options)  # the first screen


def test_printed_livrable_keeps_its_table_and_carries_summaries_and_evolution(live_site, new_page):
    moderator = live_site.member("Mona Modération", role="moderator")
    livrable_id = _two_livrables(live_site, moderator["id"])
    page = new_page()
    log_in(page, moderator["email"])  # at desktop width: the phone header is another story (issue 15, point 1)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(media="screen")
        page.goto(f"/livrables/{livrable_id}")
        assert SUMMARY in page.inner_text("main")
        _keep(page, f"livrable-page-{width}")
        # As a saved file opens: its stylesheet from PUBLIC_BASE_URL (here, this test's server).
        printable = page.request.get(f"/livrables/{livrable_id}/export.html").text()
        if SHOTS:
            (SHOTS / "livrable.html").write_text(printable)
        page.set_content(re.sub(r'href="[^"]*/static/print.css"', f'href="{live_site.url}/static/print.css"', printable))
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the table scrolls in its box
        _keep(page, f"livrable-export-ecran-{width}")
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "13.3333px"  # print.css applies (10pt)
        assert page.eval_on_selector(".print-table td.print-small", "td => getComputedStyle(td).display") == "table-cell"
        assert page.eval_on_selector(".print-table thead", "t => getComputedStyle(t).display") == "table-header-group"
        text = page.inner_text("body")
        assert SUMMARY in text and "Évolution depuis le livrable précédent" in text and "Nouvelles demandes (2)" in text
        _keep(page, f"livrable-imprime-{width}")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 2  # headers repeat there
    if SHOTS:
        (SHOTS / "livrable.pdf").write_bytes(pdf)
