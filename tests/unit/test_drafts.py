"""Drafts service: save / load / discard, one row per member and place (upsert), stale threads,
length bound; and migration 0014 up and down."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from forum.extensions import db
from forum.models import Draft
from forum.services import drafts
from forum.services.errors import ValidationError
from tests.factories import make_board, make_thread, make_user
from tests.migrations import migrating, scratch_database


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Draft))


def test_save_then_load_returns_the_text_and_a_second_save_updates_the_same_row(app):
    thread, member = make_thread(), make_user()
    drafts.save(member, thread, "Première version")
    drafts.save(member, thread, "Deuxième version")
    db.session.commit()
    assert drafts.load(member, thread).body == "Deuxième version"
    assert _count() == 1


def test_a_reply_draft_and_a_new_thread_draft_are_separate_places(app):
    thread, member = make_thread(), make_user()
    board = thread.board
    drafts.save(member, thread, "Ma réponse")
    drafts.save(member, board, "Mon sujet", title="Un titre", kind="tip", software_version="5.2")
    db.session.commit()
    new_thread = drafts.load(member, board)
    assert drafts.load(member, thread).body == "Ma réponse"
    assert (new_thread.title, new_thread.kind, new_thread.software_version) == ("Un titre", "tip", "5.2")
    assert _count() == 2


def test_each_member_has_their_own_draft(app):
    thread, alice, bob = make_thread(), make_user(), make_user()
    drafts.save(alice, thread, "Texte d'Alice")
    db.session.commit()
    assert drafts.load(bob, thread) is None


def test_saving_an_empty_text_discards_the_draft(app):
    thread, member = make_thread(), make_user()
    drafts.save(member, thread, "Quelque chose")
    assert drafts.save(member, thread, "   \n") is None
    db.session.commit()
    assert drafts.load(member, thread) is None


def test_discard_removes_only_that_place(app):
    board = make_board()
    thread, member = make_thread(board), make_user()
    drafts.save(member, thread, "Réponse")
    drafts.save(member, board, "Sujet", title="Titre")
    assert drafts.discard(member, thread) is True
    assert drafts.discard(member, thread) is False
    db.session.commit()
    assert drafts.load(member, thread) is None
    assert drafts.load(member, board).title == "Titre"


def test_a_body_longer_than_a_post_is_refused_in_french(app):
    thread, member = make_thread(), make_user()
    limit = app.config["BODY_MAX_LENGTH"]
    with pytest.raises(ValidationError) as refused:
        drafts.save(member, thread, "x" * (limit + 1))
    assert refused.value.field == "body" and "ne doit pas dépasser" in refused.value.message
    assert drafts.save(member, thread, "x" * limit).body == "x" * limit


def test_a_draft_of_a_locked_thread_is_discarded_with_a_notice(app):
    thread, member = make_thread(), make_user()
    drafts.save(member, thread, "Réponse préparée")
    thread.locked = True
    db.session.commit()
    draft, notice = drafts.load_reply(member, thread)
    db.session.commit()
    assert draft is None and "verrouillé" in notice
    assert drafts.load(member, thread) is None


def test_a_draft_of_a_deleted_thread_is_discarded_with_a_notice(app):
    thread, member = make_thread(), make_user()
    drafts.save(member, thread, "Réponse préparée")
    thread.deleted_at = func.now()
    db.session.commit()
    draft, notice = drafts.load_reply(member, thread)
    assert draft is None and "plus disponible" in notice
    assert drafts.load(member, thread) is None


def test_drafts_go_with_their_thread_and_their_member(app):
    thread, member = make_thread(), make_user()
    drafts.save(member, thread, "Réponse")
    db.session.commit()
    db.session.delete(thread)
    db.session.commit()
    assert _count() == 0


@pytest.fixture
def fresh_database(tmp_path):
    with scratch_database(tmp_path, "drafts_0014") as url:
        yield url


def test_migration_0014_creates_and_drops_the_drafts_table(fresh_database):
    with migrating(fresh_database):
        upgrade(revision="0014")
        created = inspect(db.engine).get_unique_constraints("drafts")
        downgrade(revision="0013")
        after_downgrade = inspect(db.engine).has_table("drafts")
        upgrade()
        again = inspect(db.engine).has_table("drafts")
    assert [c["column_names"] for c in created] == [["user_id", "place"]]
    assert (after_downgrade, again) == (False, True)
