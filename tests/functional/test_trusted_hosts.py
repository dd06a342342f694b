"""Absolute links come from PUBLIC_BASE_URL, never from the request's Host header (reset e-mails,
feeds, API); hosts the site does not serve get a French 400; production needs PUBLIC_BASE_URL."""
from __future__ import annotations

import email
import re
import xml.etree.ElementTree as ET
from email import policy
from pathlib import Path

import pytest

from forum import create_app
from forum.config import ProductionConfig
from forum.extensions import db
from forum.web.urls import PublicUrlError, external_url
from tests.factories import make_thread, make_user
from tests.pages import page

PUBLIC = "https://clubs.example.org/forum"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
UNTRUSTED = "Ce site ne répond pas à l'adresse demandée."


def mails(folder: Path) -> list[str]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default).get_content()
            for path in sorted(folder.glob("*.eml"))] if folder.exists() else []


@pytest.fixture
def outbox(app, tmp_path) -> Path:
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def ask_reset(client, **kwargs):
    response = client.post("/mot-de-passe/oublie", data={"email": "claire@example.org"}, **kwargs)
    response.close()  # a real server sends the mail once the answer has gone
    return response


# --- links ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"},
    {"Host": "evil.example:80"},
    {"Host": "localhost.evil.example"},
])
def test_reset_requested_for_a_forged_host_is_refused_and_mails_nothing(client, outbox, headers):
    make_user("claire@example.org")
    db.session.commit()
    response = ask_reset(client, headers=headers)
    assert response.status_code == 400
    assert UNTRUSTED in page(response, 400) and '<html lang="fr">' in page(response, 400)
    assert "evil.example" not in page(response, 400)
    assert mails(outbox) == []


def test_reset_link_uses_the_public_address_even_from_another_served_host(app, client, outbox):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    make_user("claire@example.org")
    db.session.commit()
    response = ask_reset(client, headers={"Host": "127.0.0.1:8080", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 302
    [body] = mails(outbox)
    links = re.findall(r"https?://\S+", body)
    assert links and all(link.startswith(f"{PUBLIC}/mot-de-passe/nouveau/") for link in links)
    assert "127.0.0.1" not in body and "evil.example" not in body
    # The link works: it opens the form to choose a new password.
    assert client.get(links[0].removeprefix(PUBLIC)).status_code == 200


def test_feed_and_api_links_use_the_public_address_whatever_the_host(app, client):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    thread = make_thread(kind="request", title="Importer les résultats de biologie")
    db.session.commit()
    slug, other_host = thread.board.slug, {"Host": "127.0.0.1:8080"}
    feed = client.get(f"/b/{slug}/feed.atom", headers=other_host)
    assert feed.status_code == 200
    hrefs = [link.get("href") for link in ET.fromstring(feed.data).iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs and all(href.startswith(f"{PUBLIC}/") for href in hrefs)
    assert f"{PUBLIC}/t/{thread.id}/{thread.slug}" in hrefs
    boards = client.get("/api/v1/boards", headers=other_host)
    assert boards.status_code == 200
    [listed] = boards.json["boards"]
    assert listed["links"] == {"self": f"{PUBLIC}/b/{slug}/", "requests": f"{PUBLIC}/api/v1/boards/{slug}/requests",
                               "feed": f"{PUBLIC}/b/{slug}/feed.atom"}
    requests = client.get(f"/api/v1/boards/{slug}/requests", headers=other_host)
    assert requests.status_code == 200
    assert requests.json["requests"][0]["url"] == f"{PUBLIC}/t/{thread.id}/{thread.slug}"
    one = client.get(f"/api/v1/threads/{thread.id}", headers=other_host)
    assert one.status_code == 200 and one.json["url"] == f"{PUBLIC}/t/{thread.id}/{thread.slug}"
    assert "127.0.0.1" not in feed.get_data(as_text=True) + boards.get_data(as_text=True)


def test_links_are_built_without_any_request(app):
    """A worker sending notifications has an app context and no request."""
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    assert external_url("threads.show", thread_id=5, slug="sujet") == f"{PUBLIC}/t/5/sujet"
    assert external_url("threads.show", thread_id=5, slug="sujet", _anchor="statut") == f"{PUBLIC}/t/5/sujet#statut"
    assert external_url("static", filename="print.css") == f"{PUBLIC}/static/print.css"


# --- hosts the site serves ------------------------------------------------------------------------

def test_an_unknown_host_gets_a_french_400_page_and_api_json(client):
    for host in ("localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:51234"):  # served, whatever the port
        assert client.get("/", headers={"Host": host}).status_code == 200
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Requête invalide" in page(response, 400) and UNTRUSTED in page(response, 400)
    assert 'href="/static/forum.css"' in page(response, 400)  # a whole page, with the site's links
    api = client.get("/api/v1/boards", headers={"Host": "evil.example"})
    assert api.status_code == 400 and api.is_json
    assert api.json["error"]["message"].startswith(UNTRUSTED)


def bare_app(tmp_path, monkeypatch, **config):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("FORUM_ENV", raising=False)
    return create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       "RATELIMIT_ENABLED": False, **config})


@pytest.mark.parametrize("config", [
    {"FORUM_ENV": "production"},
    {"FORUM_ENV": "production", "PUBLIC_BASE_URL": None},
    {"FORUM_ENV": "production", "PUBLIC_BASE_URL": ""},
    {"FORUM_ENV": "production", "PUBLIC_BASE_URL": "http://127.0.0.1:5000/"},
])
def test_production_refuses_to_start_without_its_public_address(tmp_path, monkeypatch, config):
    with pytest.raises(PublicUrlError, match="PUBLIC_BASE_URL must be set in production"):
        bare_app(tmp_path, monkeypatch, **config)


def test_production_config_class_needs_it_too(tmp_path):
    with pytest.raises(PublicUrlError):
        create_app(ProductionConfig)

    class Deployed(ProductionConfig):
        PUBLIC_BASE_URL = "https://clubs.example.org"
        SECRET_KEY = "x"
        DATABASE_URL = f"sqlite:///{tmp_path / 'x.sqlite3'}"

    app = create_app(Deployed)
    assert app.config["TRUSTED_HOSTS"] == ["clubs.example.org"]  # no localhost in production


@pytest.mark.parametrize("value", ["clubs.example.org", "ftp://clubs.example.org", "https://", "https://x.org/?a=1"])
def test_a_malformed_public_address_is_refused(tmp_path, monkeypatch, value):
    with pytest.raises(PublicUrlError, match="expected http"):
        bare_app(tmp_path, monkeypatch, PUBLIC_BASE_URL=value)


def test_development_keeps_the_address_of_make_run(tmp_path, monkeypatch):
    app = bare_app(tmp_path, monkeypatch, FORUM_ENV="development")
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_trusted_hosts_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://clubs.example.org")
    monkeypatch.setenv("TRUSTED_HOSTS", "clubs.example.org, .clubs.example.org")
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "RATELIMIT_ENABLED": False})
    assert app.config["TRUSTED_HOSTS"] == ["clubs.example.org", ".clubs.example.org"]
    client = app.test_client()
    assert client.get("/static/forum.css", headers={"Host": "www.clubs.example.org"}).status_code == 200
    assert client.get("/static/forum.css", headers={"Host": "localhost"}).status_code == 400
