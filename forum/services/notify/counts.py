"""The unread count each member's bell shows: User.unread_notification_count, a count over the
partial index of unread notifications loaded with the member's row (forum.models.notifications).
Nothing is stored, so nothing can drift; after marking notifications read, members already loaded
in this session are told to count again."""
from __future__ import annotations

from collections.abc import Iterable

from forum.extensions import db
from forum.models import User


def recount_unread(user_ids: Iterable[int] | None = None) -> None:
    """Make the loaded members (these ids, or all) count their unread notifications again on next
    access (one statement each, only for those whose count is read again)."""
    wanted = None if user_ids is None else set(user_ids)
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, User) and (wanted is None or loaded.id in wanted):
            db.session.expire(loaded, ["unread_notification_count"])
