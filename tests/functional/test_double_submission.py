"""One sent form makes at most one post: a second click, a resent page or five requests at once with
the same form (same submission key) lead to the post the first one created, never to a copy or a 500."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.export import ExportFilters
from forum.extensions import db
from forum.models import FormSubmission, Livrable, Post, StatusChange, Thread, User
from forum.models._time import utcnow
from forum.services import livrables
from forum.services.errors import Conflict
from tests.factories import PASSWORD, make_board, make_post, make_request, make_thread, make_user
from tests.live_server import HttpClient, free_port, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PORTS = range(5200, 5240)
KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_key(response) -> str:
    match = KEY_RE.search(response.get_data(as_text=True))
    assert match is not None, "the form carries no submission key"
    return match.group(1)


def replies(thread_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Post.body_source).where(
        Post.thread_id == thread_id, Post.is_first.is_(False)).order_by(Post.id)))


def thread_count(board_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Thread).where(Thread.board_id == board_id))


@pytest.fixture
def thread_and_member(login):
    thread = make_thread()
    member = login(make_user(uses=[thread.board]))
    db.session.commit()
    return thread.id, member


def test_the_same_reply_sent_twice_posts_once_and_the_second_lands_on_it(client, thread_and_member):
    thread_id, _ = thread_and_member
    data = {"body": "Il faut vider le cache.", "submission_key": form_key(client.get(f"/t/{thread_id}"))}
    first = client.post(f"/t/{thread_id}/repondre", data=data)
    second = client.post(f"/t/{thread_id}/repondre", data=data)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert replies(thread_id) == ["Il faut vider le cache."]
    shown = html.unescape(client.get(second.headers["Location"]).get_data(as_text=True))
    assert shown.count("Il faut vider le cache.") == 1


def test_the_same_new_thread_form_sent_twice_opens_one_thread(client, login):
    board = make_board()
    login(make_user(uses=[board]))
    db.session.commit()
    board_id, url = board.id, f"/b/{board.slug}/nouveau"
    data = {"kind": "question", "title": "Imprimer une FSE dégradée", "body": "Comment faire ?",
            "submission_key": form_key(client.get(url))}
    answers = [client.post(url, data=data) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert len({a.headers["Location"] for a in answers}) == 1
    assert thread_count(board_id) == 1


def test_each_rendered_form_is_a_new_submission(client, thread_and_member):
    """Two forms, two keys, two replies; a form without a key (a page opened before keys existed)
    still posts, without the protection, rather than lose the member's text."""
    thread_id, _ = thread_and_member
    keys = [form_key(client.get(f"/t/{thread_id}")) for _ in range(2)]
    assert keys[0] != keys[1]
    for number, key in enumerate(keys, start=1):
        assert client.post(f"/t/{thread_id}/repondre", data={"body": f"Réponse {number}", "submission_key": key}
                           ).status_code == 302
    assert client.post(f"/t/{thread_id}/repondre", data={"body": "Sans clé"}).status_code == 302
    assert replies(thread_id) == ["Réponse 1", "Réponse 2", "Sans clé"]


def test_a_previewed_or_refused_form_keeps_its_key_and_still_posts_once(client, thread_and_member):
    thread_id, _ = thread_and_member
    key = form_key(client.get(f"/t/{thread_id}"))
    url = f"/t/{thread_id}/repondre"
    preview = client.post(url, data={"body": "Brouillon", "preview": "Aperçu", "submission_key": key})
    refused = client.post(url, data={"body": "   ", "submission_key": key})
    assert preview.status_code == 200 and form_key(preview) == key
    assert refused.status_code == 422 and form_key(refused) == key
    sent = [client.post(url, data={"body": "Version finale", "submission_key": key}) for _ in range(2)]
    assert [s.status_code for s in sent] == [302, 302]
    assert replies(thread_id) == ["Version finale"]


def test_a_key_only_counts_for_the_member_who_sent_it(app, client, thread_and_member):
    thread_id, _ = thread_and_member
    key = form_key(client.get(f"/t/{thread_id}"))
    client.post(f"/t/{thread_id}/repondre", data={"body": "Première", "submission_key": key})
    other = app.test_client()
    someone = make_user()
    db.session.commit()
    with other.session_transaction() as session:
        session["_user_id"] = someone.get_id()
    answer = other.post(f"/t/{thread_id}/repondre", data={"body": "Autre membre", "submission_key": key})
    assert answer.status_code == 302
    assert replies(thread_id) == ["Première", "Autre membre"]
    assert len(db.session.scalars(select(FormSubmission)).all()) == 2


