"""Twenty members using the real server at once: gunicorn with two workers, CSRF on, for ~30 s.

Each client logs in like a browser (CSRF token read from each form page) and loops over the
actions that write: replying, editing its own replies, voting, changing the importance of and
withdrawing its votes, plus searching and reading. Afterwards: no 5xx (nor 429, nor any status a
browser would not expect), counters and vote totals equal to a recount from the rows, the search
index in step with the database, and every client's unique word found by /search.

Figures are printed (`pytest -s` shows them). STRESS_SECONDS shortens or lengthens the run.
"""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.live_server import HttpClient, free_port, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CLIENTS = 20
DURATION = float(os.environ.get("STRESS_SECONDS", "30"))
PASSWORD = "motdepasse-solide"
PORTS = range(5160, 5200)
QUESTIONS, REQUESTS = 6, 6
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
POST_ID_RE = re.compile(r"#p(\d+)$")
RESULTS_RE = re.compile(r'<ol class="thread-list search-results".*?</ol>', re.S)
RESULT_LINK_RE = re.compile(r'href="/t/(\d+)/')

pytestmark = [pytest.mark.slow,  # ~30 s of load (STRESS_SECONDS): left out by `make test-quick`
              pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="gunicorn is not installed")]




def _word(index: int) -> str:
    """A word no French text contains, unique per client (letters only: stemming keeps it apart)."""
    return f"kwx{chr(97 + index // 26)}{chr(97 + index % 26)}zqv"


