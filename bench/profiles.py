"""py-spy on the product's gunicorn workers under load (bench.ceiling --profile): where a page's time goes.

One `py-spy record --format raw --function` per worker while one page is loaded, both outputs merged;
own time (the function is the innermost frame) and total time (it is anywhere on the stack) are then
counted from the collapsed stacks, as percentages of the samples in which a worker was busy (py-spy
leaves idle samples out: a sync worker waiting in select() is not counted). Own time of a function
that calls C code (sqlite3, a regex, hashing) includes that C code: py-spy sees Python frames only.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.common import REPO

TOP_FILE, TOP_PRINTED = 25, 15
RATE = 100  # samples a second and a worker (py-spy's default)


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).is_file():
        sys.exit("py-spy introuvable : .venv/bin/pip install -r requirements.txt (py-spy y est épinglé)")
    return found


def record(pids: list[int], seconds: int, folder: Path, start_load) -> tuple[Counter, list[str]]:
    """Samples of every pid while start_load() runs; returns (collapsed stacks, py-spy failures)."""
    outputs = [folder / f"py-spy-{pid}.txt" for pid in pids]
    processes = [subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--duration", str(seconds), "--rate",
                                   str(RATE), "--format", "raw", "--function", "--full-filenames", "--output",
                                   str(out)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for pid, out in zip(pids, outputs, strict=True)]
    time.sleep(0.3)  # attached before the first request
    start_load()
    stacks: Counter = Counter()
    failures = []
    for pid, process, out in zip(pids, processes, outputs, strict=True):
        log, _ = process.communicate(timeout=seconds + 60)
        if process.returncode != 0 or not out.is_file():
            failures.append(f"worker {pid} : py-spy code {process.returncode} : {log.strip()}")
            continue
        for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[";".join(map(shorten, stack.split(";")))] += int(count)
        out.unlink()
    return stacks, failures


def shorten(frame: str) -> str:
    """`func (/full/path.py:12)` -> `func (package/path.py:12)`: relative to site-packages or the
    repository, the bare file name for the standard library."""
    function, _, location = frame.rpartition(" (")
    if "site-packages/" in location:
        location = location.split("site-packages/", 1)[1]
    elif location.startswith(f"{REPO}/"):
        location = location[len(str(REPO)) + 1:]
    elif "/lib/python3" in location:
        location = location.rpartition("/")[2]
    return f"{function} ({location}"


def group_of(frame: str) -> str:
    """Where a (shortened) frame's code lives: a package, a part of forum/, the compiled templates, the stdlib."""
    location = frame.rpartition(" (")[2].rstrip(")").rsplit(":", 1)[0]
    if location.endswith((".html", ".txt", ".xml")):
        return "gabarits Jinja (code compilé)"
    if location.startswith("<werkzeug"):
        return "werkzeug"
    parts = Path(location).parts
    if parts and parts[0] == "forum":
        return "/".join(parts[:2]) if len(parts) > 2 else "forum"
    if location.startswith("<") or len(parts) <= 1:
        return "bibliothèque standard"
    return parts[0]


def plumbing(frame: str) -> bool:
    """gunicorn's loop and Flask's entry: on (nearly) every stack, so left out of the total-time list."""
    return "(gunicorn/" in frame or "(<frozen runpy" in frame or frame.startswith(("Flask.__call__ ", "Flask.wsgi_app "))


def summarise(stacks: Counter) -> dict:
    own: Counter = Counter()
    total: Counter = Counter()
    groups: Counter = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        own[frames[-1]] += count
        groups[group_of(frames[-1])] += count
        for frame in set(frames):
            total[frame] += count
    return {"samples": sum(stacks.values()), "own": own, "total": total, "groups": groups}


def lines(summary: dict, limit: int) -> dict[str, list[str]]:
    n = summary["samples"] or 1

    def row(frame: str) -> str:
        return f"{100 * summary['own'][frame] / n:6.1f} {100 * summary['total'][frame] / n:7.1f}  {frame}"

    by_total = [f for f, _ in summary["total"].most_common() if not plumbing(f)][:limit]
    return {"own": [row(f) for f, _ in summary["own"].most_common(limit)], "total": [row(f) for f in by_total],
            "groups": [f"{100 * c / n:6.1f}  {g}" for g, c in summary["groups"].most_common(limit)]}


def write(path: Path, title: str, summary: dict, stacks: Counter) -> None:
    full = lines(summary, TOP_FILE)
    header = " %propre %total  fonction (fichier:ligne de sa définition)"
    text = [title, "", f"## Top {TOP_FILE} par temps propre", header, *full["own"], "",
            f"## Top {TOP_FILE} par temps total (sans Flask.__call__/wsgi_app : 100 %)",
            header, *full["total"], "", "## Temps propre par lieu du code", *full["groups"], "",
            "## Piles repliées, tous les échantillons (flamegraph.pl, speedscope)", *(f"{s} {c}" for s, c in stacks.most_common())]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")


def profile_pages(pages: dict, server, load, duration: float, results: Path, stamp: str) -> None:
    """Profile each page of `pages` ({file name: Pair}) under the same load as the measurement.

    Percentages are of the samples inside the Flask application (Flask.wsgi_app on the stack): the rest
    is gunicorn reading, writing and closing the socket, where a worker is often runnable but waiting
    for a core that the load generator holds (py-spy counts a runnable thread as active)."""
    seconds = max(2, round(duration))
    print(f"\nProfils py-spy ({RATE} Hz, {seconds} s par page, chaque worker du produit) :")
    folder = results / f"py-spy-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, pair in pages.items():
        pids = server.worker_pids()  # read again: gunicorn may have recycled a worker (max_requests)
        stacks, failures = record(pids, seconds, folder,
                                  lambda pair=pair: load.run(server.port, pair.product, seconds + 1, pair.logged_in))
        for failure in failures:
            print(f"  ÉCHEC {failure}")
        app = Counter({stack: n for stack, n in stacks.items() if ";Flask.wsgi_app (" in stack})
        if not app:
            continue
        summary, everything = summarise(app), summarise(stacks)
        title = (f"# py-spy — {pair.name}{' (connecté)' if pair.logged_in else ''} : {pair.product}, workers "
                 f"{', '.join(map(str, pids))}, {RATE} Hz, {seconds} s, {stamp}\n# {everything['samples']} "
                 f"échantillons actifs, dont {summary['samples']} dans l'application "
                 f"({100 * summary['samples'] / everything['samples']:.0f} %) = 100 % ci-dessous ; le reste par lieu : "
                 + " ; ".join(f"{100 * n / everything['samples']:.1f} % {g}"
                              for g, n in (everything["groups"] - summary["groups"]).most_common(4)))
        path = results / f"profile-{name}-{stamp}.txt"
        write(path, title, summary, stacks)
        shown = lines(summary, TOP_PRINTED)
        print(f"\n{title}\n  top {TOP_PRINTED}, temps propre :\n   %propre %total")
        print("\n".join(f"  {line}" for line in shown["own"]))
        print(f"  top {TOP_PRINTED}, temps total (sans Flask.__call__/wsgi_app, 100 %) :")
        print("\n".join(f"  {line}" for line in shown["total"]))
        print("  temps propre par lieu : " + " ; ".join(" ".join(g.split()) for g in shown["groups"][:8]))
        print(f"  → {path}")
    shutil.rmtree(folder, ignore_errors=True)
