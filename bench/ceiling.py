"""The product against the bare-stack ceiling (issue 18): same data, same servers, same load, page by page.

    .venv/bin/python -m bench.ceiling [--scale medium] [--duration 8] [--rounds 2] [--profile]
                                      [--keep] [--reuse DIR] [--generator auto|wrk|python]

The ceiling (../shared/bench/ceiling/app.py) is the least a Flask + sqlite3 + Jinja page can do on
the same data set. This machine's speed drifts by tens of percent between runs, the ratio of the two
measured back to back does not: that ratio is the figure to read.

1. the data set of --scale (cached in bench/results/dataset-<scale>/) is imported into a temporary
   instance (--reuse DIR: a copy of an instance kept by --keep); the ceiling's database is built
   beside it by `python app.py DATASET` (CEILING_DB in the same folder, reused from DIR if there);
2. a member of the data set gets a password; two gunicorns with 2 sync workers each: the product
   (wsgi:app, gunicorn.conf.py as in production) and the ceiling (app:app in its folder);
3. page pairs on the same data: the biggest board page 1 (/b/<slug>/ <-> /board/<id>), its page 50,
   a thread of 18 to 22 replies (/t/<id> <-> /thread/<id>), the ranked requests page
   (/b/<slug>/demandes <-> the ceiling's board page 1: the ceiling ranks nothing), /healthz <-> /hello;
   product pages anonymous and logged in (checked: the page has « /deconnexion »), the ceiling's
   anonymous (it has no login);
4. each round loads product page X, ceiling page X, product page Y…: `wrk -t2 -c8` when installed
   (Debian package wrk; the logged-in session cookie goes in a Cookie header), else 8 Python clients
   (bench.common.load; logged in: each client logs in once through /connexion);
5. prints req/s, the ratio (median of the rounds) next to the targets, non-200 answers and the
   product workers' RSS; writes bench/results/ceiling-<time>.json;
6. --profile: then py-spy samples each product worker under load (board and thread logged in,
   /healthz): top functions by own and total time in bench/results/profile-<page>-<time>.txt.

The machine is shared: run it alone, it keeps both cores busy for about six minutes (medium, 2 rounds).
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    MAKE_DATASET,
    RESULTS_DIR,
    Gunicorn,
    Instance,
    cpu_seconds,
    generate_dataset,
    get_once,
    load,
    load_dataset,
    resolve,
    rss_mb,
    write_results,
)
from bench.run import PASSWORD, Client

HOST = "127.0.0.1"
CEILING_DIR = Path(os.environ.get("FORUM_CEILING_DIR") or MAKE_DATASET.parent / "ceiling")
CONCURRENCY = 8
DEEP_PAGE = 50
PER_PAGE = 25
# Share of the ceiling's requests per second to reach (issue 18), by (page kind, logged in).
TARGETS = {("board", False): 0.35, ("board", True): 0.25, ("thread", False): 0.35, ("thread", True): 0.25,
           ("ranked", True): 0.20, ("health", False): 0.6}
# Counts non-200 answers across wrk's threads (each has its own Lua state).
WRK_SCRIPT = """local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non200") end
  io.write(string.format("non200: %d\\n", n))
end
"""


@dataclass
class Pair:
    """One row of the table: a product page and the ceiling page it is measured against."""
    name: str
    kind: str
    logged_in: bool
    product: str
    ceiling: str

    @property
    def target(self) -> float | None:
        return TARGETS.get((self.kind, self.logged_in))


class CeilingServer(Gunicorn):
    """`gunicorn -w 2 app:app` in the ceiling's folder, with its database in the environment."""

    def __enter__(self) -> CeilingServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"{self.host}:{self.port}",
             "--log-level", "warning", "app:app"], cwd=CEILING_DIR, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn (plafond) s'est arrêté (code {self.process.returncode})")
            try:
                if get_once(self.host, self.port, "/hello")[0] == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("le plafond ne répond pas sur /hello après 30 s")


