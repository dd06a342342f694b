"""Export rows, built once from a board's ranking or from a frozen livrable's snapshot, then handed
to any writer. Aggregates only: a row holds counts by importance, profession and region, never a
voter's name or email (PRODUCT.md, "Exports for editors")."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from forum.export.summaries import markdown_text, summaries, text_of
from forum.extensions import db
from forum.models import IMPORTANCES, STATUSES, Board, Livrable, LivrableItem, StatusChange
from forum.models.threads import slugify
from forum.services import ranking
from forum.services.commitment_rules import is_late, period_label
from forum.services.ranking import RankedRow
from forum.web.urls import external_url

PARIS = ZoneInfo("Europe/Paris")
ANSWER_BY = {"editor": "éditeur", "federation": "fédération"}


@dataclass(frozen=True)
class ExportFilters:
    """Which requests an export keeps: statuses (default: all but doublon), a period of creation
    and/or of last activity (Paris days, inclusive), a minimum score."""

    statuses: tuple[str, ...] = ranking.DEFAULT_STATUSES
    created_from: date | None = None
    created_to: date | None = None
    active_from: date | None = None
    active_to: date | None = None
    min_score: int | None = None

    def keeps(self, created: datetime | None, active: datetime | None, score: int) -> bool:
        if self.min_score is not None and score < self.min_score:
            return False
        return _within(created, self.created_from, self.created_to) and _within(active, self.active_from,
                                                                               self.active_to)

    def as_dict(self) -> dict:
        """JSON-safe form, stored on a livrable and shown in exports."""
        return {"statuses": list(self.statuses),
                **{key: getattr(self, key).isoformat() for key in _DATE_KEYS if getattr(self, key)},
                **({"min_score": self.min_score} if self.min_score is not None else {})}

    @classmethod
    def from_dict(cls, data: dict | None) -> ExportFilters:
        data = data or {}
        dates = {key: date.fromisoformat(data[key]) for key in _DATE_KEYS if data.get(key)}
        statuses = tuple(s for s in data.get("statuses") or () if s in STATUSES) or ranking.DEFAULT_STATUSES
        return cls(statuses=statuses, min_score=data.get("min_score"), **dates)

    def describe(self) -> str:
        """French summary for the head of an export: "Statuts : Nouvelle, Planifiée · score ≥ 3"."""
        parts = ["Statuts : " + ", ".join(STATUSES[s] for s in self.statuses)]
        for label, start, end in (("créées", self.created_from, self.created_to),
                                  ("actives", self.active_from, self.active_to)):
            if start or end:
                parts.append(f"{label} " + " ".join(
                    [f"du {start.strftime('%d/%m/%Y')}" if start else "", f"au {end.strftime('%d/%m/%Y')}" if end else ""]
                ).strip())
        if self.min_score is not None:
            parts.append(f"score ≥ {self.min_score}")
        return " · ".join(parts)


_DATE_KEYS = ("created_from", "created_to", "active_from", "active_to")


def _within(moment: datetime | None, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    if moment is None:
        return False
    day = moment.astimezone(PARIS).date()
    return (start is None or day >= start) and (end is None or day <= end)


@dataclass(frozen=True)
class ExportRow:
    """One request as every format shows it."""

    rank: int | None
    id: int | None
    title: str
    status: str
    score: int
    votes: int
    by_importance: dict[str, int]
    uncounted_votes: int
    structures: int
    professions: list[tuple[str, int]]
    regions: list[tuple[str, int]]
    created_at: datetime | None
    last_activity_at: datetime | None
    link: str
    latest_answer: str | None = None
    latest_answer_by: str | None = None
    target_version: str | None = None
    note: str | None = None
    position: int | None = None
    extra: dict = field(default_factory=dict)
    # Plain text (exports.summaries): what the request asks, its answer and note without Markdown.
    summary: str = ""
    latest_answer_text: str | None = None
    note_text: str | None = None
    # The line of the « Évolution » column (livrables: export.evolution), None for board exports.
    evolution: str | None = None
    # The editor's target (issue 16): period, due day, slips, and whether it was late (today for a
    # board export, on the freezing day for a livrable).
    target_period: str | None = None
    target_due_on: date | None = None
    target_slips: int = 0
    late: bool = False

    @property
    def target_text(self) -> str:
        """« T2 2027 », « T2 2027 (repoussée 2 fois) », "" without a period."""
        if not self.target_period:
            return ""
        slips = f" (repoussée {self.target_slips} fois)" if self.target_slips else ""
        return period_label(self.target_period) + slips

    @property
    def late_text(self) -> str:
        return "oui" if self.late else ""

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def profession_count(self) -> int:
        return len(self.professions)

    @property
    def answer_text(self) -> str | None:
        """The official answer without Markdown (the source itself for rows built by hand)."""
        return self.latest_answer_text if self.latest_answer_text is not None else self.latest_answer

    @property
    def note_plain(self) -> str | None:
        return self.note_text if self.note_text is not None else self.note

    @property
    def latest_answer_origin(self) -> str:
        return ANSWER_BY.get(self.latest_answer_by or "", "")


def counts_text(pairs: Iterable[tuple[str, int]]) -> str:
    """"médecin généraliste: 5; infirmier·e: 3" (the breakdowns of the spreadsheet columns)."""
    return "; ".join(f"{label}: {count}" for label, count in pairs)


def importance_text(by_importance: dict[str, int]) -> str:
    return counts_text((name, by_importance.get(name, 0)) for name in IMPORTANCES)


def link_builder() -> Callable[[int | None, str], str]:
    """Absolute thread URLs under PUBLIC_BASE_URL, on the web and from the CLI alike (never from
    the request's Host header).

    external_url is called once; the other links reuse its pattern (2,500 URL builds cost more than
    the whole CSV)."""
    sample = external_url("threads.show", thread_id=987654321, slug="s")
    head, tail = sample.split("987654321/s", 1)

    def link(thread_id: int | None, title: str) -> str:
        return f"{head}{thread_id}/{slugify(title)}{tail}" if thread_id else ""
    return link


def target_versions(thread_ids: list[int]) -> dict[int, str]:
    """The version last given to each request (target of `planifiee`, or delivery), one query per 500."""
    versions: dict[int, str] = {}
    for start in range(0, len(thread_ids), 500):
        chunk = thread_ids[start:start + 500]
        latest = (select(func.max(StatusChange.id)).where(StatusChange.thread_id.in_(chunk),
                                                          StatusChange.version.is_not(None))
                  .group_by(StatusChange.thread_id))
        versions.update(db.session.execute(select(StatusChange.thread_id, StatusChange.version)
                                           .where(StatusChange.id.in_(latest))).all())
    return versions


def rows_from_ranking(ranked: list[RankedRow], filters: ExportFilters | None = None) -> list[ExportRow]:
    """Rows of live ranked requests; `rank` stays the rank among the chosen statuses even when the
    period or minimum score leaves some out (so the editor sees the true standing)."""
    filters = filters or ExportFilters()
    link = link_builder()
    ranked = [row for row in ranked
              if filters.keeps(row.thread.created_at, row.thread.last_activity_at, row.score)]
    versions = target_versions([row.thread.id for row in ranked])
    asks = summaries([row.thread.id for row in ranked])
    rows = []
    for row in ranked:
        thread, answer = row.thread, row.last_answer
        rows.append(ExportRow(
            rank=row.rank, id=thread.id, title=thread.title, status=thread.status or "", score=row.score,
            votes=row.vote_count, by_importance=dict(row.by_importance), uncounted_votes=row.uncounted,
            structures=row.structure_count, professions=list(row.professions), regions=list(row.regions),
            created_at=thread.created_at, last_activity_at=thread.last_activity_at, link=link(thread.id, thread.title),
            latest_answer=answer.note if answer else None, latest_answer_by=answer.answer_by if answer else None,
            target_version=versions.get(thread.id) or thread.target_version, summary=asks.get(thread.id, ""),
            target_period=thread.target_period, target_due_on=thread.target_due_on,
            target_slips=thread.target_slips or 0, late=is_late(thread.status, thread.target_due_on),
            latest_answer_text=(text_of(answer.note_html) or None) if answer and answer.note else None))
    return rows


def board_rows(board: Board, filters: ExportFilters | None = None) -> list[ExportRow]:
    filters = filters or ExportFilters()
    return rows_from_ranking(ranking.ranked_rows(board, filters.statuses), filters)


def rows_from_livrable(livrable: Livrable) -> list[ExportRow]:
    """Rows of a frozen livrable, from its snapshot only: later votes or edits change nothing."""
    link = link_builder()
    items = [item for item in livrable.items if item.included]
    asks = summaries([item.thread_id for item in items if item.thread_id], at=livrable.frozen_at)
    frozen_on = livrable.frozen_at.astimezone(PARIS).date() if livrable.frozen_at else None
    return [_item_row(item, link, asks.get(item.thread_id or 0, ""), frozen_on) for item in items]


def _item_row(item: LivrableItem, link: Callable[[int | None, str], str], summary: str,
              frozen_on: date | None = None) -> ExportRow:
    title = item.title or ""
    return ExportRow(
        rank=item.rank, id=item.thread_id, title=title, status=item.status or "", score=item.score or 0,
        votes=item.vote_count or 0, by_importance={k: (item.votes_by_importance or {}).get(k, 0) for k in IMPORTANCES},
        uncounted_votes=(item.votes_by_importance or {}).get("uncounted", 0), structures=item.structure_count or 0,
        professions=[(label, count) for label, count in item.professions or []],
        regions=[(label, count) for label, count in item.regions or []],
        created_at=item.request_created_at, last_activity_at=item.last_activity_at, link=link(item.thread_id, title),
        latest_answer=item.latest_answer, latest_answer_by=item.latest_answer_by, target_version=item.target_version,
        note=item.note_source, position=item.position, summary=summary,
        latest_answer_text=markdown_text(item.latest_answer),
        note_text=(text_of(item.note_html) or None) if item.note_source else None,
        target_period=item.target_period, target_due_on=item.target_due_on, target_slips=item.target_slips or 0,
        late=is_late(item.status, item.target_due_on, on=frozen_on))
