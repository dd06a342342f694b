"""Whole-product benchmark: `python -m bench` (or `make bench DB=… SCALE=…`).

    .venv/bin/python -m bench [--db sqlite|postgres] [--scale small|medium|large] [--duration 60]
                              [--concurrency 2] [--port 5180] [--search whoosh|postgres] [--no-load]
                              [--keep] [--reuse DIR] [--mix standard|returning]

What it does, in order:
1. generates the data set of --scale with ../shared/bench/make_dataset.py (cached in
   bench/results/dataset-<scale>/), or takes --dataset DIR;
2. --db sqlite: a fresh SQLite file in a temporary instance folder; --db postgres: a throwaway
   PostgreSQL cluster (scripts/with_postgres.sh, fsync on, synchronous_commit off — the same
   durability as SQLite's WAL with synchronous=NORMAL), or DATABASE_URL when it already names one;
3. `flask db upgrade`, `flask import-dataset DIR` (timed), `flask search reindex` (timed; the Whoosh
   index on SQLite, the search_documents table on PostgreSQL unless --search says otherwise);
   --reuse DIR (SQLite) copies the database and index of an instance kept by `--no-load --keep`
   instead: comparing two versions of the code then takes a minute a run, not two;
4. starts gunicorn with gunicorn.conf.py, 2 workers on 127.0.0.1, rate limits off (the load comes
   from a handful of accounts on one address: it would measure 429 answers);
5. --concurrency clients, each on its own keep-alive connection and logged in as its own member
   (CSRF tokens read from the forms), send a mixed load for --duration seconds after a warm-up:
   90 % reads (home, board pages 1–5, thread pages, ranked requests, search with the data set's
   queries, API /api/v1/boards — left out with a notice when the API answers 404) and 10 % writes
   (replies and votes, importance drawn at random);
6. prints one table (requests/s, p50/p95/p99 per endpoint, errors, worker RSS, import and reindex
   times) next to the targets of issue 8, and writes bench/results/bench-<db>-<scale>-<time>.json.

With the default of one client per worker, latencies measure the application, not a queue in
front of it. The machine is shared: run it alone.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.common import (
    REPO,
    CookieConnection,
    Gunicorn,
    Instance,
    LoadResult,
    calibration_ms,
    cpu_seconds,
    generate_dataset,
    load_dataset,
    pids_named,
    rss_mb,
    write_results,
)

HOST = "127.0.0.1"
PASSWORD = "banc-d-essai-solide"
# (endpoint, weight in %): 90 % reads, 10 % writes. « suggestion »: the similar requests fetched
# while a title is typed on the new-thread form (forum/web/similar.py; 204 when none is close).
MIX = [("accueil", 10), ("forum", 20), ("sujet", 25), ("demandes", 10), ("recherche", 12), ("suggestion", 3),
       ("api", 10), ("réponse", 6), ("vote", 4)]
# --mix returning: a member coming back to the forum (issue 14): board lists with their « nouvelles »
# markers, threads opened where they were left, the notifications page; the same writes, whose
# replies notify the other clients (who follow the threads they replied in).
MIXES = {"standard": MIX, "returning": [
    ("accueil", 5), ("forum", 25), ("sujet", 35), ("notifications", 10), ("demandes", 5), ("recherche", 5),
    ("api", 5), ("réponse", 6), ("vote", 4)]}
TARGETS = {"rps": 300.0, "p95_ms": 50.0, "pg_ratio": 1.5, "large_import_s": 300.0, "large_p50_ratio": 1.5}
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--search", choices=["whoosh", "postgres"],
                        help="moteur de recherche (défaut : whoosh sur SQLite, postgres sur PostgreSQL)")
    parser.add_argument("--duration", type=float, default=60.0, help="secondes de mesure")
    parser.add_argument("--warmup", type=float, default=5.0, help="secondes de chauffe")
    parser.add_argument("--concurrency", type=int, default=2, help="clients simultanés")
    parser.add_argument("--workers", type=int, default=2, help="workers gunicorn")
    parser.add_argument("--port", type=int, default=5180)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--mix", choices=sorted(MIXES), default="standard",
                        help="standard, ou returning : un membre qui revient (notifications, marques « nouvelles »)")
    parser.add_argument("--no-load", action="store_true", help="import et indexation seulement")
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="SQLite : copier la base et l'index d'une instance gardée par --no-load --keep "
                             "au lieu d'importer et d'indexer (comparaisons rapides entre deux versions du code)")
    args = parser.parse_args()
    if args.reuse and args.db != "sqlite":
        parser.error("--reuse ne vaut que pour --db sqlite")
    if args.db == "postgres" and not _postgres_url():
        sys.exit(_rerun_with_postgres())
    run(args)


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgresql:", "postgres:")) else None


def _rerun_with_postgres() -> int:
    """This same command inside a throwaway cluster (stopped and deleted whatever happens)."""
    env = {**os.environ, "PG_DURABLE": "1", "PG_DATABASE": "forum_bench"}
    return subprocess.call([str(REPO / "scripts" / "with_postgres.sh"), sys.executable, "-m", "bench",
                            *sys.argv[1:]], cwd=REPO, env=env)


def run(args: argparse.Namespace) -> None:
    dataset = args.dataset or generate_dataset(args.scale)
    search_backend = args.search or ("postgres" if args.db == "postgres" else "whoosh")
    print(f"Jeu de données : {dataset} — base {args.db}, recherche {search_backend}")
    with Instance(keep=args.keep) as instance:
        instance.env.update({"SEARCH_BACKEND": search_backend, "GUNICORN_ACCESS_LOG": "",
                             "WEB_CONCURRENCY": str(args.workers)})
        if args.db == "postgres":
            instance.env["DATABASE_URL"] = _postgres_url()
        if args.reuse:
            _copy_instance(args.reuse, instance)
            figures: dict = {"import_s": None, "reindex_s": None, "reused": str(args.reuse)}
        else:
            import_s = load_dataset(instance, dataset)
            print(f"Import : {import_s:.1f} s")
            reindex_s = _timed(instance, "search", "reindex", "--quiet")
            print(f"Indexation : {reindex_s:.1f} s")
            figures = {"import_s": round(import_s, 1), "reindex_s": round(reindex_s, 1)}
        if not args.no_load:
            plan = prepare(instance.env, args.concurrency, dataset)
            with Gunicorn(instance.env, args.port, workers=args.workers) as server:
                figures.update(measure(args, plan, server))
                figures["worker_rss_mb"] = [round(rss_mb(pid) or 0, 1) for pid in server.worker_pids()]
    report(args, search_backend, figures)


def _copy_instance(source: Path, instance: Instance) -> None:
    """The database and index of a kept instance, copied so every run starts from the same state
    (runs add members, replies and votes). Migrations still run: the code may be newer."""
    if not (source / "forum.sqlite3").is_file() or not (source / "search-index").is_dir():
        sys.exit(f"{source} : ni forum.sqlite3 ni search-index (gardez une instance avec --no-load --keep)")
    shutil.copy2(source / "forum.sqlite3", instance.database)
    shutil.copytree(source / "search-index", instance.path / "search-index")
    instance.flask("db", "upgrade", capture=True)
    print(f"Base et index repris de {source}")


def _timed(instance: Instance, *command: str) -> float:
    started = time.perf_counter()
    instance.flask(*command, capture=True)
    return time.perf_counter() - started


def prepare(env: dict[str, str], clients: int, dataset: Path) -> dict:
    """Bench accounts (declared users of every board, so their votes count) and the URLs to load,
    read from the imported data."""
    from sqlalchemy import func, select

    from forum import create_app
    from forum.config import ENV_OVERRIDES
    from forum.extensions import db
    from forum.models import CLOSED_STATUSES, Board, SoftwareUse, Thread, User

    app = create_app({k: env[k] for k in ENV_OVERRIDES if env.get(k)})
    rng = random.Random(8)
    with app.app_context():
        boards = list(db.session.scalars(select(Board).order_by(Board.id)))
        emails = [f"banc{n}@banc-essai.invalid" for n in range(clients)]
        for email in emails:
            user = User(email=email, display_name=f"Banc {email[4:-19]}", profession="medecin_generaliste",
                        region="Bretagne")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            db.session.add_all(SoftwareUse(user_id=user.id, board_id=b.id) for b in boards)
        db.session.commit()
        visible = Thread.deleted_at.is_(None)
        ids = list(db.session.scalars(select(Thread.id).where(visible).order_by(func.random()).limit(500)))
        threads = [f"/t/{t.id}/{t.slug}" for t in db.session.scalars(select(Thread).where(Thread.id.in_(ids)))]
        open_requests = list(db.session.scalars(
            select(Thread.id).where(visible, Thread.kind == "request", Thread.status.not_in(CLOSED_STATUSES))
            .order_by(func.random()).limit(300)))
        pages = {b.slug: max(1, min(5, -(-(b.question_count + b.tip_count + b.request_count) // 25)))
                 for b in boards}
        # What members type as a new request's title: the first words of existing requests' titles.
        typed = [(slug, " ".join(title.split()[:4])) for slug, title in db.session.execute(
            select(Board.slug, Thread.title).join(Board, Board.id == Thread.board_id)
            .where(visible, Thread.kind == "request").order_by(func.random()).limit(300))]
        db.engine.dispose()
    queries = [q for q in (dataset / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    rng.shuffle(queries)
    return {"emails": emails, "threads": threads, "requests": open_requests, "pages": pages, "typed": typed,
            "request_boards": [b.slug for b in boards if b.request_count], "queries": queries[:300]}


class Client:
    """One member's browser: a keep-alive connection, its cookies, its CSRF token."""

    def __init__(self, port: int, email: str) -> None:
        self.port, self.email = port, email
        self.connection = CookieConnection(HOST, port, timeout=30)
        self.token = ""

    @property
    def cookies(self) -> dict[str, str]:
        return self.connection.cookies

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        if form is None:
            return self.connection.send(method, path)
        return self.connection.send(method, path, urlencode(form), "application/x-www-form-urlencoded")

    def login(self) -> None:
        _, page = self.send("GET", "/connexion")
        status, _ = self.send("POST", "/connexion", {"email": self.email, "password": PASSWORD,
                                                     "csrf_token": _token(page)})
        _, home = self.send("GET", "/")
        if status not in (302, 303) or b"/deconnexion" not in home:
            raise RuntimeError(f"connexion de {self.email} impossible (HTTP {status})")

    def fetch_token(self, thread_path: str) -> None:
        """The CSRF token of the reply form (valid for the session, as every form's)."""
        _, page = self.send("GET", thread_path)
        self.token = _token(page)


