"""Who may do what, and how a refusal is worded: the one place permissions are decided.

Every action is an `Action`; `RULES` maps each to who may perform it, on what target, and the
French refusal. Services call `require(user, action, target)`, which raises that refusal; pages and
templates call `can(user, action, target)` to show or hide a control. A string naming no action
raises ValueError (a typo fails loudly instead of hiding a button). No other module tests a role.

Two refusals are common to every action: an anonymous visitor is told to log in (the rule's
`login` sentence), a suspended member is told until when and why, for every action that is not a
read (`Rule.reads`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select

from forum.extensions import db
from forum.models import STATUSES, Attachment, Board, Document, Livrable, ModeratorScope, Post, Thread, User
from forum.models._time import utcnow
from forum.services.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError


class Action(StrEnum):
    """What a user may attempt, with the target `can`/`require` expect."""

    CREATE_THREAD = "create_thread"          # Board
    REPLY = "reply"                          # Thread
    EDIT_POST = "edit_post"                  # Post
    DELETE_POST = "delete_post"              # Post
    RESTORE_POST = "restore_post"            # Post
    VIEW_REVISIONS = "view_revisions"        # Post
    READ_HIDDEN = "read_hidden"              # Thread or Post: a hidden thread, a deleted post's text
    MODERATE = "moderate"                    # Board, Thread or Post
    VOTE = "vote"                            # Thread (a request)
    SET_STATUS = "set_status"                # Thread (a request); which statuses: can_set_status
    ACCEPT_ANSWER = "accept_answer"          # Thread (a question)
    MERGE_REQUESTS = "merge_requests"        # Thread (the duplicate)
    MARK_TIP_USEFUL = "mark_tip_useful"      # Thread (a tip)
    CONFIRM_TIP = "confirm_tip"              # Thread (a tip)
    REPORT_POST = "report_post"              # Post
    SUSPEND_USER = "suspend_user"            # User
    VIEW_MODERATION = "view_moderation"      # None: the report queue and the journal
    EXPORT_REQUESTS = "export_requests"      # Board
    MANAGE_LIVRABLES = "manage_livrables"    # Board, or None: at least one board
    LIST_LIVRABLES = "list_livrables"        # None
    READ_LIVRABLE = "read_livrable"          # Livrable
    ACKNOWLEDGE_LIVRABLE = "acknowledge_livrable"  # Livrable
    VIEW_EDITOR_SPACE = "view_editor_space"  # None
    USE_TEAM_NAME = "use_team_name"          # str: a word of the team (« modérateur »…) in one's name
    FOLLOW = "follow"                        # Thread or Board: choose what one is told about it
    WRITE_LETTER_INTRO = "write_letter_intro"  # Board: the editorial of its next letters
    SET_TARGET = "set_target"                # Thread (a request): its target version/period
    READ_BOARD_LIVRABLES = "read_board_livrables"  # Board: its frozen livrables, as members read them
    SET_EDITOR_CONTACTS = "set_editor_contacts"    # Editor: its named contacts and contact note
    EDIT_BOARD_LABEL = "edit_board_label"    # Board: its label facts (level, version, note)
    ATTACH_FILES = "attach_files"            # Board: add files to one's posts there
    CURATE_FAQ = "curate_faq"                # Board: write, publish, order and delete its FAQ entries
    PROPOSE_FAQ = "propose_faq"              # Thread (a question or a tip): propose it as an FAQ entry
    READ_DOCUMENTS = "read_documents"        # None: the members-only documents of the document base
    SHARE_DOCUMENT = "share_document"        # Board, or None for the general base
    MANAGE_DOCUMENT = "manage_document"      # Document: edit it, add a version, delete it
    PUBLISH_DOCUMENT = "publish_document"    # Document: make it public (or members-only again)


# --- who someone is: roles, moderator scopes, editor representatives, suspensions -----------------

# Statuses an editor representative may set on its own editor's boards.
EDITOR_STATUSES = frozenset({"planifiee", "livree", "deja_possible", "refusee"})
# The same words for a missing and a hidden thread: nothing tells that it exists.
THREAD_NOT_FOUND = "Ce sujet n'existe pas ou a été supprimé."
POST_NOT_FOUND = "Ce message n'existe pas ou a été supprimé."


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.deleted_at is None


def represented_editor_id(user: User | None) -> int | None:
    """The editor `user` represents (an active editor representative), else None."""
    return user.editor_id if _active(user) and user.role == "editor" else None


def is_board_editor(user: User | None, board: Board) -> bool:
    """The user represents the editor of this board's software."""
    editor_id = represented_editor_id(user)
    return editor_id is not None and board.editor_id == editor_id


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
    if not (_active(user) and user.has_moderator_role):
        return False
    scope = moderated_board_ids(user)
    return scope is None or board is None or board.id in scope


