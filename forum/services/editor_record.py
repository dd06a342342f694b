"""The editors' public record: how each editor answers the requests the livrables transmit to it,
and how it keeps the dates it commits to, computed in SQL from the status history, the livrables
and the targets (a few statements per page, whatever the number of requests).

Definitions (shared with the methodology note of templates/editors/_method.html):
- a request is TRANSMITTED by the first frozen livrable that includes it; it is ANSWERED WITHIN
  N DAYS when an official answer (status_changes.answer_by set) was given within N days after that
  livrable was frozen; the share only counts requests whose livrable is at least N days old;
- « transmise → décision »: from a request's first change to `transmise` to the first decision
  (planifiee, livree, deja_possible, refusee) after it; the median is over the editor's requests;
- a commitment (the first target of a request) is KEPT when the request was delivered (`livree`)
  on or before the first target's last day, DELIVERED LATE after it; SLIPPED when its target
  changed at least once; CURRENTLY LATE per commitment_rules.late_condition.
Deleted requests are left out everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Date, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased, lazyload, load_only

from forum.extensions import db
from forum.models import Board, Editor, Livrable, LivrableItem, RequestTarget, StatusChange, Thread, User
from forum.models.threads import slugify
from forum.services import commitment_rules
from forum.services.errors import NotFound

DECISIONS = ("planifiee", "livree", "deja_possible", "refusee")
UNANSWERED_PER_LIVRABLE = 10  # listed per livrable; the livrable's own page has them all
LATE_LIMIT = 100
# What the late list shows of a request (its board is among the record's, already loaded).
LIST_COLUMNS = (load_only(Thread.id, Thread.board_id, Thread.kind, Thread.title, Thread.status, Thread.target_version,
                          Thread.target_period, Thread.target_due_on, Thread.target_slips, Thread.deleted_at),
                lazyload(Thread.author), lazyload(Thread.board))
SORT_KEYS = ("nom", "transmises", "reponse30", "reponse90", "mediane", "tenus", "livres_en_retard",
             "repousses", "en_retard")


@dataclass
class EditorFigures:
    editor_id: int
    name: str = ""
    slug: str = ""
    livrables: int = 0
    transmitted: int = 0
    eligible30: int = 0
    answered30: int = 0
    eligible90: int = 0
    answered90: int = 0
    median_days: float | None = None
    decided: int = 0
    commitments: int = 0
    kept: int = 0
    delivered_late: int = 0
    slipped: int = 0
    late: int = 0

    @property
    def has_livrable(self) -> bool:
        return self.livrables > 0

    @property
    def share30(self) -> float | None:
        return self.answered30 / self.eligible30 if self.eligible30 else None

    @property
    def share90(self) -> float | None:
        return self.answered90 / self.eligible90 if self.eligible90 else None

    @property
    def share30_text(self) -> str:
        return percent(self.share30)

    @property
    def share90_text(self) -> str:
        return percent(self.share90)

    @property
    def median_text(self) -> str:
        return days_text(self.median_days)

    def sort_value(self, key: str):
        return {"nom": self.name.casefold(), "transmises": self.transmitted, "reponse30": self.share30,
                "reponse90": self.share90, "mediane": self.median_days, "tenus": self.kept,
                "livres_en_retard": self.delivered_late, "repousses": self.slipped, "en_retard": self.late}[key]


@dataclass
class PendingRequest:
    thread_id: int
    title: str
    slug: str
    status: str | None


@dataclass
class LivrableRecord:
    livrable_id: int
    number: int | None
    title: str
    board_name: str
    board_slug: str
    frozen_at: datetime
    acknowledged_at: datetime | None
    requests: int
    unanswered_count: int
    unanswered: list[PendingRequest] = field(default_factory=list)


@dataclass
class EditorRecord:
    editor: Editor
    boards: list[Board]
    figures: EditorFigures
    livrables: list[LivrableRecord]
    late: list[Thread]


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _days(start, end):
    """Days (fractional) from `start` to `end`, two naive UTC timestamps."""
    if _postgres():
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _day_of(value):
    return cast(value, Date) if _postgres() else func.date(value)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _answers(editor_id: int | None) -> dict[int, dict]:
    """Livrables, transmitted requests and the answers within 30 / 90 days, per editor."""
    now = _now()
    first = (select(Board.editor_id, LivrableItem.thread_id, func.min(Livrable.frozen_at).label("sent_at"))
             .join(Livrable, Livrable.id == LivrableItem.livrable_id).join(Board, Board.id == Livrable.board_id)
             .join(Thread, Thread.id == LivrableItem.thread_id)
             .where(LivrableItem.included, Livrable.frozen_at.is_not(None), Board.editor_id.is_not(None),
                    Thread.deleted_at.is_(None))
             .group_by(Board.editor_id, LivrableItem.thread_id))
    if editor_id is not None:
        first = first.where(Board.editor_id == editor_id)
    first = first.subquery()
    answer = (select(func.min(StatusChange.created_at)).where(
        StatusChange.thread_id == first.c.thread_id, StatusChange.answer_by.is_not(None),
        StatusChange.created_at >= first.c.sent_at).scalar_subquery())
    per_request = select(first.c.editor_id, first.c.sent_at, answer.label("answered_at")).subquery()
    delay = _days(per_request.c.sent_at, per_request.c.answered_at)
    columns = [per_request.c.editor_id, func.count().label("transmitted")]
    for days in (30, 90):
        old_enough = per_request.c.sent_at <= now - timedelta(days=days)
        columns += [_count_if(old_enough).label(f"eligible{days}"),
                    _count_if(and_(old_enough, per_request.c.answered_at.is_not(None), delay <= days))
                    .label(f"answered{days}")]
    figures = {row.editor_id: dict(row._mapping) for row in
               db.session.execute(select(*columns).group_by(per_request.c.editor_id))}
    counts = (select(Board.editor_id, func.count(Livrable.id).label("livrables"))
              .join(Livrable, Livrable.board_id == Board.id)
              .where(Livrable.frozen_at.is_not(None), Board.editor_id.is_not(None)).group_by(Board.editor_id))
    if editor_id is not None:
        counts = counts.where(Board.editor_id == editor_id)
    for row in db.session.execute(counts):
        figures.setdefault(row.editor_id, {})["livrables"] = row.livrables
    return figures


def _median_delays(editor_id: int | None) -> dict[int, tuple[float | None, int]]:
    """Median days from the first `transmise` to the first decision after it, and how many."""
    # The editor's requests are chosen inside the grouping, so one editor's page reads only its history.
    sent = (select(Board.editor_id, StatusChange.thread_id, func.min(StatusChange.created_at).label("sent_at"))
            .join(Thread, Thread.id == StatusChange.thread_id).join(Board, Board.id == Thread.board_id)
            .where(StatusChange.to_status == "transmise", Board.editor_id.is_not(None), Thread.deleted_at.is_(None),
                   Thread.kind == "request")
            .group_by(Board.editor_id, StatusChange.thread_id))
    if editor_id is not None:
        sent = sent.where(Board.editor_id == editor_id)
    sent = sent.subquery()
    decided_at = (select(func.min(StatusChange.created_at)).where(
        StatusChange.thread_id == sent.c.thread_id, StatusChange.to_status.in_(DECISIONS),
        StatusChange.created_at > sent.c.sent_at).scalar_subquery())
    durations = select(sent.c.editor_id, _days(sent.c.sent_at, decided_at).label("days")).subquery()
    decided = durations.c.days.is_not(None)
    if _postgres():
        query = (select(durations.c.editor_id,
                        func.percentile_cont(0.5).within_group(durations.c.days).label("median"),
                        func.count().label("n"))
                 .where(decided).group_by(durations.c.editor_id))
    else:  # the middle row(s) of each editor's ordered durations
        ranked = select(durations.c.editor_id, durations.c.days,
                        func.row_number().over(partition_by=durations.c.editor_id, order_by=durations.c.days)
                        .label("position"),
                        func.count().over(partition_by=durations.c.editor_id).label("n")).where(decided).subquery()
        query = (select(ranked.c.editor_id, func.avg(ranked.c.days).label("median"), func.max(ranked.c.n).label("n"))
                 .where(ranked.c.position.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
                 .group_by(ranked.c.editor_id))
    return {row.editor_id: (float(row.median), row.n) for row in db.session.execute(query)}


def _commitments(editor_id: int | None) -> dict[int, dict]:
    """Commitments, kept, delivered late, slipped and currently late, per editor."""
    first_due = (select(RequestTarget.due_on).where(RequestTarget.thread_id == Thread.id)
                 .order_by(RequestTarget.id).limit(1).scalar_subquery())
    committed = exists().where(RequestTarget.thread_id == Thread.id)
    delivered_on = (select(_day_of(func.max(StatusChange.created_at)))
                    .where(StatusChange.thread_id == Thread.id, StatusChange.to_status == "livree")
                    .scalar_subquery())
    per_request = (select(Board.editor_id, Thread.status, Thread.target_slips, committed.label("committed"),
                          first_due.label("first_due"), delivered_on.label("delivered_on"),
                          commitment_rules.late_condition(Thread).label("late"))
                   .join(Board, Board.id == Thread.board_id)
                   .where(Board.editor_id.is_not(None), Thread.kind == "request", Thread.deleted_at.is_(None),
                          or_(committed, Thread.target_slips > 0)))
    if editor_id is not None:
        per_request = per_request.where(Board.editor_id == editor_id)
    r = per_request.subquery()
    delivered = and_(r.c.status == "livree", r.c.first_due.is_not(None), r.c.delivered_on.is_not(None))
    query = select(r.c.editor_id, _count_if(r.c.committed).label("commitments"),
                   _count_if(and_(delivered, r.c.delivered_on <= r.c.first_due)).label("kept"),
                   _count_if(and_(delivered, r.c.delivered_on > r.c.first_due)).label("delivered_late"),
                   _count_if(r.c.target_slips > 0).label("slipped"),
                   _count_if(r.c.late).label("late")).group_by(r.c.editor_id)
    return {row.editor_id: dict(row._mapping) for row in db.session.execute(query)}


def figures_by_editor(editor_id: int | None = None) -> dict[int, EditorFigures]:
    """Every figure of the record, for one editor or all (four statements)."""
    answers, medians, commitments = _answers(editor_id), _median_delays(editor_id), _commitments(editor_id)
    result: dict[int, EditorFigures] = {}
    for eid in set(answers) | set(medians) | set(commitments):
        figures = EditorFigures(eid)
        for values in (answers.get(eid, {}), commitments.get(eid, {})):
            for key, value in values.items():
                if key != "editor_id":
                    setattr(figures, key, int(value or 0))
        figures.median_days, figures.decided = medians.get(eid, (None, 0))
        result[eid] = figures
    return result


def all_editors(sort: str = "nom", descending: bool = False) -> list[EditorFigures]:
    """The editors that have at least one board, side by side, sorted by `sort` (one of SORT_KEYS;
    unknown keys sort by name); editors without a value for the key come last."""
    editors = db.session.execute(
        select(Editor.id, Editor.name, Editor.slug).where(exists().where(Board.editor_id == Editor.id))
        .order_by(Editor.name)).all()
    figures = figures_by_editor()
    rows = []
    for eid, name, slug in editors:
        row = figures.get(eid) or EditorFigures(eid)
        row.name, row.slug = name, slug
        rows.append(row)
    key = sort if sort in SORT_KEYS else "nom"
    with_value = [row for row in rows if row.sort_value(key) is not None]
    without = [row for row in rows if row.sort_value(key) is None]
    with_value.sort(key=lambda row: (row.sort_value(key), row.name.casefold()), reverse=descending)
    return with_value + without


def record(slug: str) -> EditorRecord:
    """One editor's record; raises NotFound for an unknown editor."""
    editor = db.session.scalar(select(Editor).where(Editor.slug == slug))
    if editor is None:
        raise NotFound("Cet éditeur n'existe pas.")
    return record_of(editor)


