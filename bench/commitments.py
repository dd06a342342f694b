"""What the editors' commitments pages cost on a board with two years of history (issue 16, « Speed »).

    .venv/bin/python -m bench.commitments [--db sqlite|postgres] [--scale medium] [--duration 10]
                                          [--concurrency 2] [--board SLUG] [--seed 16] [--port 5190]

1. Imports the data set of --scale (../shared/bench/make_dataset.py, cached in bench/results/) into
   a throw-away instance (SQLite, or a throw-away PostgreSQL cluster with --db postgres).
2. Generates, seeded, two years of history (bench/history.py) for the requests of every board with
   an editor (about 2,500 requests at medium scale; the Chorus board alone has about 700), or of
   --board only: studies, 10 frozen livrables per board (most acknowledged), official answers at
   various delays, decisions, targets with slips, deliveries on time or late, late commitments.
3. Serves it with gunicorn, 2 workers, and measures over HTTP, anonymous and logged in as a
   member, p50/p95 of the roadmap of the board with the most requests (/b/<slug>/feuille-de-route),
   its editor's record (/editeurs/<slug>) and the all-editors table (/editeurs/), with the ranked
   page (/b/<slug>/demandes) as a reference. A page that answers 404 (not written yet) is reported
   as such, never as a timing.
Targets (issue 16): roadmap and record p50 ≤ 30 ms, all-editors table p50 ≤ 50 ms.
The machine is shared: run it alone; figures go to bench/results/commitments-<db>-<time>.json.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import (
    REPO,
    Gunicorn,
    Instance,
    LoadResult,
    calibration_ms,
    generate_dataset,
    load_dataset,
    write_results,
)
from bench.run import PASSWORD, Client

MEMBER = "membre-engagements@banc-essai.invalid"
MODERATOR = "moderation-engagements@banc-essai.invalid"
TARGETS_MS = {"feuille de route": 30.0, "fiche éditeur": 30.0, "tous les éditeurs": 50.0}


def setup(env: dict[str, str], board_slug: str | None, seed: int, livrables: int) -> dict:
    """The bench accounts (a moderator, one representative per editor, a member) and the history;
    returns the URLs to measure and the generator's counts."""
    from sqlalchemy import select

    from bench.history import generate_history
    from forum import create_app
    from forum.config import ENV_OVERRIDES
    from forum.extensions import db
    from forum.models import Board, Editor, SoftwareUse

    app = create_app({k: env[k] for k in ENV_OVERRIDES if env.get(k)})
    with app.app_context():
        boards = list(db.session.scalars(select(Board).where(Board.editor_id.is_not(None))
                                         .order_by(Board.request_count.desc(), Board.id)))
        if board_slug:
            boards = [b for b in boards if b.slug == board_slug]
            if not boards:
                sys.exit(f"Aucun forum « {board_slug} » avec un éditeur dans le jeu de données.")
        moderator = _account(MODERATOR, "moderator")
        member = _account(MEMBER, "member")
        db.session.add(SoftwareUse(user_id=member.id, board_id=boards[0].id))
        representatives = {}
        for editor in db.session.scalars(select(Editor).where(Editor.id.in_({b.editor_id for b in boards}))):
            representatives[editor.id] = _account(f"representant-{editor.slug}@banc-essai.invalid", "editor",
                                                  editor_id=editor.id)
        started = time.perf_counter()
        totals: dict[str, int] = {}
        for board in boards:
            counts = generate_history(board.id, moderator_id=moderator.id, seed=seed, livrables=livrables,
                                      editor_user_id=representatives[board.editor_id].id)
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        db.session.commit()
        seconds = time.perf_counter() - started
        main_board = boards[0]
        plan = {"board": main_board.slug, "editor": main_board.editor.slug, "boards": len(boards),
                "history_s": round(seconds, 1), "history": totals,
                "board_requests": main_board.request_count}
        db.engine.dispose()
    return plan


def _account(email: str, role: str, editor_id: int | None = None):
    from forum.extensions import db
    from forum.models import User

    user = User(email=email, display_name=f"Banc {email.split('@')[0]}", profession="medecin_generaliste",
                region="Bretagne", role=role, editor_id=editor_id)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def pages(plan: dict) -> dict[str, str]:
    return {"feuille de route": f"/b/{plan['board']}/feuille-de-route",
            "fiche éditeur": f"/editeurs/{plan['editor']}",
            "tous les éditeurs": "/editeurs/",
            "demandes classées (réf.)": f"/b/{plan['board']}/demandes"}


