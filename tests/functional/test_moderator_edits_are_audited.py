"""A moderator acting on someone else's post through the ordinary post routes leaves a trace."""
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Post
from tests.factories import make_post, make_thread, make_user


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


def test_moderator_must_hide_rather_than_delete_someone_elses_post(client, login):
    thread = make_thread()
    post = make_post(thread)
    moderator = make_user(role="moderator")
    db.session.commit()
    login(moderator)
    response = client.post(f"/p/{post.id}/supprimer")
    assert response.status_code == 403
    assert "Masquer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).deleted_at is None


def test_author_edit_is_not_a_moderation_action(client, login):
    thread = make_thread()
    post = make_post(thread)
    db.session.commit()
    login(post.author)
    assert client.post(f"/p/{post.id}/modifier", data={"body": "Je précise ma réponse"}).status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.post_id == post.id)) is None
