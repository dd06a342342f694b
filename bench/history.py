"""A generated two-year history of a board's requests, for the commitments benchmark (issue 16).

`generate_history(board_id, …)` gives the board's requests what two years of a users' club leave
behind: studies, livrables frozen and sent to the editor (their requests moved to `transmise`,
items with snapshot figures, most acknowledged), official answers at various delays, decisions
(planifiee, deja_possible, refusee), targets with slips, deliveries on time or late, commitments
still late. Everything is drawn from a seeded random generator against a fixed end date, so a seed
always gives the same rows, and written set-based (executemany), in seconds, not through the
services one request at a time. It follows the definitions of the commitments schema: the first
request_targets row is the commitment, each later one a slip pointing at the row it replaces, and
the current target is copied onto the thread (target_slips = rows − 1). The caller commits.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Board, Livrable, LivrableItem, StatusChange, Thread
from forum.models.commitments import RequestTarget
from forum.services.commitment_rules import MONTHS, due_on
from forum.services.dataset.bulk import advance_id_sequences

DAY = timedelta(days=1)
# What happens to a transmitted request once the editor answers (weights).
OUTCOMES = [("planifiee", 45), ("deja_possible", 12), ("refusee", 18), ("answer", 25)]
SLIPS = [(0, 60), (1, 25), (2, 10), (3, 5)]
NOTES = {
    "etude": "La fédération étudie la demande avec les membres.",
    "transmise": "Transmise à l'éditeur dans le livrable de {month}.",
    "planifiee": "Nous prévoyons cette évolution dans une prochaine version.",
    "deja_possible": "C'est déjà possible : voir le menu Paramètres > Préférences.",
    "refusee": "Cette évolution n'entre pas dans nos orientations pour le moment.",
    "answer": "Demande bien reçue, elle est à l'étude chez nos équipes.",
    "livree": "Livrée dans la version {version_text}.",
}
REASONS = ["Dépendance à une évolution réglementaire.", "Charge de développement sous-estimée.",
           "Priorité donnée aux correctifs de sécurité."]


@dataclass
class _Request:
    id: int
    created_at: datetime
    title: str
    score: int
    votes: int
    structures: int
    status: str = "nouvelle"
    changes: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _period_after(rng: random.Random, moment: datetime, months_ahead: int) -> str:
    """A quarter (or, one time in three, a month) about `months_ahead` months after `moment`."""
    month_index = moment.year * 12 + moment.month - 1 + months_ahead
    year, month = divmod(month_index, 12)
    if rng.random() < 0.33:
        return f"{year}-{month + 1:02d}"
    return f"{year}-T{month // 3 + 1}"


def _version_for(period: str) -> str:
    """A version number that grows with the period (« 5.13 » for T1 2027)."""
    year, part = int(period[:4]), period[5:]
    quarter = int(part[1]) if part.startswith("T") else (int(part) - 1) // 3 + 1
    return f"5.{(year - 2024) * 4 + quarter}"


class _Builder:
    """Draws one board's history into row lists; `write()` inserts them."""

    def __init__(self, board: Board, seed: int, end: datetime, livrable_count: int,
                 moderator_id: int, editor_user_id: int) -> None:
        self.board, self.end = board, end
        self.rng = random.Random(f"history-{seed}-{board.id}")
        self.moderator_id, self.editor_user_id = moderator_id, editor_user_id
        self.start = end - timedelta(days=730)
        self.freezes = [self.start + timedelta(days=round(730 * (i + 0.5) / livrable_count), hours=10)
                        for i in range(livrable_count)]
        self.html: dict[str, object] = {}

    def change(self, request: _Request, when: datetime, to_status: str, note_key: str | None, actor_id: int,
               answer_by: str | None = None, version: str | None = None, **fmt: object) -> None:
        note = NOTES[note_key].format(**fmt) if note_key else None
        if note and note not in self.html:
            self.html[note] = render_markdown(note)
        request.changes.append({"thread_id": request.id, "actor_id": actor_id, "from_status": request.status,
                                "to_status": to_status, "note": note, "note_html": self.html.get(note),
                                "version": version, "answer_by": answer_by, "created_at": when})
        request.status = to_status

    def live(self, request: _Request, livrable: int | None) -> None:
        """One request's life: maybe studied, maybe transmitted in `livrable`, then answered."""
        rng, base = self.rng, max(request.created_at, self.start)
        horizon = self.freezes[livrable] if livrable is not None else self.end
        if rng.random() < 0.5 and horizon - base > 2 * DAY:
            self.change(request, base + (horizon - base) * rng.uniform(0.1, 0.9), "a_l_etude", "etude",
                        self.moderator_id, answer_by="federation" if rng.random() < 0.3 else None)
        if livrable is None:
            return
        frozen = self.freezes[livrable]
        self.change(request, frozen, "transmise", "transmise", self.moderator_id,
                    month=f"{MONTHS[frozen.month - 1]} {frozen.year}")
        if rng.random() >= 0.8:
            return  # never answered
        answered = frozen + timedelta(days=2 + rng.expovariate(1 / 50), hours=rng.randint(0, 8))
        outcome = _pick(rng, OUTCOMES)
        if outcome == "answer" and answered < self.end:
            self.change(request, answered, request.status, "answer", self.editor_user_id, answer_by="editor")
            if rng.random() < 0.5:
                return
            answered += timedelta(days=10 + rng.expovariate(1 / 60))
            outcome = _pick(rng, OUTCOMES[:3])
        if answered >= self.end:
            return
        if outcome != "planifiee":
            self.change(request, answered, outcome, outcome, self.editor_user_id, answer_by="editor")
            return
        self.plan(request, answered)

    def plan(self, request: _Request, planned: datetime) -> None:
        """Planned with a first target, slipped 0–3 times, delivered on time, late or not yet."""
        rng = self.rng
        period = _period_after(rng, planned, rng.randint(2, 10))
        version = _version_for(period) if rng.random() < 0.7 else None
        self.change(request, planned, "planifiee", "planifiee", self.editor_user_id, answer_by="editor",
                    version=version)
        self.target(request, planned, version, period if version is None or rng.random() < 0.9 else None)
        for _ in range(_pick(rng, SLIPS)):
            previous = request.targets[-1]
            due = previous["due_on"] or (planned + timedelta(days=180)).date()
            when = datetime(due.year, due.month, due.day, 9, tzinfo=UTC) - timedelta(days=rng.randint(0, 40))
            when = max(when, previous["created_at"] + 7 * DAY)
            if when >= self.end:
                break
            period = _period_after(rng, datetime.combine(due, datetime.min.time()), rng.randint(2, 7))
            version = _version_for(period) if previous["version"] else None
            self.target(request, when, version, period, reason=rng.choice(REASONS))
        last = request.targets[-1]
        due = last["due_on"] or (planned + timedelta(days=200)).date()
        delivered = datetime(due.year, due.month, due.day, 15, tzinfo=UTC) + timedelta(
            days=rng.randint(-75, 40))
        delivered = max(delivered, last["created_at"] + 3 * DAY)
        if delivered < self.end and rng.random() < 0.75:
            shipped = last["version"] or _version_for(last["period"] or "2026-T1")
            self.change(request, delivered, "livree", "livree", self.editor_user_id, answer_by="editor",
                        version=shipped, version_text=shipped)

    def target(self, request: _Request, when: datetime, version: str | None, period: str | None,
               reason: str | None = None) -> None:
        request.targets.append({"thread_id": request.id, "version": version, "period": period,
                                "due_on": due_on(period) if period else None, "reason": reason,
                                "actor_id": self.editor_user_id, "created_at": when})


