"""Editors' commitments in a real browser: a member goes from a planned request whose target slipped
to its card on the software's roadmap, then to the editor's public record — on a desktop and on a
phone, without horizontal overflow."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import boards, commitments, livrables, posting, statuses
from forum.services.commitment_rules import period_label, today
from forum.services.livrables import ExportFilters
from tests.browser.conftest import expect, log_in, screenshot, submit

pytestmark = pytest.mark.browser


def _quarters_ahead(count: int) -> str:
    """« T3 2027 »: the quarter `count` quarters after the current one."""
    day = today()
    index = day.year * 4 + (day.month - 1) // 3 + count
    return f"T{index % 4 + 1} {index // 4}"


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_from_a_slipped_request_to_the_roadmap_to_the_editors_record(live_site, page, width, height):
    rep = live_site.member(f"Marc Engagements {width}")
    author_id = live_site.member(f"Agnès Échéance {width}", boards=("chorus",))["id"]
    moderator_id = live_site.member(f"Julie Livrable {width}", role="moderator")["id"]
    reader = live_site.member(f"Bruno Lecteur {width}", boards=("chorus",))
    title = f"Export des vaccinations vers le DMP ({width})"
    first, second = _quarters_ahead(2), _quarters_ahead(3)
    with live_site.app():
        board = boards.get_board("chorus")
        editor = db.session.get(User, rep["id"])
        editor.role, editor.editor_id = "editor", board.editor_id
        moderator = db.session.get(User, moderator_id)
        request = posting.create_thread(db.session.get(User, author_id), board, "request", title,
                                        "Pour ne plus ressaisir chaque vaccin dans le DMP.")
        db.session.flush()
        draft = livrables.create_draft(moderator, board, ExportFilters())
        livrables.freeze(moderator, draft, move_to_transmise=True)
        statuses.set_status(editor, request, "planifiee", note="Prévu avec le module vaccination.", official=True)
        commitments.set_target(editor, request, "7.2", first)
        commitments.set_target(editor, request, "7.2", second, reason="Le module vaccination attend la recette du DMP.")
        request_id = request.id
        editor_name = board.editor.name

    log_in(page, reader["email"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/t/{request_id}")
    commitment = page.locator("#echeance")
    expect(commitment).to_contain_text("repoussée une fois")
    expect(commitment).to_contain_text(f"{period_label(_code(first))} → {period_label(_code(second))}")
    expect(commitment).to_contain_text("Le module vaccination attend la recette du DMP.")

    submit(page, commitment.get_by_role("link", name="Sur la feuille de route"))
    card = page.locator(f"#demande-{request_id}")
    expect(card).to_contain_text(title)
    expect(card).to_contain_text("repoussée 1 fois")
    expect(page.get_by_role("heading", name="Planifiée")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    submit(page, page.get_by_role("link", name=f"Suivi des réponses de {editor_name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Suivi des réponses de {editor_name}")
    expect(page.locator("main")).to_contain_text("Repoussés au moins une fois")
    expect(page.locator("main")).to_contain_text("Méthode")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"suivi-editeur-{width}")


def _code(label: str) -> str:
    """« T3 2027 » → "2027-T3"."""
    quarter, year = label.split()
    return f"{year}-{quarter}"
