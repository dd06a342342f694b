"""Livrables for editors: permission-checked exports of a board's ranking, drafts built from a
selection, freezing (numbered per board, every figure copied), and the editor's acknowledgement.

Errors: PermissionDenied (not a moderator, or not this board's editor representative), NotFound
(unknown livrable, or a draft asked for by someone who may not manage it), Conflict (changing a
frozen livrable), ValidationError (empty selection, a note too long or holding a patient identifier).
Like every service, this flushes and never commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from forum.export.rows import PARIS, ExportFilters, ExportRow, board_rows, rows_from_ranking, target_versions
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Board, Livrable, LivrableItem, StatusChange, Thread, User
from forum.models._time import utcnow
from forum.services import ranking
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.notify import events
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can, represented_editor_id, require
from forum.services.statuses import set_status
from forum.services.text_hygiene import clean_text, has_visible_text

NOTE_MAX_LENGTH = 2_000
INTRODUCTION_MAX_LENGTH = 10_000
# Statuses that freezing moves to `transmise` (later ones are already past it).
MOVABLE_TO_TRANSMISE = frozenset({"nouvelle", "a_l_etude"})
EMPTY_SELECTION = "Impossible de figer un livrable vide : cochez au moins une demande."


def export_board_requests(actor: User | None, board: Board, filters: ExportFilters | None = None) -> list[ExportRow]:
    """Rows of the board's ranked requests for an export. PermissionDenied unless a moderator or
    this board's editor representative."""
    require(actor, Action.EXPORT_REQUESTS, board)
    return board_rows(board, filters)


def month_label(moment: datetime) -> str:
    """"novembre 2026" (Paris time)."""
    return format_date(moment.astimezone(PARIS).date(), "MMMM y", locale="fr_FR")


def frozen_title(number: int, board: Board, moment: datetime) -> str:
    return f"Livrable n° {number} – {board.name} – {month_label(moment)}"


def get_livrable(actor: User | None, livrable_id: int) -> Livrable:
    """A livrable the actor may read: moderators every one, the board's editor the frozen ones.
    Raises NotFound, the same as for an id that does not exist, to anyone who may not read it
    (another editor, a member): its page, downloads and acknowledgement do not tell it exists."""
    livrable = db.session.get(Livrable, livrable_id)
    if livrable is None:
        raise NotFound("Ce livrable n'existe pas.")
    require(actor, Action.READ_LIVRABLE, livrable)
    return livrable


def list_livrables(actor: User | None) -> list[Livrable]:
    """Livrables the actor may read, newest first: moderators see drafts too; an editor
    representative the frozen livrables of its editor's boards. PermissionDenied for others."""
    require(actor, Action.LIST_LIVRABLES)
    query = select(Livrable).order_by(Livrable.frozen_at.is_(None).desc(), Livrable.frozen_at.desc(),
                                      Livrable.id.desc())
    editor_id = represented_editor_id(actor)
    if editor_id is not None:  # only what it may read, in SQL
        query = query.join(Board, Board.id == Livrable.board_id).where(
            Board.editor_id == editor_id, Livrable.frozen_at.is_not(None))
    return [livrable for livrable in db.session.scalars(query.options(selectinload(Livrable.acknowledged_by)))
            if can(actor, Action.READ_LIVRABLE, livrable)]


def manageable_boards(actor: User | None) -> list[Board]:
    """Boards with an editor on which the actor may build livrables, by name."""
    boards = db.session.scalars(select(Board).where(Board.editor_id.is_not(None)).order_by(Board.name))
    return [board for board in boards if can(actor, Action.MANAGE_LIVRABLES, board)]


def live_rows(livrable: Livrable) -> dict[int, ExportRow]:
    """The live ranking of the draft's statuses, by thread id: what the builder compares with."""
    statuses = ExportFilters.from_dict(livrable.filters).statuses
    return {row.id: row for row in rows_from_ranking(ranking.ranked_rows(livrable.board, statuses))}


