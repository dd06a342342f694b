"""Ranking benchmark: one board of 2,500 requests and 10,000 votes, ranked in-process and over HTTP.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.ranking [--dataset DIR] [--duration 20] [--concurrency 2]
                                      [--port 5170] [--keep]

What it does, in order:
1. takes DIR, or generates the medium data set (cached in bench/results/dataset-medium/);
2. creates a fresh SQLite instance, runs `flask db upgrade`, `sync-catalogue`, `import-dataset`;
3. builds the ranking board from it: every request of the data set is moved to its biggest board
   (~2,500 requests), voters who do not use that software are declared as users (so their votes
   count), and extra votes of mixed importance (utile/important/bloquant) from random members
   bring the board to 10,000 votes; then the stored figures are refreshed;
4. times, in-process, over --rounds rounds: `ranking.refresh_scores(board_id=…)` (recompute and
   store every request's figures), `ranking.ranked_rows(board)` (the full ranking with every figure,
   as exports use it) and `ranking.rank(board)` (one page of 25, as the page uses it);
5. starts `gunicorn -w 2 -b 127.0.0.1:5170 wsgi:app` and loads `/b/<slug>/demandes` (the ranked
   page) for --duration seconds from --concurrency clients;
6. prints the figures next to the targets (ranking ≤ 200 ms, ranked page p50 ≤ 30 ms) and writes
   them to bench/results/ranking-<timestamp>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, Gunicorn, Instance, generate_dataset, load, load_dataset, write_results

TARGET_RANK_MS = 200.0
TARGET_PAGE_P50_MS = 30.0
TARGET_VOTES = 10_000
HOST = "127.0.0.1"


def build_ranking_board(database: Path, seed: int = 20261123) -> tuple[str, int, int]:
    """Move every request to the biggest board and top its votes up to 10,000 (raw SQL, fast).

    Returns (slug, requests, votes) of the board."""
    rng = random.Random(seed)
    with sqlite3.connect(database) as conn:
        board_id, slug = conn.execute(
            "SELECT id, slug FROM boards ORDER BY question_count + tip_count + request_count DESC LIMIT 1").fetchone()
        conn.execute("UPDATE threads SET board_id = ? WHERE kind = 'request'", (board_id,))
        requests = [row[0] for row in conn.execute("SELECT id FROM threads WHERE kind = 'request'")]
        users = [row[0] for row in conn.execute("SELECT id FROM users")]
        existing = {(t, u) for t, u in conn.execute("SELECT thread_id, user_id FROM votes")}
        importances = ["utile"] * 5 + ["important"] * 3 + ["bloquant"] * 2
        new_votes = []
        while len(existing) < TARGET_VOTES:
            pair = (rng.choice(requests), rng.choice(users))
            if pair not in existing:
                existing.add(pair)
                new_votes.append((*pair, rng.choice(importances)))
        conn.executemany("INSERT INTO votes (thread_id, user_id, importance, created_at, updated_at) "
                         "VALUES (?, ?, ?, datetime('now'), datetime('now'))", new_votes)
        conn.execute("UPDATE votes SET importance = CASE abs(random()) % 10 WHEN 0 THEN 'bloquant' "
                     "WHEN 1 THEN 'important' WHEN 2 THEN 'important' ELSE importance END")
        conn.execute("INSERT OR IGNORE INTO software_uses (user_id, board_id, created_at) "
                     "SELECT DISTINCT user_id, ?, datetime('now') FROM votes", (board_id,))
        votes = conn.execute("SELECT count(*) FROM votes").fetchone()[0]
    return slug, len(requests), votes


TIMING_SCRIPT = """
import json, statistics, sys, time
from forum import create_app
from forum.extensions import db
from forum.services import counters, ranking
from forum.services.boards import get_board

app = create_app()
rounds = int(sys.argv[2])
with app.app_context():
    board = get_board(sys.argv[1])
    counters.recount_board(board.id)
    db.session.commit()
    def timed(fn):
        samples = []
        for _ in range(rounds):
            db.session.expire_all()
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}
    out = {
        "refresh_scores": timed(lambda: ranking.refresh_scores(board_id=board.id)),
        "ranked_rows": timed(lambda: ranking.ranked_rows(board)),
        "rank_page": timed(lambda: ranking.rank(board)),
    }
    ranking.refresh_scores(board_id=board.id)
    db.session.commit()
    print(json.dumps(out))
"""


def time_in_process(instance: Instance, slug: str, rounds: int) -> dict:
    result = subprocess.run([sys.executable, "-c", TIMING_SCRIPT, slug, str(rounds)], cwd=REPO, env=instance.env,
                            text=True, capture_output=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="jeu de données medium déjà généré (sinon généré)")
    parser.add_argument("--rounds", type=int, default=7, help="répétitions des mesures en processus")
    parser.add_argument("--duration", type=float, default=20.0, help="secondes de charge HTTP")
    parser.add_argument("--concurrency", type=int, default=2, help="clients HTTP simultanés")
    parser.add_argument("--port", type=int, default=5170)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()

    dataset = args.dataset or generate_dataset("medium")
    with Instance(keep=args.keep) as instance:
        load_dataset(instance, dataset)
        slug, requests, votes = build_ranking_board(instance.database)
        print(f"Forum « {slug} » : {requests} demandes, {votes} votes")
        timings = time_in_process(instance, slug, args.rounds)
        with Gunicorn(instance.env, args.port, workers=2):
            path = f"/b/{slug}/demandes"
            load(HOST, args.port, path, 3.0, args.concurrency)
            page = load(HOST, args.port, path, args.duration, args.concurrency).summary()
    report(args, slug, requests, votes, timings, page)


def report(args, slug: str, requests: int, votes: int, timings: dict, page: dict) -> None:
    print()
    labels = {"refresh_scores": "recalcul des scores (tout le forum)",
              "ranked_rows": "classement complet (exports)", "rank_page": "classement, une page de 25"}
    for key, label in labels.items():
        figure = timings[key]
        verdict = "ok" if figure["median_ms"] <= TARGET_RANK_MS else "HORS CIBLE"
        print(f"{label:38} médiane {figure['median_ms']:>7.1f} ms  max {figure['max_ms']:>7.1f} ms"
              f"   cible ≤ {TARGET_RANK_MS:g} ms  {verdict}")
    verdict = "ok" if page["p50_ms"] <= TARGET_PAGE_P50_MS and not page["errors"] else "HORS CIBLE"
    print(f"{'page /demandes (HTTP, 2 workers)':38} p50 {page['p50_ms']:.2f} ms  p95 {page['p95_ms']:.2f} ms  "
          f"{page['rps']} req/s  {page['errors']} erreurs   cible p50 ≤ {TARGET_PAGE_P50_MS:g} ms  {verdict}")
    path = write_results("ranking", {"board": slug, "requests": requests, "votes": votes, "in_process": timings,
                                     "page": page, "concurrency": args.concurrency, "duration_s": args.duration,
                                     "rounds": args.rounds})
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
