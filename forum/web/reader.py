"""What thread and board pages show and record about their logged-in reader: the follow control
(templates/_macros/follow.html; its choices are sent to forum.web.notifications) and, best effort,
how far they have read (a database that cannot write now still shows the page)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import url_for
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.models import Board, Thread, User
from forum.models.notifications import FOLLOW_LEVEL_HELP, FOLLOW_LEVELS
from forum.services.notify import reads
from forum.services.notify.follows import ThreadLevel
from forum.web.errors import unavailability

log = logging.getLogger(__name__)
T = TypeVar("T")

AUTOMATIC_REASONS = {"author": "vous avez ouvert ce sujet", "reply": "vous avez répondu", "vote": "vous avez voté"}


@dataclass(frozen=True)
class FollowControl:
    """What templates/_macros/follow.html shows: the level, why, and where the choice is sent."""

    action: str
    level: str
    note: str
    subject: str  # « ce sujet », « ce forum »
    choices: tuple[tuple[str, str, str], ...] = tuple(
        (code, label, FOLLOW_LEVEL_HELP[code]) for code, label in FOLLOW_LEVELS.items())

    @property
    def label(self) -> str:
        return FOLLOW_LEVELS[self.level]


def thread_follow_control(thread: Thread, level: ThreadLevel) -> FollowControl:
    if level.own and level.reason in AUTOMATIC_REASONS:
        note = f"Suivi automatiquement ({AUTOMATIC_REASONS[level.reason]})"
    elif level.own:
        note = "Niveau choisi par vous"
    elif level.level != "normal":
        note = f"Selon votre suivi du forum {thread.board.name}"
    else:
        note = "Niveau par défaut"
    return FollowControl(url_for("notifications.follow_thread", thread_id=thread.id), level.level, note, "ce sujet")


def board_follow_control(board: Board, level: str) -> FollowControl:
    note = "Niveau choisi par vous" if level != "normal" else "Niveau par défaut"
    return FollowControl(url_for("notifications.follow_board", slug=board.slug), level, note, "ce forum")


def write_quietly(action: Callable[[], T], what: str) -> T | None:
    """Run a write a page does on the side (a read position, notifications read). When the
    database cannot write now (read-only, locked), the transaction is rolled back (the page's
    objects reload from the database), the write is logged as skipped and the page is still shown
    (None). Any other error is raised. No savepoint: it would cost two statements on every write."""
    try:
        return action()
    except SQLAlchemyError as error:
        if unavailability(error) is None:
            raise
        db.session.rollback()
        log.info("%s not recorded: %s", what, unavailability(error))
        return None


def commit_quietly(what: str) -> None:
    """Commit what write_quietly wrote, once the page is rendered (a commit before would expire,
    then reload, every object the page shows); a database that cannot write now loses `what`."""
    try:
        db.session.commit()
    except SQLAlchemyError as error:
        if unavailability(error) is None:
            raise
        db.session.rollback()
        log.info("%s not recorded: %s", what, unavailability(error))


def record_reading(user: User, thread: Thread, last_shown_id: int | None, reader: reads.ThreadReader) -> bool:
    """Record that `user` was shown `thread` up to the post `last_shown_id`: their read position, the
    thread's notifications read. True when something waits for the view's commit (commit_quietly)."""
    return bool(write_quietly(lambda: reads.record_reading(user, thread, last_shown_id, reader),
                              f"Read position of member {user.id} on thread {thread.id}"))
