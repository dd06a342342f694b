"""Ranked page, vote control, thread panel, tips and questions through the test client."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Vote
from forum.services.merges import merge_requests
from forum.services.statuses import set_status
from tests.factories import (
    make_board,
    make_editor,
    make_post,
    make_request,
    make_structure,
    make_thread,
    make_tip,
    make_user,
    make_vote,
)
from tests.pages import page


def vote_count(thread):
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))


def test_ranked_page_shows_rule_rows_and_figures(app, client):
    board = make_board(name="Chorus", slug="chorus")
    top = make_request(board, title="Exporter le DMP en un clic")
    low = make_request(board, title="Changer la couleur du menu")
    make_vote(top, make_user(uses=[board], profession="infirmier"), "bloquant")
    make_vote(top, make_user(uses=[board]), "important")
    make_vote(low, make_user(uses=[board]), "utile")
    set_status(make_user(role="moderator"), top, "transmise", note="Transmise dans le livrable de mars.", official=True)
    db.session.commit()
    html = page(client.get("/b/chorus/demandes"))
    assert "Comment le classement est calculé" in html and "plafonnés à 10" in html
    assert html.index("Exporter le DMP en un clic") < html.index("Changer la couleur du menu")
    assert "1 utile, 1 important, 1 bloquant" not in html  # per row, not summed
    assert "0 utile, 1 important, 1 bloquant" in html
    assert "infirmier·e : 1; médecin généraliste : 1" in html
    assert "Transmise à l&#39;éditeur" in html or "Transmise à l'éditeur" in html
    assert "Réponse officielle de la fédération" in html and "Transmise dans le livrable de mars." in html
    assert f'href="/t/{top.id}/' in html


def test_ranked_page_status_filter_and_my_votes(app, client, login):
    board = make_board(slug="weda")
    open_request = make_request(board, title="Demande encore ouverte")
    delivered = make_request(board, title="Demande déjà livrée")
    set_status(make_user(role="moderator"), delivered, "livree", version="3.2")
    me = make_user(uses=[board])
    make_vote(open_request, me, "important")
    db.session.commit()
    html = page(client.get("/b/weda/demandes"))
    assert "Demande encore ouverte" in html and "Demande déjà livrée" not in html
    html = page(client.get("/b/weda/demandes?statut=livree"))
    assert "Demande déjà livrée" in html and "Demande encore ouverte" not in html
    login(me)
    html = page(client.get("/b/weda/demandes?mes-votes=1&tri=votes"))
    assert "Demande encore ouverte" in html and "Votre vote : Important" in html
    assert client.get("/b/inconnu/demandes").status_code == 404


def test_ranked_page_query_count_does_not_grow_with_rows(app, client, count_queries):
    def build(slug, n):
        board = make_board(slug=slug)
        voters = [make_user(uses=[board], structure=make_structure()) for _ in range(3)]
        for i in range(n):
            request = make_request(board, author=voters[0])
            for voter in voters[: 1 + i % 3]:
                make_vote(request, voter, "important")
            if i % 4 == 0:
                set_status(make_user(role="moderator"), request, "a_l_etude", note="Vu.", official=True)
        db.session.commit()

    build("dix", 10)
    build("vingt-cinq", 25)
    counts = []
    for slug, expected in (("dix", 10), ("vingt-cinq", 25)):
        db.session.remove()
        with count_queries() as counter:
            response = client.get(f"/b/{slug}/demandes")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('<tr id="demande-') == expected
        counts.append(counter.count)
        # the breakdowns by importance and profession are stored with the figures: no GROUP BY
        assert not [s for s in counter.statements if "FROM votes" in s and "GROUP BY" in s]
    assert counts[0] == counts[1] and counts[1] <= 7


def test_vote_form_post_redirects_back_and_json_answers(app, client, login):
    request = make_request()
    member = login(make_user(uses=[request.board]))
    response = client.post(f"/t/{request.id}/vote", data={"importance": "important"})
    assert response.status_code == 302 and f"/t/{request.id}" in response.headers["Location"]
    response = client.post(f"/t/{request.id}/vote", data={"importance": "bloquant"},
                           headers={"Accept": "application/json"})
    assert response.get_json().items() >= {"score": 3, "vote_count": 1, "your_vote": "bloquant"}.items()
    assert vote_count(request) == 1
    response = client.post(f"/t/{request.id}/vote/retirer", headers={"Accept": "application/json"})
    assert response.get_json().items() >= {"score": 0, "vote_count": 0, "your_vote": None}.items()
    assert member.id and vote_count(request) == 0


def test_bad_votes_get_a_french_message_and_change_nothing(app, client, login):
    board = make_board()
    request = make_request(board)
    question = make_thread(board, kind="question")
    login(make_user(uses=[board]))
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "urgentissime"})
    assert response.status_code == 422 and "utile, important ou bloquant" in response.get_data(as_text=True)
    assert client.post(f"/t/{question.id}/vote", data={"importance": "utile"}).status_code == 409
    set_status(make_user(role="moderator"), request, "refusee", note="Hors périmètre.")
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "utile"})
    assert response.status_code == 409 and "Les votes sont clos" in response.get_data(as_text=True)
    assert vote_count(request) == 0


def test_non_user_of_the_software_is_told_why(app, client, login):
    request = make_request()
    login(make_user())
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "utile"})
    assert response.status_code == 403 and "Déclarez que vous utilisez ce logiciel" in response.get_data(as_text=True)
    response = client.post(f"/t/{request.id}/vote", data={"importance": "utile"}, headers={"Accept": "application/json"})
    assert response.status_code == 403 and "Déclarez" in response.get_json()["error"]["message"]
    assert vote_count(request) == 0


def test_anonymous_vote_is_sent_to_login(app, client):
    request = make_request()
    db.session.commit()
    response = client.post(f"/t/{request.id}/vote", data={"importance": "utile"})
    assert response.status_code in (302, 401) and vote_count(request) == 0


def test_editor_space_lists_requests_answers_and_median(app, client, login):
    editor = make_editor(name="Éditeur Chorus")
    board = make_board(name="Chorus", editor=editor)
    answered = make_request(board, title="Demande déjà répondue")
    make_request(board, title="Demande en attente de réponse")
    rep = make_user(role="editor", editor=editor)
    set_status(rep, answered, "planifiee", version="6.0", note="Prévu en 6.0.", official=True)
    db.session.commit()
    login(rep)
    html = page(client.get("/editeur"))
    assert "Espace éditeur" in html and "Délai médian" in html
    assert "Sans réponse officielle (1)" in html and "Demande en attente de réponse" in html
    assert "Demandes ouvertes classées (2)" in html
    assert "sur 1 demande ayant reçu une réponse" in html


def test_editor_space_is_for_editors_only(app, client, login):
    for role in ("member", "moderator", "admin"):
        login(make_user(role=role))
        db.session.commit()
        response = client.get("/editeur")
        assert response.status_code == 403 and "réservé aux représentants" in response.get_data(as_text=True)


def test_thread_page_request_panel(app, client, login):
    editor = make_editor()
    board = make_board(name="Hellodoc", editor=editor)
    request = make_request(board, title="Ordonnances bizone plus simples")
    member = make_user(uses=[board])
    make_vote(request, member, "important")
    set_status(make_user(role="editor", editor=editor), request, "planifiee", version="7.1",
               note="Nous livrerons cela en **7.1**.", official=True)
    db.session.commit()
    login(member)
    html = page(client.get(f"/t/{request.id}"))
    assert "Votre vote actuel : <strong>Important</strong>" in html
    assert "Modifier mon vote" in html and "Retirer mon vote" in html
    assert "Réponse officielle de l&#39;éditeur" in html or "Réponse officielle de l'éditeur" in html
    assert "<strong>7.1</strong>" in html and "Historique du statut" in html
    assert "Changer le statut" not in html and "Fusionner" not in html


def test_thread_page_for_non_user_closed_request_and_doublon(app, client, login):
    board = make_board(name="Axisanté")
    source, target = make_request(board, title="Demande doublon"), make_request(board, title="Demande d'origine")
    moderator = make_user(role="moderator")
    login(make_user())
    db.session.commit()
    html = page(client.get(f"/t/{target.id}"))
    assert "Seuls les utilisateurs de Axisanté" in html
    merge_requests(moderator, source, target)
    db.session.commit()
    html = page(client.get(f"/t/{source.id}"))
    assert "Les votes sont clos" in html and f"la demande n° {target.id}" in html
    login(moderator)
    html = page(client.get(f"/t/{target.id}"))
    assert "Changer le statut" in html and "Fusionner cette demande" in html


def test_tip_useful_toggle_and_confirmation(app, client, login):
    tip = make_tip(software_version="5.1")
    login(make_user())
    assert client.post(f"/t/{tip.id}/utile").status_code == 302
    html = page(client.get(f"/t/{tip.id}"))
    assert "1 membre a trouvé cette astuce utile" in html and "Retirer « utile »" in html
    assert client.post(f"/t/{tip.id}/utile/retirer").status_code == 302
    assert client.post(f"/t/{tip.id}/confirmer", data={"version": "5.4"}).status_code == 302
    response = client.post(f"/t/{tip.id}/confirmer", data={"version": " "})
    assert response.status_code == 422 and "Indiquez la version" in response.get_data(as_text=True)
    html = page(client.get(f"/t/{tip.id}"))
    assert "0 membre a trouvé" in html and "Fonctionne toujours en version 5.4" in html


def test_question_author_accepts_a_reply(app, client, login):
    question = make_thread(kind="question")
    reply = make_post(question)
    login(make_user())
    db.session.commit()
    assert client.post(f"/p/{reply.id}/accepter").status_code == 403
    login(question.author)
    html = page(client.get(f"/t/{question.id}"))
    assert "Accepter comme solution" in html
    assert client.post(f"/p/{reply.id}/accepter").status_code == 302
    html = page(client.get(f"/t/{question.id}"))
    assert "Résolue" in html and "Ne plus marquer comme solution" in html
    assert "Aller à la solution acceptée" in html  # the question's panel, after the first post
    assert client.post(f"/t/{question.id}/solution/retirer").status_code == 302
    db.session.expire_all()
    assert not question.is_solved


def test_anonymous_visitor_sees_figures_and_how_to_vote(app, client):
    request = make_request(title="Téléservice AAT intégré")
    make_vote(request, importance="bloquant")
    db.session.commit()
    html = page(client.get(f"/t/{request.id}"))
    assert "Score : <strong data-vote-score>3</strong>" in html
    assert "pour voter" in html and 'name="importance"' not in html
