"""The demo's editors' commitments (issue 16): targets on the planned and delivered demo requests so
the roadmap and the editors' record show something alive — a commitment on time, one late, one
slipped twice with its reasons, one kept and one delivered late.

The service refuses past dates, so the history is written directly (rows dated in the past, with the
request's status changes moved to matching days); two requests are first moved on through
statuses.set_status, as an editor would. Periods are relative to the seeding day."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import StatusChange, Thread, User
from forum.models.commitments import RequestTarget
from forum.services import statuses
from forum.services.commitment_rules import PARIS, due_on

# (board, start of the title) of each demo request given a target.
POCKET = ("chorus", "Rendre Chorus Pocket compatible")
BILLING = ("chorus", "Facturation infirmière (AMI/AIS)")
ROUNDS = ("chorus", "Gestion des tournées infirmières")
REFUSAL = ("hellodoc", "Enregistrer le refus de partage")
ACI = ("weda", "Tableau de bord des indicateurs ACI")
SLIP_REASONS = [
    "La nouvelle version du cahier des charges SESAM-Vitale nous impose de reprendre la télétransmission "
    "d'abord.",
    "Les tests avec trois cabinets pilotes ont montré des écarts de cotation à corriger avant la diffusion.",
]


def quarter(day: date, shift: int = 0) -> str:
    """The canonical quarter ("2027-T2") of `day`, moved by `shift` quarters."""
    index = day.year * 4 + (day.month - 1) // 3 + shift
    return f"{index // 4}-T{index % 4 + 1}"


def month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def apply(users: dict[str, User], now: datetime) -> None:
    """Give the demo requests their targets; call once the demo threads are spread in time. Flushes."""
    today = now.astimezone(PARIS).date()
    threads = {key: _thread(*key) for key in (POCKET, BILLING, ROUNDS, REFUSAL, ACI)}
    if any(thread is None for thread in threads.values()):
        return  # a demo file without these requests: nothing to commit to
    chorus = users["ref-chorus"]
    statuses.set_status(chorus, threads[BILLING], "planifiee",
                        note="Nous l'intégrons à la prochaine version majeure ; l'échéance suit.")
    statuses.set_status(chorus, threads[ROUNDS], "planifiee")
    statuses.set_status(chorus, threads[ROUNDS], "livree", version="6.1",
                        note="Livrée en version 6.1 : menu Tournées.")

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    # Slipped twice: last quarter, then this one, now the next one.
    _dates(threads[BILLING], [ago(140), ago(130), ago(121)])
    _targets(threads[BILLING], users["ref-chorus"], [
        (ago(121), None, quarter(today, -1), None),
        (ago(100), None, quarter(today), SLIP_REASONS[0]),
        (ago(20), "6.3", quarter(today, 1), SLIP_REASONS[1])])
    # Late: a month already over, still planned.
    _dates(threads[REFUSAL], [ago(70), ago(62)])
    _targets(threads[REFUSAL], users["ref-hellodoc"], [(ago(62), "7.6", month(today - timedelta(days=40)), None)])
    # On time: next quarter.
    _targets(threads[POCKET], users["ref-chorus"], [(_planned_at(threads[POCKET]), "3.1", quarter(today, 1), None)])
    # Kept: delivered within its month; delivered late: after its month.
    _dates(threads[ACI], [ago(110), ago(95), ago(30)])
    _targets(threads[ACI], users["ref-weda"], [(ago(95), "2024.4", month(today - timedelta(days=30)), None)])
    _dates(threads[ROUNDS], [ago(65), ago(60), ago(5)])
    _targets(threads[ROUNDS], chorus, [(ago(60), "6.1", month(today - timedelta(days=45)), None)])
    db.session.flush()


def _thread(board_slug: str, title: str) -> Thread | None:
    from forum.models import Board
    return db.session.scalar(select(Thread).join(Board, Board.id == Thread.board_id).where(
        Board.slug == board_slug, Thread.title.startswith(title, autoescape=True)))


def _planned_at(thread: Thread) -> datetime:
    return db.session.scalar(select(StatusChange.created_at).where(
        StatusChange.thread_id == thread.id, StatusChange.to_status == "planifiee").order_by(StatusChange.id.desc()))


def _dates(thread: Thread, moments: list[datetime]) -> None:
    """Move the request's status changes, in order, to `moments`."""
    ids = list(db.session.scalars(select(StatusChange.id).where(StatusChange.thread_id == thread.id)
                                  .order_by(StatusChange.id)))
    for change_id, moment in zip(ids, moments, strict=False):
        db.session.execute(update(StatusChange).where(StatusChange.id == change_id).values(created_at=moment)
                           .execution_options(synchronize_session=False))


def _targets(thread: Thread, actor: User, steps: list[tuple[datetime, str | None, str, str | None]]) -> None:
    """Write the request's targets (created_at, version, period, reason) and copy the last onto it."""
    previous: RequestTarget | None = None
    for moment, version, period, reason in steps:
        row = RequestTarget(thread_id=thread.id, previous_id=previous.id if previous else None, version=version,
                            period=period, due_on=due_on(period), reason=reason, actor_id=actor.id,
                            created_at=moment)
        db.session.add(row)
        db.session.flush()
        previous = row
    thread.target_version, thread.target_period = previous.version, previous.period
    thread.target_due_on, thread.target_slips = previous.due_on, len(steps) - 1
