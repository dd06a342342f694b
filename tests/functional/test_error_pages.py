"""French error pages for 400/403/404/405/413/429/500 (JSON under /api/), the request id shown on the
500 page and logged with the traceback."""
from __future__ import annotations

import logging

import pytest
from werkzeug.exceptions import Forbidden, TooManyRequests

from forum.extensions import db
from tests.factories import make_thread, make_user
from tests.pages import page

THREE_MB = 3 * 1024 * 1024


def test_404_page_is_french(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in page(response, 404) and '<html lang="fr">' in page(response, 404)


def test_405_page_is_french_with_allow_header(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Méthode non autorisée" in page(response, 405)
    assert "GET" in response.headers["Allow"]


def test_400_csrf_page_is_french(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/connexion", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez." in page(response, 400)


def test_403_page_is_french(app, client):
    @app.get("/essai-interdit")
    def _forbidden():
        raise Forbidden()

    response = client.get("/essai-interdit")
    assert response.status_code == 403 and "Accès refusé" in page(response, 403)


def test_429_page_is_french_with_retry_after(app, client):
    @app.get("/essai-trop")
    def _too_many():
        raise TooManyRequests()

    response = client.get("/essai-trop")
    assert response.status_code == 429
    assert "Trop de requêtes" in page(response, 429) and "Patientez" in page(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("path", ["/connexion", "/inscription", "/mot-de-passe/oublie"])
def test_3_mb_post_gets_the_french_413_page(client, path):
    response = client.post(path, data={"email": "a@example.org", "body": "x" * THREE_MB})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in page(response, 413)
    assert "Le contenu envoyé dépasse la taille autorisée." in page(response, 413)


def test_3_mb_reply_is_refused_with_413_and_nothing_is_stored(client, login):
    thread = make_thread()
    login(make_user(uses=[thread.board]))
    db.session.commit()
    replies = thread.reply_count
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "x" * THREE_MB})
    assert response.status_code == 413 and "Envoi trop volumineux" in page(response, 413)
    db.session.refresh(thread)
    assert thread.reply_count == replies


def test_3_mb_post_is_refused_before_the_login_redirect(client):
    response = client.post("/t/1/repondre", data={"body": "x" * THREE_MB})
    assert response.status_code == 413


def test_3_mb_post_with_csrf_on_is_still_a_413(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/connexion", data={"body": "x" * THREE_MB})
    assert response.status_code == 413


def test_api_errors_are_french_json(client):
    response = client.get("/api/v1/inconnu")
    assert response.status_code == 404 and response.is_json
    assert response.json["error"] == {"status": 404, "message": "Cette page n'existe pas ou a été supprimée.",
                                      "request_id": response.headers["X-Request-ID"]}


def test_500_page_shows_the_request_id_and_logs_the_exception_with_it(app, client, caplog):
    @app.get("/essai-panne")
    def _boom():
        raise RuntimeError("panne simulée")

    with caplog.at_level(logging.ERROR):
        response = client.get("/essai-panne")
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    text = page(response, 500)
    assert "Erreur interne" in text and "panne simulée" not in text
    assert f'<code class="request-id">{request_id}</code>' in text
    [record] = [r for r in caplog.records if r.name == "forum.web.errors"]
    assert request_id in record.getMessage() and record.request_id == request_id
    assert record.exc_info and "panne simulée" in str(record.exc_info[1])


def test_500_json_carries_the_request_id(app, client):
    @app.get("/api/v1/essai-panne")
    def _boom():
        raise RuntimeError("panne simulée")

    response = client.get("/api/v1/essai-panne", headers={"X-Request-ID": "req-1234"})
    assert response.status_code == 500
    assert response.json["error"]["request_id"] == "req-1234"
    assert "panne" not in response.json["error"]["message"]


def test_404_page_does_not_show_a_request_id(client):
    assert "request-id" not in page(client.get("/nulle-part"), 404)
