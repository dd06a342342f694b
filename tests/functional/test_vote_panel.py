"""A vote sent by votes.js gets back the vote panel exactly as a reload of the request page shows it."""
import html
import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import Vote
from forum.services.statuses import set_status
from tests.factories import make_board, make_request, make_user, make_vote
from tests.pages import json_text, page

SCRIPT = {"Accept": "application/json"}


def vote_panel(text: str) -> str:
    """The vote panel's section of a page or fragment, whitespace squeezed."""
    found = re.search(r'<section class="card request-panel" id="votes".*?</section>', text, re.S)
    assert found, "no vote panel"
    return " ".join(html.unescape(found.group(0)).split())


def votes_on(request) -> dict[int, str]:
    return dict(db.session.execute(select(Vote.user_id, Vote.importance).where(Vote.thread_id == request.id)).all())


def test_vote_by_script_returns_the_panel_a_reload_shows(app, client, login):
    board = make_board()
    request = make_request(board)
    make_vote(request, make_user(uses=[board], profession="infirmier"), "utile")
    make_vote(request, make_user(uses=[board]), "important")
    member = login(make_user(uses=[board], profession="masseur_kinesitherapeute"))
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "bloquant"}, headers=SCRIPT)
    answer = response.get_json()
    assert response.status_code == 200 and answer["message"] == "Votre vote est enregistré."
    fragment = vote_panel(answer["panel"])
    words = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    assert "Score : 6 · 3 votes comptés (1 utile, 1 important, 1 bloquant)" in words
    assert "Votre vote actuel : Bloquant (3 points)." in words and "Retirer mon vote" in words
    assert "masseur-kinésithérapeute : 1" in words
    assert fragment == vote_panel(page(client.get(f"/t/{request.id}")))
    assert (answer["score"], answer["vote_count"], answer["your_vote"]) == (6, 3, "bloquant")
    assert votes_on(request)[member.id] == "bloquant"


def test_withdrawal_by_script_returns_the_panel_without_the_vote(app, client, login):
    request = make_request()
    member = login(make_user(uses=[request.board]))
    make_vote(request, member, "important")
    db.session.commit()
    answer = client.post(f"/t/{request.id}/vote/retirer", headers=SCRIPT).get_json()
    assert answer["message"] == "Votre vote est retiré." and answer["your_vote"] is None
    fragment = vote_panel(answer["panel"])
    assert "Vous n'avez pas encore voté" in fragment and "Retirer mon vote" not in fragment
    assert fragment == vote_panel(page(client.get(f"/t/{request.id}")))
    assert votes_on(request) == {}


def test_vote_by_script_on_a_closed_request_is_refused_in_french_and_changes_nothing(app, client, login):
    request = make_request()
    member = login(make_user(uses=[request.board]))
    make_vote(request, member, "utile")
    set_status(make_user(role="moderator"), request, "refusee", note="Hors périmètre.")
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "bloquant"}, headers=SCRIPT)
    assert "Les votes sont clos" in json_text(response, 409)
    answer = response.get_json()
    assert answer["error"]["message"] == answer["message"] == "Les votes sont clos : cette demande est « Refusée »."
    assert "Les votes sont clos" in vote_panel(answer["panel"]) and "Retirer mon vote" not in answer["panel"]
    response = client.post(f"/t/{request.id}/vote/retirer", headers=SCRIPT)
    assert "Les votes sont clos" in json_text(response, 409)
    assert votes_on(request) == {member.id: "utile"}
