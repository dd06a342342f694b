"""The roadmap and version pages through the test client: the cards a visitor reads, the late
badge, the general board's page, the roadmap API (JSON, ETag, no one's name), the moderators'
merge of version spellings and constant query counts."""
from __future__ import annotations

from datetime import datetime, timedelta

from forum.extensions import db
from forum.models import SoftwareUse, VersionAlias
from forum.services import roadmap
from tests.factories import make_board, make_request, make_tip, make_user
from tests.pages import json_text, page
from tests.scenarios import SECRET_EMAIL, SECRET_NAME
from tests.unit.test_roadmap import reach, target


def history(board):
    """A late commitment, a slipped one, a recent delivery in 6.1 with an official answer, a study."""
    late = make_request(board, title="Export des comptes rendus en PDF")
    reach(late, "planifiee", datetime(2025, 1, 10))
    target(late, period="2025-T2")
    slipped = make_request(board, title="Agenda partagé entre praticiens")
    reach(slipped, "planifiee", datetime(2025, 3, 1))
    target(slipped, version="7.0", period=f"{datetime.now().year + 1}-T1", slips=2)
    delivered = make_request(board, title="Courbes de biologie dans le dossier")
    reach(delivered, "livree", roadmap.window_start() + timedelta(days=30), version="6.1",
          answer="Livré dans la **6.1** : onglet Biologie.")
    study = make_request(board, title="Messagerie sécurisée intégrée")
    reach(study, "a_l_etude", datetime(2026, 2, 1))
    db.session.commit()
    return {"late": late, "slipped": slipped, "delivered": delivered, "study": study}


def test_roadmap_shows_each_section_with_its_cards(client, chorus):
    made = history(chorus["board"])

    text = page(client.get("/b/chorus/feuille-de-route"))

    assert "Feuille de route de Chorus" in text
    study = text.index('id="titre-etude">À l\'étude')
    planned = text.index('id="titre-planifiee">Planifiée')
    delivered = text.index('id="titre-livree">Livrée récemment')
    assert study < text.index("Messagerie sécurisée intégrée") < planned
    assert planned < text.index("Agenda partagé entre praticiens") < delivered
    assert "<h3>Version 7.0" in text and "1 demande, 1 repoussée" in text
    assert f"Échéance : version 7.0 · T1 {datetime.now().year + 1}" in text
    assert "repoussée 2 fois" in text
    assert 'Livrée en <a href="/b/chorus/versions/6.1">version 6.1</a>' in text
    assert "Livré dans la 6.1 : onglet Biologie." in text
    assert "<strong>6.1</strong>" not in text
    assert f'href="/t/{made["delivered"].id}' in text


def test_a_late_commitment_carries_the_late_badge_on_its_card(client, chorus):
    made = history(chorus["board"])

    text = page(client.get("/b/chorus/feuille-de-route"))

    card = text[text.index(f'id="demande-{made["late"].id}"'):]
    card = card[:card.index("</article>")]
    assert "En retard" in card
    slipped = text[text.index(f'id="demande-{made["slipped"].id}"'):]
    assert "En retard" not in slipped[:slipped.index("</article>")]


def test_the_board_and_ranked_pages_link_to_the_roadmap(client, chorus):
    for url in ("/b/chorus/", "/b/chorus/demandes"):
        assert 'href="/b/chorus/feuille-de-route"' in page(client.get(url))


def test_a_board_without_editor_has_a_clear_roadmap_page(client, app):
    make_board(name="Inter-logiciels", slug="inter-logiciels", is_general=True)
    db.session.commit()

    text = page(client.get("/b/inter-logiciels/feuille-de-route"))

    assert "concernent les forums d'un logiciel" in text
    assert "concernent les forums d'un logiciel" in page(client.get("/b/inter-logiciels/versions/"))
    assert json_text(client.get("/api/v1/boards/inter-logiciels/roadmap"))
    assert 'href="/b/inter-logiciels/feuille-de-route"' not in page(client.get("/b/inter-logiciels/"))


def test_roadmap_api_gives_sections_with_targets_and_no_names(client, chorus):
    made = history(chorus["board"])

    response = client.get("/api/v1/boards/chorus/roadmap")
    raw = json_text(response)

    sections = {s["key"]: s for s in response.json["sections"]}
    planned = {r["id"]: r for r in sections["planifiee"]["requests"]}
    assert planned[made["late"].id]["target"]["late"] is True
    assert planned[made["slipped"].id]["target"] == {
        "version": "7.0", "period": f"{datetime.now().year + 1}-T1", "label": f"version 7.0 · T1 {datetime.now().year + 1}",
        "due_on": f"{datetime.now().year + 1}-03-31", "slips": 2, "late": False}
    delivered = sections["livree"]["requests"][0]
    assert delivered["id"] == made["delivered"].id and delivered["version"] == "6.1"
    assert delivered["official_answer_excerpt"] == "Livré dans la 6.1 : onglet Biologie."
    assert {"id", "title", "url", "score", "vote_count", "status", "status_date", "target"} <= set(delivered)
    assert [r["id"] for r in sections["etude"]["requests"]] == [made["study"].id]
    for secret in (SECRET_NAME, SECRET_EMAIL, chorus["rep"].display_name, chorus["rep"].email):
        assert secret not in raw


