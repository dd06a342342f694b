"""Who may do what: the single place permissions are decided (`can`), checked by services."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, ModeratorScope, Post, Thread, User
from forum.models._time import utcnow
from forum.services.errors import PermissionDenied

# Statuses an editor representative may set on its own editor's boards.
EDITOR_STATUSES = frozenset({"planifiee", "livree", "deja_possible", "refusee"})


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.deleted_at is None


def is_board_editor(user: User | None, board: Board) -> bool:
    """The user represents the editor of this board's software."""
    return (_active(user) and user.role == "editor" and board.editor_id is not None
            and user.editor_id == board.editor_id)


# Actions that only read: still allowed to a suspended member. Every other action writes.
READ_ACTIONS = frozenset({"view_revisions", "read_livrable", "export_requests", "view_moderation"})


def moderated_board_ids(user: User) -> frozenset[int] | None:
    """The boards a moderator is limited to, or None for every board (admins, and moderators
    without ModeratorScope rows). Loaded once per user object, i.e. once per request, and cached
    on it as `_moderated_board_ids` (services.suspensions.set_moderator_scope resets it)."""
    if user.role == "admin":
        return None
    user = getattr(user, "_get_current_object", lambda: user)()  # templates pass the current_user proxy
    if "_moderated_board_ids" not in user.__dict__:
        ids = frozenset(db.session.scalars(select(ModeratorScope.board_id).where(ModeratorScope.user_id == user.id)))
        user.__dict__["_moderated_board_ids"] = ids or None
    return user.__dict__["_moderated_board_ids"]


def is_moderator(user: User | None, board: Board | None = None) -> bool:
    """Admins and global moderators moderate every board; a scoped moderator only its boards.
    Without a board: whether the user moderates at least one board."""
    if not (_active(user) and user.role in ("moderator", "admin")):
        return False
    scope = moderated_board_ids(user)
    return scope is None or board is None or board.id in scope


def is_global_moderator(user: User | None) -> bool:
    """Moderates every board (needed for actions that are not tied to a board, like suspensions)."""
    return is_moderator(user) and moderated_board_ids(user) is None


def suspended_until(user: User | None) -> datetime | None:
    """The end of the user's suspension when it is still running, else None."""
    until = getattr(user, "suspended_until", None)
    return until if until is not None and until > utcnow() else None


def suspension_message(user: User) -> str:
    """French refusal shown to a suspended member: until when and why."""
    until = format_datetime(user.suspended_until, "d MMMM y 'à' HH:mm", tzinfo=ZoneInfo("Europe/Paris"),
                            locale="fr_FR")
    reason = f" Motif : {user.suspension_reason}" if user.suspension_reason else ""
    return (f"Votre compte est suspendu jusqu'au {until} : vous pouvez lire les forums mais pas publier, "
            f"répondre, voter, signaler ni modifier de message.{reason}")


def ensure_not_suspended(user: User | None) -> None:
    """Raise PermissionDenied with the suspension message when `user` is suspended."""
    if suspended_until(user) is not None:
        raise PermissionDenied(suspension_message(user))


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """True when `user` may perform `action` on `obj`.

    Actions: create_thread (Board), reply (Thread), edit_post / delete_post (Post),
    restore_post (Post), view_revisions (Post), moderate (Board), vote (Thread),
    set_status (Thread; see can_set_status), accept_answer (Thread), merge_requests (Thread),
    mark_tip_useful (Thread), answer_officially (Thread), admin,
    export_requests (Board), manage_livrables (Board), read_livrable / acknowledge_livrable (Livrable),
    report_post (Post), suspend_user (User), view_moderation.

    A suspended member may only perform READ_ACTIONS until the end of the suspension.
    """
    if not _active(user):
        return False
    if action not in READ_ACTIONS and suspended_until(user) is not None:
        return False
    if action == "report_post":
        post: Post = obj
        return post.author_id != user.id and post.deleted_at is None and post.thread.deleted_at is None
    if action == "suspend_user":
        return (is_global_moderator(user) and obj.id != user.id and obj.role in ("member", "editor")
                and obj.deleted_at is None)
    if action == "view_moderation":
        return is_moderator(user)
    if action == "admin":
        return user.role == "admin"
    if action == "create_thread":
        return isinstance(obj, Board)
    if action == "reply":
        return not obj.locked or is_moderator(user, obj.board)
    if action in ("edit_post", "delete_post"):
        post: Post = obj
        return post.author_id == user.id or is_moderator(user, post.thread.board)
    if action in ("restore_post", "view_revisions", "moderate"):
        board = obj.thread.board if isinstance(obj, Post) else obj.board if isinstance(obj, Thread) else obj
        return is_moderator(user, board)
    if action == "accept_answer":
        thread: Thread = obj
        return (thread.kind == "question" and (thread.author_id == user.id or is_moderator(user, thread.board)
                                                or is_board_editor(user, thread.board)))
    if action in ("merge_requests",):
        return is_moderator(user, obj.board)
    if action == "set_status":
        return is_moderator(user, obj.board) or is_board_editor(user, obj.board)
    if action in ("vote", "mark_tip_useful", "confirm_tip"):
        return True
    if action == "export_requests":
        return is_moderator(user, obj) or is_board_editor(user, obj)
    if action == "manage_livrables":
        return is_moderator(user, obj)
    if action == "read_livrable":
        return is_moderator(user, obj.board) or (obj.frozen_at is not None and is_board_editor(user, obj.board))
    if action == "acknowledge_livrable":
        return obj.frozen_at is not None and is_board_editor(user, obj.board)
    return False


def can_set_status(user: User | None, thread: Thread, status: str) -> bool:
    """Moderators set any status; an editor representative only the editor statuses, on its boards."""
    if is_moderator(user, thread.board):
        return True
    return is_board_editor(user, thread.board) and status in EDITOR_STATUSES


def require(user: User | None, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise PermissionDenied unless can(user, action, obj); a suspended member is told until when
    and why rather than `message`."""
    if not can(user, action, obj):
        if action not in READ_ACTIONS and _active(user):
            ensure_not_suspended(user)
        raise PermissionDenied(message) if message else PermissionDenied()
