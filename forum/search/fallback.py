"""Database search used when the index of either backend is missing or broken: slower, no
stemming, no synonyms and accents only as the database compares them, but the user still gets
results, never an error page; the duplicate hint likewise."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, not_, or_, select

from forum.extensions import db
from forum.models import Post, Thread
from forum.search.analysis import STOP_WORDS, fold, words
from forum.search.documents import plain_text
from forum.search.parsing import Item, ParsedQuery
from forum.search.plan import SimilarPlan
from forum.search.similarity import meaningful


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(text: str):
    pattern = _like(text)
    in_posts = exists().where(Post.thread_id == Thread.id, Post.deleted_at.is_(None),
                              Post.body_source.ilike(pattern, escape="\\"))
    return or_(Thread.title.ilike(pattern, escape="\\"), in_posts)


def _item_condition(item: Item):
    if item.phrase:
        return _matches(item.text.strip()) if item.text.strip() else None
    kept = [w for w in words(item.text) if fold(w) not in STOP_WORDS]
    # The accented and the folded spelling: "médecin" also finds "medecin" (not the reverse).
    return and_(*[or_(_matches(w), _matches(fold(w))) if fold(w) != w else _matches(w)
                  for w in kept]) if kept else None


def conditions(parsed: ParsedQuery, filters: dict) -> list:
    where = [Thread.deleted_at.is_(None)]
    for item in parsed.positives:
        condition = _item_condition(item)
        if condition is not None:
            where.append(condition)
    for item in parsed.negatives:
        condition = _item_condition(item)
        if condition is not None:
            where.append(not_(condition))
    if "board" in filters:
        where.append(Thread.board_id == filters["board"])
    if "kind" in filters:
        where.append(Thread.kind == filters["kind"])
    if "status" in filters:
        where.append(Thread.status == filters["status"])
    return where


def similar_requests(plan: SimilarPlan) -> list[Thread]:
    """The duplicate hint without an index: requests whose title has one of the text's
    significant words, most recent activity first."""
    kept = [w.text for w in plan.words if len(w.text) > 2 and meaningful(w)][:12]
    if not kept:
        return []
    return list(db.session.scalars(
        select(Thread).where(Thread.board_id == plan.board_id, Thread.kind == plan.kind,
                             Thread.deleted_at.is_(None), Thread.status.in_(plan.statuses),
                             or_(*[Thread.title.ilike(_like(w), escape="\\") for w in kept]))
        .order_by(Thread.last_activity_at.desc()).limit(plan.limit)))


def search_database(parsed: ParsedQuery, filters: dict, page: int, per_page: int) -> tuple[list[Thread], int]:
    """(threads of the page, most recent activity first; total count)."""
    where = conditions(parsed, filters)
    total = db.session.scalar(select(func.count()).select_from(Thread).where(*where)) or 0
    threads = list(db.session.scalars(
        select(Thread).where(*where).order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return threads, total


def bodies(thread_ids: list[int]) -> dict[int, list[str]]:
    """Visible posts' text of the given threads, in order (for excerpts): their sanitised HTML as
    plain text, like the index holds, so no Markdown mark (`**`, `[…](…)`, `#`) shows raw."""
    out: dict[int, list[str]] = {tid: [] for tid in thread_ids}
    if thread_ids:
        for thread_id, html in db.session.execute(
                select(Post.thread_id, Post.body_html)
                .where(Post.thread_id.in_(thread_ids), Post.deleted_at.is_(None))
                .order_by(Post.thread_id, Post.is_first.desc(), Post.id)):
            out[thread_id].append(plain_text(html))
    return out
