"""Atom feeds of a board: valid Atom 1.0 (parsed with xml.etree), required elements present,
content escaped (an XSS title comes out as text), no member names."""
import xml.etree.ElementTree as ET

import pytest

from forum.extensions import db
from forum.models._time import utcnow
from forum.services.statuses import set_status
from tests.factories import make_thread, make_user
from tests.scenarios import SECRET_NAME

NS = {"a": "http://www.w3.org/2005/Atom"}
XSS = '<script>alert("x")</script> & <b>gras</b>'


@pytest.fixture
def xss_thread(chorus):
    """The newest thread of Chorus, a question whose title and body try to run a script."""
    thread = make_thread(chorus["board"], title=XSS, body="Corps <img src=x onerror=alert(1)> **gras**")
    db.session.commit()
    return thread


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.data), response.get_data(as_text=True)


def assert_valid_atom(feed):
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated"):
        assert feed.find(f"a:{tag}", NS) is not None and feed.find(f"a:{tag}", NS).text
    assert feed.find("a:link[@rel='self']", NS).get("href").startswith("http://localhost/")
    assert feed.find("a:author/a:name", NS).text
    for entry in feed.findall("a:entry", NS):
        for tag in ("id", "title", "updated"):
            assert entry.find(f"a:{tag}", NS).text
        assert entry.find("a:link[@rel='alternate']", NS).get("href").startswith("http://localhost/t/")
        assert entry.find("a:updated", NS).text.endswith("Z")


def test_board_feed_lists_new_threads_newest_first(client, xss_thread):
    feed, _ = parse(client, "/b/chorus/feed.atom")
    assert_valid_atom(feed)
    titles = [e.find("a:title", NS).text for e in feed.findall("a:entry", NS)]
    assert titles[0] == f"[Question] {XSS}"
    assert "[Demande d'évolution] Importer les résultats de biologie" in titles and len(titles) == 4
    assert feed.find("a:title", NS).text == "Chorus : nouveaux sujets"


def test_xss_title_and_body_come_out_as_text(client, xss_thread):
    feed, raw = parse(client, "/b/chorus/feed.atom")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    entry = feed.findall("a:entry", NS)[0]
    assert entry.find("a:title", NS).get("type") == "text" and entry.find("a:title", NS).text == f"[Question] {XSS}"
    content = entry.find("a:content", NS)
    assert content.get("type") == "html"
    assert "onerror" not in content.text and "<strong>gras</strong>" in content.text


def test_requests_feed_lists_status_changes_and_official_answers(client, chorus):
    moderator = make_user(role="moderator")
    set_status(moderator, chorus["biology"], "a_l_etude", note="Nous regardons <script>x</script>.")
    db.session.commit()
    feed, raw = parse(client, "/b/chorus/demandes/feed.atom")
    assert_valid_atom(feed)
    entries = feed.findall("a:entry", NS)
    assert [e.find("a:title", NS).text for e in entries] == [
        "À l'étude : Importer les résultats de biologie",
        "Réponse officielle de l'éditeur : Ordonnances bizones en un clic (Planifiée)"]
    assert "Statut : Nouvelle → Planifiée" in entries[1].find("a:content", NS).text
    assert "Version : 6.2" in entries[1].find("a:content", NS).text
    assert "<script>" not in raw and "<script>" not in entries[0].find("a:content", NS).text
    assert entries[0].find("a:id", NS).text != entries[1].find("a:id", NS).text


def test_feeds_name_no_member(client, chorus):
    set_status(make_user(role="moderator", display_name="Modératrice Nommée"), chorus["biology"], "a_l_etude")
    db.session.commit()
    for url in ("/b/chorus/feed.atom", "/b/chorus/demandes/feed.atom"):
        _, data = parse(client, url)  # a 200 Atom feed, not an error page that would name no one either
        assert "Importer les résultats de biologie" in data
        assert SECRET_NAME not in data and "Modératrice Nommée" not in data and "@example.org" not in data


def test_deleted_threads_stay_out_of_feeds(client, chorus, xss_thread):
    xss_thread.deleted_at = utcnow()
    chorus["bizone"].deleted_at = utcnow()
    db.session.commit()
    feed, _ = parse(client, "/b/chorus/feed.atom")
    assert len(feed.findall("a:entry", NS)) == 2
    feed, _ = parse(client, "/b/chorus/demandes/feed.atom")
    assert feed.findall("a:entry", NS) == []
    assert feed.find("a:updated", NS).text


def test_unknown_board_feed_is_404(client, chorus):
    assert client.get("/b/inconnu/feed.atom").status_code == 404
    assert client.get("/b/inconnu/demandes/feed.atom").status_code == 404


def test_control_characters_do_not_break_the_feed(client, chorus):
    chorus["biology"].title = "Titre avec \x0b contrôle"
    db.session.commit()
    feed, _ = parse(client, "/b/chorus/feed.atom")
    assert any(e.find("a:title", NS).text.endswith("Titre avec  contrôle") for e in feed.findall("a:entry", NS))
