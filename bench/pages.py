"""Page benchmark: the pages everyone reads, over real HTTP, on the medium data set.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.pages --scale medium [--dataset DIR] [--duration 20]
                                    [--concurrency 2] [--port 5160] [--keep]

What it does, in order:
1. takes DIR, or generates the data set of --scale with ../shared/bench/make_dataset.py
   (cached in bench/results/dataset-<scale>/);
2. creates a fresh SQLite database in a temporary instance folder (DATABASE_URL and
   SEARCH_INDEX_DIR point there), runs `flask db upgrade` and `flask sync-catalogue`;
3. runs `flask import-dataset DIR` and times it;
4. starts `gunicorn -w 2 -b 127.0.0.1:5160 wsgi:app`, warms every page up, then loads each page
   for --duration seconds from --concurrency client threads (http.client; the default, one client
   per worker, keeps both workers busy without measuring queueing): the home page, page 1
   and page 100 of the biggest board, and a thread page with at least 20 replies;
5. prints requests/s, p50 and p95 per page and the RSS of each gunicorn worker next to the targets
   (p50 ≤ 15 ms, deep page ≤ 1.5 × page 1, worker RSS ≤ 120 MB), and writes the figures to
   bench/results/pages-<timestamp>.json (git-ignored).

The machine is shared: run it alone, it uses both cores for a couple of minutes.
"""
from __future__ import annotations

import argparse
import os
import platform
import sqlite3
from pathlib import Path

from bench.common import Gunicorn, Instance, generate_dataset, load, load_dataset, resolve, rss_mb, write_results

TARGET_P50_MS = 15.0
TARGET_DEEP_RATIO = 1.5
TARGET_RSS_MB = 120.0
DEEP_PAGE = 100
THREADS_PER_PAGE = 25
HOST = "127.0.0.1"


def pick_pages(database: Path) -> dict[str, str]:
    """URLs of the measured pages, chosen from the imported data (read-only SQL)."""
    with sqlite3.connect(database) as conn:
        slug, threads = conn.execute(
            "SELECT slug, question_count + tip_count + request_count AS n FROM boards ORDER BY n DESC LIMIT 1"
        ).fetchone()
        row = conn.execute("SELECT id FROM threads WHERE reply_count >= 20 AND deleted_at IS NULL "
                           "ORDER BY reply_count, id LIMIT 1").fetchone()
    deep = min(DEEP_PAGE, max(1, -(-threads // THREADS_PER_PAGE)))
    if deep < DEEP_PAGE:
        print(f"Attention : le plus grand forum n'a que {threads} sujets, page profonde = {deep} "
              f"(utilisez --scale medium pour la page {DEEP_PAGE}).")
    if row is None:
        raise SystemExit("Aucun sujet n'a 20 réponses dans ce jeu de données.")
    return {"accueil": "/", "forum, page 1": f"/b/{slug}/", f"forum, page {deep}": f"/b/{slug}/?page={deep}",
            "sujet (≥ 20 réponses)": f"/t/{row[0]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--duration", type=float, default=20.0, help="secondes de mesure par page")
    parser.add_argument("--warmup", type=float, default=3.0, help="secondes de chauffe par page")
    parser.add_argument("--concurrency", type=int, default=2, help="clients simultanés")
    parser.add_argument("--port", type=int, default=5160)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()

    dataset = args.dataset or generate_dataset(args.scale)
    print(f"Jeu de données : {dataset}")
    with Instance(keep=args.keep) as instance:
        import_seconds = load_dataset(instance, dataset)
        print(f"Import : {import_seconds:.1f} s (commande complète, démarrage de Python compris)")
        pages = pick_pages(instance.database)
        results = {}
        with Gunicorn(instance.env, args.port, workers=2) as server:
            pages = {name: resolve(HOST, args.port, path) for name, path in pages.items()}
            for name, path in pages.items():
                load(HOST, args.port, path, args.warmup, args.concurrency)
                results[name] = load(HOST, args.port, path, args.duration, args.concurrency).summary()
                print(f"  mesuré : {name} ({results[name]['rps']} req/s)")
            rss = {pid: rss_mb(pid) for pid in server.worker_pids()}
    report(args, dataset, import_seconds, results, rss)


def report(args: argparse.Namespace, dataset: Path, import_seconds: float, results: dict, rss: dict) -> None:
    names = list(results)
    page1, deep = results[names[1]], results[names[2]]
    ratio = deep["p50_ms"] / page1["p50_ms"] if page1["p50_ms"] else float("nan")
    print()
    print(f"{'page':26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'erreurs':>8}   cible p50 ≤ {TARGET_P50_MS:g} ms")
    for name, figures in results.items():
        verdict = "ok" if figures["p50_ms"] <= TARGET_P50_MS and not figures["errors"] else "HORS CIBLE"
        print(f"{name:26} {figures['rps']:>8.1f} {figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f} "
              f"{figures['errors']:>8}   {verdict}")
    print(f"page profonde / page 1 (p50) : {ratio:.2f}   cible ≤ {TARGET_DEEP_RATIO:g}   "
          f"{'ok' if ratio <= TARGET_DEEP_RATIO else 'HORS CIBLE'}")
    for pid, mb in rss.items():
        print(f"RSS worker {pid} : {mb:.1f} Mo   cible ≤ {TARGET_RSS_MB:g} Mo   "
              f"{'ok' if mb is not None and mb <= TARGET_RSS_MB else 'HORS CIBLE'}")
    print(f"import-dataset : {import_seconds:.1f} s")
    path = write_results("pages", {
        "scale": args.scale, "dataset": str(dataset), "duration_s": args.duration, "concurrency": args.concurrency,
        "workers": 2, "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "import_seconds": round(import_seconds, 1), "pages": results, "deep_over_page1_p50": round(ratio, 2),
        "worker_rss_mb": {str(pid): round(mb, 1) for pid, mb in rss.items() if mb is not None},
        "targets": {"p50_ms": TARGET_P50_MS, "deep_ratio": TARGET_DEEP_RATIO, "rss_mb": TARGET_RSS_MB},
    })
    print(f"Résultats : {path}")


if __name__ == "__main__":
    main()
