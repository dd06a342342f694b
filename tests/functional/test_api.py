"""The public JSON API v1: shapes of PRODUCT.md, ranked order, pagination links, JSON errors,
ETag and 304, and no personal data."""
import pytest

from forum.extensions import db
from forum.services import ranking
from tests.factories import make_board, make_editor, make_request, make_thread, make_user, make_vote
from tests.pages import json_text
from tests.scenarios import SECRET_EMAIL, SECRET_NAME


def test_boards_list_has_the_stable_shape(client, chorus):
    make_board(name="Inter-logiciels", slug="inter-logiciels", is_general=True)
    db.session.commit()
    response = client.get("/api/v1/boards")
    assert response.status_code == 200 and response.is_json
    boards = {b["slug"]: b for b in response.json["boards"]}
    assert boards["chorus"]["name"] == "Chorus" and boards["chorus"]["editor"] == "Éditeur Chorus"
    assert {"slug", "name", "editor", "label_level"} <= set(boards["chorus"])
    assert boards["chorus"]["requests"] == 3
    assert boards["chorus"]["links"]["requests"] == "http://localhost/api/v1/boards/chorus/requests"
    assert boards["inter-logiciels"]["editor"] is None


def test_requests_come_in_ranked_order_with_their_figures(client, chorus):
    body = client.get("/api/v1/boards/chorus/requests").json
    ranked = ranking.rank(chorus["board"]).rows
    assert [r["id"] for r in body["requests"]] == [row.thread.id for row in ranked]
    first = body["requests"][0]
    assert {"id", "title", "status", "score", "votes", "structures", "professions"} <= set(first)
    assert (first["title"], first["score"], first["votes"], first["structures"], first["professions"]) == (
        "Importer les résultats de biologie", 6, 3, 2, 2)
    assert [r["rank"] for r in body["requests"]] == [row.rank for row in ranked]
    assert first["rank"] == 1 and first["url"].startswith("http://localhost/t/")
    assert (body["page"], body["next"], body["total"]) == (1, None, 3)


def test_status_filter_and_recent_sort(client, chorus):
    body = client.get("/api/v1/boards/chorus/requests?status=planifiee").json
    assert [r["id"] for r in body["requests"]] == [chorus["bizone"].id] and body["statuses"] == ["planifiee"]
    assert body["requests"][0]["latest_answer"]["by"] == "editor"
    body = client.get("/api/v1/boards/chorus/requests?sort=recent").json
    assert [r["id"] for r in body["requests"]] == [chorus["bizone"].id, chorus["injection"].id, chorus["biology"].id]
    ranks = {row.thread.id: row.rank for row in ranking.rank(chorus["board"]).rows}
    assert [r["rank"] for r in body["requests"]] == [ranks[r["id"]] for r in body["requests"]]
    body = client.get("/api/v1/boards/chorus/requests?status=nouvelle,planifiee").json
    assert body["total"] == 3


def test_pagination_gives_next_links(client, chorus):
    for n in range(25):
        make_request(chorus["board"], title=f"Demande supplémentaire {n}")
    db.session.commit()
    first = client.get("/api/v1/boards/chorus/requests?status=nouvelle").json
    assert len(first["requests"]) == 25 and first["pages"] == 2
    assert first["next"] == "http://localhost/api/v1/boards/chorus/requests?page=2&sort=rank&status=nouvelle"
    second = client.get(first["next"]).json
    assert second["page"] == 2 and second["next"] is None and len(second["requests"]) == 2
    assert second["prev"].endswith("page=1&sort=rank&status=nouvelle")
    seen = [r["id"] for r in first["requests"] + second["requests"]]
    assert len(set(seen)) == 27


@pytest.mark.parametrize("query, word", [("sort=popular", "sort"), ("page=0", "page"), ("page=deux", "page"),
                                         ("status=perdue", "Statut inconnu")])
