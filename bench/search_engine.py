"""Search engine side by side: two versions' search.query() timed in lockstep, answers compared.

    .venv/bin/python -m bench.search_engine --base REV [--work DIR] [--scale medium] [--rounds 9]
    scripts/with_postgres.sh .venv/bin/python -m bench.search_engine --base REV --backend postgres

Why in process: the engine's own cost (parsing, plan, query compilation, the index, the hits'
rows and excerpts) without HTTP, templates and gunicorn around it, so a few per cent show. Why in
lockstep: this machine is shared and drifts by ±20 % within minutes; here every call runs in one
version then at once in the other (the first alternating), so both live through the same
moments and the ratio of their times is the figure to read.

1. the data set of --scale (generated once into bench/results/) is imported with the code of the
   working tree (or --work DIR) into a throw-away SQLite database, or the DATABASE_URL of
   scripts/with_postgres.sh with --backend postgres, then indexed by `flask search reindex`;
2. REV is exported with `git archive` into a temporary folder (no worktree, no checkout);
3. one process per version (PYTHONPATH = its code) runs every call once to warm up and reports
   its answers, then runs the calls it is sent, --rounds times each, in lockstep with the other;
4. prints, in wall time and in the process's CPU time (steadier on a loaded machine; with
   PostgreSQL the server's share shows only in wall time), the total of the per-call medians,
   p50/p95 per call, the ratio, and the calls whose answers differ (ids, total, notices,
   excerpts): none is expected from a refactoring; each call's figures go to
   bench/results/search-engine-<backend>-<scale>-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _calls(dataset: Path) -> list[dict]:
    """The data set's queries, and the same words with the syntax users add: phrases, filters,
    exclusions, date sort, a second page, a word found nowhere; the duplicate hint."""
    words = [q for q in (dataset / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    calls: list[dict] = [{"q": q} for q in words]
    for n, q in enumerate(words[:20]):
        calls += [{"q": f'"{q}"'}, {"q": f"{q} type:question"}, {"q": f"{q} -{words[(n + 7) % len(words)]}"},
                  {"q": q, "sort": "date"}, {"q": q, "page": 2}, {"q": f"{q} zyxwvu"}]
    calls += [{"q": q} for q in ("DMP", "dossier médical partagé", "SESAM-Vitale", "l'option", "MSSante")]
    return calls + [{"similar": q} for q in words[:30]]


def child(calls_file: Path) -> None:
    """In the version under test: answers first, then "wall cpu" (ms) for each call index read."""
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != HERE.parent]  # bench/ is no package root
    from forum import create_app, search
    from forum.config import ENV_OVERRIDES
    from forum.extensions import db
    from forum.models import Board

    calls = json.loads(calls_file.read_text(encoding="utf-8"))
    app = create_app({k: os.environ[k] for k in ENV_OVERRIDES if os.environ.get(k)})
    with app.app_context():
        board_id = db.session.query(Board.id).order_by(Board.id).first()[0]

        def run(call: dict):
            if "similar" in call:
                return [t.id for t in search.similar_requests(board_id, call["similar"])]
            found = search.query(call["q"], sort=call.get("sort", "relevance"), page=call.get("page", 1))
            return [[h.thread.id for h in found.hits], found.total, found.notices, found.message,
                    [str(h.excerpt_html) for h in found.hits[:3]]]

        print(json.dumps([run(call) for call in calls]), flush=True)  # also the warm-up
        for line in sys.stdin:
            call = calls[int(line)]
            started, started_cpu = time.perf_counter(), time.process_time()
            run(call)
            cpu = (time.process_time() - started_cpu) * 1000
            print(f"{(time.perf_counter() - started) * 1000:.4f} {cpu:.4f}", flush=True)
            db.session.rollback()


class Side:
    """One version's child process, driven one call at a time."""

    def __init__(self, name: str, code: Path, env: dict, calls_file: Path) -> None:
        self.name = name
        self.process = subprocess.Popen([sys.executable, str(HERE), "--child", "--calls", str(calls_file)],
                                        cwd=code, env={**env, "PYTHONPATH": str(code)}, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"Échec du démarrage de la version {name} ({code}).")
        self.answers = json.loads(line)
        self.wall: dict[int, list[float]] = {}
        self.cpu: dict[int, list[float]] = {}

    def time(self, n: int) -> None:
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        wall, cpu = map(float, self.process.stdout.readline().split())
        self.wall.setdefault(n, []).append(wall)
        self.cpu.setdefault(n, []).append(cpu)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _flask(code: Path, env: dict, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "forum", *args], cwd=code, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"Échec de « flask {' '.join(args)} » :\n{result.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_engine", description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="révision git de référence (ex. HEAD, main)")
    parser.add_argument("--work", type=Path, help="code mesuré (défaut : l'arbre de travail)")
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--rounds", type=int, default=9, help="mesures de chaque appel par version")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.calls)
        return
    if not args.base:
        parser.error("--base est requis")
    sys.path.insert(0, str(HERE.parent.parent))
    from bench.common import REPO, Instance, generate_dataset

    dataset = (args.dataset or generate_dataset(args.scale)).resolve()
    with Instance() as instance, tempfile.TemporaryDirectory(prefix="forum-search-base-") as base:
        env = dict(instance.env, SEARCH_BACKEND=args.backend, SEARCH_REFRESH_SECONDS="1")
        if args.backend == "postgres":
            if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
                sys.exit("--backend postgres : lancez la mesure sous scripts/with_postgres.sh.")
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        work = (args.work or REPO).resolve()
        print(f"Import de {dataset.name}…", flush=True)
        for command in (["db", "upgrade"], ["sync-catalogue"], ["import-dataset", str(dataset)],
                        ["search", "reindex", "--quiet"]):
            _flask(work, env, command)
        archive = subprocess.run(["git", "archive", args.base], cwd=REPO, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", base], input=archive, check=True)
        calls_file = Path(base) / "calls.json"
        calls = _calls(dataset)
        calls_file.write_text(json.dumps(calls), encoding="utf-8")
        sides = [Side("base", Path(base), env, calls_file), Side("travail", work, env, calls_file)]
        rng = random.Random(13)
        try:
            for round_ in range(args.rounds):
                order = list(range(len(calls)))
                rng.shuffle(order)
                for n in order:
                    for side in (sides if rng.random() < 0.5 else sides[::-1]):
                        side.time(n)
                print(f"Passage {round_ + 1}/{args.rounds} fait.", flush=True)
        finally:
            for side in sides:
                side.close()
    report(args, calls, sides)


def report(args: argparse.Namespace, calls: list[dict], sides: list[Side]) -> None:
    print(f"\nMoteur de recherche ({args.backend}, {args.scale}, {len(calls)} appels × {args.rounds} passages "
          "par version, en alternance ; médiane de chaque appel)")
    for label, attribute in (("temps écoulé", "wall"), ("CPU du processus", "cpu")):
        print(f" {label} :")
        totals = {}
        for side in sides:
            per_call = sorted(statistics.median(times) for times in getattr(side, attribute).values())
            totals[side.name] = sum(per_call)
            print(f"  {side.name:8} total {totals[side.name]:8.1f} ms   p50 {statistics.median(per_call):6.2f} ms   "
                  f"p95 {per_call[int(0.95 * (len(per_call) - 1))]:6.2f} ms")
        print(f"  rapport travail / base : {totals['travail'] / totals['base']:.3f} (sous 1 : plus rapide)")
    differ = [calls[n] for n in range(len(calls)) if sides[0].answers[n] != sides[1].answers[n]]
    print(f" réponses identiques : {len(calls) - len(differ)}/{len(calls)}")
    for call in differ[:10]:
        print(f"    diffère : {call}")
    from bench.common import write_results

    path = write_results(f"search-engine-{args.backend}-{args.scale}", {
        "base": args.base, "differ": differ,
        "calls": [{**call, **{f"{side.name}_{unit}": statistics.median(getattr(side, unit)[n])
                              for side in sides for unit in ("wall", "cpu")}} for n, call in enumerate(calls)]})
    print(f" détail par appel : {path}")


if __name__ == "__main__":
    main()