def _token(page: bytes) -> str:
    found = _CSRF.search(page)
    if not found:
        raise RuntimeError("jeton CSRF introuvable dans le formulaire")
    return found.group(1).decode()


def _action(name: str, plan: dict, rng: random.Random, client: Client, n: int) -> tuple[str, str, dict | None]:
    if name == "accueil":
        return "GET", "/", None
    if name == "forum":
        slug = rng.choice(list(plan["pages"]))
        return "GET", f"/b/{slug}/?page={rng.randint(1, plan['pages'][slug])}", None
    if name == "sujet":
        return "GET", rng.choice(plan["threads"]), None
    if name == "demandes":
        return "GET", f"/b/{rng.choice(plan['request_boards'])}/demandes", None
    if name == "recherche":
        return "GET", f"/search?q={quote(rng.choice(plan['queries']))}", None
    if name == "api":
        return "GET", "/api/v1/boards", None
    if name == "suggestion":
        slug, title = rng.choice(plan["typed"])
        return "GET", f"/b/{slug}/demandes/similaires?titre={quote(title)}", None
    if name == "notifications":
        return "GET", "/notifications", None
    if name == "réponse":
        thread_id = rng.choice(plan["threads"]).split("/")[2]
        return "POST", f"/t/{thread_id}/repondre", {
            "body": f"Même constat chez nous, merci pour l'astuce (essai {n}).", "csrf_token": client.token}
    return "POST", f"/t/{rng.choice(plan['requests'])}/vote", {
        "importance": rng.choice(["utile", "important", "bloquant"]), "csrf_token": client.token}


