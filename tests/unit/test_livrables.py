"""Livrables as a service: drafts from a selection, freezing (numbered per board, French title,
snapshot that later votes do not change, optional move to `transmise`), acknowledgement, permissions."""
import io
import json

import pytest
from flask import current_app
from openpyxl import load_workbook

from forum import export
from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import Livrable, StatusChange
from forum.services import livrables, ranking
from forum.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.services.statuses import set_status
from tests.factories import make_board, make_editor, make_request, make_user, make_vote
from tests.scenarios import SECRET_EMAIL, SECRET_NAME


def frozen(chorus, **kwargs):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    livrable = livrables.freeze(chorus["moderator"], draft, **kwargs)
    db.session.commit()
    return livrable


def test_draft_holds_the_selection_in_rank_order(chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters(min_score=2))
    assert draft.number is None and draft.frozen_at is None
    assert [item.thread_id for item in draft.items] == [chorus["biology"].id, chorus["injection"].id]
    assert all(item.included for item in draft.items)
    assert draft.filters["min_score"] == 2


@pytest.mark.parametrize("role", ["member", "editor"])
def test_only_moderators_prepare_livrables(chorus, role):
    actor = make_user() if role == "member" else chorus["rep"]
    with pytest.raises(PermissionDenied):
        livrables.create_draft(actor, chorus["board"], ExportFilters())


def test_freezing_numbers_per_board_with_a_french_title(chorus):
    first = frozen(chorus)
    second = frozen(chorus)
    other = make_board(name="WEDA", editor=make_editor())
    make_request(other)
    weda = livrables.freeze(chorus["moderator"], livrables.create_draft(chorus["moderator"], other, ExportFilters()))
    assert (first.number, second.number, weda.number) == (1, 2, 1)
    month = livrables.month_label(first.frozen_at)
    assert first.title == f"Livrable n° 1 – Chorus – {month}"
    assert month.split()[0] in ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                "septembre", "octobre", "novembre", "décembre")


