"""Similar open requests while writing a new one: the suggestion fragment, « Vérifier les
doublons » without script, and the confirmation asked once at « Publier »."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import Thread
from tests.factories import make_board, make_request, make_user, make_vote
from tests.pages import page

SUGGEST = "/b/medistory/demandes/similaires"


@pytest.fixture
def board():
    board = make_board(name="Médistory", slug="medistory")
    sombre = make_request(board, title="Affichage en mode sombre", body="Fond noir le soir.")
    make_vote(sombre)
    make_vote(sombre)
    make_request(board, title="Facturation infirmière", body="Depuis l'écran d'accueil, en mode dégradé.")
    closed = make_request(board, title="Mode sombre de l'agenda")
    closed.status = "refusee"
    db.session.commit()
    search.reindex()
    return board


@pytest.fixture
def member(login, board):
    user = make_user(uses=[board])
    db.session.commit()
    return login(user)


def request_titled(title: str) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.title == title))


def requests_count() -> int:
    return db.session.scalar(select(func.count(Thread.id)).where(Thread.kind == "request"))


def test_fragment_lists_close_open_requests_with_score_votes_status_and_support(client, board, member):
    html = page(client.get(SUGGEST, query_string={"titre": "Mode sombre pour l'écran d'accueil"}))
    sombre = request_titled("Affichage en mode sombre")
    assert f'href="/t/{sombre.id}/' in html and "Affichage en mode sombre" in html
    assert sombre.vote_count >= 2
    assert "proche à 57\xa0%" in html and f"{sombre.vote_count}\xa0votes" in html and "Nouvelle" in html
    assert (f'form="similar-support" formaction="/t/{sombre.id}/vote" name="importance" value="utile"' in html
            and "Soutenir cette demande" in html)
    assert "Facturation" not in html and "agenda" not in html  # unrelated; refused (closed)
    assert "<html" not in html  # a fragment


def test_support_is_offered_only_to_who_can_vote_and_has_not_yet(client, board, login):
    sombre = request_titled("Affichage en mode sombre")
    login(make_user())  # does not declare Médistory: their vote would not be accepted
    html = page(client.get(SUGGEST, query_string={"titre": "Mode sombre pour l'écran d'accueil"}))
    assert "Affichage en mode sombre" in html and "Soutenir cette demande" not in html
    voter = make_user(uses=[board])
    make_vote(sombre, voter)
    db.session.commit()
    login(voter)
    html = page(client.get(SUGGEST, query_string={"titre": "Mode sombre pour l'écran d'accueil"}))
    assert "Vous la soutenez déjà" in html and "Soutenir cette demande" not in html


def test_unrelated_or_too_short_title_gets_nothing(client, board, member):
    unrelated = client.get(SUGGEST, query_string={"titre": "Export des ordonnances en PDF"})
    assert unrelated.status_code == 204 and unrelated.data == b""
    empty = client.get(SUGGEST, query_string={"titre": "le la"})
    assert empty.status_code == 204
    long = client.get(SUGGEST, query_string={"titre": "mode sombre " + "x" * 5000})
    assert long.status_code == 200


def test_fragment_needs_login_and_an_existing_board(client, board, login):
    anonymous = client.get(SUGGEST, query_string={"titre": "mode sombre"})
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    login(make_user())
    assert client.get("/b/inconnu/demandes/similaires", query_string={"titre": "mode sombre"}).status_code == 404


def test_support_button_votes_for_the_existing_request(client, board, member):
    sombre = request_titled("Affichage en mode sombre")
    before = sombre.vote_count
    form = page(client.get("/b/medistory/nouveau?type=request"))
    assert '<form id="similar-support" method="post">' in form
    response = client.post(f"/t/{sombre.id}/vote", data={"importance": "utile"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#votes")
    db.session.refresh(sombre)
    assert sombre.vote_count == before + 1


def test_check_duplicates_without_script_renders_the_same_fragment(client, board, member):
    html = page(client.post("/b/medistory/nouveau", data={
        "kind": "request", "title": "Mode sombre pour l'écran d'accueil", "body": "Le soir.",
        "check_duplicates": "Vérifier les doublons"}))
    assert "Affichage en mode sombre" in html and "proche à 57\xa0%" in html and "Soutenir cette demande" in html
    assert "Facturation infirmière" not in html


def test_publier_of_a_near_duplicate_asks_once_then_creates(client, board, member):
    data = {"kind": "request", "title": "Affichage du mode sombre", "body": "Pour travailler **le soir**.",
            "publish": "Publier"}
    before = requests_count()
    html = page(client.post("/b/medistory/nouveau", data=data))
    assert "Une demande très proche existe déjà" in html and "Publier quand même" in html
    assert "Affichage en mode sombre" in html and "proche à 100\xa0%" in html
    assert 'value="Affichage du mode sombre"' in html and "Pour travailler **le soir**.</textarea>" in html
    assert 'name="confirm_duplicate" type="hidden" value="1"' in html
    assert requests_count() == before
    again = client.post("/b/medistory/nouveau", data={**data, "confirm_duplicate": "1",
                                                       "publish": "Publier quand même"})
    assert again.status_code == 302
    assert request_titled("Affichage du mode sombre") is not None and requests_count() == before + 1


def test_a_request_sent_twice_leads_to_the_one_created_not_to_a_confirmation(client, board, member):
    data = {"kind": "request", "title": "Exporter les ordonnances en PDF", "body": "Toutes.", "publish": "Publier",
            "submission_key": "k" * 32}
    first = client.post("/b/medistory/nouveau", data=data)
    assert first.status_code == 302
    search.reindex()  # the index now holds the new request: the resent form must not be asked about it
    again = client.post("/b/medistory/nouveau", data=data)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert len(db.session.scalars(select(Thread).where(Thread.title == data["title"])).all()) == 1


def test_publier_of_a_merely_related_request_or_a_question_is_not_asked(client, board, member):
    related = client.post("/b/medistory/nouveau", data={
        "kind": "request", "title": "Mode sombre pour l'écran d'accueil", "body": "Le soir.", "publish": "Publier"})
    assert related.status_code == 302
    question = client.post("/b/medistory/nouveau", data={
        "kind": "question", "title": "Affichage du mode sombre ?", "body": "Où ?", "publish": "Publier"})
    assert question.status_code == 302
