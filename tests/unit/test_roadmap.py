"""The roadmap's sections built from a history made by hand: statuses at known dates, targets,
slips, the 6-month window's edges, official answer excerpts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import StatusChange
from forum.services import commitment_rules as rules
from forum.services import roadmap
from tests.factories import make_board, make_request


def reach(thread, status, at, version=None, answer=None):
    """Record the request reaching `status` at `at` (with an official answer text when given)."""
    db.session.add(StatusChange(thread_id=thread.id, from_status=thread.status, to_status=status, created_at=at,
                                version=version, note=answer, note_html=render_markdown(answer) if answer else None,
                                answer_by="editor" if answer else None))
    thread.status = status
    db.session.flush()


def target(thread, version=None, period=None, slips=0):
    thread.target_version, thread.target_period, thread.target_slips = version, period, slips
    thread.target_due_on = rules.due_on(period) if period else None
    db.session.flush()


def section(built, key):
    return next(s for s in built.sections if s.key == key)


def titles(cards):
    return [card.thread.title for card in cards]


def test_months_before_clamps_to_the_last_day_of_the_month():
    assert roadmap.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert roadmap.months_before(date(2027, 3, 15), 6) == date(2026, 9, 15)


def test_recent_sections_keep_statuses_reached_since_the_window_start(app):
    board = make_board()
    start = roadmap.window_start()
    on_edge, just_before, recent = (make_request(board, title=t) for t in ("Au bord", "Juste avant", "Récente"))
    reach(on_edge, "livree", start, version="5.2")
    reach(just_before, "livree", start - timedelta(seconds=1), version="5.1")
    reach(recent, "livree", start + timedelta(days=60), version="5.3")
    refused, possible, old_refused = (make_request(board, title=t) for t in ("Refusée", "Déjà là", "Vieux refus"))
    reach(refused, "refusee", start + timedelta(days=10))
    reach(possible, "deja_possible", start + timedelta(days=20))
    reach(old_refused, "refusee", start - timedelta(days=3))

    built = roadmap.build(board)

    delivered = section(built, "livree")
    assert titles(delivered.cards) == ["Récente", "Au bord"]
    assert [card.version for card in delivered.cards] == ["5.3", "5.2"]
    assert delivered.total == 2
    assert titles(section(built, "refusee").cards) == ["Déjà là", "Refusée"]


def test_a_request_reopened_after_delivery_is_dated_by_its_last_change_to_that_status(app):
    board = make_board()
    start = roadmap.window_start()
    thread = make_request(board, title="Relivrée")
    reach(thread, "livree", start - timedelta(days=100), version="4.9")
    reach(thread, "planifiee", start - timedelta(days=50))
    reach(thread, "livree", start + timedelta(days=5), version="5.0")

    card = section(roadmap.build(board), "livree").cards[0]

    assert card.version == "5.0"
    assert card.status_date == start + timedelta(days=5)


def test_study_section_holds_requests_under_study_and_transmitted_by_score(app):
    board = make_board()
    study, sent, new = (make_request(board, title=t) for t in ("À l'étude", "Transmise", "Nouvelle"))
    reach(study, "a_l_etude", datetime(2026, 1, 5))
    reach(sent, "transmise", datetime(2026, 1, 6))
    sent.score = 9
    db.session.flush()

    built = roadmap.build(board)

    assert titles(section(built, "etude").cards) == ["Transmise", "À l'étude"]
    assert section(built, "etude").cards[1].status_date.date() == date(2026, 1, 5)


def test_planned_requests_are_grouped_by_version_else_period_with_slips_counted(app):
    board = make_board()
    year = rules.today().year + 1
    specs = [("A", "5.4", f"{year}-T4", 2), ("B", "5.4", None, 0), ("C", None, f"{year}-T1", 1),
             ("D", None, f"{year}-T1", 0), ("E", None, None, 0), ("F", "5.5", None, 0)]
    for title, version, period, slips in specs:
        thread = make_request(board, title=f"Demande {title}")
        reach(thread, "planifiee", datetime(2026, 1, 1))
        target(thread, version, period, slips)
        thread.score = 5 if title == "C" else 1  # C before D: the higher score first within a target

    planned = section(roadmap.build(board), "planifiee")

    groups = [(g.label, g.total, g.slipped, titles(g.cards)) for g in planned.groups]
    assert groups == [(f"T1 {year}", 2, 1, ["Demande C", "Demande D"]),
                      ("version 5.4", 2, 1, ["Demande A", "Demande B"]),
                      ("version 5.5", 1, 0, ["Demande F"]), ("sans échéance", 1, 0, ["Demande E"])]
    assert planned.total == 6


def test_a_planned_request_past_its_due_day_is_late(app):
    board = make_board()
    late, on_time = make_request(board, title="En retard"), make_request(board, title="À l'heure")
    for thread in (late, on_time):
        reach(thread, "planifiee", datetime(2025, 1, 1))
    target(late, period="2025-T1")
    target(on_time, period=f"{rules.today().year + 1}-T1")

    cards = section(roadmap.build(board), "planifiee").cards

    assert {card.thread.title: card.late for card in cards} == {"En retard": True, "À l'heure": False}


def test_each_section_is_capped_and_keeps_its_total(app, monkeypatch):
    monkeypatch.setattr(roadmap, "CAP", 2)
    board = make_board()
    for n in range(3):
        reach(make_request(board, title=f"Étude {n}"), "a_l_etude", datetime(2026, 1, 1))

    study = section(roadmap.build(board), "etude")

    assert (len(study.cards), study.total, study.capped) == (2, 3, True)


def test_the_official_answer_is_a_plain_text_excerpt(app):
    board = make_board()
    thread = make_request(board)
    reach(thread, "a_l_etude", datetime(2026, 1, 1), answer="Nous **étudions** ceci " + "très " * 60)

    card = section(roadmap.build(board), "etude").cards[0]

    assert card.answer_excerpt.startswith("Nous étudions ceci très")
    assert "<" not in card.answer_excerpt
    assert card.answer_excerpt.endswith("…")
    assert len(card.answer_excerpt) <= roadmap.EXCERPT_LENGTH
