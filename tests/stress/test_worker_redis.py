"""The worker (`flask --app forum worker`, Huey) with its queue in Redis (TASK_QUEUE_URL=redis://…):
a commit that queues e-mail wakes it through Redis, and after FLUSHALL its own sweep still sends
what the outbox holds. Starts a real redis-server (Debian's package) on a free local port."""
from __future__ import annotations

import email
import os
import re
import signal
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest

from forum.extensions import db
from forum.models import OutgoingMessage
from forum.models._time import utcnow
from forum.services.notify import outbox
from forum.services.notify.unsubscribe import unsubscribe_url
from tests.factories import make_user
from tests.live_server import NO_REDIS, REDIS_SERVER, redis_server

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(5150, 5160)

pytestmark = [pytest.mark.slow,  # a redis-server and two worker processes
              pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason=NO_REDIS)]


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path, PORTS) as url:
        yield url


class Worker:
    """`flask --app forum worker` on the test's database, its log in a file."""

    def __init__(self, app, redis_url: str, outbox_dir: Path, sweep_seconds: int, log: Path) -> None:
        env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "TASK_QUEUE_URL": redis_url,
               "MAIL_OUTBOX_DIR": str(outbox_dir), "MAIL_SWEEP_SECONDS": str(sweep_seconds),
               "MAIL_BATCH_SECONDS": "0", "SECRET_KEY": app.config["SECRET_KEY"],
               "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"], "SEARCH_INDEX_DIR": str(log.parent / "index")}
        env.pop("MAIL_SERVER", None)
        self.log = log
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "forum", "worker"], cwd=ROOT,
                                        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        wait_for(lambda: "Huey consumer started" in log.read_text(), 30, self.log, self.process)

    def wait_for_first_sweep(self) -> None:
        wait_for(lambda: re.search(r"tasks\.sweep: \S+ executed in", self.log.read_text()), 30, self.log,
                 self.process)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=40)


def wait_for(condition, seconds: float, log: Path, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process is None or process.poll() is None, f"the worker stopped; its log:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"not within {seconds} s; worker log:\n{log.read_text()}"
        time.sleep(0.1)


def emls(directory: Path) -> list[email.message.EmailMessage]:
    paths = sorted(directory.glob("*.eml")) if directory.exists() else []
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def test_the_worker_delivers_through_redis_and_its_sweep_survives_a_flushall(app, redis_url, tmp_path):
    import redis

    app.config["TASK_QUEUE_URL"] = redis_url  # this process wakes the worker through Redis too
    outbox_dir = tmp_path / "outbox"
    member = make_user(email="lectrice@example.org")
    db.session.commit()

    # 1. Woken through Redis: no sweep after the one at start-up.
    worker = Worker(app, redis_url, outbox_dir, sweep_seconds=3600, log=tmp_path / "worker-1.log")
    try:
        worker.wait_for_first_sweep()
        assert outbox.queue_message(member, "notifications", "test:woken", "Réveillé par Redis", "Texte", "<p>HTML</p>",
                                    "notifications")
        db.session.commit()  # → the wake-up goes through Redis
        wait_for(lambda: any(m["Subject"] == "Réveillé par Redis" for m in emls(outbox_dir)), 10, worker.log)
    finally:
        assert worker.stop() == 0
    assert "Delivery (woken)" in worker.log.read_text()

    # 2. The queue flushed, a message written without any wake-up: the sweep sends it anyway.
    worker = Worker(app, redis_url, outbox_dir, sweep_seconds=2, log=tmp_path / "worker-2.log")
    try:
        worker.wait_for_first_sweep()
        redis.Redis.from_url(redis_url).flushall()
        db.session.add(OutgoingMessage(
            user_id=member.id, to_address=member.email, kind="notifications", idempotency_key="test:swept",
            subject="Trouvé par le balayage", body_text="Texte", body_html="<p>HTML</p>",
            unsubscribe_url=unsubscribe_url(member.id, "notifications"), next_attempt_at=utcnow()))
        db.session.commit()
        wait_for(lambda: any(m["Subject"] == "Trouvé par le balayage" for m in emls(outbox_dir)), 15, worker.log)
    finally:
        assert worker.stop() == 0
    messages = emls(outbox_dir)
    assert sorted(m["Subject"] for m in messages) == ["Réveillé par Redis", "Trouvé par le balayage"]
    assert {m["To"] for m in messages} == {"lectrice@example.org"}
    assert "Delivery (sweep)" in worker.log.read_text()
