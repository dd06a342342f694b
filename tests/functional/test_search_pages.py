"""The search page through the test client: form, results, filters, bad input, fallback."""
from __future__ import annotations

from pathlib import Path

import pytest

from forum import search
from forum.extensions import db
from forum.search.whoosh import storage
from forum.services import privacy, statuses
from tests.factories import make_board, make_post, make_request, make_thread, make_user


@pytest.fixture
def content(app):
    search.reindex()
    chorus = make_board(name="Chorus", slug="chorus")
    weda = make_board(name="WEDA", slug="weda")
    author = make_user(display_name="Claire Martin", uses=[chorus, weda])
    tip = make_thread(chorus, author, kind="tip", title="Alimenter le DMP en un clic",
                      body="Activez l'option dans les préférences `<img src=x onerror=alert(1)>` puis redémarrez.")
    request = make_request(chorus, author, title="Envoi au dossier médical partagé automatique",
                           body="Nous voulons que le DMP soit alimenté à chaque consultation.")
    statuses.set_status(make_user(role="moderator"), request, "planifiee", note="Prévu.", version="6.1")
    question = make_thread(weda, author, title="Requête pour l'ACI",
                           body="Comment sortir les dossiers renseignés ?")
    db.session.commit()
    search.apply_pending()
    return {"tip": tip, "request": request, "question": question}


def test_search_form_has_bound_labels_and_board_choices(client, content):
    page = client.get("/search").get_data(as_text=True)
    for name in ("q", "board", "kind", "status", "sort"):
        assert f'for="{name}"' in page and f'id="{name}"' in page
    assert '<option value="chorus">Chorus</option>' in page and "Tous les forums" in page


def test_results_show_kind_board_status_excerpt_and_link(client, content):
    response = client.get("/search?q=dmp")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 sujets trouvés" in page
    assert "Astuce" in page and "Demande d&#39;évolution" in page and "Planifiée" in page
    assert "Forum Chorus" in page
    assert "<mark>DMP</mark>" in page and "<mark>dossier</mark>" in page
    request = content["request"]
    assert f'href="/t/{request.id}/{request.slug}"' in page


def test_user_text_is_escaped_in_excerpts(client, content):
    page = client.get("/search?q=préférences").get_data(as_text=True)
    page = page[page.index('id="resultats-titre"'):]
    assert "<mark>préférences</mark>" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_filters_from_the_form_and_inline(client, content):
    page = client.get("/search?q=dmp&kind=request").get_data(as_text=True)
    assert "1 sujet trouvé" in page and "Envoi au" in page
    page = client.get("/search?q=dmp statut:planifiee").get_data(as_text=True)
    assert "1 sujet trouvé" in page and "statut Planifiée" in page
    page = client.get("/search?q=dossiers&board=weda").get_data(as_text=True)
    assert "1 sujet trouvé" in page and "Requête pour" in page


@pytest.mark.slow
@pytest.mark.parametrize("query, message", [
    ("/search?q=", "Saisissez un ou plusieurs mots"),
    ("/search?q=le+la+les+de", "mots trop courants"),
    ('/search?q=dmp+"préférences', "guillemet n&#39;était pas fermé"),
    ("/search?q=" + "dmp+" * 250, "trop longue"),
    ("/search?q=dmp&board=inconnu", "Aucun forum ne correspond à « inconnu »"),
    ("/search?q=dmp+logiciel:nulle-part", "Aucun forum ne correspond"),
    ("/search?q=dmp&kind=sondage", "Type de sujet inconnu"),
    ("/search?q=dmp+statut:zzz", "Statut inconnu"),
    ("/search?q=dmp&page=99", "Cette page n&#39;existe pas"),
    ("/search?q=dmp&page=abc", "sujets trouvés"),
    ("/search?q=dmp&sort=n%27importe", "sujets trouvés"),
    ("/search?q=zyxwvut", "Aucun sujet ne correspond"),
    ("/search?q=-&page=-3", "Saisissez un ou plusieurs mots"),
    ('/search?q="""', "Saisissez un ou plusieurs mots"),
    ("/search?q=title:foo+*+AND+OR+(", "Aucun sujet ne correspond"),
])
def test_bad_input_gets_a_french_message_never_an_error(client, content, query, message):
    response = client.get(query)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_pagination_links_when_many_results(client, app):
    search.reindex()
    board = make_board()
    author = make_user(uses=[board])
    for n in range(23):
        make_thread(board, author, title=f"Sauvegarde hors site numéro {n}", body="Deux copies.")
    db.session.commit()
    search.apply_pending()
    page = client.get("/search?q=sauvegarde").get_data(as_text=True)
    assert "23 sujets trouvés" in page and "Page 1 sur 2" in page and 'rel="next"' in page
    second = client.get("/search?q=sauvegarde&page=2").get_data(as_text=True)
    assert second.count('class="badge badge-kind-question"') == 3


