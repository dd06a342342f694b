"""Members read a board's transmitted livrables: the list with its figures (requests, acknowledgement,
answered since), each livrable's requests with their status today, the moderators' notes only when
made public at freezing; drafts and other boards' livrables never; the request says where it went."""
from __future__ import annotations

import pytest

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.services import livrables
from forum.services.statuses import set_status
from tests.confirm import confirm
from tests.factories import make_board, make_request, make_user

NOTE = "Note interne : trois MSP insistent."


def frozen(chorus, notes_public=False):
    """Livrable n° 1 of Chorus (its three requests, a note on biology), frozen by the moderator."""
    moderator, board = chorus["moderator"], chorus["board"]
    draft = livrables.create_draft(moderator, board, ExportFilters())
    livrables.update_draft(moderator, draft, None, {item.thread_id: (True, NOTE if item.thread_id == chorus["biology"].id
                                                                     else None) for item in draft.items})
    return livrables.freeze(moderator, draft, notes_public=notes_public)


@pytest.fixture
def history(chorus):
    """N° 1 frozen; since then the editor planned biology, a moderator studied injection (not an
    answer); a later draft and another board's livrable exist."""
    livrable = frozen(chorus)
    set_status(chorus["rep"], chorus["biology"], "planifiee", note="Prévu.", version="6.3", official=True)
    set_status(chorus["moderator"], chorus["injection"], "a_l_etude")
    livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    other = make_board(name="Weda", slug="weda")
    make_request(other, title="Demande de Weda")
    livrables.freeze(chorus["moderator"], livrables.create_draft(chorus["moderator"], other, ExportFilters()))
    db.session.commit()
    return livrable


def test_member_reads_the_list_with_its_figures(client, login, chorus, history):
    login(make_user(uses=[chorus["board"]]))
    response = client.get("/b/chorus/livrables")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="livrable-1"' in html and "Livrable n° 1" in html
    assert "pas encore" in html
    assert "1 sur 3" in html  # only the editor's planning counts, not the moderator's study
    assert "Livrable n° 2" not in html and "Brouillon" not in html


def test_acknowledgement_date_replaces_pas_encore(client, login, chorus, history):
    livrables.acknowledge(chorus["rep"], history)
    login(make_user())
    html = client.get("/b/chorus/livrables").get_data(as_text=True)
    assert "pas encore" not in html and "Accusé de réception" in html


def test_member_reads_a_livrable_with_current_status_and_no_private_note(client, login, chorus, history):
    login(make_user())
    response = client.get("/b/chorus/livrables/1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert chorus["biology"].title in html and "Planifiée" in html
    assert "à la transmission" in html
    assert NOTE not in html and "Note de la fédération" not in html


def test_public_notes_are_shown_to_members(client, login, chorus):
    frozen(chorus, notes_public=True)
    login(make_user())
    response = client.get("/b/chorus/livrables/1")
    assert response.status_code == 200
    assert NOTE in response.get_data(as_text=True)


def test_moderator_makes_notes_public_when_freezing(client, login, chorus):
    draft = livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters())
    login(chorus["moderator"])
    assert "Rendre les notes publiques" in client.get(f"/livrables/{draft.id}").get_data(as_text=True)
    response = confirm(client, f"/livrables/{draft.id}", {
        "garder": [str(chorus["biology"].id)], f"note-{chorus['biology'].id}": NOTE,
        "notes_public": "y", "freeze": "Figer"})
    assert response.status_code == 302
    login(make_user())
    assert NOTE in client.get("/b/chorus/livrables/1").get_data(as_text=True)


def test_drafts_and_other_boards_livrables_are_not_found(client, login, chorus, history):
    login(make_user())
    assert client.get("/b/chorus/livrables/2").status_code == 404  # the draft has no number
    assert client.get("/b/weda/livrables/1").status_code == 200
    weda = client.get("/b/weda/livrables/1").get_data(as_text=True)
    assert chorus["biology"].title not in weda


def test_anonymous_visitor_is_sent_to_log_in(client, chorus, history):
    for url in ("/b/chorus/livrables", "/b/chorus/livrables/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_request_says_in_which_livrables_it_was_transmitted(client, login, chorus, history):
    livrables.freeze(chorus["moderator"], livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters()))
    login(make_user())
    html = client.get(f"/t/{chorus['biology'].id}").get_data(as_text=True)
    assert "Transmise dans le livrable" in html
    assert ">n° 1</a>" in html and " et le " in html and ">n° 2</a>" in html
    assert "/b/chorus/livrables/2" in html


def test_list_queries_do_not_grow_with_livrables(client, login, chorus, count_queries):
    frozen(chorus)
    login(make_user())
    client.get("/b/chorus/livrables")
    with count_queries() as one:
        client.get("/b/chorus/livrables")
    for _ in range(3):
        livrables.freeze(chorus["moderator"], livrables.create_draft(chorus["moderator"], chorus["board"], ExportFilters()))
    db.session.commit()
    with count_queries() as four:
        html = client.get("/b/chorus/livrables").get_data(as_text=True)
    assert "Livrable n° 4" in html
    assert four.count == one.count
