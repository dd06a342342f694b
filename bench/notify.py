"""What notifications cost: the fan-out of an official answer, and the bell and unread markers on pages.

    .venv/bin/python -m bench.notify [--scale medium] [--rounds 40] [--base REV] [--pages 300]
                                     [--reuse DIR] [--port 5186]

1. Fan-out (the working tree alone, gunicorn with 2 workers, on the imported data set): a moderator
   changes the status of a request with an official answer over HTTP, alternately on a request
   with 2,000 voters and on one with a single voter, --rounds times each. Prints p50/p95 of each
   and their ratio; target p95 ≤ 50 ms for 2,000 voters and a ratio ≤ 2 (issue 14).
2. Pages with and without (only with --base REV, a revision before the notifications): both
   versions side by side as bench.compare runs them (each on its own copy of the same database,
   the base's schema upgraded by the working tree's migrations on its side), a returning member
   logged in on each reads the board page 1 and a thread of about 20 replies, alternately on one
   version and the other, --pages times each. Prints p50 per page and version and the ratio;
   target ≤ 1.10 (the bell and markers add at most 10 %).

The machine's speed drifts: only the ratios measured in one run mean something.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import REPO, Gunicorn, Instance, generate_dataset, load_dataset
from bench.run import PASSWORD, Client, _token

MODERATOR = "moderation-banc@banc-essai.invalid"
READER = "lecteur-banc@banc-essai.invalid"
VOTERS = 2000


def _setup(env: dict[str, str]) -> dict:
    """A moderator, a returning reader, a request with VOTERS voters and one with one voter."""
    from sqlalchemy import insert, select

    from forum import create_app
    from forum.config import ENV_OVERRIDES
    from forum.extensions import db
    from forum.models import Board, SoftwareUse, Thread, User, Vote
    from forum.services import posting, ranking
    from forum.services.notify.follows import follow_everything_written_and_voted

    app = create_app({k: env[k] for k in ENV_OVERRIDES if env.get(k)})
    with app.app_context():
        board = db.session.scalar(select(Board).order_by(Board.id))
        accounts = {}
        for email, role in ((MODERATOR, "moderator"), (READER, "member")):
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, display_name=f"Banc {role}", profession="medecin_generaliste",
                            region="Bretagne", role=role)
                user.set_password(PASSWORD)
                db.session.add(user)
                db.session.flush()
                db.session.add(SoftwareUse(user_id=user.id, board_id=board.id))
            accounts[role] = user
        author = db.session.scalar(select(User).where(User.role == "member").order_by(User.id))
        crowded = posting.create_thread(author, board, "request", "Banc : demande très soutenue", "Corps.")
        lonely = posting.create_thread(author, board, "request", "Banc : demande peu soutenue", "Corps.")
        db.session.flush()
        voters = list(db.session.scalars(select(User.id).where(User.role == "member", User.id != author.id)
                                         .order_by(User.id).limit(VOTERS)))
        db.session.execute(insert(Vote), [{"thread_id": crowded.id, "user_id": uid, "importance": "utile"}
                                          for uid in voters])
        db.session.execute(insert(Vote), [{"thread_id": lonely.id, "user_id": voters[0], "importance": "utile"}])
        follow_everything_written_and_voted()
        ranking.refresh_scores([crowded.id, lonely.id])
        thread = db.session.scalar(select(Thread).where(Thread.deleted_at.is_(None), Thread.reply_count.between(18, 22))
                                   .order_by(Thread.id))
        plan = {"crowded": crowded.id, "lonely": lonely.id, "voters": len(voters), "board": board.slug,
                "thread": f"/t/{thread.id}/{thread.slug}"}
        db.session.commit()
        db.engine.dispose()
    return plan


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fan_out(env: dict[str, str], port: int, plan: dict, rounds: int) -> None:
    """Each request alone (its own series: a 2,000-voter expansion never delays the 1-voter
    series), then the work each event leaves to the worker after its response, in process."""
    timings: dict[str, list[float]] = {"crowded": [], "lonely": []}
    errors = 0
    with Gunicorn(env, port):
        client = Client(port, MODERATOR)
        client.login()
        for name in ("lonely", "crowded"):
            for n in range(rounds + 3):
                _, page = client.send("GET", f"/t/{plan[name]}/statut")
                form = {"status": "a_l_etude" if n % 2 else "planifiee", "version": "", "official": "y",
                        "note": f"Réponse officielle n° {n} : nous étudions la demande.", "csrf_token": _token(page)}
                time.sleep(0.1)  # the previous event's notifications are written by then
                started = time.perf_counter()
                status, _ = client.send("POST", f"/t/{plan[name]}/statut", form)
                elapsed = (time.perf_counter() - started) * 1000
                errors += status not in (302, 303)
                if n >= 3:  # warm-up rounds left out
                    timings[name].append(elapsed)
    expansion = _expansion_ms(env, plan, rounds=10)
    print(f"\nRéponse officielle sur une demande ({rounds} changements de statut chacun, HTTP, gunicorn 2 workers)")
    print(f"{'demande':10} {'votants':>8} {'POST p50 ms':>12} {'POST p95 ms':>12} {'notifications écrites après la réponse, p50 ms':>48}")
    for name, voters in (("crowded", plan["voters"]), ("lonely", 1)):
        print(f"{name:10} {voters:>8} {statistics.median(timings[name]):>12.1f} {_percentile(timings[name], .95):>12.1f} "
              f"{expansion[name]:>48.1f}")
    ratio = _percentile(timings["crowded"], .95) / _percentile(timings["lonely"], .95)
    print(f"rapport des p95 {plan['voters']} votants / 1 votant : {ratio:.2f} (objectif ≤ 2 ; p95 ≤ 50 ms) ; "
          f"erreurs : {errors}")


def _expansion_ms(env: dict[str, str], plan: dict, rounds: int) -> dict[str, float]:
    """Median time to write one status event's notifications (what the worker does after the response)."""
    from forum import create_app
    from forum.config import ENV_OVERRIDES
    from forum.extensions import db
    from forum.services.notify import events

    app = create_app({k: env[k] for k in ENV_OVERRIDES if env.get(k)})
    spent: dict[str, list[float]] = {"crowded": [], "lonely": []}
    with app.app_context():
        for n in range(rounds):
            for name in ("crowded", "lonely"):
                started = time.perf_counter()
                events.expand("status", None, [], {"from": "a_l_etude", "to": "planifiee", "change_id": n},
                              {"board_id": None, "thread_id": plan[name]})
                db.session.commit()
                spent[name].append((time.perf_counter() - started) * 1000)
        db.engine.dispose()
    return {name: statistics.median(values) for name, values in spent.items()}