def test_freezing_an_empty_selection_is_refused(chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    livrables.update_draft(chorus["moderator"], draft, None, {})  # every box unticked
    with pytest.raises(ValidationError) as error:
        livrables.freeze(chorus["moderator"], draft)
    assert error.value.message == "Impossible de figer un livrable vide : cochez au moins une demande."
    assert draft.number is None


def test_frozen_livrable_does_not_change_after_new_votes_and_edits(chorus):
    livrable = frozen(chorus)
    with current_app.test_request_context():
        before = export.write(export.rows_from_livrable(livrable), "json")
    for _ in range(2):
        make_vote(chorus["injection"], make_user(uses=[chorus["board"]]), "bloquant")
    make_vote(chorus["bizone"], make_user(uses=[chorus["board"]]), "bloquant")
    chorus["biology"].title = "Titre modifié après coup"
    set_status(chorus["moderator"], chorus["biology"], "a_l_etude")
    db.session.commit()
    db.session.expire_all()
    with current_app.test_request_context():
        after = export.write(export.rows_from_livrable(livrable), "json")
    assert after == before
    assert json.loads(after)["requests"][0]["title"] == "Importer les résultats de biologie"
    assert ranking.ranked_rows(chorus["board"])[0].thread.id == chorus["injection"].id  # live moved on


def test_snapshot_copies_every_figure_of_the_ranking(chorus):
    live = {row.thread.id: row for row in ranking.ranked_rows(chorus["board"])}
    livrable = frozen(chorus)
    assert len(livrable.items) == len(live)
    for item in livrable.items:
        row = live[item.thread_id]
        assert (item.rank, item.title, item.status, item.score, item.vote_count, item.structure_count) == (
            row.rank, row.thread.title, row.status, row.score, row.vote_count, row.structure_count)
        assert [tuple(p) for p in item.professions] == row.professions
        assert [tuple(r) for r in item.regions] == row.regions
    bizone = next(i for i in livrable.items if i.thread_id == chorus["bizone"].id)
    assert (bizone.latest_answer, bizone.latest_answer_by, bizone.target_version) == (
        "Prévu pour la version 6.2.", "editor", "6.2")


def test_unticked_items_are_left_out_and_notes_kept(chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    livrables.update_draft(chorus["moderator"], draft, "Synthèse du club **Chorus**.", {
        chorus["biology"].id: (True, "Priorité de la fédération."), chorus["bizone"].id: (True, None)})
    livrable = livrables.freeze(chorus["moderator"], draft)
    assert [item.thread_id for item in livrable.items] == [chorus["biology"].id, chorus["bizone"].id]
    assert [item.position for item in livrable.items] == [1, 2]
    assert livrable.items[0].note_html == "<p>Priorité de la fédération.</p>"
    assert "<strong>Chorus</strong>" in livrable.introduction_html


def test_a_note_holding_a_patient_identifier_is_refused(chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    with pytest.raises(ValidationError) as error:
        livrables.update_draft(chorus["moderator"], draft, None,
                               {chorus["biology"].id: (True, "Patient 1 85 12 75 123 456 78")})
    assert error.value.field == f"note-{chorus['biology'].id}"


def test_freezing_can_move_new_requests_to_transmise(chorus):
    livrable = frozen(chorus, move_to_transmise=True)
    db.session.expire_all()
    assert chorus["biology"].status == "transmise" and chorus["injection"].status == "transmise"
    assert chorus["bizone"].status == "planifiee"  # already past it
    assert {item.status for item in livrable.items if item.thread_id != chorus["bizone"].id} == {"transmise"}
    change = db.session.query(StatusChange).filter_by(thread_id=chorus["biology"].id).one()
    assert change.note == f"Transmise à l'éditeur dans le {livrable.title}." and livrable.moved_to_transmise


def test_a_frozen_livrable_cannot_be_edited_again(chorus):
    livrable = frozen(chorus)
    with pytest.raises(Conflict):
        livrables.update_draft(chorus["moderator"], livrable, "Autre", {})
    with pytest.raises(Conflict):
        livrables.freeze(chorus["moderator"], livrable)


def test_editor_acknowledges_receipt_once(chorus):
    livrable = frozen(chorus)
    livrables.acknowledge(chorus["rep"], livrable)
    first = livrable.acknowledged_at
    livrables.acknowledge(chorus["rep"], livrable)
    assert livrable.acknowledged_at == first and livrable.acknowledged_by_id == chorus["rep"].id


def test_other_editor_can_neither_read_nor_acknowledge(chorus):
    livrable = frozen(chorus)
    stranger = make_user(role="editor", editor=make_editor())
    with pytest.raises(NotFound):  # as for an id that does not exist
        livrables.get_livrable(stranger, livrable.id)
    with pytest.raises(PermissionDenied):
        livrables.acknowledge(stranger, livrable)
    assert livrables.list_livrables(stranger) == []
    assert livrables.list_livrables(chorus["rep"]) == [livrable]


def test_drafts_are_invisible_to_editors(chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    db.session.commit()
    with pytest.raises(NotFound):
        livrables.get_livrable(chorus["rep"], draft.id)
    assert livrables.list_livrables(chorus["rep"]) == []
    assert livrables.list_livrables(chorus["moderator"]) == [draft]


def frozen_then_voted(chorus, fmt: str) -> tuple[Livrable, bytes]:
    """A frozen livrable, a vote cast after it, and the livrable written in `fmt`."""
    livrable = frozen(chorus)
    make_vote(chorus["bizone"], make_user(uses=[chorus["board"]]), "bloquant")
    db.session.commit()
    with current_app.test_request_context():
        return livrable, export.write(export.rows_from_livrable(livrable), fmt, title=livrable.title, with_notes=True)


def test_the_xlsx_of_a_frozen_livrable_comes_from_its_snapshot(chorus):
    livrable, data = frozen_then_voted(chorus, "xlsx")
    sheet = load_workbook(io.BytesIO(data))["Demandes"]
    scores = {row[1]: row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert scores == {item.thread_id: item.score for item in livrable.items}
    assert sheet.cell(row=1, column=24).value == "Note de la fédération"


@pytest.mark.parametrize("fmt", sorted(set(export.FORMATS) - {"xlsx"}))
def test_every_format_of_a_frozen_livrable_comes_from_its_snapshot(chorus, fmt):
    _, data = frozen_then_voted(chorus, fmt)
    text = data.decode("utf-8-sig")
    assert SECRET_EMAIL not in text and SECRET_NAME not in text
    assert "Importer les résultats de biologie" in text


def test_members_cannot_export_a_board(chorus):
    with pytest.raises(PermissionDenied):
        livrables.export_board_requests(make_user(), chorus["board"])
    stranger = make_user(role="editor", editor=make_editor())
    with pytest.raises(PermissionDenied):
        livrables.export_board_requests(stranger, chorus["board"])
    with current_app.test_request_context():
        assert len(livrables.export_board_requests(chorus["rep"], chorus["board"])) == 3


def test_general_boards_have_no_livrable(chorus):
    general = make_board(name="Inter-logiciels", is_general=True)
    with pytest.raises(ValidationError) as error:
        livrables.create_draft(chorus["moderator"], general, ExportFilters())
    assert error.value.field == "board"