def create_draft(actor: User | None, board: Board, filters: ExportFilters) -> Livrable:
    """A draft holding the board's ranked requests that match `filters`, all ticked, in rank order."""
    require(actor, Action.MANAGE_LIVRABLES, board)
    if board.editor_id is None:
        raise ValidationError("board", "Ce forum n'a pas d'éditeur : choisissez le forum d'un logiciel.")
    rows = board_rows(board, filters)
    livrable = Livrable(board_id=board.id, title=f"Brouillon – {board.name} – {month_label(utcnow())}",
                        filters=filters.as_dict(), created_by_id=actor.id, created_at=utcnow())
    livrable.items = [LivrableItem(thread_id=row.id, included=True, position=index, rank=row.rank)
                      for index, row in enumerate(rows, start=1)]
    db.session.add(livrable)
    db.session.flush()
    return livrable


def _require_draft(actor: User | None, livrable: Livrable) -> None:
    require(actor, Action.MANAGE_LIVRABLES, livrable.board)
    if livrable.is_frozen:
        raise Conflict("Ce livrable est figé : il ne peut plus être modifié.")


def _clean_text(text: str | None, field: str, limit: int, what: str) -> str | None:
    text = clean_text(text, multiline=True)
    if len(text) > limit:
        raise ValidationError(field, f"{what} ne doit pas dépasser {limit} caractères.")
    check_no_patient_identifier(field, text)
    return text if has_visible_text(text) else None


def update_draft(actor: User | None, livrable: Livrable, introduction: str | None,
                 selection: dict[int, tuple[bool, str | None]]) -> Livrable:
    """Save the introduction and, per item (by thread id), whether it is kept and its note.
    Items missing from `selection` are left unticked (an unticked checkbox is not sent)."""
    _require_draft(actor, livrable)
    livrable.introduction_source = _clean_text(introduction, "introduction", INTRODUCTION_MAX_LENGTH,
                                               "L'introduction")
    livrable.introduction_html = render_markdown(livrable.introduction_source) if livrable.introduction_source else None
    for item in livrable.items:
        included, note = selection.get(item.thread_id, (False, item.note_source))
        item.included = included
        item.note_source = _clean_text(note, f"note-{item.thread_id}", NOTE_MAX_LENGTH, "Une note")
        item.note_html = render_markdown(item.note_source) if item.note_source else None
    db.session.flush()
    return livrable


def freeze_preview(actor: User | None, livrable: Livrable, kept_ids: set[int]) -> tuple[int, int]:
    """Read-only, for the confirmation step: (the number the draft would get, how many of the
    `kept_ids` it would keep). ValidationError on an empty selection, as freeze() would."""
    _require_draft(actor, livrable)
    ids = [item.thread_id for item in livrable.items if item.thread_id in kept_ids]
    kept = db.session.scalar(select(func.count(Thread.id)).where(Thread.id.in_(ids), Thread.deleted_at.is_(None)))
    if not kept:
        raise ValidationError(None, EMPTY_SELECTION)
    last = db.session.scalar(select(func.max(Livrable.number)).where(Livrable.board_id == livrable.board_id))
    return (last or 0) + 1, kept


