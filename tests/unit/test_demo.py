"""seed-demo: realistic French content, loaded once, with every kind of thread and every role."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    PROFESSIONS,
    Board,
    Post,
    SoftwareUse,
    StatusChange,
    Structure,
    Thread,
    TipConfirmation,
    TipUseful,
    User,
    Vote,
)
from forum.models._time import utcnow
from forum.services import counters, demo
from forum.services.accounts import authenticate
from forum.services.patient_data import contains_patient_identifier
from tests.factories import make_thread

# Real structures named in the seed documents: never used in demo content.
REAL_STRUCTURE_NAMES = ["Lille Moulins", "Laventie", "Sin-le-Noble", "Landas", "Fruges", "Anvin", "Steenvoorde",
                        "Marquise", "Outreau", "Bletterans", "Baume-les-Dames", "Gennevilliers"]
COUNTED_MODELS = (Board, User, Structure, SoftwareUse, Thread, Post, Vote, StatusChange, TipUseful, TipConfirmation)
# Nearly every test here seeds the whole demo first (1 to 4 s each): left out by `make test-quick`.
pytestmark = pytest.mark.slow


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seeded(app):
    result = demo.seed()
    db.session.commit()
    return result


def test_seed_demo_fills_every_software_board_with_threads(seeded):
    assert seeded.loaded
    boards = {b.slug: b for b in db.session.scalars(select(Board))}
    assert all(board.thread_count > 0 for board in boards.values())
    for slug in ("chorus", "weda", "hellodoc", "inter-logiciels"):
        assert boards[slug].question_count and boards[slug].request_count, slug
    assert boards["chorus"].tip_count and boards["inter-logiciels"].tip_count
    assert _count(Thread) >= 48
    kinds = dict(db.session.execute(select(Thread.kind, func.count()).group_by(Thread.kind)).all())
    assert kinds["question"] >= 20 and kinds["tip"] >= 8 and kinds["request"] >= 15
    assert _count(Post) - _count(Thread) >= 60  # replies
    assert db.session.scalar(select(Thread).where(Thread.title == "Chorus Pocket ne marche plus sur iPhone")).board.slug == "chorus"


def test_seed_demo_creates_members_of_varied_professions_with_their_software(seeded):
    members = list(db.session.scalars(select(User).where(User.role == "member")))
    assert len(members) >= 28
    assert len({m.profession for m in members}) >= 10
    assert all(m.profession in PROFESSIONS for m in members)
    assert all(m.software for m in members)
    assert any(use.version for m in members for use in m.software)
    regions = {m.structure.region for m in members}
    assert len(regions) >= 6
    assert len({m.structure_id for m in members}) >= 8


def test_seed_demo_creates_moderators_admin_and_editor_accounts_bound_to_their_editor(seeded):
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles["moderator"] == 2 and roles["admin"] == 1
    editors = {u.editor.slug: u for u in db.session.scalars(select(User).where(User.role == "editor"))}
    assert {"editeur-chorus", "editeur-weda", "editeur-hellodoc"} <= set(editors)
    chorus = db.session.scalar(select(Board).where(Board.slug == "chorus"))
    assert editors["editeur-chorus"].editor_id == chorus.editor_id


def test_demo_accounts_log_in_with_the_documented_password(seeded):
    for email in ("admin@demo.example.org", "claire.lefebvre@demo.example.org", "referent.chorus@demo.example.org"):
        assert authenticate(email, demo.DEMO_PASSWORD) is not None, email
    assert authenticate("admin@demo.example.org", "mauvais-motdepasse") is None
    assert len(seeded.logins) == _count(User)


def test_seed_demo_requests_have_votes_statuses_and_official_answers(seeded):
    requests = list(db.session.scalars(select(Thread).where(Thread.kind == "request")))
    voted = [r for r in requests if r.vote_count]
    assert len(voted) >= 12
    assert max(r.structure_count for r in requests) >= 3
    importances = set(db.session.scalars(select(Vote.importance)))
    assert importances == {"utile", "important", "bloquant"}
    assert {r.status for r in requests} >= {"nouvelle", "a_l_etude", "transmise", "planifiee", "livree",
                                            "deja_possible", "refusee"}
    official = list(db.session.scalars(select(StatusChange).where(StatusChange.answer_by == "editor")))
    assert len(official) >= 4 and all(change.note for change in official)
    ranked = max(requests, key=lambda r: r.score)
    assert ranked.score > 0


def test_seed_demo_tips_have_versions_useful_marks_and_questions_have_solutions(seeded):
    tips = list(db.session.scalars(select(Thread).where(Thread.kind == "tip")))
    assert sum(1 for t in tips if t.software_version) >= 3
    assert sum(t.useful_count for t in tips) >= 20
    assert _count(TipConfirmation) >= 3
    solved = db.session.scalar(select(func.count()).where(Thread.kind == "question",
                                                          Thread.accepted_post_id.is_not(None)))
    assert solved >= 5


def test_seed_demo_spreads_activity_over_past_months(seeded):
    now = utcnow()
    threads = list(db.session.scalars(select(Thread)))
    oldest = min(t.created_at for t in threads)
    newest = max(t.last_activity_at for t in threads)
    assert now - oldest > timedelta(days=150)
    assert now - newest < timedelta(days=7)
    assert all(t.created_at <= now and t.last_activity_at >= t.created_at for t in threads)
    for thread in threads[:10]:
        posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)))
        assert [p.created_at for p in posts] == sorted(p.created_at for p in posts)
        assert thread.last_activity_at == posts[-1].created_at


def test_seed_demo_counters_match_a_recount(seeded):
    assert counters.counter_mismatches() == []


def test_seed_demo_second_run_changes_nothing(seeded):
    before = {model.__name__: _count(model) for model in COUNTED_MODELS}

    result = demo.seed()
    db.session.commit()

    assert not result.loaded and result.reason == "already"
    assert {model.__name__: _count(model) for model in COUNTED_MODELS} == before


def test_seed_demo_if_empty_leaves_a_database_with_threads_alone(app):
    make_thread(title="Un vrai sujet déjà là")
    db.session.commit()

    result = demo.seed(if_empty=True)

    assert not result.loaded and result.reason == "not_empty"
    assert _count(Thread) == 1
    assert not demo.is_loaded()


def test_demo_content_holds_no_patient_identifier_nor_real_structure_name():
    texts = [path.read_text(encoding="utf-8") for path in Path(demo.DEMO_DIR).glob("*.toml")]
    assert len(texts) >= 3
    for text in texts:
        for line in text.splitlines():
            assert not contains_patient_identifier(line), line
        for name in REAL_STRUCTURE_NAMES:
            assert name.lower() not in text.lower(), name
