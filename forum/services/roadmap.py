"""A software board's roadmap: its requests under study, planned (grouped by target, slips counted),
delivered recently (with the version) and refused or already possible recently, read from the
threads' stored status and target and the latest status change of each, in a constant number of
statements whatever the number of requests.

« Recently » is the last WINDOW_MONTHS months (Paris calendar): a status reached on or after the day
that many months before today counts. Each section shows at most CAP cards and its full total.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time

from markupsafe import Markup
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import lazyload, load_only

from forum.extensions import db
from forum.models import Board, StatusChange, Thread
from forum.services import commitment_rules as rules
from forum.services.ranking import last_official_answers
from forum.services.versions import version_sort_key

CAP = 20
WINDOW_MONTHS = 6
EXCERPT_LENGTH = 160
STUDY = ("a_l_etude", "transmise")
RECENTLY_CLOSED = ("refusee", "deja_possible")
NO_TARGET = "sans échéance"
# What a card shows of its request: not the author, nor the vote breakdown; the board is the one in
# the session already (the page's), so it costs no join.
CARD_COLUMNS = (load_only(Thread.id, Thread.board_id, Thread.kind, Thread.title, Thread.status, Thread.score,
                          Thread.vote_count, Thread.target_version, Thread.target_period, Thread.target_due_on,
                          Thread.target_slips, Thread.deleted_at),
                lazyload(Thread.author), lazyload(Thread.board))


@dataclass
class Card:
    """One request on the roadmap: its thread, when it reached its current status, the version of
    that status change (deliveries), its target, lateness and official answer excerpt."""

    thread: Thread
    status_date: datetime | None
    version: str | None = None
    late: bool = False
    target: str = ""
    answer_excerpt: str = ""
    answer_date: datetime | None = None


@dataclass
class Group:
    """Planned requests sharing a target (a version, else a period; « sans échéance » last)."""

    label: str
    version: str | None
    period: str | None
    total: int
    slipped: int
    cards: list[Card] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    statuses: tuple[str, ...]
    total: int = 0
    cards: list[Card] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total > len(self.cards)


@dataclass
class Roadmap:
    board: Board
    since: datetime  # the start of the « recently » window (Paris midnight)
    sections: list[Section]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def window_start(on: date | None = None) -> datetime:
    """The first instant (Paris midnight, aware) of the « recently » window."""
    return datetime.combine(months_before(on or rules.today(), WINDOW_MONTHS), time(), tzinfo=rules.PARIS)


def excerpt(change: StatusChange | None, length: int = EXCERPT_LENGTH) -> str:
    """The official answer as plain text, cut at a word before `length` characters."""
    if change is None or not change.note_html:
        return ""
    text = " ".join(Markup(change.note_html).striptags().split())
    if len(text) <= length:
        return text
    return text[:length - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _current_change_id():
    """The id of the request's latest change to its current status: a lookup per listed request on
    (thread_id, id), so only the board's requests of the section are visited, never the site's
    whole history."""
    return (select(func.max(StatusChange.id))
            .where(StatusChange.thread_id == Thread.id, StatusChange.to_status == Thread.status)
            .correlate(Thread).scalar_subquery())


def _cards(board: Board, statuses: tuple[str, ...], order: tuple, since: datetime | None = None,
           limit: int | None = None) -> tuple[int, list[Card]]:
    """The first `limit` requests of the board in `statuses` (reached since `since` when given),
    with the section's total (a window count, the same statement)."""
    query = (select(Thread, StatusChange.created_at, StatusChange.version, func.count().over())
             .options(*CARD_COLUMNS)
             .outerjoin(StatusChange, StatusChange.id == _current_change_id())
             .where(Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                    Thread.status.in_(statuses)))
    if since is not None:
        query = query.where(StatusChange.created_at >= since)
    rows = db.session.execute(query.order_by(*order, Thread.id.desc()).limit(limit or CAP)).all()
    today = rules.today()
    cards = [Card(thread, moment, version, rules.is_late(thread.status, thread.target_due_on, today),
                  rules.target_label(thread.target_version, thread.target_period))
             for thread, moment, version, _ in rows]
    return (rows[0][3] if rows else 0), cards


def _target_key(version: str | None, period: str | None) -> tuple[str | None, str | None]:
    """Planned requests are grouped by version when they have one, else by period."""
    return (version, None) if version else (None, period)


def _group_order(group: Group, due: date | None) -> tuple:
    if not group.version and not group.period:
        return (2, date.max, ())
    return (0 if due else 1, due or date.max, version_sort_key(group.version or ""))


def planned_section(board: Board) -> Section:
    """Planned requests grouped by target; the first CAP cards (earliest due first) are placed in
    their groups, every group keeps its full count."""
    version_key = Thread.target_version
    period_key = case((Thread.target_version.is_(None), Thread.target_period), else_=literal(None))
    query = (select(version_key, period_key, func.count(), func.sum(case((Thread.target_slips > 0, 1), else_=0)),
                    func.min(Thread.target_due_on))
             .where(Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                    Thread.status == "planifiee")
             .group_by(version_key, period_key))
    rows = db.session.execute(query).all()
    groups = sorted(((Group(rules.target_label(v, p) or NO_TARGET, v, p, int(n), int(s or 0)), due)
                     for v, p, n, s, due in rows), key=lambda pair: _group_order(*pair))
    section = Section("planifiee", "Planifiée", ("planifiee",), groups=[group for group, _ in groups])
    section.total = sum(group.total for group in section.groups)
    no_date = date(9999, 12, 31)
    _, section.cards = _cards(board, ("planifiee",), (func.coalesce(Thread.target_due_on, no_date),
                                                      Thread.target_version, Thread.score.desc()))
    by_key = {(group.version, group.period): group for group in section.groups}
    for card in section.cards:
        by_key[_target_key(card.thread.target_version, card.thread.target_period)].cards.append(card)
    return section


def build(board: Board, on: date | None = None) -> Roadmap:
    """The board's roadmap (statuses reached since `window_start(on)` for the recent sections)."""
    since = window_start(on)
    study = Section("etude", "À l'étude", STUDY)
    study.total, study.cards = _cards(board, STUDY, (Thread.score.desc(),))
    delivered = Section("livree", "Livrée récemment", ("livree",))
    delivered.total, delivered.cards = _cards(board, ("livree",), (StatusChange.created_at.desc(),), since)
    closed = Section("refusee", "Refusée et déjà possible récemment", RECENTLY_CLOSED)
    closed.total, closed.cards = _cards(board, RECENTLY_CLOSED, (StatusChange.created_at.desc(),), since)
    sections = [study, planned_section(board), delivered, closed]
    cards = [card for section in sections for card in section.cards]
    answers = last_official_answers([card.thread.id for card in cards])
    for card in cards:
        answer = answers.get(card.thread.id)
        card.answer_excerpt, card.answer_date = excerpt(answer), answer.created_at if answer else None
    return Roadmap(board, since, sections)


