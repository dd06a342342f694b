"""Who may do what: the single place permissions are decided (`can`), checked by services."""
from __future__ import annotations

from typing import Any

from forum.models import Board, Post, Thread, User
from forum.services.errors import PermissionDenied

# Statuses an editor representative may set on its own editor's boards.
EDITOR_STATUSES = frozenset({"planifiee", "livree", "deja_possible", "refusee"})


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.deleted_at is None


def is_board_editor(user: User | None, board: Board) -> bool:
    """The user represents the editor of this board's software."""
    return (_active(user) and user.role == "editor" and board.editor_id is not None
            and user.editor_id == board.editor_id)


def is_moderator(user: User | None, board: Board | None = None) -> bool:
    return _active(user) and user.role in ("moderator", "admin")


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """True when `user` may perform `action` on `obj`.

    Actions: create_thread (Board), reply (Thread), edit_post / delete_post (Post),
    restore_post (Post), view_revisions (Post), moderate (Board), vote (Thread),
    set_status (Thread; see can_set_status), accept_answer (Thread), merge_requests (Thread),
    mark_tip_useful (Thread), answer_officially (Thread), admin.
    """
    if not _active(user):
        return False
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
    return False


def can_set_status(user: User | None, thread: Thread, status: str) -> bool:
    """Moderators set any status; an editor representative only the editor statuses, on its boards."""
    if is_moderator(user, thread.board):
        return True
    return is_board_editor(user, thread.board) and status in EDITOR_STATUSES


def require(user: User | None, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise PermissionDenied unless can(user, action, obj)."""
    if not can(user, action, obj):
        raise PermissionDenied(message) if message else PermissionDenied()