def pages_with_and_without(base: str, worktree: Path, dataset: Path, port: int, count: int) -> None:
    from bench.compare import Side, schema_source

    builder = schema_source(worktree)
    with Instance() as shared:
        print(f"Import et indexation du jeu de données avec le code de {builder.name or base}…")
        load_dataset(shared, dataset, checkout=builder)
        shared.flask("search", "reindex", "--quiet", capture=True, checkout=builder)
        sides = [Side("base", worktree, shared.path, port), Side("travail", REPO, shared.path, port + 1)]
    try:
        for side in sides:
            side.start(dataset)
        clients = []
        for side in sides:
            client = Client(side.port, side.plan["emails"][0])
            client.login()
            clients.append(client)
        board_slug = sides[0].plan["request_boards"][0]
        thread = sides[0].plan["threads"][0]
        paths = {"forum, page 1": f"/b/{board_slug}/", "sujet": thread}
        timings: dict[tuple[str, str], list[float]] = {(page, side.name): [] for page in paths for side in sides}
        for n in range(count + 20):
            order = list(zip(sides, clients, strict=True))
            for page, path in paths.items():
                for side, client in (order if n % 2 else order[::-1]):
                    started = time.perf_counter()
                    status, _ = client.send("GET", path)
                    elapsed = (time.perf_counter() - started) * 1000
                    if status != 200:
                        raise RuntimeError(f"{side.name} {path}: HTTP {status}")
                    if n >= 20:  # warm-up reads left out
                        timings[(page, side.name)].append(elapsed)
        print(f"\nPages d'un membre connecté, {base} (sans notifications) et arbre de travail, alternés "
              f"({count} lectures chacune)")
        print(f"{'page':16} {'p50 base':>9} {'p50 travail':>12} {'rapport':>8}")
        for page in paths:
            before, after = (statistics.median(timings[(page, s.name)]) for s in sides)
            print(f"{page:16} {before:>9.2f} {after:>12.2f} {after / before:>8.3f}")
        print("objectif : rapport ≤ 1,10")
    finally:
        for side in sides:
            side.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--base", help="révision sans notifications, pour la mesure avec et sans")
    parser.add_argument("--port", type=int, default=5186)
    args = parser.parse_args()
    dataset = generate_dataset(args.scale)
    if args.base:
        worktree = Path(tempfile.mkdtemp(prefix="forum-notify-base-"))
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.base], cwd=REPO, check=True,
                       capture_output=True)
        try:
            pages_with_and_without(args.base, worktree, dataset, args.port + 2, args.pages)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, capture_output=True)
    with Instance() as instance:
        print("Import du jeu de données (arbre de travail)…")
        load_dataset(instance, dataset)
        plan = _setup(instance.env)
        fan_out(instance.env, args.port, plan, args.rounds)


if __name__ == "__main__":
    main()
