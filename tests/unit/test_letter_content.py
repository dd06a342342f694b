"""The club's letter of a board: its period, what it lists (useful tips, status changes and official
answers, frozen livrables, unanswered questions), what it never lists (hidden threads, old news),
the moderators' introduction taken once per period, and no second letter for the same period.

Run on PostgreSQL too: scripts/with_postgres.sh .venv/bin/python -m pytest -q tests/unit/test_letter_content.py
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import BoardLetter
from forum.models._time import utcnow
from forum.services import livrables, moderation, statuses, tips
from forum.services.notify import letter_content
from forum.services.notify.letters import issue_board_letters, letter_period, subject_of
from tests.factories import make_board, make_editor, make_post, make_request, make_thread, make_tip, make_user


def next_week() -> datetime:
    """A run whose weekly period holds the present moment (the factories' rows)."""
    return utcnow() + timedelta(days=7)


def backdate(thread, days: int) -> None:
    thread.created_at = utcnow() - timedelta(days=days)
    db.session.flush()


def letter_of(board, period: str = "weekly") -> BoardLetter | None:
    return db.session.scalar(select(BoardLetter).where(BoardLetter.board_id == board.id, BoardLetter.period == period))


# --- periods ------------------------------------------------------------------------------------------

def test_weekly_letter_covers_the_week_ending_last_monday_at_midnight_in_paris():
    span = letter_period("weekly", datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # a Wednesday
    assert span.start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Monday 23 November, 00:00 in Paris
    assert span.end == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert subject_of(span) == "La lettre du club — semaine du 23 novembre 2026"
    assert span.message_key(42) == "letter:weekly:2026-11-30:42"


def test_biweekly_letter_ends_every_other_monday():
    first = letter_period("biweekly", datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    second = letter_period("biweekly", datetime(2026, 12, 6, 20, 0, tzinfo=UTC))  # Sunday, 21:00 in Paris
    assert first.end == second.end == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert first.start == datetime(2026, 11, 8, 23, 0, tzinfo=UTC)
    assert subject_of(first) == "La lettre du club — quinzaine du 9 au 22 novembre 2026"
    assert letter_period("biweekly", datetime(2026, 12, 14, 8, 0, tzinfo=UTC)).end == datetime(2026, 12, 6, 23, 0,
                                                                                               tzinfo=UTC)


def test_now_ends_the_period_at_midnight_this_morning():
    span = letter_period("weekly", datetime(2026, 12, 3, 15, 0, tzinfo=UTC), immediate=True)
    assert span.end == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    assert span.start == datetime(2026, 11, 25, 23, 0, tzinfo=UTC)


def test_first_of_the_month_reads_premier():
    span = letter_period("weekly", datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
    assert subject_of(span) == "La lettre du club — semaine du 1er juin 2026"


# --- what a board's letter lists ----------------------------------------------------------------------

def test_board_letter_lists_useful_tips_status_changes_livrables_and_unanswered_questions(app):
    editor = make_editor(name="Éditeur Chorus")
    board = make_board(name="Chorus", editor=editor)
    author = make_user(uses=[board], display_name="Claire Martin", email="claire.martin@example.org")
    tip = make_tip(board, author, title="Astuce : dupliquer une ordonnance", software_version="5.2")
    for _ in range(3):
        tips.mark_useful(make_user(uses=[board]), tip)
    quiet_tip = make_tip(board, author, title="Astuce : le raccourci F4")
    request = make_request(board, author, title="Exporter les rendez-vous en CSV")
    representative = make_user(role="editor", editor=editor)
    statuses.set_status(representative, request, "planifiee", note="Prévu pour la **version 6**, au printemps.",
                        version="6.0", official=True)
    moderator = make_user(role="moderator")
    frozen = livrables.freeze(moderator, livrables.create_draft(moderator, board, ExportFilters()))
    unanswered = make_thread(board, author, title="Comment imprimer un bilan ?")
    answered = make_thread(board, author, title="Comment scanner un courrier ?")
    make_post(answered)
    db.session.commit()

    issued = issue_board_letters("weekly", next_week())

    assert issued.issued == 1
    content = issued.letters[board.id].content
    assert [(t["title"], t["useful"], t["version"]) for t in content["tips"]] == [
        ("Astuce : dupliquer une ordonnance", 3, "5.2"), ("Astuce : le raccourci F4", 0, None)]
    assert quiet_tip.id in {t["id"] for t in content["tips"]}
    [change] = content["requests"]
    assert (change["title"], change["status"], change["version"], change["answer_by"]) == (
        "Exporter les rendez-vous en CSV", "planifiee", "6.0", "editor")
    assert change["answer"] == "Prévu pour la version 6, au printemps."
    assert content["livrables"] == [{"number": 1, "title": frozen.title, "requests": 1}]
    assert [q["title"] for q in content["questions"]] == [unanswered.title]
    # Public data only: no member's name nor address.
    dumped = json.dumps(content, ensure_ascii=False)
    assert "Claire Martin" not in dumped and "example.org" not in dumped


def test_hidden_threads_never_appear_in_a_board_letter(app):
    board = make_board()
    author = make_user(uses=[board])
    moderator = make_user(role="moderator")
    visible = make_tip(board, author, title="Astuce visible")
    for title in ("Astuce masquée", "Question masquée"):
        thread = make_tip(board, author, title=title) if "Astuce" in title else make_thread(board, author, title=title)
        moderation.hide_thread(moderator, thread, reason="Hors charte")
    request = make_request(board, author, title="Demande masquée")
    statuses.set_status(moderator, request, "a_l_etude", note="Nous regardons.", official=True)
    moderation.hide_thread(moderator, request, reason="Doublon caché")
    db.session.commit()

    content = issue_board_letters("weekly", next_week()).letters[board.id].content

    dumped = json.dumps(content, ensure_ascii=False)
    assert visible.title in dumped
    assert "masquée" not in dumped
    assert content["requests"] == [] and content["questions"] == []


def test_a_board_with_nothing_new_gets_no_letter(app):
    quiet, busy = make_board(name="WEDA"), make_board(name="Chorus")
    old = make_thread(quiet, title="Une vieille question sans réponse")
    backdate(old, 30)
    old_tip = make_tip(quiet, title="Une vieille astuce")
    backdate(old_tip, 8)
    make_tip(busy, title="Une astuce de la semaine")
    db.session.commit()

    issued = issue_board_letters("weekly", next_week())

    assert set(issued.letters) == {busy.id}
    assert letter_of(quiet) is None


def test_running_again_for_the_same_period_issues_nothing_new(app):
    board = make_board()
    make_tip(board, title="Astuce de la semaine")
    db.session.commit()
    end = letter_period("weekly", next_week()).end

    first = issue_board_letters("weekly", end + timedelta(hours=7))
    db.session.commit()
    again = issue_board_letters("weekly", end + timedelta(days=6))  # the same week: the same period
    db.session.commit()

    assert (first.issued, again.issued) == (1, 0)
    assert again.letters[board.id].id == first.letters[board.id].id
    assert db.session.scalar(select(func.count()).select_from(BoardLetter)) == 1


def test_the_introduction_opens_the_next_letter_of_each_period_once(app):
    board = make_board(name="Chorus")
    moderator = make_user(role="moderator")
    letter_content.save_introduction(moderator, board, "Rencontre du club le **12 décembre** à Lille.")
    db.session.commit()
    now = next_week()

    weekly = issue_board_letters("weekly", now).letters[board.id]
    biweekly = issue_board_letters("biweekly", now + timedelta(days=7)).letters[board.id]
    db.session.commit()
    following = issue_board_letters("weekly", now + timedelta(days=7))
    db.session.commit()

    assert "<strong>12 décembre</strong>" in weekly.introduction_html
    assert weekly.content["tips"] == []  # the introduction alone makes a letter
    assert "<strong>12 décembre</strong>" in biweekly.introduction_html
    assert board.id not in following.letters  # taken once: the next weekly letter has nothing new

    letter_content.save_introduction(moderator, board, "Nouvelle date : le 19 décembre.")
    db.session.commit()
    after_edit = issue_board_letters("weekly", now + timedelta(days=14)).letters[board.id]
    assert "19 décembre" in after_edit.introduction_html
