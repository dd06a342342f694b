"""The delivery worker's task queue and schedule (Huey): `deliver` when something was queued,
a sweep every MAIL_SWEEP_SECONDS, the club's letter on Monday at 07:00 (Paris time).

One Huey instance per application config: SqliteHuey in tasks.sqlite3 beside the SQLite database
(else in instance/) when TASK_QUEUE_URL is unset (one host), RedisHuey for TASK_QUEUE_URL=redis://… (several hosts), MemoryHuey for
"memory://" (tests). The queue only ever says « look at the outbox now »: the OutgoingMessage and
Notification rows are the truth, so a lost or flushed queue loses nothing — the sweep, run by the
consumer's own scheduler (not stored in the queue), delivers whatever is due.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer, Scheduler
from sqlalchemy import make_url

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
EXTENSION_KEY = "forum_task_queue"
_lock = threading.Lock()
# The application the tasks of this process run in (the `flask worker` command's, else created once).
_worker_app: Flask | None = None


@dataclass(frozen=True)
class TaskQueue:
    huey: Huey
    deliver: TaskWrapper
    sweep: TaskWrapper


def make_huey(app: Flask) -> Huey:
    """The Huey instance of this config (see the module docstring)."""
    url = app.config.get("TASK_QUEUE_URL") or ""
    if url.startswith("memory://"):
        return MemoryHuey("forum", results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        # Short connection timeouts: a web request that wakes the worker never hangs on Redis.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        return RedisHuey("forum", results=False, connection_pool=pool)
    if url:
        raise ValueError(f"TASK_QUEUE_URL={url!r}: expected redis://host:6379/0, memory:// or nothing "
                         "(instance/tasks.sqlite3)")
    return SqliteHuey("forum", results=False, filename=str(_queue_file(app)))


def _queue_file(app: Flask) -> Path:
    """tasks.sqlite3 beside a SQLite database file (each instance its own queue: tests and benchmarks
    that run servers on a temporary database never share the project's), else in instance/."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    folder = Path(url.database).parent if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
        else Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "tasks.sqlite3"


def task_queue(app: Flask | None = None) -> TaskQueue:
    """The app's task queue with its tasks registered, created on first use (never by the factory)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        queue = app.extensions.get(EXTENSION_KEY)
        if queue is None:
            queue = app.extensions[EXTENSION_KEY] = _register(make_huey(app))
    return queue


def _register(huey: Huey) -> TaskQueue:
    deliver_task = huey.task(name="deliver")(deliver)
    sweep_task = huey.task(name="sweep")(sweep)
    huey.periodic_task(is_weekly_letter_time, name="weekly_letter")(weekly_letter)
    huey.periodic_task(is_biweekly_letter_time, name="biweekly_letter")(biweekly_letter)
    huey.periodic_task(is_file_purge_time, name="purge_files")(purge_files)
    return TaskQueue(huey, deliver_task, sweep_task)


# Wake-ups are rounded up to this many seconds: the commits of one process within one slot ask for
# one delivery run, not one each (a burst of replies, `seed-demo`).
WAKE_SLOT_SECONDS = 10
_wake_lock = threading.Lock()
_woken_slot: float | None = None


def wake_delivery(delay: float) -> None:
    """Ask the worker for a delivery run in `delay` seconds (called after a commit that queued
    e-mail), rounded up to the next WAKE_SLOT_SECONDS slot, once per slot and process. Never raises:
    with the queue down, the sweep delivers within MAIL_SWEEP_SECONDS."""
    global _woken_slot
    try:
        queue = task_queue()
        if delay and delay > 0:
            now = time.time()
            slot = -(-(now + delay) // WAKE_SLOT_SECONDS) * WAKE_SLOT_SECONDS
            with _wake_lock:
                if slot == _woken_slot:
                    return
                _woken_slot = slot
            queue.deliver.schedule(delay=slot - now)
        else:
            queue.deliver()
    except Exception as exc:  # noqa: BLE001 - a web request must not fail for the queue
        log.warning("Could not wake the delivery worker (the sweep will deliver): %s: %s", type(exc).__name__, exc)


# --- what the tasks run (in the worker process) -------------------------------------------------------

def bind_worker_app(app: Flask) -> None:
    """The application the tasks of this process run in (the `flask worker` command's)."""
    global _worker_app
    _worker_app = app


def _app() -> Flask:
    global _worker_app
    with _lock:
        if _worker_app is None:
            from forum import create_app

            _worker_app = create_app()
    return _worker_app


def _run_delivery(reason: str) -> None:
    from forum.extensions import db
    from forum.services.notify.delivery import deliver_pending

    app = _app()
    with app.app_context():
        try:
            started = time.monotonic()
            report = deliver_pending()
            if report.composed or report.sent or report.retried or report.failed or report.uncertain:
                log.info("Delivery (%s): %s composed, %s sent, %s to retry, %s failed, %s uncertain, %s pending "
                         "(%.2f s)", reason, report.composed, report.sent, report.retried, report.failed,
                         report.uncertain, report.pending, time.monotonic() - started)
        finally:
            db.session.remove()


def deliver() -> None:
    """Compose the notification e-mails due and deliver the outbox."""
    _run_delivery("woken")


def sweep() -> None:
    """The same, on the worker's own clock: whatever the queue lost is delivered anyway."""
    _run_delivery("sweep")


def _paris(moment: datetime) -> datetime:
    """Huey's timestamps are naive UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARIS)


def is_letter_time(period: str, moment: datetime) -> bool:
    """07:00 Paris time on the Monday a `period` letter ends (weekly: every Monday; biweekly:
    every other one, as forum.services.notify.letters.is_period_end says)."""
    from forum.services.notify.letters import is_period_end

    local = _paris(moment)
    return (local.hour, local.minute) == (7, 0) and is_period_end(period, local.date())


def is_weekly_letter_time(moment: datetime) -> bool:
    return is_letter_time("weekly", moment)


def is_biweekly_letter_time(moment: datetime) -> bool:
    return is_letter_time("biweekly", moment)


def _send_letters(period: str) -> None:
    from forum.extensions import db
    from forum.services.notify import letters  # the club's letter (forum.services.notify.letters)

    app = _app()
    with app.app_context():
        try:
            report = letters.send_letters(period)
            log.info("Letters (%s): %s", period, report)
        finally:
            db.session.remove()
    _run_delivery(f"{period} letter")


def weekly_letter() -> None:
    _send_letters("weekly")


def biweekly_letter() -> None:
    _send_letters("biweekly")


def is_file_purge_time(moment: datetime) -> bool:
    local = _paris(moment)
    return (local.hour, local.minute) == (3, 30)


def purge_files() -> None:
    """Daily: deleted files past their grace period (forum.services.file_lifecycle.purge)."""
    from forum.extensions import db
    from forum.services.file_lifecycle import purge

    with _app().app_context():
        try:
            report = purge()
            db.session.commit()
            log.info("Files purged: %s, to retry: %s", report.purged, report.failed)
        finally:
            db.session.remove()


# --- the consumer (`flask --app forum worker`) ----------------------------------------------------------

class SweepingScheduler(Scheduler):
    """Huey's scheduler (delayed tasks, periodic tasks each minute), which also enqueues `sweep`
    every `sweep_seconds`: it lives in the consumer, so a flushed queue cannot lose it."""

    def __init__(self, *args, sweep: TaskWrapper, sweep_seconds: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sweep, self.sweep_seconds = sweep, max(1.0, float(sweep_seconds))
        self._next_sweep = time.monotonic()

    def loop(self, now=None):
        if self._next_sweep <= time.monotonic():
            self._next_sweep = time.monotonic() + self.sweep_seconds
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the queue is down: try again at the next sweep
                self._logger.exception("Could not enqueue the sweep")
        return super().loop(now)


class WorkerConsumer(Consumer):
    def __init__(self, queue: TaskQueue, sweep_seconds: float, **options) -> None:
        self._sweep_options = {"sweep": queue.sweep, "sweep_seconds": sweep_seconds}
        super().__init__(queue.huey, **options)

    def _create_scheduler(self):
        return SweepingScheduler(huey=self.huey, stop_flag=self.stop_flag, interval=self.scheduler_interval,
                                 periodic=self.periodic, **self._sweep_options)


def make_consumer(app: Flask, workers: int = 2) -> WorkerConsumer:
    """The consumer of `flask worker`: `workers` threads, periodic tasks on, a graceful stop on
    SIGTERM (the current message is finished; at most 30 s), SIGINT too."""
    bind_worker_app(app)
    queue = task_queue(app)
    return WorkerConsumer(queue, app.config.get("MAIL_SWEEP_SECONDS", 60), workers=workers, periodic=True,
                          worker_type="thread", graceful_signal="TERM", shutdown_timeout=30)
