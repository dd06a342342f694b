"""Search benchmark: reindex time and memory, query latency over real HTTP, writes under contention.

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.search --scale medium [--dataset DIR] [--rounds 5]
                                     [--concurrency 4] [--port 5150] [--writers 8]
                                     [--write-seconds 30] [--keep]

What it does, in order:
1. takes DIR (made by ../shared/bench/make_dataset.py DIR --scale medium), or generates the data
   set of --scale into bench/results/dataset-<scale>/;
2. creates a throw-away instance (SQLite database and index in a temporary folder), runs
   `flask db upgrade`, `flask sync-catalogue` and `flask import-dataset DIR`;
3. runs `flask search reindex` in a child process and reports its wall time and peak RSS
   (ru_maxrss of that child, from os.wait4) against the targets (≤ 120 s, ≤ 500 MB);
4. starts `gunicorn -w 2 -b 127.0.0.1:5150 wsgi:app`, sends every query of the data set's
   queries.txt once to warm up, then --rounds times from --concurrency client threads
   (each client walks the queries in its own shuffled order), and prints p50/p95/p99 and
   requests/s against the targets (p50 ≤ 20 ms, p95 ≤ 60 ms);
5. measures what indexing costs a reply: 100 replies posted through forum.services.posting,
   each committed, then apply_pending() timed alone (in production that work runs after the
   response is sent, so it is the upper bound of what a user could wait; target p95 ≤ 30 ms);
6. runs --writers processes that post replies and new threads for --write-seconds, each applying
   the queue after its commit like a gunicorn worker, then checks that the index holds exactly
   the visible threads and that the queue is empty (no update lost);
7. writes the figures to bench/results/search-<timestamp>.json (git-ignored).

The machine may be shared: run it alone; steps 4 and 6 use every core for a while.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench.common import (
    REPO,
    Gunicorn,
    Instance,
    LoadResult,
    generate_dataset,
    load_dataset,
    rss_mb,
    timed_get,
    write_results,
)

HOST = "127.0.0.1"
TARGETS = {"reindex_s": 120.0, "reindex_rss_mb": 500.0, "p50_ms": 20.0, "p95_ms": 60.0, "apply_p95_ms": 30.0}


def timed_reindex(instance: Instance) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, output) of `flask search reindex` in a child process."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "flask", "--app", "forum", "search", "reindex", "--quiet"],
                             cwd=REPO, env=instance.env, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"Échec de la réindexation (code {child.returncode})")
    return seconds, usage.ru_maxrss / 1024, output.strip()


def query_load(port: int, queries: list[str], rounds: int, concurrency: int) -> dict:
    """Every query `rounds` times per client, clients in parallel, each on a keep-alive connection.
    A page showing the database fallback's notice counts as an error: it is not the index."""
    paths = ["/search?" + urllib.parse.urlencode({"q": q}) for q in queries]
    result = LoadResult(path="/search", seconds=0.0)
    lock = threading.Lock()

    def client(seed: int) -> None:
        order = paths * rounds
        random.Random(seed).shuffle(order)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine, failed = [], 0
        for path in order:
            elapsed, body, conn = timed_get(conn, HOST, port, path)
            if elapsed is None or b"indisponible" in body:
                failed += 1
            else:
                mine.append(elapsed)
        conn.close()
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    summary = result.summary()
    del summary["path"]
    return summary


def _app(env: dict[str, str]):
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SEARCH_INDEX_DIR", "SECRET_KEY")})
    sys.path.insert(0, str(REPO))
    from forum import create_app

    return create_app()


def _writer_and_thread(db):
    from sqlalchemy import select

    from forum.models import Thread, User
    thread = db.session.scalar(select(Thread).where(Thread.deleted_at.is_(None), Thread.locked.is_(False))
                               .order_by(Thread.id.desc()).limit(1))
    user = db.session.scalar(select(User).where(User.deleted_at.is_(None)).order_by(User.id).limit(1))
    return thread, user


def apply_cost(env: dict[str, str], count: int = 100) -> dict:
    """Time apply_pending() alone after each of `count` committed replies."""
    app = _app(env)
    from forum import search
    from forum.extensions import db
    from forum.services import posting

    timings = []
    with app.app_context():
        thread, user = _writer_and_thread(db)
        for n in range(count):
            posting.reply(user, thread, f"Mesure {n} : la sauvegarde hors site fonctionne.")
            db.session.commit()
            start = time.perf_counter()
            search.apply_pending()
            timings.append((time.perf_counter() - start) * 1000)
        db.session.remove()
        db.engine.dispose()
    return {"replies": count, "apply_p50_ms": round(statistics.median(timings), 2),
            "apply_p95_ms": round(LoadResult("apply", 0.0, timings).percentile(95), 2),
            "apply_max_ms": round(max(timings), 2)}