def measure(args: argparse.Namespace, plan: dict, server: Gunicorn) -> dict:
    mix = list(MIXES[getattr(args, "mix", "standard")])
    status, _ = Client(args.port, "").send("GET", "/api/v1/boards")
    if status == 404:
        print("Remarque : /api/v1/boards répond 404 (API pas encore livrée) : ses 10 % vont aux pages de sujet.")
        mix = [(n, w + 10 if n == "sujet" else w) for n, w in mix if n != "api"]
    if not plan["requests"]:
        mix = [(n, w) for n, w in mix if n != "vote"]
    if not plan["typed"]:
        mix = [(n, w) for n, w in mix if n != "suggestion"]
    names, weights = zip(*mix, strict=True)
    clients = [Client(args.port, email) for email in plan["emails"]]
    for client in clients:
        client.login()
        client.fetch_token(plan["threads"][0])
    print(f"Chauffe {args.warmup:g} s, puis mesure {args.duration:g} s ({len(clients)} clients)…")
    _drive(clients, names, weights, plan, args.warmup, args.seed)
    results = {name: LoadResult(path=name, seconds=args.duration) for name in names}
    workers = server.worker_pids()
    # PostgreSQL backends are started per connection: taken after the warm-up, when the workers'
    # pools hold theirs.
    database = pids_named("postgres") if args.db == "postgres" else []
    before = _cpu(workers), _cpu(database), os.times()
    total = _drive(clients, names, weights, plan, args.duration, args.seed + 1, results)
    after = _cpu(workers), _cpu(database), os.times()
    # Where the machine's CPU went during the measurement: the workers (the product), the database
    # server and this load generator, all on the same cores.
    cpu = {"workers_s": _spent(before[0], after[0]), "database_s": _spent(before[1], after[1]),
           "load_generator_s": round((after[2].user + after[2].system) - (before[2].user + before[2].system), 1),
           "worker_restarts": int(workers != server.worker_pids()),
           "worker_ms_per_request": round(1000 * _spent(before[0], after[0]) / max(1, total), 2),
           "calibration_ms": calibration_ms()}
    everything = LoadResult(path="total", seconds=args.duration,
                            latencies_ms=[ms for r in results.values() for ms in r.latencies_ms],
                            errors=sum(r.errors for r in results.values()))
    assert total == len(everything.latencies_ms) + everything.errors
    return {"endpoints": {n: r.summary() for n, r in results.items()}, "total": everything.summary(),
            "mix": dict(mix), "cpu": cpu}


