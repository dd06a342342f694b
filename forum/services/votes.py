"""Votes on evolution requests: one per user and request, with an importance, while it is open.

The unique constraint (thread_id, user_id) is the real guard against double votes: a concurrent
insert that loses the race raises IntegrityError inside a SAVEPOINT, which is rolled back alone,
and the winner's row is updated instead. Every change refreshes the request's ranking figures in
the same transaction.
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import IMPORTANCES, STATUSES, Thread, User, Vote
from forum.models._time import utcnow
from forum.services import ranking
from forum.services.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from forum.services.policy import can, suspended_until, suspension_message

IMPORTANCE_MESSAGE = "Choisissez l'importance de votre vote : utile, important ou bloquant."
USAGE_MESSAGE = ("Seuls les utilisateurs de {software} peuvent voter sur ses demandes d'évolution. "
                 "Déclarez que vous utilisez ce logiciel dans votre profil pour voter.")


def vote_refusal(user: User | None, thread: Thread, check_usage: bool = True) -> DomainError | None:
    """Why `user` cannot vote on `thread` now (the error to raise), or None when they can.

    check_usage=False for withdrawing: a user who stopped declaring the software may still
    withdraw the vote they cast before."""
    if thread.deleted_at is not None:
        return NotFound("Cette demande a été supprimée.")
    if thread.kind != "request":
        return Conflict("On ne vote que sur les demandes d'évolution.")
    if not can(user, "vote", thread):
        if suspended_until(user) is not None:
            return PermissionDenied(suspension_message(user))
        return PermissionDenied("Connectez-vous pour voter.")
    if not thread.is_open_request:
        return Conflict(f"Les votes sont clos : cette demande est « {STATUSES[thread.status]} ».")
    if check_usage and ranking.usage_required(thread.board) and not user.uses_board(thread.board_id):
        return PermissionDenied(USAGE_MESSAGE.format(software=thread.board.name))
    return None


def find_vote(user_id: int, thread_id: int) -> Vote | None:
    return db.session.scalar(select(Vote).where(Vote.thread_id == thread_id, Vote.user_id == user_id))


def cast_vote(user: User, thread: Thread, importance: str = "utile") -> Vote:
    """Vote for a request, or change the importance of one's vote.

    Raises ValidationError("importance", …) for an unknown importance, Conflict for a closed
    request or a thread that is not a request, PermissionDenied when the board counts only its
    software's users and `user` does not declare it, NotFound for a deleted request.
    """
    if importance not in IMPORTANCES:
        raise ValidationError("importance", IMPORTANCE_MESSAGE)
    refusal = vote_refusal(user, thread)
    if refusal is not None:
        raise refusal
    vote = find_vote(user.id, thread.id)
    if vote is None:
        vote = _insert_vote(user, thread, importance)
    elif vote.importance != importance:
        vote.importance, vote.updated_at = importance, utcnow()
    db.session.flush()
    ranking.refresh_request(thread.id)
    db.session.expire(thread, ["score", "vote_count", "uncounted_vote_count", "structure_count",
                               "profession_count"])
    return vote


def _insert_vote(user: User, thread: Thread, importance: str) -> Vote:
    """Insert inside a SAVEPOINT; if a concurrent request inserted the same vote first, keep
    theirs and give it this importance."""
    _begin_sqlite_transaction()
    now = utcnow()
    vote = Vote(thread_id=thread.id, user_id=user.id, importance=importance, created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except IntegrityError:
        vote = find_vote(user.id, thread.id)
        if vote is None:  # not a duplicate: some other constraint failed
            raise
        vote.importance, vote.updated_at = importance, now
    return vote


def _begin_sqlite_transaction() -> None:
    """pysqlite opens a transaction only before INSERT/UPDATE/DELETE, not before SAVEPOINT: a
    SAVEPOINT outside a transaction would start one that its RELEASE commits, before the view
    commits. Begin it explicitly so the vote and its figures are committed together."""
    raw = db.session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")


def withdraw_vote(user: User, thread: Thread) -> None:
    """Withdraw one's vote (no-op without a vote). Raises like cast_vote for a closed request."""
    refusal = vote_refusal(user, thread, check_usage=False)
    if refusal is not None:
        raise refusal
    db.session.execute(delete(Vote).where(Vote.thread_id == thread.id, Vote.user_id == user.id))
    ranking.refresh_request(thread.id)
    db.session.expire(thread, ["score", "vote_count", "uncounted_vote_count", "structure_count",
                               "profession_count"])


def votes_of(user: User | None, thread_ids: list[int]) -> dict[int, str]:
    """{thread_id: importance} of the user's votes among `thread_ids` (one query)."""
    if user is None or not user.is_authenticated or not thread_ids:
        return {}
    return dict(db.session.execute(select(Vote.thread_id, Vote.importance)
                                   .where(Vote.user_id == user.id, Vote.thread_id.in_(thread_ids))).all())
