"""CPU per page, in process: the pages of bench.ceiling rendered through Flask's test client on a copy of
an imported instance, timed with the process's own CPU clock — unaffected by other processes sharing the
cores, so several people can measure side by side. Not HTTP and not gunicorn: a tool to compare two
states of the code on the same data, never a figure for the issue's targets (bench.ceiling gives those).

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.page_cpu --instance DIR [--rounds 200] [--pages board,thread,ranked,healthz]
                                       [--anonymous-only | --member-only] [--profile PAGE]

DIR is an instance kept by `python -m bench.ceiling --keep` (or bench --keep): its forum.sqlite3 is copied
to a temporary folder first (with its WAL), so runs never change it. The member is the one bench.ceiling
picks (the data set's most active member of the biggest board); they get the bench's password.
`--profile PAGE` prints cProfile's top 30 (cumulative) for that page (logged in; anonymous with
--anonymous-only) instead of the timings; PAGE_CPU_SORT=tottime and PAGE_CPU_TOP=100 change the listing.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.ceiling import give_password, pick_pairs
from bench.run import PASSWORD


def _copy_instance(source: Path, target: Path) -> Path:
    for name in ("forum.sqlite3", "forum.sqlite3-wal", "forum.sqlite3-shm"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target / "forum.sqlite3"


def _app(database: Path, folder: Path):
    os.environ.update(DATABASE_URL=f"sqlite:///{database}", SEARCH_INDEX_DIR=str(folder / "search-index"),
                      RATELIMIT_ENABLED="false", STORAGE_URL=f"file://{folder / 'files'}",
                      MAIL_OUTBOX_DIR=str(folder / "outbox"), SECRET_KEY="page-cpu-secret")
    from forum import create_app
    return create_app()


def _login(client, email: str) -> None:
    import re
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/connexion", data={"email": email, "password": PASSWORD,
                                               "csrf_token": token.group(1) if token else ""})
    if response.status_code not in (302, 303) or b"/deconnexion" not in client.get("/").data:
        sys.exit(f"Connexion de {email} impossible (HTTP {response.status_code}).")


def _time(client, path: str, rounds: int) -> float:
    """Median CPU ms per request over `rounds` requests, after 20 warm-up requests."""
    for _ in range(20):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        client.get(path)
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--pages", default="board,deep,thread,ranked,healthz")
    parser.add_argument("--anonymous-only", action="store_true")
    parser.add_argument("--member-only", action="store_true")
    parser.add_argument("--profile", metavar="PAGE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="page-cpu-") as tmp:
        folder = Path(tmp)
        database = _copy_instance(args.instance, folder)
        pairs, member = pick_pairs(database, args.instance / "ceiling.sqlite3")
        give_password(database, member["id"])
        by_kind = [pair.product for pair in pairs if not pair.logged_in]
        paths = {"board": by_kind[0], "deep": by_kind[1], "thread": by_kind[2], "ranked": by_kind[3],
                 "healthz": "/healthz"}
        app = _app(database, folder)
        anonymous, logged = app.test_client(), app.test_client()
        _login(logged, member["email"])
        if args.profile:
            path = paths[args.profile]
            logged = anonymous if args.anonymous_only else logged
            _time(logged, path, 5)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.rounds):
                logged.get(path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PAGE_CPU_SORT", "cumulative")).print_stats(int(os.environ.get("PAGE_CPU_TOP", "30")))
            print(out.getvalue())
            return
        print(f"{'page':<10} {'anonyme ms':>11} {'connecté ms':>12}   ({args.rounds} requêtes, médiane du CPU du processus)")
        for name in args.pages.split(","):
            path = paths[name]
            anon = None if args.member_only else _time(anonymous, path, args.rounds)
            member_ms = None if args.anonymous_only or name == "healthz" else _time(logged, path, args.rounds)
            show = lambda v: f"{v:11.3f}" if v is not None else f"{'–':>11}"  # noqa: E731
            print(f"{name:<10} {show(anon)} {show(member_ms):>12}   {path}")


if __name__ == "__main__":
    main()
