"""Club's letter benchmark: the weekly letter of the 2,000 members of the medium data set, issued and
queued end to end, timed, with the peak memory of the process.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.digest [--dataset DIR] [--keep]

What it does, in order:
1. takes DIR, or generates the medium data set (cached in bench/results/dataset-medium/);
2. creates a fresh SQLite instance, runs `flask db upgrade`, `sync-catalogue`, `import-dataset`
   (the task queue in memory: nothing reaches instance/ of the repository);
3. gives the forum a week of news, through the services where they exist: the data set's newest
   260 threads (and their replies) moved into this week, 3 to 8 « utile » marks on each new tip,
   80 status changes with an official answer, a livrable frozen on each of the 5 busiest boards,
   an introduction on 3 boards; every member subscribes to the weekly letter and gets 3 unread
   notifications « dans le résumé »;
4. in a fresh child process, times `letters.send_letters("weekly")` end to end (board letters
   issued, every member's letter rendered and written to the outbox, notifications marked sent,
   committed every 200 members) and reads its peak RSS (resource.getrusage ru_maxrss);
5. prints the figures next to the targets (≤ 60 s, ≤ 300 MB peak RSS) and writes them to
   bench/results/digest-<timestamp>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, Instance, calibration_ms, generate_dataset, load_dataset, write_results

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 300.0

PREPARE_SCRIPT = """
import json, random
from datetime import timedelta
from sqlalchemy import func, insert, select, update
from forum import create_app
from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import Board, Notification, Post, Thread, User
from forum.models._time import utcnow
from forum.services import livrables, statuses, tips
from forum.services.notify import letter_content
from forum.services.notify.letters import letter_period

rng = random.Random(20261130)
app = create_app()
with app.app_context():
    span = letter_period("weekly", utcnow() + timedelta(days=7))
    newest = db.session.execute(select(Thread.id, Thread.created_at).order_by(Thread.created_at.desc()).limit(260)).all()
    delta = span.start + timedelta(minutes=1) - min(created for _, created in newest)
    ids = [thread_id for thread_id, _ in newest]
    for thread in db.session.scalars(select(Thread).where(Thread.id.in_(ids))):
        thread.created_at, thread.last_activity_at = thread.created_at + delta, thread.last_activity_at + delta
    for post in db.session.scalars(select(Post).where(Post.thread_id.in_(ids))):
        post.created_at = post.created_at + delta
    db.session.flush()
    admin = User(email="admin-banc@example.org", display_name="Fédération", role="admin")
    db.session.add(admin)
    db.session.flush()
    members = list(db.session.scalars(select(User.id).where(User.id != admin.id)))
    marks = 0
    new_tips = list(db.session.scalars(select(Thread).where(Thread.id.in_(ids), Thread.kind == "tip")))
    for tip in new_tips:
        for user_id in rng.sample(members, rng.randint(3, 8)):
            if user_id != tip.author_id:
                tips.mark_useful(db.session.get(User, user_id), tip)
                marks += 1
    requests = list(db.session.scalars(select(Thread).where(Thread.kind == "request", Thread.deleted_at.is_(None))))
    for request in rng.sample(requests, 80):
        status = rng.choice(["a_l_etude", "planifiee", "deja_possible", "refusee"])
        statuses.set_status(admin, request, status, note="Réponse de la fédération : " + request.title,
                            version="7.1" if status == "planifiee" else None, official=True)
    busiest = list(db.session.scalars(select(Board).order_by((Board.request_count + Board.tip_count
                                                                + Board.question_count).desc()).limit(5)))
    for board in busiest:
        livrables.freeze(admin, livrables.create_draft(admin, board, ExportFilters()))
    for board in busiest[:3]:
        letter_content.save_introduction(admin, board, "La fédération vous souhaite une **bonne semaine** : "
                                                       "rencontre du club le 12 décembre.")
    db.session.execute(update(User).values(letter_period="weekly"))
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind, "board_id": None, "thread_id": rng.choice(ids), "count": 1,
             "email_state": "digest", "created_at": now, "updated_at": now}
            for user_id in members for kind in ("tip_useful", "accepted", "new_thread")]
    db.session.execute(insert(Notification), rows)
    db.session.commit()
    print(json.dumps({"threads_moved": len(ids), "new_tips": len(new_tips), "useful_marks": marks,
                      "status_changes": 80, "livrables": len(busiest), "subscribers": len(members) + 1,
                      "digest_notifications": len(rows)}))