def prepare_instance(instance: Instance, dataset: Path, reuse: Path | None) -> Path:
    """The product's database (imported, or copied from a kept instance) and the ceiling's beside it."""
    ceiling_db = instance.path / "ceiling.sqlite3"
    if reuse:
        if not (reuse / "forum.sqlite3").is_file():
            sys.exit(f"{reuse} : pas de forum.sqlite3 (gardez une instance avec --keep)")
        shutil.copy2(reuse / "forum.sqlite3", instance.database)
        if (reuse / "search-index").is_dir():
            shutil.copytree(reuse / "search-index", instance.path / "search-index")
        instance.flask("db", "upgrade", capture=True)
        if (reuse / "ceiling.sqlite3").is_file():
            shutil.copy2(reuse / "ceiling.sqlite3", ceiling_db)
        print(f"Base reprise de {reuse}")
    else:
        print(f"Import : {load_dataset(instance, dataset):.1f} s")
    if not ceiling_db.is_file():
        started = time.perf_counter()
        subprocess.run([sys.executable, str(CEILING_DIR / "app.py"), str(dataset)], cwd=CEILING_DIR, check=True,
                       env={**os.environ, "CEILING_DB": str(ceiling_db)})
        print(f"Base du plafond : {time.perf_counter() - started:.1f} s")
    return ceiling_db


def ceiling_board(product: sqlite3.Connection, ceiling: sqlite3.Connection, board_id: int) -> int:
    """The ceiling's id of a product board: the one holding most of its thread titles."""
    titles = [t for (t,) in product.execute("SELECT title FROM threads WHERE board_id = ? ORDER BY id LIMIT 200",
                                            (board_id,))]
    row = ceiling.execute(f"SELECT board_id FROM threads WHERE title IN ({','.join('?' * len(titles))}) "
                          "GROUP BY board_id ORDER BY count(*) DESC LIMIT 1", titles).fetchone()
    if row is None:
        sys.exit("Forum introuvable dans la base du plafond : est-ce le même jeu de données ?")
    return row[0]