def test_roadmap_api_answers_304_to_its_etag(client, chorus):
    history(chorus["board"])
    etag = client.get("/api/v1/boards/chorus/roadmap").headers["ETag"]

    again = client.get("/api/v1/boards/chorus/roadmap", headers={"If-None-Match": etag})

    assert again.status_code == 304


def test_roadmap_statements_do_not_grow_with_the_requests(client, chorus, count_queries):
    history(chorus["board"])
    with count_queries() as few:
        page(client.get("/b/chorus/feuille-de-route"))
    for n in range(12):
        thread = make_request(chorus["board"], title=f"Demande planifiée numéro {n}")
        reach(thread, ("planifiee", "a_l_etude", "livree")[n % 3], roadmap.window_start() + timedelta(days=n + 1),
              version="6.2", answer=f"Réponse {n}")
        target(thread, version=f"6.{n % 4}")
    db.session.commit()
    with count_queries() as many:
        page(client.get("/b/chorus/feuille-de-route"))

    assert many.count == few.count
    assert few.count <= 12


def versions_board(board):
    deliver = make_request(board, title="Courbes de biologie dans le dossier")
    reach(deliver, "livree", datetime(2026, 3, 1), version="v6.1")
    make_tip(board, title="Astuce vérifiée en 6.0", software_version="6.0")
    for spelling in ("6.1", "6.1.0", "6.10"):
        db.session.add(SoftwareUse(user_id=make_user().id, board_id=board.id, version=spelling))
    db.session.commit()


def test_versions_page_lists_versions_newest_first_with_their_figures(client, chorus):
    versions_board(chorus["board"])

    text = page(client.get("/b/chorus/versions/"))

    order = [text.index(f'href="/b/chorus/versions/{v}">Version <bdi>{v}</bdi>') for v in ("6.10", "6.1.0", "6.1", "6.0")]
    assert order == sorted(order)
    assert "Fusionner deux orthographes" not in text


def test_a_version_page_shows_deliveries_and_tips_to_recheck(client, chorus):
    versions_board(chorus["board"])

    text = page(client.get("/b/chorus/versions/6.1"))

    assert "Courbes de biologie dans le dossier" in text
    assert "Astuce vérifiée en 6.0" in text and "Fonctionne toujours en version 6.1 ?" in text
    assert "#confirmations" in text


def test_an_unknown_version_is_a_french_404(client, chorus):
    versions_board(chorus["board"])

    assert "Cette version n'est pas connue pour ce logiciel." in page(client.get("/b/chorus/versions/9.9"), 404)


def test_a_typed_spelling_leads_to_the_canonical_version_page(client, chorus):
    versions_board(chorus["board"])

    response = client.get("/b/chorus/versions/v6.1")

    assert response.status_code == 301 and response.headers["Location"].endswith("/b/chorus/versions/6.1")


def test_a_moderator_merges_two_spellings(client, chorus, login):
    versions_board(chorus["board"])
    login(chorus["moderator"])
    assert "Fusionner deux orthographes" in page(client.get("/b/chorus/versions/"))

    response = client.post("/b/chorus/versions/fusionner", data={"alias": "6.1.0", "version": "6.1"})

    assert response.status_code == 302
    text = page(client.get("/b/chorus/versions/"))
    assert 'href="/b/chorus/versions/6.1.0"' not in text
    assert "« 6.1.0 » est désormais comptée avec la version 6.1." in text


def test_a_failed_merge_says_why_in_french_and_changes_nothing(client, chorus, login):
    versions_board(chorus["board"])
    login(chorus["moderator"])

    text = page(client.post("/b/chorus/versions/fusionner", data={"alias": "6.1", "version": "6.1"}), 422)

    assert "Choisissez deux versions différentes." in text
    assert db.session.query(VersionAlias).count() == 0


def test_a_member_cannot_merge_spellings(client, chorus, login):
    versions_board(chorus["board"])
    login(chorus["secret"])

    response = client.post("/b/chorus/versions/fusionner", data={"alias": "6.1.0", "version": "6.1"})

    assert response.status_code == 403
    assert db.session.query(VersionAlias).count() == 0


def test_version_pages_statements_do_not_grow_with_the_tips_and_deliveries(client, chorus, count_queries):
    versions_board(chorus["board"])
    with count_queries() as few:
        page(client.get("/b/chorus/versions/"))
        page(client.get("/b/chorus/versions/6.1"))
    for n in range(8):
        reach(make_request(chorus["board"], title=f"Livraison numéro {n}"), "livree", datetime(2026, 4, 1),
              version=("6.1", "v6.1", "6.0")[n % 3])
        make_tip(chorus["board"], title=f"Astuce numéro {n}", software_version=("5.9", "6.0")[n % 2])
    db.session.commit()
    with count_queries() as many:
        page(client.get("/b/chorus/versions/"))
        page(client.get("/b/chorus/versions/6.1"))

    assert many.count == few.count