class Browser(HttpClient):
    """The live-server client, recording each answer in `stats`."""

    def __init__(self, port: int, stats: Stats) -> None:
        super().__init__(port, timeout=120, on_answer=lambda method, path, outcome, seconds: stats.record(
            f"{method} {path}" if isinstance(outcome, str) else f"{method} {_route(path)}", outcome, seconds))

    def token(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        match = CSRF_RE.search(text)
        if status != 200 or match is None:
            raise AssertionError(f"no CSRF token on {path} (status {status})")
        return match.group(1)


def _route(path: str) -> str:
    """/t/12/vote -> /t/<id>/vote, for the table of figures."""
    return re.sub(r"/\d+", "/<id>", path.split("?")[0])


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    by_route: Counter = field(default_factory=Counter)
    unexpected: list = field(default_factory=list)
    slowest: float = 0.0
    total: int = 0

    def record(self, route: str, status, seconds: float) -> None:
        with self.lock:
            self.total += 1
            self.statuses[status] += 1
            self.by_route[route] += 1
            self.slowest = max(self.slowest, seconds)
            if not isinstance(status, int) or status >= 400:
                self.unexpected.append((route, status))


@dataclass
class Member:
    index: int
    email: str
    browser: Browser
    word: str
    replies: dict[int, int] = field(default_factory=dict)  # post id -> thread id
    votes: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}",
            "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SECRET_KEY": "stress-test-secret",
            "RATELIMIT_ENABLED": "false", "FLASK_APP": "forum"}


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "forum", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _seed(tmp: Path) -> dict:
    """Members (each in a structure, all declaring the software), questions and open requests."""
    from forum import create_app
    from forum.extensions import db
    from tests.factories import make_board, make_structure, make_thread, make_user

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}",
                      "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SECRET_KEY": "stress-test-secret"})
    with app.app_context():
        board = make_board("Chorus", slug="chorus")
        structures = [make_structure(f"MSP de charge {n}") for n in range(CLIENTS // 2)]
        members = [make_user(f"charge{n}@example.org", display_name=f"Membre de charge {n}",
                             structure=structures[n % len(structures)], uses=[board], password=PASSWORD)
                   for n in range(CLIENTS)]
        questions = [make_thread(board, members[n], title=f"Question de charge numéro {n}").id
                     for n in range(QUESTIONS)]
        requests = [make_thread(board, members[n], kind="request", title=f"Demande de charge numéro {n}").id
                    for n in range(REQUESTS)]
        db.session.commit()
        emails = [m.email for m in members]
        db.session.remove()
        db.engine.dispose()
    return {"emails": emails, "questions": questions, "requests": requests}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stress")
    env = _env(tmp)
    upgrade = _flask(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    data = _seed(tmp)
    reindex = _flask(env, "search", "reindex", "--quiet")
    assert reindex.returncode == 0, reindex.stderr
    port = free_port(PORTS)
    log = (tmp / "gunicorn.log").open("w")
    # Production settings (CSRF on), rate limits off through the environment (see _env).
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(port, process)
        yield {"port": port, "env": env, "tmp": tmp, "log": tmp / "gunicorn.log", "process": process, **data}
    finally:
        stop(process)
        log.close()






def _login(member: Member) -> None:
    token = member.browser.token("/connexion")
    status, location, _ = member.browser.request("POST", "/connexion", {
        "email": member.email, "password": PASSWORD, "csrf_token": token})
    assert status == 302, f"login of {member.email} answered {status}"


def _act(member: Member, rng: random.Random, data: dict, step: int) -> None:
    browser = member.browser
    roll = rng.random()
    if roll < 0.30:
        thread_id = rng.choice(data["questions"] + data["requests"])
        token = browser.token(f"/t/{thread_id}")
        status, location, _ = browser.request("POST", f"/t/{thread_id}/repondre", {
            "body": f"Réponse {step} de {member.word} : avez-vous relancé le module ?", "csrf_token": token,
            "publish": "Répondre"})
        match = POST_ID_RE.search(location)
        if status == 302 and match:
            member.replies[int(match.group(1))] = thread_id
    elif roll < 0.45 and member.replies:
        post_id = rng.choice(list(member.replies))
        token = browser.token(f"/p/{post_id}/modifier")
        browser.request("POST", f"/p/{post_id}/modifier", {
            "title": "", "body": f"Réponse corrigée {step} de {member.word}.", "csrf_token": token,
            "publish": "Enregistrer"})
    elif roll < 0.75:
        thread_id = rng.choice(data["requests"])
        token = browser.token(f"/t/{thread_id}")
        if member.votes.get(thread_id) and rng.random() < 0.3:
            status, _, _ = browser.request("POST", f"/t/{thread_id}/vote/retirer", {"csrf_token": token})
            if status == 302:
                member.votes.pop(thread_id)
        else:
            importance = rng.choice(["utile", "important", "bloquant"])
            status, _, _ = browser.request("POST", f"/t/{thread_id}/vote", {
                "importance": importance, "csrf_token": token})
            if status == 302:
                member.votes[thread_id] = importance
    elif roll < 0.90:
        browser.request("GET", "/search?" + urllib.parse.urlencode({"q": rng.choice(["module", member.word])}))
    else:
        browser.request("GET", "/b/chorus/")


def _run_clients(server: dict, stats: Stats) -> tuple[list[Member], float]:
    members = [Member(n, email, Browser(server["port"], stats), _word(n))
               for n, email in enumerate(server["emails"])]
    for member in members:
        _login(member)
    start_line = threading.Barrier(len(members) + 1)
    deadline_box: list[float] = []

    def loop(member: Member) -> None:
        rng = random.Random(member.index)
        start_line.wait()
        step = 0
        while time.monotonic() < deadline_box[0]:
            step += 1
            try:
                _act(member, rng, server, step)
            except Exception as exc:  # recorded, the run goes on
                member.errors.append(repr(exc))

    threads = [threading.Thread(target=loop, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline_box.append(started + DURATION)
    start_line.wait()
    for thread in threads:
        thread.join()
    return members, time.monotonic() - started


def _found_threads(member: Member) -> set[int]:
    status, _, text = member.browser.request("GET", "/search?" + urllib.parse.urlencode({"q": member.word}))
    assert status == 200
    assert "momentanément indisponible" not in text  # the real index answered, not the fallback
    block = RESULTS_RE.search(text)
    return {int(t) for t in RESULT_LINK_RE.findall(block.group(0))} if block else set()


def _database_checks(server: dict) -> dict:
    from sqlalchemy import func, select

    from forum import create_app
    from forum.extensions import db
    from forum.models import Post, Thread, Vote
    from forum.services import counters, ranking

    tmp = server["tmp"]
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}",
                      "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SECRET_KEY": "stress-test-secret"})
    with app.app_context():
        vote_rows = dict(db.session.execute(select(Vote.thread_id, func.count()).group_by(Vote.thread_id)).all())
        totals = {t.id: t.vote_count + t.uncounted_vote_count
                  for t in db.session.scalars(select(Thread).where(Thread.kind == "request"))}
        result = {
            "counters": counters.counter_mismatches(),
            "figures": ranking.stored_figures_mismatches(),
            "vote_totals": {tid: (total, vote_rows.get(tid, 0)) for tid, total in totals.items()
                            if total != vote_rows.get(tid, 0)},
            "replies": db.session.scalar(select(func.count()).select_from(Post).where(Post.is_first.is_(False))),
            "votes": sum(vote_rows.values()),
        }
        db.session.remove()
        db.engine.dispose()
    return result


@pytest.mark.sqlite_only  # several processes on one SQLite file
def test_twenty_members_at_once_on_gunicorn_keep_everything_consistent(server):
    stats = Stats()
    members, seconds = _run_clients(server, stats)
    load_requests = stats.total

    applied = _flask(server["env"], "search", "apply")
    assert applied.returncode == 0, applied.stderr
    # Workers pick up index changes made elsewhere within SEARCH_REFRESH_SECONDS (1 s by default).
    time.sleep(1.2)
    missing = {m.word: (sorted(set(m.replies.values())), sorted(_found_threads(m))) for m in members}
    missing = {word: pair for word, pair in missing.items() if set(pair[0]) - set(pair[1])}
    stop(server["process"])

    recount = _flask(server["env"], "recount", "--check")
    status = _flask(server["env"], "search", "status")
    checks = _database_checks(server)
    log = server["log"].read_text(encoding="utf-8", errors="replace")
    replies_posted = sum(len(m.replies) for m in members)
    five_xx = sum(n for code, n in stats.statuses.items() if isinstance(code, int) and code >= 500)

    print(f"\n[charge] {CLIENTS} clients, gunicorn -w 2, CSRF actif : {load_requests} requêtes en "
          f"{seconds:.1f} s ({load_requests / seconds:.1f} req/s), erreurs 5xx : {five_xx}, "
          f"réponses inattendues : {len(stats.unexpected)}, requête la plus lente : {stats.slowest:.2f} s")
    print(f"[charge] statuts : {dict(sorted(stats.statuses.items(), key=str))}")
    print(f"[charge] par route : {dict(stats.by_route.most_common())}")
    print(f"[charge] réponses publiées : {replies_posted}, votes en base : {checks['votes']}")
    print("[charge] " + status.stdout.replace("\n", " | "))

    assert not [e for m in members for e in m.errors], [e for m in members for e in m.errors][:5]
    assert five_xx == 0 and 429 not in stats.statuses
    assert stats.unexpected == []
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    assert replies_posted > 0 and checks["replies"] == replies_posted
    assert recount.returncode == 0, recount.stdout
    assert checks["counters"] == [] and checks["figures"] == [] and checks["vote_totals"] == {}
    assert "Mises à jour en attente : 0" in status.stdout
    documents = re.search(r"(\d+) documents", status.stdout)
    threads = re.search(r"Sujets visibles en base : (\d+)", status.stdout)
    assert documents and threads and documents.group(1) == threads.group(1) == str(QUESTIONS + REQUESTS)
    assert missing == {}, missing