def record_of(editor: Editor) -> EditorRecord:
    boards = list(db.session.scalars(select(Board).where(Board.editor_id == editor.id).order_by(Board.name)))
    figures = figures_by_editor(editor.id).get(editor.id) or EditorFigures(editor.id)
    figures.name, figures.slug = editor.name, editor.slug
    livrables = _livrables(editor.id) if figures.has_livrable else []
    return EditorRecord(editor, boards, figures, livrables, late_requests(editor.id))


def _livrables(editor_id: int) -> list[LivrableRecord]:
    """The editor's frozen livrables, newest first, each with its requests still without any
    answer: no official answer and no status change by the editor's people since the freeze."""
    actor = aliased(User)
    answered = exists().where(
        StatusChange.thread_id == LivrableItem.thread_id, StatusChange.created_at >= Livrable.frozen_at,
        or_(StatusChange.answer_by.is_not(None),
            exists().where(actor.id == StatusChange.actor_id, actor.editor_id == editor_id)))
    transmitted = and_(LivrableItem.included, Thread.deleted_at.is_(None))
    base = (select(Livrable.id, LivrableItem.thread_id, Thread.title, Thread.status, (~answered).label("pending"))
            .join(LivrableItem, LivrableItem.livrable_id == Livrable.id)
            .join(Thread, Thread.id == LivrableItem.thread_id).join(Board, Board.id == Livrable.board_id)
            .where(Board.editor_id == editor_id, Livrable.frozen_at.is_not(None), transmitted)).subquery()
    heads = db.session.execute(
        select(Livrable.id, Livrable.number, Livrable.title, Board.name, Board.slug, Livrable.frozen_at,
               Livrable.acknowledged_at, func.count(base.c.thread_id), _count_if(base.c.pending))
        .join(Board, Board.id == Livrable.board_id).outerjoin(base, base.c.id == Livrable.id)
        .where(Board.editor_id == editor_id, Livrable.frozen_at.is_not(None))
        .group_by(Livrable.id, Livrable.number, Livrable.title, Board.name, Board.slug, Livrable.frozen_at,
                  Livrable.acknowledged_at)
        .order_by(Livrable.frozen_at.desc(), Livrable.id.desc())).all()
    records = {row[0]: LivrableRecord(*row[:7], int(row[7]), int(row[8])) for row in heads}
    position = func.row_number().over(partition_by=base.c.id, order_by=base.c.thread_id).label("position")
    pending = select(base.c.id, base.c.thread_id, base.c.title, base.c.status, position).where(base.c.pending).subquery()
    for lid, thread_id, title, status, _ in db.session.execute(
            select(pending).where(pending.c.position <= UNANSWERED_PER_LIVRABLE)
            .order_by(pending.c.id, pending.c.thread_id)):
        records[lid].unanswered.append(PendingRequest(thread_id, title, slugify(title), status))
    return list(records.values())


def late_requests(editor_id: int, limit: int = LATE_LIMIT) -> list[Thread]:
    """The editor's currently late commitments, the longest overdue first."""
    return list(db.session.scalars(
        select(Thread).options(*LIST_COLUMNS).join(Board, Board.id == Thread.board_id)
        .where(Board.editor_id == editor_id, Thread.kind == "request", Thread.deleted_at.is_(None),
               commitment_rules.late_condition(Thread))
        .order_by(Thread.target_due_on, Thread.id).limit(limit)))


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


def days_text(days: float | None) -> str:
    """« 12 j », « 3,5 j », « — »."""
    if days is None:
        return "—"
    value = round(days, 1)
    return f"{int(value)} j" if value == int(value) else f"{value:.1f} j".replace(".", ",")


