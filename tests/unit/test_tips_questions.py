"""Tips marked useful and confirmed; questions with an accepted answer."""
import pytest

from forum.extensions import db
from forum.services import questions, tips
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from forum.services.posting import delete_post
from tests.factories import make_board, make_editor, make_post, make_thread, make_tip, make_user


def test_member_marks_a_tip_useful_once_and_can_undo(app):
    tip = make_tip()
    member = make_user()
    tips.mark_useful(member, tip)
    tips.mark_useful(member, tip)
    tips.mark_useful(make_user(), tip)
    db.session.commit()
    assert tip.useful_count == 2 and tips.has_marked_useful(member, tip)
    tips.unmark_useful(member, tip)
    db.session.commit()
    assert tip.useful_count == 1 and not tips.has_marked_useful(member, tip)


def test_author_cannot_mark_own_tip_and_questions_are_not_tips(app):
    tip = make_tip()
    with pytest.raises(Conflict):
        tips.mark_useful(tip.author, tip)
    with pytest.raises(Conflict):
        tips.mark_useful(make_user(), make_thread(kind="question"))
    assert tip.useful_count == 0


def test_confirm_tip_records_the_version(app):
    tip = make_tip(software_version="5.1")
    member = make_user()
    tips.confirm_tip(member, tip, " 5.4 ")
    db.session.commit()
    [confirmation] = tips.confirmations(tip)
    assert (confirmation.version, confirmation.user_id) == ("5.4", member.id)
    with pytest.raises(ValidationError) as error:
        tips.confirm_tip(member, tip, "")
    assert error.value.field == "version" and len(tips.confirmations(tip)) == 1


def test_author_accepts_a_reply_then_unaccepts(app):
    question = make_thread(kind="question")
    reply = make_post(question)
    questions.accept_answer(question.author, question, reply)
    db.session.commit()
    assert question.is_solved and question.accepted_post_id == reply.id
    questions.unaccept_answer(question.author, question)
    assert not question.is_solved


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_moderator_and_board_editor_accept(app, role):
    editor = make_editor()
    question = make_thread(make_board(editor=editor), kind="question")
    reply = make_post(question)
    actor = make_user(role=role, editor=editor if role == "editor" else None)
    questions.accept_answer(actor, question, reply)
    assert question.accepted_post_id == reply.id


def test_others_cannot_accept(app):
    question = make_thread(kind="question")
    reply = make_post(question)
    for intruder in (make_user(), make_user(role="editor", editor=make_editor())):
        with pytest.raises(PermissionDenied):
            questions.accept_answer(intruder, question, reply)
    assert not question.is_solved


def test_only_a_visible_reply_of_the_thread_can_be_accepted(app):
    question, other = make_thread(kind="question"), make_thread(kind="question")
    foreign, deleted = make_post(other), make_post(question)
    delete_post(deleted.author, deleted)
    first = question_first_post(question)
    for post in (foreign, deleted, first):
        with pytest.raises(ValidationError):
            questions.accept_answer(question.author, question, post)
    assert not question.is_solved


def question_first_post(thread):
    from sqlalchemy import select

    from forum.models import Post
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))


def test_tips_and_requests_have_no_solution(app):
    tip = make_tip()
    with pytest.raises(Conflict):
        questions.accept_answer(tip.author, tip, make_post(tip))
