"""A withdrawn post is gone from every output, not only from its page: feeds, the API, search
results and excerpts, exports and livrables follow the pages' visibility rule (services.reading)."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from forum import search
from forum.extensions import db
from forum.models import Post
from forum.services import statuses
from tests.confirm import confirm
from tests.factories import make_board, make_editor, make_post, make_request, make_user
from tests.pages import json_text

OPENING = "Nos patients zanzibariques attendent ce rapprochement bancaire"
REPLY = "Mon cabinet utilise un contournement ornithologique depuis mars"
ANSWER = "Réponse officielle : prévu en version 7 avec un module quetzalcoatl"
NS = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def story(app):
    """A request with an opening post, a reply and an official answer from the editor; a second
    request alone (its author can withdraw the whole of it)."""
    editor = make_editor()
    board = make_board(name="Chorus", slug="chorus", editor=editor)
    author, replier = make_user(uses=[board]), make_user(uses=[board])
    thread = make_request(board, author, title="Rapprochement bancaire automatique", body=OPENING)
    reply = make_post(thread, replier, body=REPLY)
    lonely = make_request(board, author, title="Export comptable mensuel", body="Un export par mois, merci.")
    statuses.set_status(make_user(role="editor", editor=editor), lonely, "planifiee", note=ANSWER, version="7.0",
                        official=True)
    db.session.commit()
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first))
    lonely_first = db.session.scalar(select(Post).where(Post.thread_id == lonely.id, Post.is_first))
    return {"board": board, "editor": editor, "author": author, "replier": replier, "thread": thread,
            "first": first, "reply": reply, "lonely": lonely, "lonely_first": lonely_first}


def withdraw(client, login, user, post) -> None:
    """The author deletes their own post through the page's button."""
    login(user)
    response = confirm(client, f"/p/{post.id}/supprimer")
    assert response.status_code == 302
    with client.session_transaction() as session:  # back to an anonymous reader
        session.clear()


def get_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_board_feed_drops_a_withdrawn_opening_post(client, login, story):
    assert OPENING in get_text(client, "/b/chorus/feed.atom")
    withdraw(client, login, story["author"], story["first"])
    page = get_text(client, f"/t/{story['thread'].id}")
    assert OPENING not in page and "Message supprimé" in page
    feed = get_text(client, "/b/chorus/feed.atom")
    assert OPENING not in feed
    entry = next(e for e in ET.fromstring(feed.encode()).findall("a:entry", NS)
                 if "Rapprochement bancaire" in e.find("a:title", NS).text)
    assert "Message supprimé" in entry.find("a:content", NS).text


def test_feeds_drop_a_withdrawn_request_and_its_official_answer(client, login, story):
    assert ANSWER in get_text(client, "/b/chorus/demandes/feed.atom")
    withdraw(client, login, story["author"], story["lonely_first"])
    assert client.get(f"/t/{story['lonely'].id}").status_code == 404
    for url in ("/b/chorus/feed.atom", "/b/chorus/demandes/feed.atom"):
        feed = get_text(client, url)
        assert "Export comptable mensuel" not in feed and ANSWER not in feed


def test_api_drops_a_withdrawn_opening_post_and_request(client, login, story):
    withdraw(client, login, story["author"], story["first"])
    response = client.get(f"/api/v1/threads/{story['thread'].id}")
    assert response.status_code == 200
    assert response.json["body_html"] is None and OPENING not in json_text(response)
    withdraw(client, login, story["author"], story["lonely_first"])
    assert client.get(f"/api/v1/threads/{story['lonely'].id}").status_code == 404
    listing = json_text(client.get("/api/v1/boards/chorus/requests"))  # accents as written: ANSWER has some
    assert "Rapprochement bancaire automatique" in listing
    assert "Export comptable mensuel" not in listing and ANSWER not in listing


@pytest.fixture(params=["whoosh", "database", pytest.param("postgres", marks=pytest.mark.postgres_only)])
def backend(request, app):
    """The search engines: the Whoosh index, the database fallback (no index), PostgreSQL's."""
    if request.param == "postgres":
        app.config["SEARCH_BACKEND"] = "postgres"
    if request.param != "database":
        search.reindex()
    return request.param


def test_search_forgets_withdrawn_posts_in_results_and_excerpts(client, login, story, backend):
    search.apply_pending()
    assert "1 sujet trouvé" in get_text(client, "/search?q=zanzibariques")
    assert "1 sujet trouvé" in get_text(client, "/search?q=ornithologique")
    withdraw(client, login, story["author"], story["first"])
    withdraw(client, login, story["replier"], story["reply"])
    search.apply_pending()
    for word in ("zanzibariques", "ornithologique"):
        assert "Aucun sujet ne correspond" in get_text(client, f"/search?q={word}")
    page = get_text(client, "/search?q=rapprochement")  # the title still matches: the excerpt is clean
    assert "1 sujet trouvé" in page
    assert "zanzibariques" not in page and "ornithologique" not in page


def test_thread_page_and_profile_drop_a_withdrawn_reply(client, login, story):
    withdraw(client, login, story["replier"], story["reply"])
    page = get_text(client, f"/t/{story['thread'].id}")
    assert REPLY not in page and "Message supprimé" in page
    assert "ornithologique" not in get_text(client, f"/u/{story['replier'].id}")


def test_exports_and_new_livrables_drop_a_withdrawn_request(client, login, story):
    withdraw(client, login, story["author"], story["lonely_first"])
    moderator = make_user(role="admin")
    db.session.commit()
    login(moderator)
    lines = list(csv.reader(io.StringIO(get_text(client, "/b/chorus/demandes/export?format=csv").lstrip("\ufeff")),
                            delimiter=";"))
    assert [int(line[1]) for line in lines[1:]] == [story["thread"].id]
    assert ANSWER not in str(lines)
    response = client.post("/livrables/nouveau", data={"board": "chorus", "statut": ["nouvelle", "planifiee"]})
    assert response.status_code == 302
    draft = get_text(client, response.headers["Location"])
    assert "Rapprochement bancaire automatique" in draft
    assert "Export comptable mensuel" not in draft and ANSWER not in draft