def _cpu(pids: list[int]) -> dict[int, float | None]:
    return {pid: cpu_seconds(pid) for pid in pids}


def _spent(before: dict[int, float | None], after: dict[int, float | None]) -> float:
    """CPU seconds the processes used between the two readings (those alive at both)."""
    return round(sum(after[pid] - start for pid, start in before.items()
                     if start is not None and after.get(pid) is not None), 1)


def _drive(clients: list[Client], names, weights, plan: dict, duration: float, seed: int,
           results: dict[str, LoadResult] | None = None) -> int:
    """Every client sends requests drawn from the mix until the deadline; returns how many."""
    deadline = time.perf_counter() + duration
    lock = threading.Lock()
    sent = [0]

    def work(client: Client, rng: random.Random) -> None:
        latencies: dict[str, list[float]] = {n: [] for n in names}
        errors = dict.fromkeys(names, 0)
        n = 0
        while time.perf_counter() < deadline:
            name = rng.choices(names, weights)[0]
            method, path, form = _action(name, plan, rng, client, n)
            n += 1
            start = time.perf_counter()
            status, _ = client.send(method, path, form)
            elapsed = (time.perf_counter() - start) * 1000
            ok = status in (200, 204) if method == "GET" else status in (302, 303)
            if ok:
                latencies[name].append(elapsed)
            else:
                errors[name] += 1
        with lock:
            sent[0] += n
            for name in names if results is not None else ():
                results[name].latencies_ms.extend(latencies[name])
                results[name].errors += errors[name]

    workers = [threading.Thread(target=work, args=(c, random.Random(seed * 1000 + i)))
               for i, c in enumerate(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sent[0]


def report(args: argparse.Namespace, search_backend: str, figures: dict) -> None:
    print()
    print(f"Banc d'essai — base {args.db}, recherche {search_backend}, échelle {args.scale}, mélange {args.mix}, "
          f"{args.workers} workers, {args.concurrency} clients, {args.duration:g} s")
    if figures.get("reused"):
        print(f"Base et index repris de {figures['reused']} (import et indexation non mesurés)")
    else:
        print(f"Import {figures['import_s']} s · indexation {figures['reindex_s']} s")
    if "total" in figures:
        print(f"{'point d accès':14} {'requêtes':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'erreurs':>8}")
        for name, row in [*figures["endpoints"].items(), ("TOTAL", figures["total"])]:
            print(f"{name:14} {row['requests']:>9} {row['rps']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} "
                  f"{row['p99_ms']:>8} {row['errors']:>8}")
        total = figures["total"]
        print(f"Mémoire des workers (RSS) : {', '.join(f'{mb} Mo' for mb in figures['worker_rss_mb'])}")
        cpu = figures["cpu"]
        print(f"CPU pendant la mesure ({os.cpu_count()} cœurs × {args.duration:g} s) : workers {cpu['workers_s']} s, "
              + (f"PostgreSQL {cpu['database_s']} s, " if args.db == "postgres" else "")
              + f"générateur de charge {cpu['load_generator_s']} s ; {cpu['worker_ms_per_request']} ms de CPU des "
              f"workers par requête ; étalon Python {cpu['calibration_ms']} ms (vitesse de la machine)"
              + (" — des workers ont été remplacés pendant la mesure" if cpu["worker_restarts"] else ""))
        verdict = ("ok" if total["rps"] >= TARGETS["rps"] and total["p95_ms"] <= TARGETS["p95_ms"]
                   and not total["errors"] else "HORS CIBLE")
        print(f"Cible (moyenne échelle, SQLite) : ≥ {TARGETS['rps']:g} req/s, p95 ≤ {TARGETS['p95_ms']:g} ms, "
              f"0 erreur — {verdict}; PostgreSQL : p95 ≤ {TARGETS['pg_ratio']:g} × celui de SQLite "
              "(comparez les deux fichiers JSON)")
    if args.scale == "large" and figures["import_s"] is not None:
        verdict = "ok" if figures["import_s"] <= TARGETS["large_import_s"] else "HORS CIBLE"
        print(f"Cible grande échelle : import ≤ {TARGETS['large_import_s']:g} s — {verdict}")
    path = write_results(f"bench-{args.db}-{args.scale}", {
        "db": args.db, "search": search_backend, "scale": args.scale, "workers": args.workers,
        "concurrency": args.concurrency, "duration_s": args.duration, "mix_name": args.mix, "machine": platform.platform(),
        "cpus": os.cpu_count(), "targets": TARGETS, **figures})
    print(f"Résultats : {path}")