def _writer(env: dict[str, str], seconds: float, number: int, results) -> None:
    app = _app(env)
    from forum import search
    from forum.extensions import db
    from forum.services import posting

    written = errors = 0
    with app.app_context():
        thread, user = _writer_and_thread(db)
        board = thread.board
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if written % 5 == 0:
                    thread = posting.create_thread(user, board, "question", f"Écrivain {number} sujet {written}",
                                                   "Question posée pendant la mesure de concurrence.")
                else:
                    posting.reply(user, thread, f"Écrivain {number}, réponse {written}.")
                db.session.commit()
                written += 1
            except Exception:
                db.session.rollback()
                errors += 1
            search.apply_pending()
    results.put((number, written, errors))


def concurrent_writers(env: dict[str, str], writers: int, seconds: float) -> dict:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_writer, args=(env, seconds, n, results)) for n in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    rows = []
    for _ in processes:
        try:
            rows.append(results.get(timeout=5))
        except Exception:  # a writer died: its exit code says so
            break
    app = _app(env)
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import IndexTask, Thread
    from forum.search import status
    with app.app_context():
        info = status()
        pending = db.session.scalar(select(func.count()).select_from(IndexTask))
        visible = db.session.scalar(select(func.count()).select_from(Thread).where(Thread.deleted_at.is_(None)))
    return {"writers": writers, "seconds": seconds, "writes": sum(r[1] for r in rows),
            "write_errors": sum(r[2] for r in rows), "exit_codes": [p.exitcode for p in processes],
            "index_documents": info["documents"], "visible_threads": visible, "pending_tasks": pending,
            "no_update_lost": info["documents"] == visible and pending == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--rounds", type=int, default=5, help="passages de queries.txt par client")
    parser.add_argument("--concurrency", type=int, default=4, help="clients HTTP simultanés")
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--writers", type=int, default=8, help="processus écrivains (0 : étape sautée)")
    parser.add_argument("--write-seconds", type=float, default=30.0)
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    args = parser.parse_args()

    dataset = args.dataset or generate_dataset(args.scale)
    queries = [q for q in (dataset / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    print(f"Jeu de données : {dataset} ({len(queries)} requêtes)")
    figures: dict = {"scale": args.scale, "dataset": str(dataset), "targets": TARGETS}
    with Instance(keep=args.keep) as instance:
        figures["import_s"] = round(load_dataset(instance, dataset), 1)
        print(f"Import : {figures['import_s']} s")
        seconds, peak, output = timed_reindex(instance)
        figures["reindex"] = {"seconds": round(seconds, 1), "peak_rss_mb": round(peak, 1), "output": output}
        print(f"Réindexation : {seconds:.1f} s, pic de mémoire {peak:.0f} Mo ({output})")
        with Gunicorn(instance.env, args.port, workers=2) as server:
            query_load(args.port, queries, 1, 1)  # warm-up: every query once
            figures["queries"] = query_load(args.port, queries, args.rounds, args.concurrency)
            figures["worker_rss_mb"] = [round(rss_mb(pid) or 0, 1) for pid in server.worker_pids()]
        print(f"Requêtes : {figures['queries']}")
        figures["apply"] = apply_cost(instance.env)
        print(f"Indexation d'une réponse : {figures['apply']}")
        if args.writers:
            figures["writers"] = concurrent_writers(instance.env, args.writers, args.write_seconds)
            print(f"Écrivains concurrents : {figures['writers']}")
    report(figures)


def report(figures: dict) -> None:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "HORS CIBLE"

    q, r, a = figures["queries"], figures["reindex"], figures["apply"]
    print()
    print(f"réindexation      {r['seconds']:>8.1f} s   cible ≤ {TARGETS['reindex_s']:g} s   "
          f"{verdict(r['seconds'] <= TARGETS['reindex_s'])}")
    print(f"pic RSS reindex   {r['peak_rss_mb']:>8.0f} Mo  cible ≤ {TARGETS['reindex_rss_mb']:g} Mo  "
          f"{verdict(r['peak_rss_mb'] <= TARGETS['reindex_rss_mb'])}")
    print(f"recherche p50     {q['p50_ms']:>8.2f} ms  cible ≤ {TARGETS['p50_ms']:g} ms   "
          f"{verdict(q['p50_ms'] <= TARGETS['p50_ms'])}")
    print(f"recherche p95     {q['p95_ms']:>8.2f} ms  cible ≤ {TARGETS['p95_ms']:g} ms   "
          f"{verdict(q['p95_ms'] <= TARGETS['p95_ms'] and not q['errors'])}")
    print(f"débit             {q['rps']:>8.1f} req/s ({q['requests']} requêtes, {q['errors']} erreurs)")
    print(f"indexation p95    {a['apply_p95_ms']:>8.2f} ms  cible ≤ {TARGETS['apply_p95_ms']:g} ms   "
          f"{verdict(a['apply_p95_ms'] <= TARGETS['apply_p95_ms'])}")
    if "writers" in figures:
        w = figures["writers"]
        print(f"écrivains         {w['writes']} écritures, index {w['index_documents']} = base "
              f"{w['visible_threads']}, file {w['pending_tasks']}   {verdict(w['no_update_lost'])}")
    print(f"Résultats : {write_results('search', figures)}")


if __name__ == "__main__":
    main()