def test_missing_index_shows_notice_and_database_results(client, app):
    thread = make_thread(title="Hotline injoignable", body="Pas de référent attitré.")
    db.session.commit()
    response = client.get("/search?q=hotline")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "momentanément indisponible" in page and "<mark>Hotline</mark> injoignable" in page
    assert f"/t/{thread.id}/" in page


def test_corrupt_index_shows_notice_not_an_error_page(client, content, app):
    storage.forget_searchers()
    root = Path(app.config["SEARCH_INDEX_DIR"])
    (root / storage.POINTER).write_text("gen-nexiste-pas\n")
    response = client.get("/search?q=dmp")
    assert response.status_code == 200
    assert "momentanément indisponible" in response.get_data(as_text=True)


def test_reply_through_the_web_is_searchable_after_the_request(client, content, login):
    user = login(make_user(uses=[content["tip"].board]))
    response = client.post(f"/t/{content['tip'].id}/repondre", data={"body": "Le zygomatique aussi."})
    assert response.status_code == 302
    page = client.get("/search?q=zygomatique").get_data(as_text=True)
    assert "1 sujet trouvé" in page and user.display_name


def test_search_page_runs_a_bounded_number_of_queries(client, content, count_queries):
    for n in range(10):
        make_post(content["tip"], body=f"Réponse {n} sur le DMP.")
    db.session.commit()
    search.apply_pending()
    with count_queries() as counter:
        assert client.get("/search?q=dmp").status_code == 200
    assert counter.count <= 6


def test_a_members_vote_toggles_on_request_hits_cost_the_same_statements_for_many_boards(client, login,
                                                                                       count_queries):
    from forum.models import Board
    from tests.factories import make_structure

    search.reindex()
    boards = [make_board(slug=f"logiciel-{n}") for n in range(3)]
    member = make_user(uses=boards)
    first_id = make_request(boards[0], make_user(structure=make_structure()), title="Rappel de vaccination").id
    board_ids = [board.id for board in boards]
    db.session.commit()
    search.apply_pending()
    login(member)

    def statements() -> tuple[int, str]:
        db.session.expunge_all()
        with count_queries() as counter:
            response = client.get("/search?q=vaccination")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    one, html = statements()
    assert html.count("data-toggle-form") == 1 and f"vote-toggle-{first_id}" in html
    # More request hits, on boards of other editors, by authors of other structures: the toggles
    # read no editor, author or structure one row at a time.
    others = [make_request(db.session.get(Board, board_id), make_user(structure=make_structure()),
                           title=f"Vaccination, rappel {n}").id for n, board_id in enumerate(board_ids)]
    db.session.commit()
    search.apply_pending()
    many, html = statements()
    assert html.count("data-toggle-form") == 4 and all(f"vote-toggle-{other}" in html for other in others)
    assert many == one


def test_outside_tests_the_queue_is_applied_once_the_response_is_sent(client, content, login, app):
    from sqlalchemy import func, select

    from forum.models import IndexTask

    login(make_user(uses=[content["tip"].board]))
    app.testing = False
    try:
        response = client.post(f"/t/{content['tip'].id}/repondre", data={"body": "Le zygomatique aussi."})
        assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 1  # not yet: still sending
        response.close()  # what gunicorn does after writing the body
    finally:
        app.testing = True
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 0
    assert [h.thread.id for h in search.query("zygomatique").hits] == [content["tip"].id]


def test_results_show_the_author_and_a_deleted_author_as_former_member(client, content):
    page = client.get("/search?q=dmp").get_data(as_text=True)
    author = content["tip"].author
    assert f'<a class="author" href="/u/{author.id}"><bdi>Claire Martin</bdi></a>' in page
    gone = make_user(display_name="Bernard Supprimé", password="mot-de-passe-solide")
    make_thread(content["tip"].board, gone, kind="tip", title="Export DMP du soir", body="Rien.")
    db.session.commit()
    search.apply_pending()
    privacy.delete_account(gone, "mot-de-passe-solide")
    db.session.commit()
    page = client.get("/search?q=dmp").get_data(as_text=True)
    assert "3 sujets trouvés" in page and "Bernard Supprimé" not in page
    assert '<span class="author"><bdi>Ancien membre</bdi></span>' in page
