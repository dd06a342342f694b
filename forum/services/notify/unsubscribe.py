"""One-click unsubscribe (RFC 8058): a signed token per member and scope, working without logging in.

Scopes: "notifications" (every e-mail about notifications becomes « jamais »), "letter" (the club's
letter stops). The token is signed with SECRET_KEY and dated; a forged, expired or deleted
account's token is refused with a French message and changes nothing.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, insert

from forum.extensions import db
from forum.models import NotificationPreference, User
from forum.models.notifications import NOTIFICATION_KINDS
from forum.services.errors import NotFound, ValidationError

SALT = "unsubscribe"
SCOPES: dict[str, str] = {"notifications": "les e-mails de notification", "letter": "la lettre du club"}
# A link stays valid this long (messages are read late, and the header is used by mail clients).
MAX_AGE = 180 * 24 * 60 * 60
INVALID = "Ce lien de désinscription n'est pas valide. Gérez vos e-mails depuis votre profil, rubrique Notifications."
EXPIRED = ("Ce lien de désinscription a expiré. Connectez-vous pour gérer vos e-mails depuis votre profil, "
           "rubrique Notifications.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f"unknown unsubscribe scope {scope!r}")
    return _serializer().dumps({"u": user_id, "s": scope})


def unsubscribe_url(user_id: int, scope: str) -> str:
    """The absolute link of the unsubscribe page (under PUBLIC_BASE_URL, no request needed)."""
    from forum.web.urls import external_url

    return external_url("mail_settings.unsubscribe", token=make_token(user_id, scope))


def read_token(token: str, max_age: int | None = None) -> tuple[User, str]:
    """The member and scope of a token. Raises ValidationError (forged or expired), NotFound (the
    account was deleted)."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE if max_age is None else max_age)
    except SignatureExpired:
        raise ValidationError(None, EXPIRED) from None
    except BadSignature:
        raise ValidationError(None, INVALID) from None
    if not isinstance(data, dict) or data.get("s") not in SCOPES or not isinstance(data.get("u"), int):
        raise ValidationError(None, INVALID)
    user = db.session.get(User, data["u"])
    if user is None or user.deleted_at is not None:
        raise NotFound("Ce compte n'existe plus : aucun e-mail ne lui est envoyé.")
    return user, data["s"]


def unsubscribe(user: User, scope: str) -> None:
    """Stop what `scope` covers for the member (the caller commits)."""
    if scope == "letter":
        user.letter_period = None
        return
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    db.session.execute(insert(NotificationPreference), [
        {"user_id": user.id, "kind": kind, "delivery": "never"} for kind in NOTIFICATION_KINDS])