def is_global_moderator(user: User | None) -> bool:
    """Moderates every board (needed for actions that are not tied to a board, like suspensions)."""
    return is_moderator(user) and moderated_board_ids(user) is None


def require_scopable(user: User) -> None:
    """Only an account of role « moderator » can be limited to some boards (an admin moderates
    them all). Raises Conflict."""
    if user.role != "moderator":
        raise Conflict("Seul un compte de rôle « moderator » peut être limité à certains forums.")


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


def _board(target: Board | Thread | Post | Livrable | None) -> Board | None:
    if isinstance(target, Post):
        return target.thread.board
    if isinstance(target, Thread | Livrable):
        return target.board
    return target


def _moderates(user: User, target: Any) -> bool:
    return is_moderator(user, _board(target))


# --- the action table -------------------------------------------------------------------------------

Refusal = Callable[[User | None, Any], DomainError]
LOGIN = "Connectez-vous pour continuer."


def denied(message: str) -> Refusal:
    """A refusal that is always the same 403."""
    return lambda user, target: PermissionDenied(message)


@dataclass(frozen=True)
class Rule:
    """`allows(user, target)` is asked for an active, logged-in member only (and, unless `reads`,
    one who is not suspended); `refuse(user, target)` is the error when it says no. An anonymous
    visitor gets PermissionDenied(`login`), or `refuse(None, target)` when `login` is None (a
    NotFound that must not tell a hidden thing exists, a field error said to everyone alike)."""

    allows: Callable[[User, Any], bool]
    refuse: Refusal
    reads: bool = False
    login: str | None = LOGIN


def _refuse_moderation(user: User | None, target: Any) -> DomainError:
    board = _board(target)
    if board is not None and is_moderator(user):  # a scoped moderator: say which board it is not
        return PermissionDenied(f"Vous ne modérez pas le forum {board.name}.")
    return PermissionDenied("Seuls les modérateurs de ce forum peuvent faire cette action.")


def _own_post_or_moderator(user: User, post: Post) -> bool:
    return post.author_id == user.id or _moderates(user, post)


def _may_report(user: User, post: Post) -> bool:
    return post.author_id != user.id and post.deleted_at is None and post.thread.deleted_at is None


def _refuse_report(user: User | None, post: Post) -> DomainError:
    if post.deleted_at is not None or post.thread.deleted_at is not None:
        return NotFound(POST_NOT_FOUND)
    return PermissionDenied("Vous ne pouvez pas signaler votre propre message.")


def _may_suspend(user: User, target: User) -> bool:
    return (is_global_moderator(user) and target.id != user.id and not target.has_moderator_role
            and target.deleted_at is None)


def may_follow_thread(user: User, thread: Thread) -> bool:
    """A thread one can read (a hidden one only by its moderators)."""
    return thread.deleted_at is None or _moderates(user, thread)


def _may_read_livrable(user: User, livrable: Livrable) -> bool:
    if not livrable.is_frozen:  # a draft: read by those who prepare it
        return can(user, Action.MANAGE_LIVRABLES, livrable.board)
    return is_moderator(user, livrable.board) or is_board_editor(user, livrable.board)


def _document_board(document: Document) -> Board | None:
    return db.session.get(Board, document.board_id) if document.board_id is not None else None


def _moderates_document(user: User, document: Document) -> bool:
    return is_moderator(user, _document_board(document))