def generate_history(board_id: int, *, moderator_id: int, editor_user_id: int, seed: int = 16,
                     end: datetime | None = None, livrables: int = 10) -> dict[str, int]:
    """Write the history of board `board_id`'s requests (see the module docstring), ending at `end`
    (now by default), with `livrables` frozen livrables spread over the two years. Returns counts."""
    board = db.session.get(Board, board_id)
    end = _aware(end or datetime.now(UTC))
    builder = _Builder(board, seed, end, livrables, moderator_id, editor_user_id)
    requests = [_Request(row.id, _aware(row.created_at), row.title, row.score, row.vote_count, row.structure_count)
                for row in db.session.execute(
                    select(Thread.id, Thread.created_at, Thread.title, Thread.score, Thread.vote_count,
                           Thread.structure_count)
                    .where(Thread.board_id == board_id, Thread.kind == "request", Thread.deleted_at.is_(None),
                           Thread.merged_into_id.is_(None), Thread.status == "nouvelle").order_by(Thread.id))]
    included: list[list[_Request]] = [[] for _ in range(livrables)]
    for request in requests:
        chosen = None
        if builder.rng.random() < 0.75:
            chosen = builder.rng.randrange(livrables)
            while chosen < livrables and builder.freezes[chosen] <= request.created_at:
                chosen += 1
            chosen = chosen if chosen < livrables else None
        if chosen is not None:
            included[chosen].append(request)
        builder.live(request, chosen)
    return _write(builder, requests, included)


