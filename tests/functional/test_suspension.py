"""Suspending a member: they keep reading but every write gets a French 403 saying until when and
why; after the period they can post again. Only moderators of every board suspend."""
from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, ModeratorScope, Post, Report, Thread, User, Vote
from forum.models._time import utcnow
from tests.confirm import confirm
from tests.factories import make_board, make_post, make_request, make_thread, make_user
from tests.pages import page


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_moderator_suspends_a_member_who_then_cannot_write(client, login):
    board = make_board()
    thread, request = make_thread(board), make_request(board)
    other_post = make_post(thread)
    member = make_user(uses=[board], display_name="Marc Suspendu")
    own_post = make_post(thread, member, body="Mon message")
    moderator = make_user(role="moderator")
    login(moderator)
    assert client.get(f"/u/{member.id}/suspendre").status_code == 200
    response = confirm(client, f"/u/{member.id}/suspendre", {"days": 7, "reason": "Insultes répétées"})
    assert response.status_code == 302
    before = (count(Thread), count(Post), count(Vote), count(Report))

    login(db.session.get(User, member.id))
    assert client.get(f"/t/{thread.id}").status_code == 200  # still reads
    refusals = [
        client.post(f"/b/{board.slug}/nouveau", data={"kind": "question", "title": "Une nouvelle question",
                                                      "body": "Texte de la question"}),
        client.post(f"/t/{thread.id}/repondre", data={"body": "Une réponse"}),
        client.post(f"/t/{request.id}/vote", data={"importance": "utile"}),
        client.post(f"/p/{other_post.id}/signaler", data={"reason": "autre"}),
        client.post(f"/p/{own_post.id}/modifier", data={"body": "Modifié"}),
    ]
    for response in refusals:
        assert response.status_code == 403
        assert "Votre compte est suspendu jusqu'au" in page(response, 403) and "Insultes répétées" in page(response, 403)
    assert (count(Thread), count(Post), count(Vote), count(Report)) == before
    assert db.session.get(Post, own_post.id).body_source == "Mon message"
    assert "Votre compte est suspendu" in page(client.get("/"))  # a notice on every page


def test_member_posts_again_after_the_period(client, login):
    board = make_board()
    thread = make_thread(board)
    member = make_user()
    member.suspended_until = utcnow() + timedelta(days=1)
    member.suspension_reason = "Hors charte"
    login(member)
    assert client.post(f"/t/{thread.id}/repondre", data={"body": "Une réponse"}).status_code == 403
    db.session.get(User, member.id).suspended_until = utcnow() - timedelta(seconds=1)
    login(db.session.get(User, member.id))
    assert client.post(f"/t/{thread.id}/repondre", data={"body": "Une réponse"}).status_code == 302
    assert "Votre compte est suspendu" not in page(client.get("/"))


def test_unsuspend_lifts_the_suspension_and_is_journaled(client, login):
    member = make_user()
    moderator = make_user(role="moderator")
    login(moderator)
    confirm(client, f"/u/{member.id}/suspendre", {"days": 3, "reason": "Spam"})
    assert client.post(f"/u/{member.id}/lever-suspension", data={"reason": "Erreur"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).suspended_until is None
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == ["suspend", "unsuspend"]
    journal = page(client.get("/moderation/journal"))
    assert "Membre suspendu" in journal and "Suspension levée" in journal and "(3 jours)" in journal


def test_suspension_needs_a_reason_and_a_sensible_duration(client, login):
    member = make_user()
    login(make_user(role="moderator"))
    response = client.post(f"/u/{member.id}/suspendre", data={"days": 7, "reason": ""})
    assert response.status_code == 422 and "Indiquez le motif de la suspension" in page(response, 422)
    response = client.post(f"/u/{member.id}/suspendre", data={"days": 0, "reason": "Spam"})
    assert response.status_code == 422 and "entre 1 et 365 jours" in page(response, 422) and "Spam" in page(response, 422)
    db.session.expire_all()
    assert db.session.get(User, member.id).suspended_until is None and count(AuditEntry) == 0


def test_scoped_moderators_and_members_cannot_suspend_nor_anyone_a_moderator(client, login):
    member, other_moderator = make_user(), make_user(role="moderator")
    scoped = make_user(role="moderator")
    db.session.add(ModeratorScope(user_id=scoped.id, board_id=make_board().id))
    for actor, target in ((scoped, member), (make_user(), member), (make_user(role="moderator"), other_moderator)):
        login(actor)
        response = client.post(f"/u/{target.id}/suspendre", data={"days": 7, "reason": "Spam"})
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, member.id).suspended_until is None
    assert db.session.get(User, other_moderator.id).suspended_until is None