RULES: dict[Action, Rule] = {
    Action.CREATE_THREAD: Rule(
        lambda user, board: isinstance(board, Board), denied("Vous ne pouvez pas ouvrir de sujet ici."),
        login="Connectez-vous pour ouvrir un sujet."),
    Action.REPLY: Rule(
        lambda user, thread: not thread.locked or _moderates(user, thread),
        lambda user, thread: Conflict("Ce sujet est verrouillé : il n'accepte plus de réponses."),
        login="Connectez-vous pour répondre."),
    Action.EDIT_POST: Rule(_own_post_or_moderator, denied("Vous ne pouvez modifier que vos propres messages.")),
    Action.DELETE_POST: Rule(_own_post_or_moderator, denied("Vous ne pouvez supprimer que vos propres messages.")),
    Action.RESTORE_POST: Rule(_moderates, denied("Seuls les modérateurs de ce forum peuvent restaurer un message.")),
    Action.VIEW_REVISIONS: Rule(
        _moderates, denied("Seuls les modérateurs peuvent consulter l'historique des modifications."), reads=True),
    Action.READ_HIDDEN: Rule(
        _moderates, lambda user, target: NotFound(POST_NOT_FOUND if isinstance(target, Post) else THREAD_NOT_FOUND),
        reads=True, login=None),
    Action.MODERATE: Rule(_moderates, _refuse_moderation),
    # The editor answers its software's requests; it does not weigh on their ranking.
    Action.VOTE: Rule(lambda user, thread: not is_board_editor(user, thread.board),
                      denied("Vous représentez l'éditeur de ce logiciel : vous ne votez pas pour ses demandes, "
                             "vous pouvez y répondre officiellement."),
                      login="Connectez-vous pour voter."),
    Action.SET_STATUS: Rule(
        lambda user, thread: _moderates(user, thread) or is_board_editor(user, thread.board),
        denied("Seuls les modérateurs et l'éditeur de ce logiciel peuvent changer le statut de ses demandes.")),
    Action.SET_TARGET: Rule(
        lambda user, thread: _moderates(user, thread) or is_board_editor(user, thread.board),
        denied("Seuls les modérateurs et l'éditeur de ce logiciel peuvent donner l'échéance de ses demandes.")),
    Action.READ_BOARD_LIVRABLES: Rule(
        lambda user, board: True, denied("Vous ne pouvez pas consulter ces livrables."), reads=True,
        login="Connectez-vous pour consulter les livrables transmis à l'éditeur."),
    Action.SET_EDITOR_CONTACTS: Rule(
        lambda user, editor: represented_editor_id(user) == editor.id,
        denied("Seuls les représentants de cet éditeur choisissent ses contacts.")),
    Action.EDIT_BOARD_LABEL: Rule(
        lambda user, board: user.role == "admin", denied("Seuls les administrateurs modifient le label d'un forum.")),
    Action.ACCEPT_ANSWER: Rule(
        lambda user, thread: thread.kind == "question" and (
            thread.author_id == user.id or _moderates(user, thread) or is_board_editor(user, thread.board)),
        denied("Seuls l'auteur de la question, les modérateurs et l'éditeur du logiciel peuvent choisir la solution.")),
    Action.MERGE_REQUESTS: Rule(_moderates, denied("Seuls les modérateurs peuvent fusionner des demandes.")),
    Action.MARK_TIP_USEFUL: Rule(
        lambda user, thread: thread.author_id != user.id,
        lambda user, thread: Conflict("Vous ne pouvez pas marquer votre propre astuce comme utile."),
        login="Connectez-vous pour marquer une astuce utile."),
    Action.CONFIRM_TIP: Rule(lambda user, thread: True, denied("Vous ne pouvez pas confirmer cette astuce."),
                             login="Connectez-vous pour confirmer une astuce."),
    Action.REPORT_POST: Rule(_may_report, _refuse_report, login="Connectez-vous pour signaler un message."),
    Action.SUSPEND_USER: Rule(_may_suspend, denied(
        "Seuls les modérateurs de tous les forums peuvent suspendre un membre, et pas un autre modérateur "
        "ni eux-mêmes.")),
    Action.VIEW_MODERATION: Rule(
        lambda user, target: is_moderator(user),
        denied("Les pages de modération sont réservées aux modérateurs."), reads=True),
    Action.EXPORT_REQUESTS: Rule(
        lambda user, board: is_moderator(user, board) or is_board_editor(user, board),
        denied("Seuls les modérateurs et l'éditeur de ce logiciel peuvent exporter les demandes de ce forum."),
        reads=True),
    Action.MANAGE_LIVRABLES: Rule(
        lambda user, board: is_moderator(user, board), denied("Seuls les modérateurs préparent les livrables.")),
    Action.LIST_LIVRABLES: Rule(
        lambda user, target: is_moderator(user) or represented_editor_id(user) is not None,
        denied("Les livrables sont réservés aux modérateurs et aux représentants des éditeurs."), reads=True),
    Action.READ_LIVRABLE: Rule(
        _may_read_livrable, lambda user, livrable: NotFound("Ce livrable n'existe pas."), reads=True, login=None),
    Action.ACKNOWLEDGE_LIVRABLE: Rule(
        lambda user, livrable: livrable.is_frozen and is_board_editor(user, livrable.board),
        denied("Seul le représentant de l'éditeur de ce logiciel peut accuser réception de ce livrable.")),
    Action.VIEW_EDITOR_SPACE: Rule(
        lambda user, target: represented_editor_id(user) is not None,
        denied("L'espace éditeur est réservé aux représentants des éditeurs."), reads=True),
    # Naming oneself is not publishing: a suspended editor keeps its representative's name. A
    # visitor creating an account is refused like a member (a field error, not a log-in invitation).
    Action.USE_TEAM_NAME: Rule(
        lambda user, word: user.role != "member",
        lambda user, word: ValidationError("display_name", (
            f"Le nom affiché ne peut pas contenir « {word} » : ce mot est réservé aux comptes des éditeurs, "
            "des modérateurs et de l'administration du forum. Choisissez un autre nom.")),
        reads=True, login=None),
    # Following only decides what one is told: a suspended member may still silence a thread.
    Action.FOLLOW: Rule(
        lambda user, target: not isinstance(target, Thread) or may_follow_thread(user, target),
        lambda user, target: NotFound(THREAD_NOT_FOUND), reads=True, login="Connectez-vous pour suivre ce sujet."),
    Action.WRITE_LETTER_INTRO: Rule(
        lambda user, board: is_moderator(user, board),
        denied("Seuls les modérateurs de ce forum écrivent l'introduction de sa lettre.")),
    Action.ATTACH_FILES: Rule(lambda user, board: True, denied("Vous ne pouvez pas joindre de fichier ici."),
                              login="Connectez-vous pour joindre un fichier."),
    Action.CURATE_FAQ: Rule(
        lambda user, board: is_moderator(user, board) or is_board_editor(user, board),
        denied("Seuls les modérateurs et l'éditeur de ce logiciel rédigent et valident sa FAQ.")),
    Action.PROPOSE_FAQ: Rule(
        lambda user, thread: thread.kind in ("question", "tip") and thread.deleted_at is None,
        lambda user, thread: Conflict("Seules une question résolue et une astuce peuvent être proposées pour la FAQ."),
        login="Connectez-vous pour proposer une entrée de FAQ."),
    Action.READ_DOCUMENTS: Rule(
        lambda user, target: True, denied("La base documentaire est réservée aux membres."), reads=True,
        login="Connectez-vous pour consulter ce document : la base documentaire est réservée aux membres."),
    Action.SHARE_DOCUMENT: Rule(lambda user, board: True, denied("Vous ne pouvez pas partager de document ici."),
                                login="Connectez-vous pour partager un document."),
    Action.MANAGE_DOCUMENT: Rule(
        lambda user, document: document.uploader_id == user.id or _moderates_document(user, document),
        denied("Seuls l'auteur du document et les modérateurs peuvent le modifier.")),
    Action.PUBLISH_DOCUMENT: Rule(
        _moderates_document, denied("Seuls les modérateurs peuvent rendre un document public.")),
}
# Actions that only read: still allowed to a suspended member. Every other action writes.
READ_ACTIONS = frozenset(action for action, rule in RULES.items() if rule.reads)


