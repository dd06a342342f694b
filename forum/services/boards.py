"""Boards: the catalogue shown on the home page and the thread listings of a board."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defaultload, lazyload

from forum.extensions import db
from forum.models import KINDS, Board, Thread, User
from forum.services.content_versions import global_version_column, remember_global_version
from forum.services.errors import NotFound, ValidationError

# Filters offered on the questions tab (?filtre=…) and sorts on the tips tab (?tri=…).
QUESTION_FILTERS: dict[str, str] = {"resolues": "Résolues", "sans-reponse": "Sans réponse"}
TIP_SORTS: dict[str, str] = {"utiles": "Les plus utiles"}


@dataclass(frozen=True, kw_only=True)
class NumberedPage:
    """One page of a listing; `page` is None when the requested page was not a number."""

    page: int | None
    pages: int
    total: int

    @property
    def out_of_range(self) -> bool:
        return self.page is None or (self.total > 0 and not 1 <= self.page <= self.pages)


@dataclass(frozen=True, kw_only=True)
class ThreadListing(NumberedPage):
    """One page of a board's threads."""

    threads: list[Thread]


# Software boards first, in catalogue order, then the general ones.
BOARD_ORDER = (Board.is_general, Board.position, Board.name)


def list_boards() -> list[Board]:
    """All boards for the home page, software boards first, with the last thread loaded."""
    return list(db.session.scalars(select(Board).order_by(*BOARD_ORDER)))


def board_names() -> dict[str, str]:
    """slug -> name of every board, in the home page's order (for filter menus: two columns,
    not whole boards)."""
    return dict(db.session.execute(select(Board.slug, Board.name).order_by(*BOARD_ORDER)).all())


@cache
def _board_by_slug():
    """get_board's statement, built once (building it costs more than running it)."""
    return select(Board, global_version_column()).where(Board.slug == bindparam("slug"))


def get_board(slug: str) -> Board:
    """The board, with the site's content version read in the same statement (before anything the
    page shows: the keys of its cached fragments, content_versions.cache_key)."""
    row = db.session.execute(_board_by_slug(), {"slug": slug}).first()
    if row is None:
        raise NotFound("Ce forum n'existe pas.")
    remember_global_version(row.global_version)
    return row[0]


def chosen_board(board_id: int | None) -> Board:
    """The board picked in a form's list (moving a thread). ValidationError("board_id") if none."""
    board = db.session.get(Board, board_id or 0)
    if board is None:
        raise ValidationError("board_id", "Choisissez un forum dans la liste.")
    return board


def list_threads(board: Board, *, kind: str | None = None, question_filter: str | None = None,
                 tip_sort: str | None = None, page: int | None = 1, per_page: int = 25) -> ThreadListing:
    """The visible threads of `board`, pinned first then by last activity (or by "utile" marks
    when tip_sort="utiles"), one page at a time.

    `kind` None lists every kind; `question_filter` ("resolues", "sans-reponse") applies to
    questions only. Unknown values are ignored rather than refused: these come from URLs people
    share. Authors and their structures come in the same query (the row shows them), so the
    number of statements does not depend on the page size.
    """
    kind = kind if kind in KINDS else None
    conditions = [Thread.board_id == board.id, Thread.deleted_at.is_(None)]
    if kind:
        conditions.append(Thread.kind == kind)
    if kind == "question" and question_filter == "resolues":
        conditions.append(Thread.accepted_post_id.is_not(None))
    elif kind == "question" and question_filter == "sans-reponse":
        conditions.append(Thread.reply_count == 0)
    else:
        question_filter = None

    total = _visible_count(board, kind) if question_filter is None else db.session.scalar(
        select(func.count(Thread.id)).where(*conditions))
    pages = max(1, -(-total // per_page))
    if page is None or not 1 <= page <= pages or total == 0:
        return ThreadListing(threads=[], page=page, pages=pages, total=total)

    if kind == "tip" and tip_sort == "utiles":
        order = (Thread.useful_count.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
    else:
        order = (Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
    # Page the ids alone on the listing index first ("deferred join"), so deep pages do not join
    # authors for every skipped row; the board is already in the session, no need to join it again,
    # and a row shows its author's name, not their structure.
    page_ids = (select(Thread.id).where(*conditions).order_by(*order)
                .offset((page - 1) * per_page).limit(per_page))
    query = (select(Thread).where(Thread.id.in_(page_ids)).order_by(*order)
             .options(lazyload(Thread.board), defaultload(Thread.author).lazyload(User.structure)))
    return ThreadListing(threads=list(db.session.scalars(query)), page=page, pages=pages, total=total)


def _visible_count(board: Board, kind: str | None) -> int:
    """Visible threads of a kind (or all), from the board's counters kept by services.counters."""
    if kind is None:
        return board.thread_count
    return {"question": board.question_count, "tip": board.tip_count, "request": board.request_count}[kind]