def test_bad_parameters_are_400_with_a_json_error(client, chorus, query, word):
    response = client.get(f"/api/v1/boards/chorus/requests?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.json["error"]["status"] == 400 and word in response.json["error"]["message"]


def test_unknown_board_thread_and_route_are_json_404(client, chorus):
    for url in ("/api/v1/boards/inconnu/requests", "/api/v1/threads/999", "/api/v1/nulle-part"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json and response.json["error"]["message"]


def test_deleted_threads_are_404(client, chorus):
    from forum.models._time import utcnow
    chorus["injection"].deleted_at = utcnow()
    db.session.commit()
    assert client.get(f"/api/v1/threads/{chorus['injection'].id}").status_code == 404


def test_thread_details_of_a_request(client, chorus):
    body = client.get(f"/api/v1/threads/{chorus['bizone'].id}").json
    assert (body["kind"], body["status"], body["board"]) == ("request", "planifiee", "chorus")
    assert body["history"] == [{"from_status": "nouvelle", "status": "planifiee", "date": body["history"][0]["date"],
                                "version": "6.2", "note": "Prévu pour la version 6.2.", "official_answer_by": "editor"}]
    assert "<p>" in body["body_html"]
    body = client.get(f"/api/v1/threads/{chorus['biology'].id}").json
    assert body["votes_by_importance"] == {"utile": 1, "important": 1, "bloquant": 1}
    assert body["professions_detail"] == [{"profession": "médecin généraliste", "count": 2},
                                          {"profession": "infirmier·e", "count": 1}]
    assert body["regions"] == [{"region": "Hauts-de-France", "count": 2}, {"region": "Bretagne", "count": 1}]


def test_thread_details_of_a_question(client, chorus):
    question = make_thread(chorus["board"], title="Comment exporter le DMP ?")
    db.session.commit()
    body = client.get(f"/api/v1/threads/{question.id}").json
    assert body["kind"] == "question" and body["solved"] is False and "status" not in body


def test_etag_gives_304_on_if_none_match(client, chorus):
    for url in ("/api/v1/boards", "/api/v1/boards/chorus/requests", f"/api/v1/threads/{chorus['biology'].id}"):
        first = client.get(url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    make_vote(chorus["bizone"], make_user(uses=[chorus["board"]]), "bloquant")
    db.session.commit()
    changed = client.get("/api/v1/boards/chorus/requests", headers={"If-None-Match": etag})
    assert changed.status_code == 200


def test_no_personal_data_anywhere(client, chorus):
    author = make_user("auteur.prive@example.org", display_name="Auteure Privée", uses=[chorus["board"]])
    request = make_request(chorus["board"], author, title="Demande d'une auteure")
    make_vote(request, chorus["secret"], "utile")
    db.session.commit()
    shown = {"/api/v1/boards": "Éditeur Chorus", "/api/v1/boards/chorus/requests": "Importer les résultats de biologie"}
    shown.update({f"/api/v1/threads/{t.id}": t.title for t in (request, chorus["biology"], chorus["bizone"])})
    for url, title in shown.items():
        data = json_text(client.get(url))  # 200, accents as written: "Secrète" could be found
        assert title in data
        for secret in (SECRET_EMAIL, SECRET_NAME, "auteur.prive", "Auteure Privée", "@example.org",
                       chorus["rep"].display_name):
            assert secret not in data


def test_api_answers_only_get(client, chorus):
    assert client.post("/api/v1/boards").status_code == 405
    other = make_board(editor=make_editor())
    db.session.commit()
    assert client.get(f"/api/v1/boards/{other.slug}/requests").json["requests"] == []


def test_request_list_runs_a_fixed_number_of_queries(client, chorus, count_queries):
    for n in range(30):
        make_vote(make_request(chorus["board"], title=f"Demande en plus {n}"), make_user(uses=[chorus["board"]]))
    db.session.commit()
    with count_queries() as counter:
        assert client.get("/api/v1/boards/chorus/requests").status_code == 200
    assert counter.count <= 5  # board, count, page, official answers (+ the search queue check)