def can(user: User | None, action: Action | str, target: Any = None) -> bool:
    """True when `user` may perform `action` on `target`. `action` may be given by its value
    ("reply", as templates do); an unknown name raises ValueError."""
    rule = RULES[Action(action)]
    if not _active(user):
        return False
    if not rule.reads and suspended_until(user) is not None:
        return False
    return rule.allows(user, target)


def refusal(user: User | None, action: Action | str, target: Any = None) -> DomainError | None:
    """The error refusing `action` to `user` (see `require`), or None when it is allowed."""
    rule = RULES[Action(action)]
    if not _active(user):
        return PermissionDenied(rule.login) if rule.login else rule.refuse(None, target)
    if not rule.reads and suspended_until(user) is not None:
        return PermissionDenied(suspension_message(user))
    return None if rule.allows(user, target) else rule.refuse(user, target)


def require(user: User | None, action: Action | str, target: Any = None) -> None:
    """Raise the rule's refusal unless `user` may perform `action` on `target`: PermissionDenied
    (a log-in invitation for an anonymous visitor, until when and why for a suspended member),
    or the rule's own Conflict / NotFound."""
    error = refusal(user, action, target)
    if error is not None:
        raise error


def may_see_file(user: User | None, attachment: Attachment, post: Post | None = None,
                 document: Document | None = None) -> bool:
    """Who may download a stored file (anonymous visitors included): a post's file as its post is
    read — moderators only once the post, its thread or the file is deleted, or the file was taken out
    of the post by an edit (the revision history); a document's file to members, to everyone when the
    document is public, to moderators only once deleted. A file of neither: nobody."""
    if post is not None:
        hidden = post.deleted_at or post.thread.deleted_at or attachment.deleted_at or attachment.removed_at
        return not hidden or _active(user) and _moderates(user, post)
    if document is not None:
        if document.deleted_at is not None or attachment.deleted_at is not None:
            return _active(user) and _moderates_document(user, document)
        return document.public or _active(user)
    return False


def can_set_status(user: User | None, thread: Thread, status: str) -> bool:
    """Moderators set any status; an editor representative only the editor statuses, on its boards."""
    if not can(user, Action.SET_STATUS, thread):
        return False
    return _moderates(user, thread) or status in EDITOR_STATUSES


def require_status(user: User | None, thread: Thread, status: str) -> None:
    """Raise PermissionDenied unless `user` may give `thread` this status (see can_set_status)."""
    require(user, Action.SET_STATUS, thread)
    if not can_set_status(user, thread, status):
        labels = ", ".join(STATUSES[s] for s in STATUSES if s in EDITOR_STATUSES)
        raise PermissionDenied(f"Le représentant de l'éditeur peut seulement donner les statuts : {labels}.")