def pick_pairs(product_db: Path, ceiling_db: Path) -> tuple[list[Pair], dict]:
    """The page pairs, and the member who logs in (the data set's most active one on the biggest board)."""
    with sqlite3.connect(product_db) as product, sqlite3.connect(ceiling_db) as ceiling:
        board_id, slug, count = product.execute(
            "SELECT id, slug, question_count + tip_count + request_count AS n FROM boards ORDER BY n DESC LIMIT 1"
        ).fetchone()
        # The biggest board's ranked requests, or the board with most requests if it has none.
        ranked_id, ranked_slug = product.execute(
            "SELECT id, slug FROM boards WHERE request_count > 0 ORDER BY id = ? DESC, request_count DESC LIMIT 1",
            (board_id,)).fetchone()
        thread = None
        for cid, title, replies in ceiling.execute("SELECT id, title, replies FROM threads WHERE replies BETWEEN 18 "
                                                   "AND 22 ORDER BY abs(replies - 20), id LIMIT 200"):
            found = product.execute("SELECT id FROM threads WHERE title = ? AND reply_count = ? "
                                    "AND deleted_at IS NULL", (title, replies)).fetchone()
            if found:
                thread = (found[0], cid, replies)
                break
        if thread is None:
            sys.exit("Aucun sujet de 18 à 22 réponses commun aux deux bases.")
        member = product.execute(
            "SELECT u.id, u.email FROM posts p JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id "
            "WHERE t.board_id = ? AND u.deleted_at IS NULL AND u.role = 'member' "
            "GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1", (board_id,)).fetchone()
        cboard, cranked = ceiling_board(product, ceiling, board_id), ceiling_board(product, ceiling, ranked_id)
    deep = min(DEEP_PAGE, max(1, -(-count // PER_PAGE)))
    if deep < DEEP_PAGE:
        print(f"Attention : le plus grand forum n'a que {count} sujets, page profonde = {deep}.")
    pages = [("forum p. 1", "board", f"/b/{slug}/", f"/board/{cboard}"),
             (f"forum p. {deep}", "board", f"/b/{slug}/?page={deep}", f"/board/{cboard}?page={deep}"),
             (f"sujet ({thread[2]} rép.)", "thread", f"/t/{thread[0]}", f"/thread/{thread[1]}"),
             ("demandes classées", "ranked", f"/b/{ranked_slug}/demandes", f"/board/{cranked}")]
    pairs = [Pair(name, kind, logged, product_path, ceiling_path)
             for name, kind, product_path, ceiling_path in pages for logged in (False, True)]
    pairs.append(Pair("/healthz ↔ /hello", "health", False, "/healthz", "/hello"))
    return pairs, {"id": member[0], "email": member[1]}


def give_password(product_db: Path, member_id: int) -> None:
    """Imported members have no password: the bench's own, hashed as the product hashes it."""
    from werkzeug.security import generate_password_hash

    with sqlite3.connect(product_db) as conn:
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                     (generate_password_hash(PASSWORD, method="scrypt"), member_id))


class Load:
    """The same load generator for both servers: wrk -t2 -c8 when installed, else 8 Python clients."""

    def __init__(self, generator: str, port: int, email: str, folder: Path) -> None:
        self.wrk = shutil.which("wrk") if generator != "python" else None
        if generator == "wrk" and not self.wrk:
            sys.exit("wrk introuvable (apt-get install wrk)")
        self.name = "wrk -t2 -c8" if self.wrk else f"Python, {CONCURRENCY} clients (bench.common)"
        self.script = folder / "non200.lua"
        self.script.write_text(WRK_SCRIPT, encoding="utf-8")
        # wrk shares one session among its connections; the Python clients log in one by one.
        self.clients = [Client(port, email) for _ in range(1 if self.wrk else CONCURRENCY)]
        for client in self.clients:
            client.login()
        self.cookie = "; ".join(f"{k}={v}" for k, v in self.clients[0].cookies.items())

    def check_logged_in(self, path: str) -> None:
        status, body = self.clients[0].send("GET", path)
        if status != 200 or b"/deconnexion" not in body:
            raise RuntimeError(f"{path} : pas la page d'un membre connecté (HTTP {status})")

    def run(self, port: int, path: str, duration: float, logged_in: bool = False) -> dict:
        """req/s and non-200 answers of `duration` seconds of load on one page."""
        if self.wrk:
            return self._wrk(port, path, duration, logged_in)
        if not logged_in:
            result = load(HOST, port, path, duration, CONCURRENCY)
            return {"rps": round(result.requests_per_second, 1), "non200": result.errors,
                    "requests": len(result.latencies_ms) + result.errors,
                    "p50_ms": round(result.percentile(50), 2)}
        return self._python_logged_in(path, duration)

    def _wrk(self, port: int, path: str, duration: float, logged_in: bool) -> dict:
        command = [self.wrk, "-t2", f"-c{CONCURRENCY}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                   "--latency", "-s", str(self.script)]
        if logged_in:
            command += ["-H", f"Cookie: {self.cookie}"]
        out = subprocess.run([*command, f"http://{HOST}:{port}{path}"], capture_output=True, text=True,
                             check=True).stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        requests = re.search(r"(\d+) requests in", out)
        return {"rps": float(rps.group(1)) if rps else 0.0, "requests": int(requests.group(1)) if requests else 0,
                "non200": int(re.search(r"non200: (\d+)", out).group(1)),
                "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
                "p50_ms": round(float(p50.group(1)) * scale[p50.group(2)], 2) if p50 else None}

    def _python_logged_in(self, path: str, duration: float) -> dict:
        deadline = time.perf_counter() + duration
        counts = [[0, 0] for _ in self.clients]

        def work(client: Client, tally: list[int]) -> None:
            while time.perf_counter() < deadline:
                status, _ = client.send("GET", path)
                tally[0 if status == 200 else 1] += 1

        threads = [threading.Thread(target=work, args=pair) for pair in zip(self.clients, counts, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"rps": round(sum(ok for ok, _ in counts) / duration, 1), "non200": sum(bad for _, bad in counts),
                "requests": sum(map(sum, counts)), "p50_ms": None}


def loaded(load_: Load, server: Gunicorn, path: str, duration: float, logged_in: bool = False) -> dict:
    """One page loaded, with the CPU its server's workers spent per request (the load generator's
    own CPU, on the same cores, weighs on req/s but not on this)."""
    pids = server.worker_pids()
    before = {pid: cpu_seconds(pid) for pid in pids}
    figures = load_.run(server.port, path, duration, logged_in)
    after = {pid: cpu_seconds(pid) for pid in pids}
    spent = sum(after[p] - before[p] for p in pids if before[p] is not None and after[p] is not None)
    figures["workers_replaced"] = pids != server.worker_pids()  # a recycled worker's CPU is lost
    figures["cpu_ms_per_request"] = (None if figures["workers_replaced"]
                                     else round(1000 * spent / max(1, figures["requests"]), 3))
    return figures


def measure(args: argparse.Namespace, pairs: list[Pair], load_: Load, product: Gunicorn,
            ceiling: Gunicorn) -> list[dict]:
    """Warm every page up, then --rounds rounds of product page X, ceiling page X, product page Y…"""
    for pair in pairs:
        load_.run(product.port, pair.product, args.warmup, pair.logged_in)
        load_.run(ceiling.port, pair.ceiling, args.warmup)
    rows = [{"page": p.name, "logged_in": p.logged_in, "product_path": p.product, "ceiling_path": p.ceiling,
             "target": p.target, "rounds": []} for p in pairs]
    for n in range(args.rounds):
        print(f"Tour {n + 1}/{args.rounds}…")
        for pair, row in zip(pairs, rows, strict=True):
            mine = loaded(load_, product, pair.product, args.duration, pair.logged_in)
            theirs = loaded(load_, ceiling, pair.ceiling, args.duration)
            ratio = round(mine["rps"] / theirs["rps"], 3) if theirs["rps"] else None
            cpu = mine["cpu_ms_per_request"], theirs["cpu_ms_per_request"]
            cpu_ratio = round(cpu[1] / cpu[0], 3) if cpu[0] and cpu[1] else None
            row["rounds"].append({"product": mine, "ceiling": theirs, "ratio": ratio, "cpu_ratio": cpu_ratio})
            print(f"  {pair.name}{' (connecté)' if pair.logged_in else ''} : {mine['rps']:.0f} / {theirs['rps']:.0f} "
                  f"req/s = {ratio} ; ms de CPU par requête {cpu[0]} / {cpu[1]}"
                  + (" (workers du produit remplacés pendant la mesure)" if mine["workers_replaced"] else ""))
    for row in rows:
        ratios = [r["ratio"] for r in row["rounds"] if r["ratio"] is not None]
        row["ratio"] = round(statistics.median(ratios), 3) if ratios else None
        cpu_ratios = [r["cpu_ratio"] for r in row["rounds"] if r["cpu_ratio"] is not None]
        row["cpu_ratio"] = round(statistics.median(cpu_ratios), 3) if cpu_ratios else None
        row["product_rps"] = round(statistics.median(r["product"]["rps"] for r in row["rounds"]), 1)
        row["ceiling_rps"] = round(statistics.median(r["ceiling"]["rps"] for r in row["rounds"]), 1)
        row["product_errors"] = sum(r["product"]["non200"] + r["product"].get("socket_errors", 0)
                                    for r in row["rounds"])
        row["ceiling_errors"] = sum(r["ceiling"]["non200"] + r["ceiling"].get("socket_errors", 0)
                                    for r in row["rounds"])
        row["ok"] = None if row["target"] is None or row["ratio"] is None else row["ratio"] >= row["target"]
    return rows


def report(args: argparse.Namespace, rows: list[dict], figures: dict) -> None:
    print()
    print(f"Produit ÷ plafond — échelle {args.scale}, gunicorn 2 workers sync chacun, charge {figures['generator']}, "
          f"{args.duration:g} s par page, {args.rounds} tours (ratio : médiane des tours)")
    print(f"{'page':28} {'produit':>8} {'plafond':>8} {'ratio':>6} {'par tour':>11} {'cible':>7} {'':10} "
          f"{'erreurs':>7} {'ratio CPU':>9}")
    for row in rows:
        name = f"{row['page']} — {'connecté' if row['logged_in'] else 'anonyme'}"
        target = f"≥ {row['target']:g}" if row["target"] else "–"
        verdict = {True: "ok", False: "HORS CIBLE", None: ""}[row["ok"]]
        per_round = "/".join(f"{r['ratio']:.2f}" for r in row["rounds"] if r["ratio"] is not None)
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "–"
        print(f"{name:28} {row['product_rps']:>8.0f} {row['ceiling_rps']:>8.0f} {ratio:>6} {per_round:>11} "
              f"{target:>7} {verdict:10} {row['product_errors']:>3}/{row['ceiling_errors']:<3} "
              f"{row['cpu_ratio'] if row['cpu_ratio'] is not None else '–':>9}")
    print("Colonnes : req/s (médianes) ; erreurs = réponses non 200 (et erreurs de socket) produit/plafond, "
          "tous tours ; ratio CPU = ms de CPU des workers par requête, plafond ÷ produit (médiane ; sans le CPU "
          "du générateur de charge). La page classée est comparée à la page 1 du forum du plafond (qui ne classe "
          "rien).")
    if any(r["product"]["workers_replaced"] for row in rows for r in row["rounds"]):
        print("Des workers du produit ont été remplacés pendant la mesure (max_requests de gunicorn.conf.py).")
    print(f"Membre connecté : {figures['member']['email']} (une session"
          f"{' partagée par les 8 connexions de wrk' if 'wrk' in figures['generator'] else ' par client'}).")
    print("RSS des workers après la charge : produit "
          + ", ".join(f"{mb} Mo" for mb in figures["product_rss_mb"]) + " (cible ≤ 150 Mo) ; plafond "
          + ", ".join(f"{mb} Mo" for mb in figures["ceiling_rss_mb"]))
    print(f"Résultats : {figures['path']}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--dataset", type=Path, help="jeu de données déjà généré (sinon généré)")
    parser.add_argument("--duration", type=float, default=8.0, help="secondes de charge par page et par serveur")
    parser.add_argument("--warmup", type=float, default=2.0, help="secondes de chauffe par page")
    parser.add_argument("--rounds", type=int, default=2, help="tours (ratio : médiane des tours)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                        help="wrk s'il est installé (auto), sinon 8 clients Python")
    parser.add_argument("--port", type=int, default=5190, help="produit ; le plafond écoute sur le suivant")
    parser.add_argument("--profile", action="store_true",
                        help="puis py-spy sur chaque worker du produit : forum, sujet (connecté), /healthz")
    parser.add_argument("--keep", action="store_true", help="garder l'instance temporaire (et la base du plafond)")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="partir d'une copie d'une instance gardée par --keep")
    args = parser.parse_args()
    if not (CEILING_DIR / "app.py").is_file():
        sys.exit(f"Plafond introuvable : {CEILING_DIR / 'app.py'} (définissez FORUM_CEILING_DIR).")

    dataset = args.dataset or generate_dataset(args.scale)
    print(f"Jeu de données : {dataset}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with Instance(keep=args.keep) as instance:
        instance.env.update({"GUNICORN_ACCESS_LOG": "", "WEB_CONCURRENCY": "2"})
        ceiling_db = prepare_instance(instance, dataset, args.reuse)
        pairs, member = pick_pairs(instance.database, ceiling_db)
        give_password(instance.database, member["id"])
        with (Gunicorn(instance.env, args.port, workers=2) as product,
              CeilingServer({**os.environ, "CEILING_DB": str(ceiling_db)}, args.port + 1, workers=2) as ceiling):
            for pair in pairs:
                pair.product = resolve(HOST, args.port, pair.product)
            load_ = Load(args.generator, args.port, member["email"], instance.path)
            for pair in pairs:
                if pair.logged_in:
                    load_.check_logged_in(pair.product)
            print(f"Charge : {load_.name} ; membre {member['email']} ; {len(pairs)} paires × {args.rounds} tours")
            rows = measure(args, pairs, load_, product, ceiling)
            figures = {"generator": load_.name, "member": member,
                       "product_rss_mb": [round(rss_mb(pid) or 0, 1) for pid in product.worker_pids()],
                       "ceiling_rss_mb": [round(rss_mb(pid) or 0, 1) for pid in ceiling.worker_pids()]}
            figures["path"] = write_results("ceiling", {
                "scale": args.scale, "dataset": str(dataset), "duration_s": args.duration, "rounds": args.rounds,
                "workers": 2, "concurrency": CONCURRENCY, "machine": platform.platform(), "cpus": os.cpu_count(),
                **figures, "pages": rows})
            report(args, rows, figures)
            if args.profile:
                from bench.profiles import profile_pages

                first = {(p.kind, p.logged_in): p for p in reversed(pairs)}  # board page 1 before page 50
                chosen = {"forum-connecte": first["board", True], "sujet-connecte": first["thread", True],
                          "healthz": first["health", False]}
                profile_pages(chosen, product, load_, args.duration, RESULTS_DIR, stamp)


if __name__ == "__main__":
    main()
