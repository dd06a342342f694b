"""The diff of a livrable with the previous one of its board, on hand-built cases."""
import pytest

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.services import livrables
from forum.services.livrable_diff import Entry, compare, diff_with_previous
from forum.services.statuses import set_status
from tests.factories import make_board, make_editor, make_request, make_user, make_vote


def test_new_requests_and_rank_moves_with_deltas():
    previous = [Entry(1, "A", 1, "transmise"), Entry(2, "B", 2, "transmise"), Entry(3, "C", 3, "nouvelle")]
    current = [Entry(3, "C", 1, "nouvelle"), Entry(1, "A", 2, "transmise"), Entry(2, "B", 3, "transmise"),
               Entry(4, "D", 4, "nouvelle")]
    diff = compare(previous, current)
    assert [(c.thread_id, c.rank) for c in diff.new] == [(4, 4)]
    assert [(c.thread_id, c.previous_rank, c.rank, c.delta) for c in diff.up] == [(3, 3, 1, 2)]
    assert [(c.thread_id, c.delta) for c in diff.down] == [(1, -1), (2, -1)]
    assert not diff.status_changed and not diff.left_out and not diff.delivered


def test_status_changes_and_delivered_or_declined_among_kept_requests():
    previous = [Entry(1, "A", 1, "transmise"), Entry(2, "B", 2, "transmise"), Entry(3, "C", 3, "transmise")]
    current = [Entry(1, "A", 1, "planifiee"), Entry(2, "B", 2, "livree"), Entry(3, "C", 3, "refusee")]
    diff = compare(previous, current)
    assert [(c.thread_id, c.previous_status, c.status) for c in diff.status_changed] == [(1, "transmise", "planifiee")]
    assert [c.thread_id for c in diff.delivered] == [2] and [c.thread_id for c in diff.declined] == [3]
    assert diff.status_changed[0].previous_status_label == "Transmise à l'éditeur"
    assert not diff.up and not diff.down and diff.unchanged == 0


def test_requests_gone_since_are_delivered_declined_or_left_out():
    previous = [Entry(1, "A", 1, "transmise"), Entry(2, "B", 2, "transmise"), Entry(3, "C", 3, "transmise"),
                Entry(4, "D", 4, "transmise"), Entry(None, "Supprimée", 5, "nouvelle")]
    current = [Entry(4, "D", 1, "transmise")]
    later = {1: ("livree", "6.3"), 2: ("refusee", None), 3: ("deja_possible", None)}
    diff = compare(previous, current, later)
    assert [(c.thread_id, c.version) for c in diff.delivered] == [(1, "6.3")]
    assert [c.thread_id for c in diff.declined] == [2]
    assert [(c.thread_id, c.status) for c in diff.left_out] == [(3, "deja_possible"), (None, "nouvelle")]
    assert [(c.thread_id, c.delta) for c in diff.up] == [(4, 3)]


def test_identical_livrables_have_an_empty_diff():
    entries = [Entry(1, "A", 1, "transmise"), Entry(2, "B", 2, "transmise")]
    diff = compare(entries, list(entries))
    assert diff.is_empty and diff.unchanged == 2


@pytest.fixture
def board_with_history(app):
    editor = make_editor()
    board = make_board(name="Chorus", editor=editor)
    moderator, rep = make_user(role="moderator"), make_user(role="editor", editor=editor)
    a, b, c = (make_request(board, title=f"Demande {name}") for name in "ABC")
    make_vote(a, make_user(uses=[board]), "bloquant")
    make_vote(b, make_user(uses=[board]), "important")
    db.session.commit()
    return {"board": board, "moderator": moderator, "rep": rep, "a": a, "b": b, "c": c}


def freeze(data, statuses=None):
    filters = ExportFilters(statuses=statuses) if statuses else ExportFilters(
        statuses=("nouvelle", "a_l_etude", "transmise", "planifiee"))
    draft = livrables.create_draft(data["moderator"], data["board"], filters)
    livrable = livrables.freeze(data["moderator"], draft, move_to_transmise=True)
    db.session.commit()
    return livrable


def test_diff_with_previous_livrable_of_the_board(board_with_history):
    data = board_with_history
    first = freeze(data)
    assert diff_with_previous(first).previous is None
    set_status(data["rep"], data["a"], "livree", version="6.3")
    for _ in range(2):
        make_vote(data["c"], make_user(uses=[data["board"]]), "bloquant")
    d = make_request(data["board"], title="Demande D")
    db.session.commit()
    second = freeze(data)
    diff = diff_with_previous(second)
    assert diff.previous.id == first.id
    assert [(c.thread_id, c.version) for c in diff.delivered] == [(data["a"].id, "6.3")]
    assert [c.thread_id for c in diff.new] == [d.id]
    assert [(c.thread_id, c.previous_rank, c.rank) for c in diff.up] == [(data["c"].id, 3, 1)]
    assert diff.down == [] and diff.unchanged == 1  # B stays second
    assert not diff.status_changed and not diff.left_out
    # later events do not change a frozen diff
    set_status(data["moderator"], data["b"], "refusee", note="Hors du périmètre du label.")
    db.session.commit()
    again = diff_with_previous(second)
    assert [c.thread_id for c in again.declined] == [] and [c.thread_id for c in again.delivered] == [data["a"].id]