def _write(builder: _Builder, requests: list[_Request], included: list[list[_Request]]) -> dict[str, int]:
    board, rng = builder.board, builder.rng
    next_number = (db.session.scalar(select(func.max(Livrable.number)).where(Livrable.board_id == board.id)) or 0) + 1
    livrable_id = (db.session.scalar(select(func.coalesce(func.max(Livrable.id), 0))) or 0) + 1
    livrable_rows, item_rows = [], []
    for index, (frozen, kept) in enumerate(zip(builder.freezes, included, strict=True)):
        if not kept:
            continue
        number = next_number + len(livrable_rows)
        acknowledged = frozen + timedelta(days=rng.randint(1, 25)) if rng.random() < 0.7 else None
        acknowledged = acknowledged if acknowledged and acknowledged < builder.end else None
        livrable_rows.append({
            "id": livrable_id, "board_id": board.id, "number": number,
            "title": f"Livrable n° {number} – {board.name} – {MONTHS[frozen.month - 1]} {frozen.year}",
            "filters": {"statuses": ["nouvelle", "a_l_etude"]}, "created_by_id": builder.moderator_id,
            "created_at": frozen - 2 * DAY, "frozen_at": frozen, "frozen_by_id": builder.moderator_id,
            "moved_to_transmise": True, "acknowledged_at": acknowledged,
            "acknowledged_by_id": builder.editor_user_id if acknowledged else None, "notes_public": index % 2 == 0})
        ranked = sorted(kept, key=lambda r: (-r.score, r.id))
        item_rows += [{"livrable_id": livrable_id, "thread_id": r.id, "included": True, "position": position,
                       "rank": position, "title": r.title[:150], "status": "transmise", "score": r.score,
                       "vote_count": r.votes, "votes_by_importance": {"uncounted": 0},
                       "structure_count": r.structures, "professions": [], "regions": [],
                       "request_created_at": r.created_at, "last_activity_at": r.created_at}
                      for position, r in enumerate(ranked, start=1)]
        livrable_id += 1
    changes = sorted((c for r in requests for c in r.changes), key=lambda c: (c["created_at"], c["thread_id"]))
    target_id = (db.session.scalar(select(func.coalesce(func.max(RequestTarget.id), 0))) or 0) + 1
    target_rows, thread_rows = [], []
    for request in requests:
        previous = None
        for row in request.targets:
            target_rows.append({**row, "id": target_id, "previous_id": previous})
            previous, target_id = target_id, target_id + 1
        current = request.targets[-1] if request.targets else {}
        thread_rows.append({"id": request.id, "status": request.status,
                            "target_version": current.get("version"), "target_period": current.get("period"),
                            "target_due_on": current.get("due_on"),
                            "target_slips": max(0, len(request.targets) - 1)})
    _insert(Livrable, livrable_rows)
    _insert(LivrableItem, item_rows)
    _insert(StatusChange, changes)
    _insert(RequestTarget, target_rows)
    if thread_rows:
        db.session.execute(update(Thread), thread_rows)
    advance_id_sequences(Livrable, RequestTarget)
    db.session.flush()
    return {"requests": len(requests), "livrables": len(livrable_rows), "items": len(item_rows),
            "status_changes": len(changes), "targets": len(target_rows),
            "slips": sum(len(r.targets) - 1 for r in requests if r.targets)}


def _insert(model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(model), rows[start:start + 2000])

