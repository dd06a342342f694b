"""Two versions of the code side by side under the same mixed load: which one needs less CPU.

    .venv/bin/python -m bench.compare --base REV [--reuse DIR] [--scale medium] [--duration 40]

Why: this machine is shared, and its speed drifts by ±20 % within minutes. Two `python -m bench`
runs one after the other cannot tell a 5 % change from the drift. Here both versions run at the
same time:
- the base revision in a temporary git worktree, the working tree as it is;
- each on its own copy of the same database and index, with its own gunicorn (2 workers);
- the same mixed load as `python -m bench`, from 2 clients each, for the same seconds.

Both then live through the same phases of the machine, and the ratio of their CPU per request
is the figure to read (below 1: the working tree is cheaper). Absolute figures are lower than
`python -m bench`'s, because four workers share two cores.

The database is built once, with the working tree's code, unless --reuse DIR names an instance
kept by `python -m bench --no-load --keep`. When the working tree adds migrations to the base's,
it is built with the base's code instead, and the working tree's side upgrades its copy (what
`flask db upgrade` does to an existing site); other differences of schema are refused.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import REPO, Instance, cpu_seconds, generate_dataset, get_once, load_dataset, rss_mb
from bench.run import MIX, Client, _action

HOST = "127.0.0.1"
CLIENTS = 2  # per version: one per worker


class Side:
    """One version of the code: its checkout, its copy of the instance, its gunicorn."""

    def __init__(self, name: str, checkout: Path, source: Path, port: int) -> None:
        self.name, self.checkout, self.port = name, checkout, port
        self.path = Path(tempfile.mkdtemp(prefix=f"forum-compare-{name}-"))
        shutil.copy2(source / "forum.sqlite3", self.path / "forum.sqlite3")
        shutil.copytree(source / "search-index", self.path / "search-index")
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.path / 'forum.sqlite3'}",
                    "SEARCH_INDEX_DIR": str(self.path / "search-index"), "SECRET_KEY": "bench-secret-key",
                    "RATELIMIT_ENABLED": "0", "GUNICORN_ACCESS_LOG": "", "WEB_CONCURRENCY": "2"}
        self.process: subprocess.Popen | None = None
        self.workers: list[int] = []
        self.plan: dict = {}
        self.requests = self.errors = 0

    def start(self, dataset: Path) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "forum", "db", "upgrade"], cwd=self.checkout,
                       env=self.env, check=True, capture_output=True)
        self.plan = _prepare_in(self.checkout, self.env, dataset)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{HOST}:{self.port}", "--log-level", "warning",
             "wsgi:app"], cwd=self.checkout, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                workers = _children(self.process.pid)
                if get_once(HOST, self.port, "/healthz")[0] == 200 and len(workers) >= 2:
                    self.workers = workers
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) n'a pas démarré")

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) or 0.0 for pid in self.workers)

    def rss(self) -> str:
        """Each worker's resident memory at the end of the load, in MB."""
        return " / ".join(f"{rss_mb(pid) or 0:.0f}" for pid in self.workers)

    def drive(self, seconds: float, seed: int, record: bool) -> None:
        names, weights = zip(*MIX, strict=True)
        clients = [Client(self.port, email) for email in self.plan["emails"]]
        for client in clients:
            client.login()
            client.fetch_token(self.plan["threads"][0])
        deadline = time.perf_counter() + seconds
        lock = threading.Lock()

        def work(client: Client, rng: random.Random) -> None:
            sent = failed = 0
            while time.perf_counter() < deadline:
                method, path, form = _action(rng.choices(names, weights)[0], self.plan, rng, client, sent)
                status, _ = client.send(method, path, form)
                sent += 1
                failed += not (status in (200, 204) if method == "GET" else status in (302, 303))  # 204: no suggestion
            if record:
                with lock:
                    self.requests += sent
                    self.errors += failed

        threads = [threading.Thread(target=work, args=(c, random.Random(seed * 100 + i))) for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.path, ignore_errors=True)


def _prepare_in(checkout: Path, env: dict[str, str], dataset: Path) -> dict:
    """bench.run.prepare with the code (the models) of `checkout`, in a process of its own."""
    script = ("import json, os, sys; from pathlib import Path; from bench.run import prepare; "
              f"print(json.dumps(prepare(dict(os.environ), {CLIENTS}, Path(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", script, str(dataset)], cwd=checkout, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def schema_source(worktree: Path) -> Path:
    """The checkout whose code builds the shared database: the base when the working tree only
    adds migrations to it, else the working tree (same migrations). Exits on other differences."""
    base, work = _migrations(worktree), _migrations(REPO)
    if base == work:
        return REPO
    if work[:len(base)] == base:
        return worktree
    sys.exit("La révision de référence et l'arbre de travail ont des migrations différentes (autres qu'ajoutées "
             "par l'arbre de travail) : comparez deux versions du même schéma.")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def _migrations(checkout: Path) -> list[str]:
    return sorted(p.name for p in (checkout / "migrations" / "versions").glob("*.py"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="révision git de référence (ex. main, HEAD~3)")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="instance gardée par --no-load --keep")
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--duration", type=float, default=40.0, help="secondes de mesure")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=5190)
    args = parser.parse_args()
    dataset = generate_dataset(args.scale)
    worktree = Path(tempfile.mkdtemp(prefix="forum-compare-base-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.base], cwd=REPO, check=True,
                   capture_output=True)
    sides: list[Side] = []
    try:
        builder = schema_source(worktree)
        with Instance() as instance:
            source = args.reuse
            if source is None:
                print("Import et indexation du jeu de données (une fois pour les deux versions)…")
                load_dataset(instance, dataset, checkout=builder)
                instance.flask("search", "reindex", "--quiet", capture=True, checkout=builder)
                source = instance.path
            sides = [Side("base", worktree, source, args.port), Side("travail", REPO, source, args.port + 1)]
            for side in sides:
                side.start(dataset)
        print(f"Chauffe {args.warmup:g} s, puis mesure {args.duration:g} s, les deux versions en même temps…")
        for record, seconds in ((False, args.warmup), (True, args.duration)):
            before = [side.cpu() for side in sides]
            runners = [threading.Thread(target=side.drive, args=(seconds, 8, record)) for side in sides]
            for runner in runners:
                runner.start()
            for runner in runners:
                runner.join()
            spent = [side.cpu() - start for side, start in zip(sides, before, strict=True)]
        report(args, sides, spent)
    finally:
        for side in sides:
            side.stop()
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, capture_output=True)


def report(args: argparse.Namespace, sides: list[Side], spent: list[float]) -> None:
    per_request = []
    print(f"\n{'version':10} {'requêtes':>9} {'req/s':>8} {'erreurs':>8} {'CPU s':>7} {'ms CPU/req':>11}"
          f"  {'RSS des workers (Mo)':>20}")
    for side, cpu in zip(sides, spent, strict=True):
        ms = 1000 * cpu / max(1, side.requests)
        per_request.append(ms)
        label = f"{args.base}" if side.name == "base" else "travail"
        print(f"{label[:10]:10} {side.requests:>9} {side.requests / args.duration:>8.1f} {side.errors:>8} "
              f"{cpu:>7.1f} {ms:>11.2f}  {side.rss():>20}")
    print(f"CPU par requête, travail / {args.base} : {per_request[1] / per_request[0]:.3f} "
          "(sous 1 : l'arbre de travail coûte moins)")


if __name__ == "__main__":
    main()
