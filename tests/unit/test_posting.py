"""Posting rules: counters, revisions, soft delete, patient data guard."""
import pytest

from forum.extensions import db
from forum.services import posting
from forum.services.counters import counter_mismatches
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from tests.factories import make_board, make_post, make_thread, make_user


def test_new_thread_and_replies_update_counters(app):
    board = make_board()
    thread = make_thread(board, kind="tip", software_version="5.2")
    make_post(thread)
    make_post(thread)
    db.session.commit()
    assert (board.tip_count, board.question_count, board.post_count) == (1, 0, 3)
    assert thread.reply_count == 2
    assert thread.software_version == "5.2"
    assert counter_mismatches() == []


def test_edit_keeps_revision_and_marks_moderator(app):
    thread = make_thread(title="Ancien titre du sujet", body="Texte d'origine")
    first = thread_first_post(thread)
    moderator = make_user(role="moderator")
    posting.edit_post(moderator, first, "Texte corrigé", title="Nouveau titre du sujet")
    db.session.commit()
    assert thread.title == "Nouveau titre du sujet"
    assert first.body_source == "Texte corrigé" and first.edited_at is not None
    [revision] = first.revisions
    assert (revision.title, revision.body_source, revision.by_moderator) == (
        "Ancien titre du sujet", "Texte d'origine", True)


def test_member_cannot_edit_someone_elses_post(app):
    thread = make_thread(body="Texte d'origine")
    intruder = make_user()
    with pytest.raises(PermissionDenied):
        posting.edit_post(intruder, thread_first_post(thread), "Vandalisme")
    assert thread_first_post(thread).body_source == "Texte d'origine"


def test_deleting_a_reply_is_soft_and_restorable(app):
    thread = make_thread()
    post = make_post(thread)
    posting.delete_post(post.author, post)
    db.session.commit()
    assert post.deleted_at is not None and thread.reply_count == 0
    posting.restore_post(make_user(role="moderator"), post)
    db.session.commit()
    assert post.deleted_at is None and thread.reply_count == 1
    assert counter_mismatches() == []


def test_deleting_the_opening_post_of_an_unanswered_thread_deletes_the_thread(app):
    board = make_board()
    thread = make_thread(board)
    posting.delete_post(thread.author, thread_first_post(thread))
    db.session.commit()
    assert thread.deleted_at is not None
    assert board.question_count == 0 and board.post_count == 0


def test_locked_thread_refuses_replies(app):
    thread = make_thread()
    thread.locked = True
    with pytest.raises(Conflict):
        posting.reply(make_user(), thread, "Encore une réponse")


@pytest.mark.parametrize("text", [
    "Patient 1 85 12 75 123 456 78 à rappeler",
    "NIR 185127512345678",
    "INS : 2-84-05-2A-412-032-71",
])
def test_patient_identifier_is_refused(app, text):
    board = make_board()
    author = make_user()
    with pytest.raises(ValidationError) as err:
        posting.create_thread(author, board, "question", "Question sur un patient", text)
    assert "sécurité sociale" in err.value.message
    assert db.session.query(posting.Thread).count() == 0


def test_phone_numbers_and_versions_are_not_patient_identifiers(app):
    thread = make_thread(body="Appelez le 03 20 12 34 56, version 12.4.1.2024, dossier 123456789")
    assert thread.id is not None


def thread_first_post(thread):
    from sqlalchemy import select

    from forum.models import Post
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))