def measure(port: int, path: str, logged_in: bool, duration: float, concurrency: int) -> LoadResult | int:
    """p50/p95 of GET `path` from `concurrency` clients for `duration` seconds after 5 warm-up
    reads each; the status code instead when the page does not answer 200 (e.g. 404, not written)."""
    clients = [Client(port, MEMBER) for _ in range(concurrency)]
    for client in clients:
        if logged_in:
            client.login()
        for _ in range(5):
            status, _ = client.send("GET", path)
            if status != 200:
                return status
    result = LoadResult(path=path, seconds=duration)
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def run(client: Client) -> None:
        latencies, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _ = client.send("GET", path)
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def report(args: argparse.Namespace, plan: dict, figures: dict) -> None:
    history = plan["history"]
    print(f"\nHistorique généré en {plan['history_s']} s sur {plan['boards']} forum(s) : {history['requests']} demandes, "
          f"{history['livrables']} livrables ({history['items']} demandes transmises), "
          f"{history['status_changes']} changements de statut, {history['targets']} échéances dont "
          f"{history['slips']} reports")
    print(f"Pages du forum « {plan['board']} » ({plan['board_requests']} demandes) et de l'éditeur « {plan['editor']} », "
          f"{args.db}, gunicorn 2 workers, {args.concurrency} clients, {args.duration:g} s par mesure")
    print(f"{'page':26} {'visiteur':9} {'requêtes':>9} {'p50 ms':>8} {'p95 ms':>8} {'erreurs':>8}  objectif p50")
    for (page, role), figure in figures.items():
        target = f"≤ {TARGETS_MS[page]:g} ms" if page in TARGETS_MS else "—"
        if "status" in figure:
            print(f"{page:26} {role:9} {'HTTP ' + str(figure['status']):>9} {'—':>8} {'—':>8} {'—':>8}  {target} "
                  + ("(page absente : pas de mesure)" if figure["status"] == 404 else "(pas de mesure)"))
            continue
        verdict = ""
        if page in TARGETS_MS:
            verdict = " ✓" if figure["p50_ms"] <= TARGETS_MS[page] else " ✗"
        print(f"{page:26} {role:9} {figure['requests']:>9} {figure['p50_ms']:>8.1f} {figure['p95_ms']:>8.1f} "
              f"{figure['errors']:>8}  {target}{verdict}")


def run(args: argparse.Namespace) -> None:
    dataset = args.dataset or generate_dataset(args.scale)
    with Instance(keep=args.keep) as instance:
        instance.env.update({"GUNICORN_ACCESS_LOG": "", "WEB_CONCURRENCY": "2"})
        if args.db == "postgres":
            instance.env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        print(f"Import de {dataset} ({args.db})…")
        import_s = load_dataset(instance, dataset)
        print(f"Import : {import_s:.1f} s ; génération de l'historique…")
        plan = setup(instance.env, args.board, args.seed, args.livrables)
        figures: dict[tuple[str, str], dict] = {}
        with Gunicorn(instance.env, args.port, workers=2):
            for page, path in pages(plan).items():
                for role, logged_in in (("anonyme", False), ("membre", True)):
                    outcome = measure(args.port, path, logged_in, args.duration, args.concurrency)
                    figures[(page, role)] = ({"path": path, "status": outcome} if isinstance(outcome, int)
                                             else outcome.summary())
    report(args, plan, figures)
    saved = write_results(f"commitments-{args.db}", {
        "db": args.db, "scale": args.scale, "seed": args.seed, "calibration_ms": calibration_ms(),
        "plan": plan, "targets_p50_ms": TARGETS_MS,
        "pages": [{"page": page, "role": role, **figure} for (page, role), figure in figures.items()]})
    print(f"Résultats : {saved}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.commitments", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--board", help="un seul forum (slug) au lieu de tous ceux qui ont un éditeur")
    parser.add_argument("--livrables", type=int, default=10, help="livrables figés par forum sur les deux ans")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="secondes de mesure par page et visiteur")
    parser.add_argument("--concurrency", type=int, default=2, help="clients simultanés")
    parser.add_argument("--port", type=int, default=5190)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()
    if args.db == "postgres" and not os.environ.get("DATABASE_URL", "").startswith(("postgresql:", "postgres:")):
        env = {**os.environ, "PG_DURABLE": "1", "PG_DATABASE": "forum_bench"}
        sys.exit(subprocess.call([str(REPO / "scripts" / "with_postgres.sh"), sys.executable, "-m",
                                  "bench.commitments", *sys.argv[1:]], cwd=REPO, env=env))
    run(args)


if __name__ == "__main__":
    main()