"""

MEASURE_SCRIPT = """
import json, resource, time
from datetime import timedelta
from sqlalchemy import func, select
from forum import create_app
from forum.extensions import db
from forum.models import Notification, OutgoingMessage
from forum.models._time import utcnow
from forum.services.notify.letters import send_letters

app = create_app()
with app.app_context():
    db.session.execute(select(func.count()).select_from(OutgoingMessage)).scalar()  # connection opened
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    report = send_letters("weekly", utcnow() + timedelta(days=7))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queued, size = db.session.execute(select(func.count(), func.sum(func.length(OutgoingMessage.body_html)
                                                                    + func.length(OutgoingMessage.body_text)))
                                      .where(OutgoingMessage.kind == "letter")).one()
    sent = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.email_state == "sent"))
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "rss_before_mb": round(rss_before, 1),
                      "board_letters": report.board_letters, "queued": report.queued, "messages_in_outbox": queued,
                      "nothing_new": report.nothing_new, "notifications_sent": sent,
                      "mean_message_kb": round((size or 0) / max(queued, 1) / 1024, 1),
                      "period": report.period.label}))
"""


def _child(instance: Instance, script: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=instance.env, text=True,
                            capture_output=True)
    if result.returncode != 0:
        sys.exit(f"Échec du processus de mesure :\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="jeu de données medium déjà généré (sinon généré)")
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()

    dataset = args.dataset or generate_dataset("medium")
    with Instance(keep=args.keep) as instance:
        # The wake-ups of the delivery worker stay in this process's memory (no instance/tasks.sqlite3).
        instance.env["TASK_QUEUE_URL"] = "memory://"
        import_seconds = load_dataset(instance, dataset)
        prepared = _child(instance, PREPARE_SCRIPT)
        measured = _child(instance, MEASURE_SCRIPT)
    report(import_seconds, prepared, measured)


def report(import_seconds: float, prepared: dict, measured: dict) -> None:
    ok_time = measured["seconds"] <= TARGET_SECONDS
    ok_rss = measured["peak_rss_mb"] <= TARGET_RSS_MB
    print()
    print(f"Import du jeu medium : {import_seconds:.1f} s ; semaine simulée : " + ", ".join(
        f"{key} {value}" for key, value in prepared.items()))
    print(f"Lettre hebdomadaire ({measured['period']}) : {measured['board_letters']} lettres de forum, "
          f"{measured['queued']} lettres dans la file ({measured['messages_in_outbox']} en base, "
          f"{measured['mean_message_kb']} Ko en moyenne), membres sans nouveauté : {measured['nothing_new']}, "
          f"{measured['notifications_sent']} notifications marquées envoyées")
    print(f"Durée send_letters : {measured['seconds']:.1f} s   cible ≤ {TARGET_SECONDS:g} s   "
          f"{'ok' if ok_time else 'HORS CIBLE'}")
    print(f"RSS maximale du processus : {measured['peak_rss_mb']:.0f} Mo (dont {measured['rss_before_mb']:.0f} Mo "
          f"avant l'envoi)   cible ≤ {TARGET_RSS_MB:g} Mo   {'ok' if ok_rss else 'HORS CIBLE'}")
    path = write_results("digest", {"import_s": round(import_seconds, 1), "prepared": prepared, **measured,
                                    "calibration_ms": calibration_ms()})
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