def test_keys_older_than_a_day_are_forgotten_and_deleted(client, thread_and_member):
    thread_id, member = thread_and_member
    old_post = make_post(db.session.get(Thread, thread_id), member, body="Il y a deux jours")
    db.session.add(FormSubmission(user_id=member.id, key="ancienne-cle-de-formulaire", post_id=old_post.id,
                                  created_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    answer = client.post(f"/t/{thread_id}/repondre",
                         data={"body": "Renvoyé trop tard", "submission_key": "ancienne-cle-de-formulaire"})
    assert answer.status_code == 302
    assert replies(thread_id) == ["Il y a deux jours", "Renvoyé trop tard"]
    ages = [utcnow() - s.created_at for s in db.session.scalars(select(FormSubmission))]
    assert len(ages) == 1 and ages[0] < timedelta(minutes=5)


def test_five_simultaneous_sendings_in_process_make_one_reply(app, client, thread_and_member):
    thread_id, member = thread_and_member
    data = {"body": "Cinq clics impatients", "submission_key": form_key(client.get(f"/t/{thread_id}"))}
    clients = []
    for _ in range(5):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = member.get_id()
        clients.append(other)
    barrier, answers = threading.Barrier(5), []

    def send(other):
        barrier.wait()
        try:
            response = other.post(f"/t/{thread_id}/repondre", data=data)
            answers.append((response.status_code, response.headers.get("Location")))
        except BaseException as error:  # noqa: BLE001
            answers.append((repr(error), None))

    workers = [threading.Thread(target=send, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [status for status, _ in answers] == [302] * 5
    assert len({location for _, location in answers}) == 1
    assert replies(thread_id) == ["Cinq clics impatients"]


def test_the_forms_that_post_disable_their_buttons_after_the_first_click(client, thread_and_member):
    thread_id, _ = thread_and_member
    page = client.get(f"/t/{thread_id}").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/t/\d+/repondre"[^>]*data-submit-once', page)
    assert '<script src="/static/submit-once.js" defer></script>' in page
    script = client.get("/static/submit-once.js")
    assert script.status_code == 200 and b"form[data-submit-once]" in script.data
    script.close()


def test_a_livrable_frozen_twice_at_once_is_numbered_and_transmitted_once(app):
    board = make_board()
    moderator = make_user(role="moderator")
    request_id = make_request(board).id
    draft_id = livrables.create_draft(moderator, board, ExportFilters()).id
    db.session.commit()
    moderator_id = moderator.id
    barrier, outcomes = threading.Barrier(2), []

    def freeze():
        with app.app_context():
            user = db.session.get(User, moderator_id)
            draft = livrables.get_livrable(user, draft_id)
            kept = {item.thread_id: (True, None) for item in draft.items}
            barrier.wait()
            try:
                livrables.update_draft(user, draft, None, kept)
                livrables.freeze(user, draft, move_to_transmise=True)
                db.session.commit()
                outcomes.append("figé")
            except Conflict:
                outcomes.append("déjà figé")
            except BaseException as error:  # noqa: BLE001
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=freeze) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    db.session.expire_all()
    assert sorted(outcomes) == ["déjà figé", "figé"]
    assert db.session.execute(select(Livrable.id, Livrable.number)).all() == [(draft_id, 1)]
    assert db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.thread_id == request_id)) == 1


# --- a real server: gunicorn, two workers of four threads, CSRF on -------------------------------------

class Browser(HttpClient):
    """The live-server client, plus the fields a rendered form carries."""

    def form(self, path: str) -> dict[str, str]:
        status, _, text = self.request("GET", path)
        assert status == 200, f"GET {path}: {status}"
        fields = {"csrf_token": CSRF_RE.search(text).group(1)}
        key = KEY_RE.search(text)
        if key:
            fields["submission_key"] = key.group(1)
        return fields


@contextmanager
def live_server(database_url: str, tmp_path: Path) -> Iterator[int]:
    port = free_port(PORTS)
    env = {**os.environ, "DATABASE_URL": database_url, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
           "SECRET_KEY": "double-submission-secret", "RATELIMIT_ENABLED": "false", "FORUM_ENV": "development",
           "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(port, process, log_path)
            yield port
        finally:
            stop(process)
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


def _send_five_at_once(port: int, cookies: dict, path: str, form: dict) -> list[tuple]:
    barrier, answers = threading.Barrier(5), []

    def send():
        browser = Browser(port)
        browser.cookies = dict(cookies)
        barrier.wait()
        try:
            status, location, _ = browser.request("POST", path, form)
            answers.append((status, location))
        except BaseException as error:  # noqa: BLE001
            answers.append((repr(error), None))

    workers = [threading.Thread(target=send) for _ in range(5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(90)
    return answers


@pytest.mark.slow  # starts gunicorn
@pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="gunicorn is not installed")
def test_five_simultaneous_sendings_to_a_real_server_make_one_thread_and_one_reply(app, database_url, tmp_path):
    board = make_board()
    member = make_user(uses=[board])
    db.session.commit()
    board_id, slug, email = board.id, board.slug, member.email
    db.session.remove()
    with live_server(database_url, tmp_path) as port:
        browser = Browser(port)
        status, _, _ = browser.request("POST", "/connexion", {**browser.form("/connexion"),
                                                               "email": email, "password": PASSWORD})
        assert status == 302
        new_thread = {**browser.form(f"/b/{slug}/nouveau"), "kind": "request",
                      "title": "Relancer la télétransmission", "body": "Un bouton pour relancer le lot."}
        opened = _send_five_at_once(port, browser.cookies, f"/b/{slug}/nouveau", new_thread)
        assert [status for status, _ in opened] == [302] * 5, opened
        assert len({location for _, location in opened}) == 1
        thread_path = urllib.parse.urlsplit(opened[0][1]).path
        reply = {**browser.form(thread_path), "body": "Même souci ici."}
        thread_id = int(thread_path.split("/")[2])
        replied = _send_five_at_once(port, browser.cookies, f"/t/{thread_id}/repondre", reply)
        assert [status for status, _ in replied] == [302] * 5, replied
        assert len({location for _, location in replied}) == 1
        other = {**browser.form(thread_path), "body": "Une seconde réponse, un autre formulaire."}
        assert browser.request("POST", f"/t/{thread_id}/repondre", other)[0] == 302
    assert thread_count(board_id) == 1
    assert replies(thread_id) == ["Même souci ici.", "Une seconde réponse, un autre formulaire."]
