"""Merging a duplicate request into another: the duplicate becomes `doublon`, its voters' support
goes to the target.

Choice: the source's votes are *copied*, not moved. They stay on the source as a frozen record of
the support it had when merged (its page and its figures still show them), and each voter gets a
vote on the target unless they already have one; when they do, the higher importance is kept.
Doublons are left out of rankings, so no vote is counted twice.
"""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import IMPORTANCES, RequestMerge, StatusChange, Thread, User, Vote
from forum.models._time import utcnow
from forum.services import audit, ranking
from forum.services.errors import Conflict, ValidationError
from forum.services.indexing import enqueue_thread
from forum.services.notify import events
from forum.services.policy import Action, require


def check_merge(actor: User, source: Thread, target: Thread, confirm_cross_board: bool = False) -> None:
    """Raise the error that forbids merging `source` into `target`, if any."""
    require(actor, Action.MERGE_REQUESTS, source)
    if source.kind != "request" or target.kind != "request":
        raise ValidationError("target_id", "Seules deux demandes d'évolution peuvent être fusionnées.")
    if source.id == target.id:
        raise ValidationError("target_id", "Une demande ne peut pas être fusionnée avec elle-même.")
    if source.status == "doublon":
        raise Conflict("Cette demande est déjà un doublon : elle a été fusionnée dans une autre.")
    if target.deleted_at is not None:
        raise ValidationError("target_id", "La demande cible a été supprimée.")
    if target.status == "doublon":
        raise ValidationError("target_id", f"La demande n° {target.id} est elle-même un doublon : fusionnez plutôt "
                                           f"dans la demande n° {target.merged_into_id}.")
    if source.board_id != target.board_id and not confirm_cross_board:
        raise ValidationError("confirm_cross_board",
                              f"Les deux demandes ne sont pas sur le même forum ({source.board.name} et "
                              f"{target.board.name}) : cochez la case de confirmation pour les fusionner.")


def merge_preview(source: Thread, target: Thread) -> tuple[int, int]:
    """Read-only, for the confirmation step: (votes the merge would add to `target`, source voters
    who already vote on it)."""
    on_target = select(Vote.user_id).where(Vote.thread_id == target.id)
    voters = db.session.scalars(select(Vote.user_id).where(Vote.thread_id == source.id)).all()
    present = len(set(voters) & set(db.session.scalars(on_target)))
    return len(voters) - present, present


def merge_requests(actor: User, source: Thread, target: Thread, confirm_cross_board: bool = False) -> RequestMerge:
    """Merge `source` into `target` (moderators only) and record it.

    Raises PermissionDenied, ValidationError (into itself, into a doublon, a non-request, across
    boards without confirmation), Conflict (source already a doublon).
    """
    check_merge(actor, source, target, confirm_cross_board)
    moved, present = _copy_votes(source, target)
    now = utcnow()
    note = f"Fusionnée dans la demande n° {target.id} « {target.title} »."
    db.session.add(StatusChange(thread_id=source.id, actor_id=actor.id, from_status=source.status,
                                to_status="doublon", note=note, note_html=render_markdown(note), created_at=now))
    source.status, source.merged_into_id = "doublon", target.id
    merge = RequestMerge(source_id=source.id, target_id=target.id, actor_id=actor.id, votes_moved=moved,
                         votes_already_present=present, created_at=now)
    db.session.add(merge)
    db.session.flush()
    events.merged(merge, source, target, actor)
    ranking.refresh_scores([source.id, target.id])
    for thread in (source, target):
        db.session.expire(thread, ["score", "vote_count", "uncounted_vote_count", "structure_count",
                                   "profession_count"])
        enqueue_thread(thread.id)
    audit.record(actor, "merge_requests", thread=source, target_id=target.id, target_title=target.title,
                 votes_moved=moved, votes_already_present=present)
    return merge


def _copy_votes(source: Thread, target: Thread) -> tuple[int, int]:
    """Give each voter of `source` a vote on `target`, keeping the higher importance.
    Returns (votes added to the target, voters who already had one there)."""
    source_votes = list(db.session.scalars(select(Vote).where(Vote.thread_id == source.id)))
    existing = {vote.user_id: vote for vote in db.session.scalars(
        select(Vote).where(Vote.thread_id == target.id, Vote.user_id.in_([v.user_id for v in source_votes])))}
    moved = present = 0
    now = utcnow()
    for vote in source_votes:
        mine = existing.get(vote.user_id)
        if mine is None:
            db.session.add(Vote(thread_id=target.id, user_id=vote.user_id, importance=vote.importance,
                                created_at=vote.created_at, updated_at=now))
            moved += 1
            continue
        present += 1
        if IMPORTANCES[vote.importance] > IMPORTANCES[mine.importance]:
            mine.importance, mine.updated_at = vote.importance, now
    db.session.flush()
    return moved, present
