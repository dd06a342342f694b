"""Bodies sent without a Content-Length (chunked): over MAX_CONTENT_LENGTH they get the French 413
and nothing of them comes back in the page; within it, forms work as usual. Through the test client
(a streamed body, as a server hands it over) and through a real gunicorn."""
from __future__ import annotations

import html
import http.client
import io
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import Post
from tests.factories import PASSWORD, make_thread, make_user
from tests.live_server import free_port, stop, wait_until_up
from tests.pages import page

THREE_MB = 3 * 1024 * 1024
MARKER = "MARQUEUR-DU-CORPS"
FORM = "application/x-www-form-urlencoded"
ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


class Trickle(io.RawIOBase):
    """A request body produced piece by piece by a generator, with no length known in advance."""

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces: Iterator[bytes] = iter(pieces)
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._pieces)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size], self._left = self._left[:size], self._left[size:]
        return size


def form_pieces(prefix: str, filler_bytes: int) -> Iterator[bytes]:
    """`prefix` then `filler_bytes` of "A" (the last field's value goes on), in 64 KiB pieces."""
    yield prefix.encode("ascii")
    left = filler_bytes
    while left > 0:
        piece = min(left, 64 * 1024)
        yield b"A" * piece
        left -= piece


def post_chunked(client, path: str, pieces: Iterable[bytes]):
    """POST as gunicorn or Werkzeug's server hand a chunked body to the app: no length, a stream the
    server ends (wsgi.input_terminated)."""
    return client.post(path, headers={"Transfer-Encoding": "chunked"}, content_type=FORM,
                       environ_overrides={"wsgi.input": Trickle(pieces), "wsgi.input_terminated": True})


@pytest.mark.parametrize("path", ["/connexion", "/inscription", "/mot-de-passe/oublie"])
def test_3_mb_chunked_body_gets_the_french_413_and_is_not_echoed(client, path):
    response = post_chunked(client, path, form_pieces(f"password=x&email={MARKER}", THREE_MB))
    assert response.status_code == 413
    assert "Envoi trop volumineux" in page(response, 413)
    assert MARKER not in page(response, 413) and "AAAA" not in page(response, 413)


def test_3_mb_chunked_reply_is_refused_and_one_within_the_limit_is_stored(client):
    thread = make_thread()
    make_user("claire@example.org", uses=[thread.board])
    db.session.commit()
    logged_in = post_chunked(client, "/connexion", [b"email=claire%40example.org", b"&password=", PASSWORD.encode()])
    assert logged_in.status_code == 302
    replies = thread.reply_count
    response = post_chunked(client, f"/t/{thread.id}/repondre", form_pieces(f"body={MARKER}", THREE_MB))
    assert response.status_code == 413 and MARKER not in page(response, 413)
    db.session.refresh(thread)
    assert thread.reply_count == replies
    body = "Réponse envoyée par morceaux. " * 1000  # 30,000 characters
    encoded = ("body=" + quote_plus(body)).encode("ascii")
    reply = post_chunked(client, f"/t/{thread.id}/repondre", [encoded[i:i + 4096] for i in range(0, len(encoded), 4096)])
    assert reply.status_code == 302
    stored = db.session.scalar(select(Post.body_source).where(Post.thread_id == thread.id, Post.is_first.is_(False)))
    assert stored == body.strip()


def test_chunked_body_just_over_the_limit_is_refused_and_one_at_the_limit_is_read(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    prefix = f"password=x&email={MARKER}"
    over = post_chunked(client, "/connexion", form_pieces(prefix, 1001 - len(prefix)))
    assert over.status_code == 413 and MARKER not in page(over, 413)
    at_limit = post_chunked(client, "/connexion", form_pieces(prefix, 1000 - len(prefix)))
    assert at_limit.status_code == 422  # read whole: the form answers (wrong password)
    assert MARKER + "A" * (1000 - len(prefix)) in page(at_limit, 422)


# --- a real server --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gunicorn_site(tmp_path_factory) -> Iterator[int]:
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    tmp = tmp_path_factory.mktemp("chunked")
    config = {"DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}", "SEARCH_INDEX_DIR": str(tmp / "index"),
              "SECRET_KEY": "chunked-test-secret", "RATELIMIT_ENABLED": "false", "FORUM_ENV": "development"}
    app = create_app(dict(config))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port, log_path = free_port(range(5140, 5160)), tmp / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                                   cwd=ROOT, env={**os.environ, **config}, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_until_up(port, process, log_path)
            yield port
        finally:
            stop(process)
    assert "Traceback" not in log_path.read_text(errors="replace")


def chunked_over_http(port: int, pieces: Iterable[bytes]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/connexion", body=pieces, encode_chunked=True,
                     headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"})
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before the end of the body: its answer is still there to read
    response = conn.getresponse()
    text = html.unescape(response.read().decode("utf-8", "replace"))
    conn.close()
    return response.status, text


@pytest.mark.slow  # starts gunicorn
@pytest.mark.sqlite_only  # the server runs on its own SQLite file
def test_gunicorn_answers_a_chunked_3_mb_body_with_the_french_413(gunicorn_site):
    status, text = chunked_over_http(gunicorn_site, form_pieces(f"password=x&email={MARKER}", THREE_MB))
    assert status == 413
    assert "Envoi trop volumineux" in text and MARKER not in text
    # A small chunked form is read whole (refused for its missing CSRF token, not for its size).
    status, text = chunked_over_http(gunicorn_site, [b"email=claire%40example.org", b"&password=x"])
    assert status == 400 and re.search("Le formulaire a expiré", text)
