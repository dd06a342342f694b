"""The benchmark's generated history (bench/history.py) on a small hand-made board: targets copied
onto the requests, slips counted, livrables frozen with their transmitted requests, and the same
rows for the same seed."""
from datetime import UTC, date, datetime

from sqlalchemy import select, update

from bench.history import generate_history
from forum.extensions import db
from forum.models import Livrable, LivrableItem, StatusChange, Thread
from forum.models.commitments import RequestTarget
from tests.factories import make_board, make_request, make_user

END = datetime(2026, 11, 1, 12, tzinfo=UTC)


def small_board(requests: int = 40) -> dict:
    board = make_board(name="Chorus")
    author = make_user(uses=[board])
    for n in range(requests):
        make_request(board, author, title=f"Demande numéro {n}")
    db.session.execute(update(Thread).where(Thread.board_id == board.id)
                       .values(created_at=datetime(2024, 6, 1, tzinfo=UTC)))
    moderator = make_user(role="moderator")
    representative = make_user(role="editor", editor=board.editor)
    db.session.commit()
    return {"board": board, "moderator": moderator.id, "editor": representative.id}


def generate(setup: dict, seed: int = 16) -> dict[str, int]:
    return generate_history(setup["board"].id, moderator_id=setup["moderator"], editor_user_id=setup["editor"],
                            seed=seed, end=END)


def snapshot(board_id: int) -> tuple:
    threads = db.session.execute(select(Thread.status, Thread.target_period, Thread.target_slips)
                                 .where(Thread.board_id == board_id).order_by(Thread.id)).all()
    changes = db.session.execute(select(StatusChange.thread_id, StatusChange.to_status, StatusChange.created_at)
                                 .order_by(StatusChange.id)).all()
    targets = db.session.execute(select(RequestTarget.thread_id, RequestTarget.period, RequestTarget.created_at)
                                 .order_by(RequestTarget.id)).all()
    return threads, changes, targets


def test_current_target_is_copied_onto_each_request_with_its_slips(app):
    setup = small_board()
    counts = generate(setup)
    db.session.commit()
    targets: dict[int, list[RequestTarget]] = {}
    for row in db.session.scalars(select(RequestTarget).order_by(RequestTarget.id)):
        targets.setdefault(row.thread_id, []).append(row)
    threads = list(db.session.scalars(select(Thread).where(Thread.board_id == setup["board"].id)))
    assert counts["slips"] > 0 and counts["targets"] > counts["slips"]
    for thread in threads:
        rows = targets.get(thread.id, [])
        current = rows[-1] if rows else None
        assert (thread.target_version, thread.target_period, thread.target_due_on) == (
            (current.version, current.period, current.due_on) if current else (None, None, None))
        assert thread.target_slips == max(0, len(rows) - 1)
        assert [row.previous_id for row in rows] == [None, *[row.id for row in rows]][:len(rows)]
        assert all(row.reason for row in rows[1:])
    statuses = {thread.status for thread in threads}
    assert {"transmise", "planifiee", "livree"} <= statuses
    late = [t for t in threads if t.status == "planifiee" and t.target_due_on and t.target_due_on < END.date()]
    assert late, "at least one commitment is late at the end of the history"


def test_livrables_are_frozen_with_their_transmitted_requests(app):
    setup = small_board()
    counts = generate(setup)
    db.session.commit()
    livrables = list(db.session.scalars(select(Livrable).order_by(Livrable.number)))
    assert [livrable.number for livrable in livrables] == list(range(1, counts["livrables"] + 1))
    assert counts["livrables"] >= 8
    assert all(livrable.frozen_at and livrable.frozen_at < END for livrable in livrables)
    assert any(livrable.acknowledged_at for livrable in livrables)
    assert any(livrable.acknowledged_at is None for livrable in livrables)
    items = list(db.session.scalars(select(LivrableItem)))
    assert len(items) == counts["items"] > 0
    assert all(item.included and item.title and item.status == "transmise" for item in items)
    frozen = {livrable.id: livrable.frozen_at for livrable in livrables}
    transmitted = set(db.session.execute(select(StatusChange.thread_id, StatusChange.created_at)
                                         .where(StatusChange.to_status == "transmise",
                                                StatusChange.from_status != "transmise")).all())
    assert {(item.thread_id, frozen[item.livrable_id]) for item in items} == transmitted
    answers = db.session.scalar(select(db.func.count()).select_from(StatusChange)
                                .where(StatusChange.answer_by == "editor"))
    assert answers > 0


def test_same_seed_gives_the_same_history_and_another_seed_another(app):
    setup = small_board()
    generate(setup, seed=16)
    first = snapshot(setup["board"].id)
    db.session.rollback()
    generate(setup, seed=16)
    assert snapshot(setup["board"].id) == first
    db.session.rollback()
    generate(setup, seed=17)
    assert snapshot(setup["board"].id) != first
    assert date(2024, 11, 1) <= min(change.created_at for change in first[1]).date()
