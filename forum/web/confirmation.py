"""Confirmation steps of irreversible actions (freeze, merge, delete, suspend): the first POST renders
a page saying what will happen, with the submitted fields and a signed token; only a POST carrying a
valid token for the same action, object, member and values acts."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, render_template, request, url_for
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer

from forum.extensions import db
from forum.models import Post, User
from forum.services.errors import NotFound, ValidationError
from forum.services.policy import Action, can
from forum.web.filters import french_datetime
from forum.web.submit import attach_error, current_member

T = TypeVar("T")

TOKEN_FIELD = "confirmation"
MAX_AGE = 30 * 60  # seconds a confirmation step stays valid
_SALT = "forum.confirmation-step"
_NOT_SIGNED = {"csrf_token", TOKEN_FIELD}


@dataclass(frozen=True)
class Step:
    """What the confirmation page shows: its heading, the sentence saying what will happen, the
    button of the final action, where the form posts and where « Annuler » leads."""
    title: str
    sentence: str
    button: str
    action_url: str
    cancel_url: str


def _fields() -> list[tuple[str, str]]:
    """The submitted fields to repeat and sign (CSRF and the token itself aside), in a stable order."""
    return sorted((name, value.replace("\r\n", "\n")) for name, values in request.form.lists() if name not in _NOT_SIGNED
                  for value in values)


def _payload(action: str, object_id: int) -> list:
    member = current_member()
    digest = hashlib.sha256(json.dumps(_fields(), ensure_ascii=False).encode()).hexdigest()
    return [action, object_id, member.id if member else None, digest]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def confirmed(action: str, object_id: int) -> bool:
    """True when this POST carries a valid, unexpired token for this action, object, member and values."""
    token = request.form.get(TOKEN_FIELD, "")
    if not token:
        return False
    try:
        return _serializer().loads(token, max_age=MAX_AGE) == _payload(action, object_id)
    except BadSignature:  # also SignatureExpired
        return False


def ask(action: str, object_id: int, step: Step):
    """The confirmation page for this POST. A token that was sent but is not valid (forged, for
    another object or other values, expired) is said so, with status 400; nothing was done."""
    rejected = bool(request.form.get(TOKEN_FIELD))
    html = render_template("confirm.html", step=step, fields=_fields(), token_field=TOKEN_FIELD,
                           token=_serializer().dumps(_payload(action, object_id)), rejected=rejected)
    return html, 400 if rejected else 200


def precheck(form: FlaskForm, check: Callable[[], T]) -> T | None:
    """Run a read-only check before asking: its ValidationError goes on the form (None returned)."""
    try:
        return check()
    except ValidationError as error:
        db.session.rollback()
        attach_error(form, error)
        return None


def delete_step(post: Post, actor: User) -> Step:
    """What the post's « Supprimer » does (posting.delete_post): the thread goes with its opening
    post when it has no reply or a moderator deletes it. NotFound when already deleted."""
    if post.deleted_at is not None:
        raise NotFound("Ce message est déjà supprimé.")
    thread, back = post.thread, url_for("threads.goto_post", post_id=post.id)
    whose = "Votre message" if post.author_id == actor.id else \
        f"Le message de {post.author.display_name if post.author else 'un ancien membre'}"
    if post.is_first and (thread.reply_count == 0 or can(actor, Action.MODERATE, thread)):
        replies = f" et ses {thread.reply_count} réponse{'s' if thread.reply_count > 1 else ''}" if thread.reply_count else ""
        return Step(title="Supprimer le sujet", button="Supprimer le sujet", action_url=request.path, cancel_url=back,
                    sentence=f"Le sujet « {thread.title} »{replies} sera supprimé : il ne sera plus lisible "
                             f"que par les modérateurs.")
    return Step(title="Supprimer le message", button="Supprimer le message", action_url=request.path, cancel_url=back,
                sentence=f"{whose} du {french_datetime(post.created_at)} dans « {thread.title} » sera supprimé : "
                         f"la discussion n'affichera plus que « Message supprimé ».")