def freeze(actor: User | None, livrable: Livrable, move_to_transmise: bool = False,
           notes_public: bool = False) -> Livrable:
    """Number the draft per board, copy every figure of its ticked requests into its items (in rank
    order), drop the unticked ones, and optionally move `nouvelle`/`à l'étude` requests to
    `transmise` (through set_status, so the history says why); `notes_public` shows the per-item
    notes to members. ValidationError on an empty selection."""
    _require_draft(actor, livrable)
    board = livrable.board
    kept = [item for item in livrable.items if item.included and item.thread_id is not None]
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(
        Thread.id.in_([item.thread_id for item in kept]), Thread.deleted_at.is_(None)))}
    kept = [item for item in kept if item.thread_id in threads]
    if not kept:
        raise ValidationError(None, EMPTY_SELECTION)
    now = utcnow()
    # Two freezes of one draft at once (a double click): the first to mark it wins, the other waits
    # for its commit, then finds it frozen (no second number, no second status change).
    marked = db.session.execute(update(Livrable).where(Livrable.id == livrable.id, Livrable.frozen_at.is_(None))
                                .values(frozen_at=now).execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        raise Conflict("Ce livrable est figé : il ne peut plus être modifié.")
    number = (db.session.scalar(select(func.max(Livrable.number)).where(Livrable.board_id == board.id)) or 0) + 1
    title = frozen_title(number, board, now)
    if move_to_transmise:
        for item in kept:
            thread = threads[item.thread_id]
            if thread.status in MOVABLE_TO_TRANSMISE:
                set_status(actor, thread, "transmise", note=f"Transmise à l'éditeur dans le {title}.")
    _snapshot(livrable, kept, threads)
    livrable.number, livrable.title, livrable.frozen_at, livrable.frozen_by_id = number, title, now, actor.id
    livrable.moved_to_transmise = move_to_transmise
    livrable.notes_public = notes_public
    db.session.flush()
    events.livrable_frozen(livrable, len(kept), actor)
    return livrable


def _snapshot(livrable: Livrable, kept: list[LivrableItem], threads: dict[int, Thread]) -> None:
    """Copy the live figures into the kept items; rank among the livrable's statuses (None for a
    request that no longer has one of them, e.g. merged since the draft)."""
    filters = ExportFilters.from_dict(livrable.filters)
    live = {row.thread.id: row for row in ranking.ranked_rows(livrable.board, filters.statuses)}
    missing = [threads[item.thread_id] for item in kept if item.thread_id not in live]
    figures = ranking.displayed_figures(missing, livrable.board_id) if missing else {}
    answers = ranking.last_official_answers([t.id for t in missing]) if missing else {}
    versions = target_versions([item.thread_id for item in kept])
    for thread in missing:
        live[thread.id] = ranking.RankedRow(rank=None, thread=thread, figures=figures[thread.id],
                                            last_answer=answers.get(thread.id))
    kept.sort(key=lambda item: (live[item.thread_id].rank is None, live[item.thread_id].rank or 0, item.position))
    livrable.items = kept  # the unticked items are orphans now: deleted (cascade delete-orphan)
    for position, item in enumerate(kept, start=1):
        row = live[item.thread_id]
        thread, answer = row.thread, row.last_answer
        item.position, item.rank = position, row.rank
        item.title, item.status, item.score, item.vote_count = thread.title, thread.status, row.score, row.vote_count
        item.votes_by_importance = {**row.by_importance, "uncounted": row.uncounted}
        item.structure_count = row.structure_count
        item.professions = [list(pair) for pair in row.professions]
        item.regions = [list(pair) for pair in row.regions]
        item.request_created_at, item.last_activity_at = thread.created_at, thread.last_activity_at
        item.latest_answer = answer.note if answer else None
        item.latest_answer_by = answer.answer_by if answer else None
        item.target_version = versions.get(thread.id) or thread.target_version
        item.target_period, item.target_due_on = thread.target_period, thread.target_due_on
        item.target_slips = thread.target_slips if (thread.target_period or thread.target_version) else None


def acknowledge(actor: User | None, livrable: Livrable) -> Livrable:
    """The board's editor representative acknowledges receipt; the first date is kept."""
    require(actor, Action.ACKNOWLEDGE_LIVRABLE, livrable)
    if livrable.acknowledged_at is None:
        livrable.acknowledged_at, livrable.acknowledged_by_id = utcnow(), actor.id
        db.session.flush()
    return livrable


def delete_draft(actor: User | None, livrable: Livrable) -> None:
    _require_draft(actor, livrable)
    db.session.delete(livrable)
    db.session.flush()


def previous_frozen(livrable: Livrable) -> Livrable | None:
    """The frozen livrable of the same board numbered just before this one."""
    if livrable.number is None:
        return None
    return db.session.scalar(select(Livrable).where(
        Livrable.board_id == livrable.board_id, Livrable.number < livrable.number, Livrable.frozen_at.is_not(None))
        .order_by(Livrable.number.desc()).limit(1))


# --- what members read: a board's frozen livrables, their requests now, where a request went -----

@dataclass
class MemberLivrable:
    """A frozen livrable as members see it: how many requests, how many answered since."""

    livrable: Livrable
    request_count: int
    answered_count: int


@dataclass
class MemberItem:
    """A request of a frozen livrable: the snapshot (`item`) and the request's status today; `thread`
    is None when the request was deleted since (its snapshot title stays, without a link)."""

    item: LivrableItem
    thread: Thread | None
    status: str


def _editor_moved(board: Board):
    """A status change that is an official answer, or made by this board's editor representative."""
    by_editor = select(User.id).where(User.id == StatusChange.actor_id, User.role == "editor",
                                      User.editor_id == board.editor_id).exists()
    return or_(StatusChange.answer_by.is_not(None), by_editor)


def member_livrables(actor: User | None, board: Board) -> list[MemberLivrable]:
    """The board's frozen livrables, newest first, with their request count and how many of those
    requests got an official answer or a status change by the editor after the freeze; two queries
    whatever the number of livrables. PermissionDenied for an anonymous visitor."""
    require(actor, Action.READ_BOARD_LIVRABLES, board)
    frozen = list(db.session.scalars(select(Livrable).where(
        Livrable.board_id == board.id, Livrable.frozen_at.is_not(None)).order_by(Livrable.number.desc())))
    if not frozen:
        return []
    answered = (select(StatusChange.id)
                .where(StatusChange.thread_id == LivrableItem.thread_id, StatusChange.created_at > Livrable.frozen_at,
                       _editor_moved(board))
                .correlate(LivrableItem, Livrable).exists())
    counts = {row.livrable_id: row for row in db.session.execute(
        select(LivrableItem.livrable_id, func.count(LivrableItem.id).label("requests"),
               func.count(func.distinct(case((answered, LivrableItem.thread_id)))).label("answered"))
        .join(Livrable, Livrable.id == LivrableItem.livrable_id)
        .where(LivrableItem.livrable_id.in_([lv.id for lv in frozen]), LivrableItem.included)
        .group_by(LivrableItem.livrable_id))}
    return [MemberLivrable(lv, counts[lv.id].requests if lv.id in counts else 0,
                           counts[lv.id].answered if lv.id in counts else 0) for lv in frozen]


def member_livrable(actor: User | None, board: Board, number: int) -> tuple[Livrable, list[MemberItem]]:
    """A frozen livrable of the board by its number, with its requests in rank order and their
    current status. NotFound for a draft or an unknown number; PermissionDenied for an anonymous visitor."""
    require(actor, Action.READ_BOARD_LIVRABLES, board)
    livrable = db.session.scalar(select(Livrable).where(
        Livrable.board_id == board.id, Livrable.number == number, Livrable.frozen_at.is_not(None)))
    if livrable is None:
        raise NotFound("Ce livrable n'existe pas.")
    rows = db.session.execute(
        select(LivrableItem, Thread).outerjoin(Thread, and_(Thread.id == LivrableItem.thread_id,
                                                            Thread.deleted_at.is_(None)))
        .where(LivrableItem.livrable_id == livrable.id, LivrableItem.included)
        .order_by(LivrableItem.position)).all()
    return livrable, [MemberItem(item, thread, thread.status if thread else item.status) for item, thread in rows]


def transmitted_in(thread: Thread) -> list[Livrable]:
    """The frozen livrables that transmitted this request (an included item), oldest first."""
    return list(db.session.scalars(
        select(Livrable).join(LivrableItem, LivrableItem.livrable_id == Livrable.id)
        .where(LivrableItem.thread_id == thread.id, LivrableItem.included, Livrable.frozen_at.is_not(None))
        .order_by(Livrable.number)))
