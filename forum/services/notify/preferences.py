"""A member's e-mail choices: per kind of notification immédiat / dans le résumé / jamais, and
whether and how often they receive the club's letter.

Only the choices that differ from DEFAULT_EMAIL_DELIVERY are stored, so a member who never
changed a kind follows the site's default for it.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert, select

from forum.extensions import db
from forum.models import NotificationPreference, User
from forum.models.notifications import DEFAULT_EMAIL_DELIVERY, EMAIL_DELIVERIES, LETTER_PERIODS, NOTIFICATION_KINDS
from forum.services.errors import ValidationError

DELIVERY_MESSAGE = "Choisissez « Immédiat », « Dans le résumé » ou « Jamais » pour « {label} »."
UNKNOWN_KIND = "Ce type de notification n'existe pas : rechargez la page et réessayez."
LETTER_MESSAGE = "Choisissez « Pas abonné·e », « Chaque semaine » ou « Toutes les deux semaines » pour la lettre du club."


def field_name(kind: str) -> str:
    """The form field of a kind (the preferences page), also the field a ValidationError names."""
    return f"delivery_{kind}"


# Kinds only some roles receive (the others are not asked about them).
ROLE_KINDS = {"livrable": lambda user: user.role == "editor", "report": lambda user: user.has_moderator_role}


def kinds_for(user: User) -> list[str]:
    """The kinds of notification the member can receive, in NOTIFICATION_KINDS order."""
    return [kind for kind in NOTIFICATION_KINDS if ROLE_KINDS.get(kind, lambda _: True)(user)]


def deliveries_of(user: User) -> dict[str, str]:
    """Every kind of notification → the member's delivery (their choice, else the default)."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                      .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, DEFAULT_EMAIL_DELIVERY[kind]) for kind in NOTIFICATION_KINDS}


def email_delivery(user: User, kind: str) -> str:
    """The member's delivery for one kind: "immediate", "digest" or "never"."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    chosen = db.session.scalar(select(NotificationPreference.delivery).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return chosen or DEFAULT_EMAIL_DELIVERY[kind]


def set_preferences(user: User, deliveries: Mapping[str, str | None], letter_period: str | None) -> None:
    """Save the member's choices (kinds left out keep theirs); `letter_period` "" or None stops the
    letter. Raises ValidationError (on the kind's field, or `letter_period`) and changes nothing
    when a code is unknown."""
    for kind, delivery in deliveries.items():
        if kind not in NOTIFICATION_KINDS:
            raise ValidationError(None, UNKNOWN_KIND)
        if delivery not in EMAIL_DELIVERIES:
            raise ValidationError(field_name(kind), DELIVERY_MESSAGE.format(label=NOTIFICATION_KINDS[kind]))
    if letter_period not in (None, "", *LETTER_PERIODS):
        raise ValidationError("letter_period", LETTER_MESSAGE)
    if deliveries:
        db.session.execute(delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind.in_(list(deliveries))))
        changed = [{"user_id": user.id, "kind": kind, "delivery": delivery} for kind, delivery in deliveries.items()
                   if delivery != DEFAULT_EMAIL_DELIVERY[kind]]
        if changed:
            db.session.execute(insert(NotificationPreference), changed)
    user.letter_period = letter_period or None
    db.session.flush()
