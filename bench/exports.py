"""Export benchmark: a board of 2,500 requests exported in every format, and the JSON API list over HTTP.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.exports [--dataset DIR] [--rounds 5] [--duration 15]
                                      [--concurrency 2] [--port 5180] [--keep]

What it does, in order:
1. takes DIR, or generates the medium data set (cached in bench/results/dataset-medium/);
2. creates a fresh SQLite instance, runs `flask db upgrade`, `sync-catalogue`, `import-dataset`,
   then builds the ranking board of bench/ranking.py (~2,500 requests, 10,000 votes);
3. for each format, in a fresh child process: exports the board once (ranked rows read from the
   database, rows built, file written) and records the peak RSS growth of that export
   (resource.getrusage ru_maxrss after minus before), then times --rounds more exports;
4. starts `gunicorn -w 2 -b 127.0.0.1:5180 wsgi:app` and loads
   `/api/v1/boards/<slug>/requests` (page 1, ranked) for --duration seconds;
5. prints the figures next to the targets (CSV ≤ 0.5 s, XLSX ≤ 2 s, RSS growth ≤ 100 MB,
   API p50 ≤ 20 ms) and writes them to bench/results/exports-<timestamp>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, Gunicorn, Instance, generate_dataset, load, load_dataset, write_results
from bench.ranking import build_ranking_board

TARGET_SECONDS = {"csv": 0.5, "xlsx": 2.0}
TARGET_RSS_MB = 100.0
TARGET_API_P50_MS = 20.0
FORMATS = ("csv", "xlsx", "json", "md", "html")
HOST = "127.0.0.1"

EXPORT_SCRIPT = """
import json, resource, statistics, sys, time
from forum import create_app, export
from forum.extensions import db
from forum.models._time import utcnow
from forum.services.boards import get_board

slug, fmt, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app()
with app.app_context(), app.test_request_context(base_url="https://clubs.example.org"):
    board = get_board(slug)
    db.session.expire_all()
    def once():
        rows = export.board_rows(board)
        data = export.write(rows, fmt, title="Bench", board=board.name, generated_at=utcnow())
        return len(rows), len(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    count, size = once()
    first = time.perf_counter() - started
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    samples = []
    for _ in range(rounds):
        db.session.expire_all()
        started = time.perf_counter()
        once()
        samples.append(time.perf_counter() - started)
    print(json.dumps({"rows": count, "bytes": size, "first_s": round(first, 3),
                      "median_s": round(statistics.median(samples or [first]), 3), "max_s": round(max(samples or [first]), 3),
                      "rss_growth_mb": round(growth_mb, 1)}))
"""

PREPARE_SCRIPT = """
import sys
from forum import create_app
from forum.extensions import db
from forum.services import counters, ranking
from forum.services.boards import get_board
app = create_app()
with app.app_context():
    board = get_board(sys.argv[1])
    counters.recount_board(board.id)
    ranking.refresh_scores(board_id=board.id)
    db.session.commit()
"""


def _child(instance: Instance, script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=instance.env, text=True,
                            capture_output=True)
    if result.returncode != 0:
        sys.exit(f"Échec du processus de mesure :\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="jeu de données medium déjà généré (sinon généré)")
    parser.add_argument("--rounds", type=int, default=5, help="exports chronométrés après le premier")
    parser.add_argument("--duration", type=float, default=15.0, help="secondes de charge HTTP sur l'API")
    parser.add_argument("--concurrency", type=int, default=2, help="clients HTTP simultanés")
    parser.add_argument("--port", type=int, default=5180)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()

    dataset = args.dataset or generate_dataset("medium")
    with Instance(keep=args.keep) as instance:
        load_dataset(instance, dataset)
        slug, requests, votes = build_ranking_board(instance.database)
        _child(instance, PREPARE_SCRIPT, slug)
        print(f"Forum « {slug} » : {requests} demandes, {votes} votes")
        exports = {fmt: json.loads(_child(instance, EXPORT_SCRIPT, slug, fmt, str(args.rounds))) for fmt in FORMATS}
        with Gunicorn(instance.env, args.port, workers=2):
            path = f"/api/v1/boards/{slug}/requests"
            load(HOST, args.port, path, 3.0, args.concurrency)
            api = load(HOST, args.port, path, args.duration, args.concurrency).summary()
    report(args, slug, requests, votes, exports, api)


def report(args, slug: str, requests: int, votes: int, exports: dict, api: dict) -> None:
    print()
    print(f"{'format':8} {'lignes':>7} {'taille':>9} {'1er':>8} {'médiane':>8} {'max':>8} {'RSS +':>8}   cible")
    for fmt, figures in exports.items():
        target = TARGET_SECONDS.get(fmt)
        ok = figures["median_s"] <= target if target else True
        ok = ok and figures["rss_growth_mb"] <= TARGET_RSS_MB
        goal = f"≤ {target:g} s, ≤ {TARGET_RSS_MB:g} Mo" if target else f"≤ {TARGET_RSS_MB:g} Mo"
        print(f"{fmt:8} {figures['rows']:>7} {figures['bytes'] / 1024:>7.0f} Ko {figures['first_s']:>7.3f}s "
              f"{figures['median_s']:>7.3f}s {figures['max_s']:>7.3f}s {figures['rss_growth_mb']:>6.1f}Mo   "
              f"{goal}  {'ok' if ok else 'HORS CIBLE'}")
    verdict = "ok" if api["p50_ms"] <= TARGET_API_P50_MS and not api["errors"] else "HORS CIBLE"
    print(f"API /api/v1/boards/{slug}/requests (HTTP, 2 workers) : p50 {api['p50_ms']:.2f} ms  "
          f"p95 {api['p95_ms']:.2f} ms  {api['rps']} req/s  {api['errors']} erreurs   "
          f"cible p50 ≤ {TARGET_API_P50_MS:g} ms  {verdict}")
    path = write_results("exports", {"board": slug, "requests": requests, "votes": votes, "exports": exports,
                                     "api": api, "rounds": args.rounds, "duration_s": args.duration,
                                     "concurrency": args.concurrency})
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
