"""A moderator acting on someone else's post through the ordinary post routes leaves a trace."""
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, ModeratorScope, Post
from tests.confirm import confirm
from tests.factories import make_board, make_post, make_thread, make_user


def test_moderator_edit_of_someone_elses_post_is_in_the_journal(client, login):
    thread = make_thread()
    post = make_post(thread, body="Texte d'origine du membre")
    moderator = make_user(role="moderator")
    db.session.commit()
    login(moderator)
    response = client.post(f"/p/{post.id}/modifier", data={"body": "Texte corrigé par la modération"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "Texte corrigé par la modération"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.post_id == post.id))
    assert entry is not None and entry.action == "edit_post" and entry.actor_id == moderator.id


def test_moderator_delete_of_someone_elses_post_is_in_the_journal(client, login):
    """The policy lets a board's moderator delete any post: the post's « Supprimer » route agrees,
    and journals it like a moderator's edit (issue 13: it used to refuse anyone but the author)."""
    thread = make_thread()
    post = make_post(thread, body="Message à retirer")
    moderator = make_user(role="moderator")
    db.session.commit()
    login(moderator)
    response = confirm(client, f"/p/{post.id}/supprimer")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.post_id == post.id))
    assert entry is not None and entry.action == "delete_post" and entry.actor_id == moderator.id
    journal = client.get("/moderation/journal")
    assert journal.status_code == 200 and "Message supprimé par un modérateur" in journal.get_data(as_text=True)


def test_scoped_moderator_cannot_delete_a_post_of_another_board(client, login):
    thread = make_thread()
    post = make_post(thread)
    scoped = make_user(role="moderator")
    db.session.add(ModeratorScope(user_id=scoped.id, board_id=make_board().id))
    db.session.commit()
    login(scoped)
    response = client.post(f"/p/{post.id}/supprimer")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.post_id == post.id)) is None


def test_author_edit_is_not_a_moderation_action(client, login):
    thread = make_thread()
    post = make_post(thread)
    db.session.commit()
    login(post.author)
    assert client.post(f"/p/{post.id}/modifier", data={"body": "Je précise ma réponse"}).status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.post_id == post.id)) is None
