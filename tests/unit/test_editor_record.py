"""The editors' record, figure by figure, from a history built by hand at known dates: livrables
frozen with included and excluded items, official answers 10, 45 and 120 days after a livrable,
decisions at known delays after `transmise`, commitments kept, delivered late, slipped and late,
one livrable acknowledged and one not. `build_history` is reused by the page tests."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.extensions import db
from forum.models import Livrable, LivrableItem, RequestTarget, StatusChange
from forum.services import commitment_rules, editor_record
from forum.services.errors import NotFound
from tests.factories import make_board, make_editor, make_request, make_user


def _change(thread, to, at, actor=None, official=False):
    db.session.add(StatusChange(thread_id=thread.id, to_status=to, created_at=at, actor_id=actor.id if actor else None,
                                answer_by=("editor" if actor is not None and actor.editor_id else "federation")
                                if official else None))
    thread.status = to


def _livrable(board, number, frozen_at, items, acknowledged_at=None):
    livrable = Livrable(board_id=board.id, number=number, title=f"Livrable n° {number} – {board.name}",
                        frozen_at=frozen_at, acknowledged_at=acknowledged_at, filters={})
    db.session.add(livrable)
    db.session.flush()
    for position, (thread, included) in enumerate(items, start=1):
        db.session.add(LivrableItem(livrable_id=livrable.id, thread_id=thread.id, included=included,
                                    position=position, title=thread.title))
    return livrable


def _targets(thread, dues, actor):
    previous = None
    for due in dues:
        target = RequestTarget(thread_id=thread.id, previous_id=previous, period=None, version="5.4", due_on=due,
                               actor_id=actor.id, reason="Report" if previous else None)
        db.session.add(target)
        db.session.flush()
        previous = target.id
    thread.target_version, thread.target_due_on, thread.target_slips = "5.4", dues[-1], len(dues) - 1


def build_history() -> dict:
    """Alpha (two boards, two livrables), Bêta (one livrable), Gamma (no livrable), a general board."""
    now = datetime.now(UTC).replace(microsecond=0)
    today = commitment_rules.today()
    alpha, beta, gamma = make_editor("Alpha Santé", "alpha"), make_editor("Bêta Logiciels", "beta"), \
        make_editor("Gamma Médical", "gamma")
    a1, a2 = make_board("Alpha Cabinet", "alpha-cabinet", alpha), make_board("Alpha Pharma", "alpha-pharma", alpha)
    b1 = make_board("Bêta Clinique", "beta-clinique", beta)
    make_board("Gamma Dossier", "gamma-dossier", gamma)
    make_board("Inter-logiciels", "inter-logiciels", is_general=True)
    moderator = make_user(role="moderator")
    rep_a, rep_b = make_user(role="editor", editor=alpha), make_user(role="editor", editor=beta)
    r = {name: make_request(a1 if name != "r5" else a2, title=f"Demande {name}") for name in
         ("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "c1", "c2", "c3", "c4")}
    q1, q2 = make_request(b1, title="Demande q1"), make_request(b1, title="Demande q2")
    l1_at, l2_at, lb_at = now - timedelta(days=200), now - timedelta(days=40), now - timedelta(days=100)
    _change(r["r5"], "planifiee", now - timedelta(days=50), rep_a)  # a decision before `transmise`: not counted
    l1 = _livrable(a1, 1, l1_at, [(r[n], n != "r4") for n in ("r1", "r2", "r3", "r4", "r6", "r7", "r8")],
                   acknowledged_at=l1_at + timedelta(days=2))
    l2 = _livrable(a2, 1, l2_at, [(r["r5"], True), (r["r1"], True)])
    lb = _livrable(b1, 1, lb_at, [(q1, True), (q2, True)])
    for name in ("r1", "r2", "r3", "r6", "r7", "r8"):
        _change(r[name], "transmise", l1_at, moderator)
    _change(r["r5"], "transmise", l2_at, moderator)
    _change(r["r1"], "planifiee", l1_at + timedelta(days=10), rep_a, official=True)   # 10 days
    _change(r["r2"], "refusee", l1_at + timedelta(days=45), rep_a, official=True)     # 45 days
    _change(r["r3"], "deja_possible", l1_at + timedelta(days=120), moderator, official=True)  # 120 days
    _change(r["r4"], "a_l_etude", l1_at + timedelta(days=5), rep_a, official=True)    # excluded item
    _change(r["r7"], "a_l_etude", l1_at + timedelta(days=3), rep_a)                   # the editor moved it
    _change(r["r8"], "a_l_etude", l1_at + timedelta(days=3), moderator)               # a moderator did
    _change(r["r1"], "livree", now - timedelta(days=20), rep_a)                        # after livrable 2
    for thread in (q1, q2):
        _change(thread, "transmise", lb_at, moderator)
    _change(q1, "refusee", lb_at + timedelta(days=45), rep_b, official=True)
    _change(q2, "planifiee", lb_at + timedelta(days=6), moderator)
    # Commitments: c1 kept on its very day, c2 delivered late after a slip, c3 slipped and late, c4 ahead.
    c1_delivered = now - timedelta(days=15)
    _targets(r["c1"], [c1_delivered.date()], rep_a)
    _change(r["c1"], "livree", c1_delivered, rep_a)
    _targets(r["c2"], [today - timedelta(days=60), today - timedelta(days=20)], rep_a)
    _change(r["c2"], "livree", now - timedelta(days=30), rep_a)
    _targets(r["c3"], [today - timedelta(days=100), today - timedelta(days=5)], rep_a)
    _change(r["c3"], "planifiee", now - timedelta(days=150), rep_a)
    _targets(r["c4"], [today + timedelta(days=60)], rep_a)
    _change(r["c4"], "planifiee", now - timedelta(days=10), rep_a)
    db.session.flush()
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "requests": r, "q1": q1, "q2": q2, "l1": l1, "l2": l2,
            "lb": lb, "rep_a": rep_a, "rep_b": rep_b, "moderator": moderator}


def test_answers_within_30_and_90_days_count_only_old_enough_transmissions(app):
    build_history()
    alpha = editor_record.record("alpha").figures
    # r1 r2 r3 r6 r7 r8 (livrable 1, 200 days ago) and r5 (livrable 2, 40 days ago); r4 was left out.
    assert (alpha.livrables, alpha.transmitted) == (2, 7)
    assert (alpha.answered30, alpha.eligible30) == (1, 7)      # r1 at 10 days
    assert (alpha.answered90, alpha.eligible90) == (2, 6)      # r1, r2 at 45 days; r5's livrable is too recent
    assert editor_record.percent(alpha.share30) == "14 %"
    assert editor_record.percent(alpha.share90) == "33 %"
    beta = editor_record.record("beta").figures
    assert (beta.livrables, beta.transmitted, beta.answered30, beta.eligible30, beta.answered90, beta.eligible90) \
        == (1, 2, 0, 2, 1, 2)


def test_median_from_transmise_to_decision(app):
    build_history()
    alpha = editor_record.record("alpha").figures
    assert (alpha.median_days, alpha.decided) == (pytest.approx(45), 3)   # 10, 45, 120; r5 decided before
    beta = editor_record.record("beta").figures
    assert (beta.median_days, beta.decided) == (pytest.approx(25.5), 2)   # 6 and 45
    assert editor_record.days_text(beta.median_days) == "25,5 j"


def test_commitments_kept_delivered_late_slipped_and_late(app):
    build_history()
    alpha = editor_record.record("alpha").figures
    assert (alpha.commitments, alpha.kept, alpha.delivered_late, alpha.slipped, alpha.late) == (4, 1, 1, 2, 1)
    beta = editor_record.record("beta").figures
    assert (beta.commitments, beta.kept, beta.delivered_late, beta.slipped, beta.late) == (0, 0, 0, 0, 0)


def test_unanswered_requests_per_livrable_with_acknowledgement(app):
    history = build_history()
    record = editor_record.record("alpha")
    by_id = {item.livrable_id: item for item in record.livrables}
    first, second = by_id[history["l1"].id], by_id[history["l2"].id]
    assert [item.livrable_id for item in record.livrables] == [second.livrable_id, first.livrable_id]  # newest first
    assert (first.requests, first.unanswered_count, first.acknowledged_at is not None) == (6, 2, True)
    assert [p.title for p in first.unanswered] == ["Demande r6", "Demande r8"]
    assert (second.requests, second.unanswered_count, second.acknowledged_at) == (2, 1, None)
    assert [p.title for p in second.unanswered] == ["Demande r5"]
    assert [thread.title for thread in record.late] == ["Demande c3"]


def test_editor_without_livrable_has_no_livrable_and_unknown_editor_is_not_found(app):
    build_history()
    gamma = editor_record.record("gamma")
    assert (gamma.figures.has_livrable, gamma.livrables, gamma.figures.share30) == (False, [], None)
    with pytest.raises(NotFound):
        editor_record.record("inconnu")


def test_all_editors_side_by_side_and_sorted(app):
    build_history()
    rows = editor_record.all_editors()
    assert [row.slug for row in rows] == ["alpha", "beta", "gamma"]
    assert [row.transmitted for row in rows] == [7, 2, 0]
    by_share = editor_record.all_editors("reponse90", descending=True)
    assert [row.slug for row in by_share] == ["beta", "alpha", "gamma"]   # 50 %, 33 %, none last
    assert [row.slug for row in editor_record.all_editors("mediane")] == ["beta", "alpha", "gamma"]
    assert editor_record.figures_by_editor()[rows[0].editor_id].kept == 1
