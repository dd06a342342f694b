"""CPU of the mixed load by endpoint, in process: the requests of `python -m bench` (same mix, same
pages, same writes) sent through Flask's test client on a copy of an imported instance, each timed
with its thread's CPU clock; the index updates the writes queue are applied by the worker's batch
thread as in production, and counted apart. Not HTTP and not gunicorn: it says where the mixed
load's CPU goes and compares two states of the code on the same data (bench.compare gives the
figures under gunicorn).

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.mix_cpu --instance DIR [--requests 3000] [--mix standard|returning]
                                      [--profile ENDPOINT]

DIR holds forum.sqlite3 (an instance kept by `python -m bench --no-load --keep` or bench.ceiling
--keep) and, when it has one, search-index/ (otherwise the copy is indexed first). Both are copied
to a temporary folder, so runs never change it. `--profile ENDPOINT` prints cProfile's top 40
(cumulative) for that endpoint's requests, `--profile tout` for all of them (PAGE_CPU_SORT,
PAGE_CPU_TOP as in bench.page_cpu).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import event

from bench.common import generate_dataset
from bench.page_cpu import _app, _copy_instance
from bench.run import MIXES, PASSWORD, prepare

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _Member:
    """A logged-in test client and its CSRF token, shaped like bench.run.Client for its _action()."""

    def __init__(self, app, email: str, thread_path: str) -> None:
        self.client = app.test_client()
        page = self.client.get("/connexion").get_data(as_text=True)
        self.client.post("/connexion", data={"email": email, "password": PASSWORD,
                                             "csrf_token": _CSRF.search(page).group(1)}).close()
        self.token = _CSRF.search(self.client.get(thread_path).get_data(as_text=True)).group(1)


def _send(member: _Member, method: str, path: str, form: dict | None) -> int:
    response = member.client.open(path, method=method, data=form)
    response.close()  # runs the close callbacks, as a WSGI server does
    return response.status_code


def main() -> None:
    from bench.run import _action

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--mix", choices=sorted(MIXES), default="standard")
    parser.add_argument("--scale", default="medium", help="jeu de données des recherches (celui de l'instance)")
    parser.add_argument("--profile", metavar="ENDPOINT")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--profile-out", type=Path, metavar="FICHIER", help="avec --profile : les statistiques brutes (pstats)")
    args = parser.parse_args()
    known = {name for name, _ in MIXES[args.mix]} | {"tout"}
    if args.profile and args.profile not in known:
        parser.error(f"--profile : un de {', '.join(sorted(known))}")
    with tempfile.TemporaryDirectory(prefix="mix-cpu-") as tmp:
        folder = Path(tmp)
        database = _copy_instance(args.instance, folder)
        if (args.instance / "search-index").is_dir():
            shutil.copytree(args.instance / "search-index", folder / "search-index")
        os.environ["SEARCH_APPLY_DELAY"] = "5"
        app = _app(database, folder)
        from forum.extensions import db
        env = {"DATABASE_URL": f"sqlite:///{database}", "SEARCH_INDEX_DIR": str(folder / "search-index"),
               "SECRET_KEY": "page-cpu-secret", "RATELIMIT_ENABLED": "false"}
        if not (folder / "search-index").is_dir():
            from forum import search
            with app.app_context():
                print(f"Indexation : {search.reindex()} sujets")
        plan = prepare(env, 2, generate_dataset(args.scale))
        members = [_Member(app, email, plan["threads"][0]) for email in plan["emails"]]
        names, weights = zip(*MIXES[args.mix], strict=True)
        rng = random.Random(args.seed)
        for n in range(200):  # warm-up: templates, caches, connections
            method, path, form = _action(rng.choices(names, weights)[0], plan, rng, members[n % 2], n)
            _send(members[n % 2], method, path, form)
        samples: dict[str, list[float]] = {name: [] for name in names}
        sql = dict.fromkeys(names, 0)
        statements = [0]
        with app.app_context():  # every statement the requests run (the batch thread's apart)
            event.listen(db.engine, "before_cursor_execute", lambda *_: _count(statements))
        errors = dict.fromkeys(names, 0)
        profiler = cProfile.Profile() if args.profile else None
        process_before = time.process_time()
        for n in range(args.requests):
            name = rng.choices(names, weights)[0]
            member = members[n % 2]
            method, path, form = _action(name, plan, rng, member, n + 200)
            profiling = profiler is not None and args.profile in (name, "tout")
            if profiling:
                profiler.enable()
            started, statements_before = time.thread_time(), statements[0]
            status = _send(member, method, path, form)
            samples[name].append((time.thread_time() - started) * 1000)
            sql[name] += statements[0] - statements_before
            if profiling:
                profiler.disable()
            if status not in ((200, 204) if method == "GET" else (302, 303)):
                errors[name] += 1
        process_ms = (time.process_time() - process_before) * 1000
        if profiler is not None:
            if args.profile_out:
                profiler.dump_stats(args.profile_out)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PAGE_CPU_SORT", "cumulative")) \
                .print_stats(int(os.environ.get("PAGE_CPU_TOP", "40")))
            print(out.getvalue())
        _report(samples, errors, sql, process_ms, args.requests)


def _count(statements: list[int]) -> None:
    if threading.current_thread() is threading.main_thread():
        statements[0] += 1


def _report(samples: dict[str, list[float]], errors: dict[str, int], sql: dict[str, int], process_ms: float,
            requests: int) -> None:
    requests_ms = sum(sum(values) for values in samples.values())
    print(f"{'endpoint':<14} {'requêtes':>9} {'médiane ms':>11} {'moyenne ms':>11} {'part du CPU':>12} {'erreurs':>8}"
          f" {'SQL/req':>8}")
    for name, values in sorted(samples.items(), key=lambda item: -sum(item[1])):
        if values:
            print(f"{name:<14} {len(values):>9} {statistics.median(values):>11.2f} {statistics.fmean(values):>11.2f} "
                  f"{100 * sum(values) / process_ms:>11.1f} % {errors[name]:>8} {sql[name] / len(values):>8.1f}")
    background = process_ms - requests_ms
    print(f"{'(hors requête)':<14} {'':>9} {'':>11} {'':>11} {100 * background / process_ms:>11.1f} %"
          "   index appliqué par lots, ramasse-miettes des autres fils")
    print(f"CPU par requête : {process_ms / requests:.2f} ms ({requests} requêtes, {process_ms / 1000:.1f} s de CPU)")


if __name__ == "__main__":
    main()
