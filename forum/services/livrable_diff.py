"""What changed between a frozen livrable and the previous one of the same board: new requests,
rank up or down (with the delta), status changes, requests delivered (`livree`) or declined
(`refusee`) since, and those left out. `compare` is pure (hand-built cases test it); `diff_with_previous`
reads two snapshots and the status history up to the freeze, so the answer never changes later."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import STATUSES, Livrable, StatusChange
from forum.services.livrables import previous_frozen


@dataclass(frozen=True)
class Entry:
    """One request as a livrable recorded it."""

    thread_id: int | None
    title: str
    rank: int | None
    status: str


@dataclass(frozen=True)
class Change:
    thread_id: int | None
    title: str
    rank: int | None = None
    previous_rank: int | None = None
    status: str | None = None
    previous_status: str | None = None
    version: str | None = None

    @property
    def delta(self) -> int:
        """Places gained (positive: moved up)."""
        if self.rank is None or self.previous_rank is None:
            return 0
        return self.previous_rank - self.rank

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status or "", self.status or "")

    @property
    def previous_status_label(self) -> str:
        return STATUSES.get(self.previous_status or "", self.previous_status or "")


@dataclass
class LivrableDiff:
    previous: Livrable | None = None
    new: list[Change] = field(default_factory=list)
    up: list[Change] = field(default_factory=list)
    down: list[Change] = field(default_factory=list)
    status_changed: list[Change] = field(default_factory=list)
    delivered: list[Change] = field(default_factory=list)
    declined: list[Change] = field(default_factory=list)
    left_out: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not any((self.new, self.up, self.down, self.status_changed, self.delivered, self.declined,
                        self.left_out))


def compare(previous: list[Entry], current: list[Entry],
            later_status: dict[int, tuple[str, str | None]] | None = None) -> LivrableDiff:
    """Diff two livrables' entries. `later_status`: for requests of `previous` missing from
    `current`, their (status, version) when `current` was frozen (missing: as in `previous`)."""
    later_status = later_status or {}
    diff = LivrableDiff()
    before = {e.thread_id: e for e in previous if e.thread_id is not None}
    now_ids = {e.thread_id for e in current if e.thread_id is not None}
    for entry in current:
        old = before.get(entry.thread_id)
        if old is None:
            diff.new.append(Change(entry.thread_id, entry.title, rank=entry.rank, status=entry.status))
            continue
        change = Change(entry.thread_id, entry.title, rank=entry.rank, previous_rank=old.rank, status=entry.status,
                        previous_status=old.status)
        if change.delta > 0:
            diff.up.append(change)
        elif change.delta < 0:
            diff.down.append(change)
        if entry.status != old.status:
            _closed_or(diff, change).append(change)
        elif change.delta == 0:
            diff.unchanged += 1
    for old in previous:
        if old.thread_id is not None and old.thread_id in now_ids:
            continue
        status, version = later_status.get(old.thread_id, (old.status, None)) if old.thread_id else (old.status, None)
        change = Change(old.thread_id, old.title, previous_rank=old.rank, status=status,
                        previous_status=old.status, version=version)
        target = _closed_or(diff, change, default=diff.left_out)
        target.append(change)
    diff.up.sort(key=lambda c: -c.delta)
    diff.down.sort(key=lambda c: c.delta)
    return diff


def _closed_or(diff: LivrableDiff, change: Change, default: list[Change] | None = None) -> list[Change]:
    if change.status == "livree" and change.previous_status != "livree":
        return diff.delivered
    if change.status == "refusee" and change.previous_status != "refusee":
        return diff.declined
    return diff.status_changed if default is None else default


def entries(livrable: Livrable) -> list[Entry]:
    return [Entry(item.thread_id, item.title or "", item.rank, item.status or "")
            for item in livrable.items if item.included]


def status_at(thread_ids: list[int], moment: datetime) -> dict[int, tuple[str, str | None]]:
    """Each request's (status, version) as its history stood at `moment` (one query per 500)."""
    result: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(thread_ids), 500):
        chunk = thread_ids[start:start + 500]
        latest = (select(func.max(StatusChange.id)).where(StatusChange.thread_id.in_(chunk),
                                                          StatusChange.created_at <= moment)
                  .group_by(StatusChange.thread_id))
        for thread_id, status, version in db.session.execute(
                select(StatusChange.thread_id, StatusChange.to_status, StatusChange.version)
                .where(StatusChange.id.in_(latest))):
            result[thread_id] = (status, version)
    return result


def diff_with_previous(livrable: Livrable) -> LivrableDiff:
    """The diff of a frozen livrable with the previous frozen one of its board (empty diff, with
    `previous` None, for the first)."""
    previous = previous_frozen(livrable)
    if previous is None or livrable.frozen_at is None:
        return LivrableDiff()
    current = entries(livrable)
    old = entries(previous)
    now_ids = {e.thread_id for e in current}
    gone = [e.thread_id for e in old if e.thread_id is not None and e.thread_id not in now_ids]
    diff = compare(old, current, status_at(gone, livrable.frozen_at) if gone else {})
    diff.previous = previous
    return diff
