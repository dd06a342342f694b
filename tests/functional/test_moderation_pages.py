"""Moderation pages: each action changes what users see, leaves one journal entry with its reason;
members get 403 everywhere and nothing changes; scoped moderators act on their boards only."""
import re

import pytest
from flask import g
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Board, ModeratorScope, Post, Thread, User
from forum.services import counters
from tests.confirm import confirm
from tests.factories import make_board, make_post, make_request, make_thread, make_user
from tests.pages import page


def entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
def moderator(app):
    return make_user(role="moderator", display_name="Claire Modératrice")


def test_pinned_thread_comes_first_on_the_board_page(client, login, moderator):
    board = make_board()
    pinned = make_thread(board, title="Règles du forum Chorus")
    make_thread(board, title="Une question plus récente")
    login(moderator)
    response = client.post(f"/t/{pinned.id}/moderation/epingler", data={"reason": "Sujet de référence"})
    assert response.status_code == 302
    html = page(client.get(f"/b/{board.slug}/"))
    assert html.index("Règles du forum Chorus") < html.index("Une question plus récente")
    journal = page(client.get("/moderation/journal"))
    assert "Sujet épinglé" in journal and "Sujet de référence" in journal and "Claire Modératrice" in journal


def test_locked_thread_refuses_replies(client, login, moderator):
    thread = make_thread()
    member = make_user()
    login(moderator)
    assert client.post(f"/t/{thread.id}/moderation/verrouiller", data={}).status_code == 302
    login(member)
    html = page(client.get(f"/t/{thread.id}"))
    assert "Ce sujet est verrouillé" in html and f'action="/t/{thread.id}/repondre"' not in html
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Je réponds quand même"})
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 1
    assert [e.action for e in entries()] == ["lock"]


def test_moved_thread_appears_on_the_new_board_with_matching_counters(client, login, moderator):
    source, target = make_board(name="WEDA"), make_board(name="Hellodoc")
    thread = make_thread(source, title="Export du carnet de vaccination")
    make_post(thread)
    login(moderator)
    form = page(client.get(f"/t/{thread.id}/deplacer"))
    assert "Hellodoc" in form
    response = client.post(f"/t/{thread.id}/deplacer", data={"board_id": target.id, "reason": "Mauvais forum"})
    assert response.status_code == 302
    assert "Export du carnet de vaccination" in page(client.get(f"/b/{target.slug}/"))
    assert "Export du carnet de vaccination" not in page(client.get(f"/b/{source.slug}/"))
    assert counters.counter_mismatches() == []
    assert "WEDA → Hellodoc" in page(client.get("/moderation/journal"))


def test_hidden_post_shows_message_supprime_to_members(client, login, moderator):
    thread = make_thread()
    post = make_post(thread, body="Achetez mes formations !")
    login(moderator)
    response = client.post(f"/p/{post.id}/moderation/masquer", data={"reason": ""})
    assert response.status_code == 422 and "Indiquez le motif" in page(response, 422)
    assert client.post(f"/p/{post.id}/moderation/masquer", data={"reason": "Publicité"}).status_code == 302
    login(make_user())
    html = page(client.get(f"/t/{thread.id}"))
    assert "Message supprimé" in html and "Achetez mes formations" not in html
    login(moderator)
    assert "Publicité" in page(client.get("/moderation/journal"))
    assert client.post(f"/p/{post.id}/moderation/restaurer", data={}).status_code == 302
    assert "Achetez mes formations" in page(client.get(f"/t/{thread.id}"))


def test_hidden_thread_disappears_for_members_and_comes_back(client, login, moderator):
    board = make_board()
    thread = make_thread(board, title="Sujet hors charte")
    login(moderator)
    assert client.get(f"/t/{thread.id}/moderation/masquer").status_code == 200
    assert client.post(f"/t/{thread.id}/moderation/masquer", data={"reason": "Hors charte"}).status_code == 302
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/t/{thread.id}").status_code == 404
    assert "Sujet hors charte" not in page(client.get(f"/b/{board.slug}/"))
    login(moderator)
    assert client.post(f"/t/{thread.id}/moderation/restaurer", data={}).status_code == 302
    assert "Sujet hors charte" in page(client.get(f"/b/{board.slug}/"))


def test_merged_thread_posts_appear_in_the_target_in_date_order(client, login, moderator):
    board = make_board()
    source = make_thread(board, title="Comment imprimer une FSE ?", body="Question d'origine A")
    target = make_thread(board, title="Imprimer les feuilles de soins", body="Question d'origine B")
    make_post(source, body="Première réponse (A)")
    make_post(target, body="Deuxième réponse (B)")
    make_post(source, body="Troisième réponse (A)")
    login(moderator)
    response = confirm(client, f"/t/{source.id}/fusionner-sujet", {"target_id": target.id, "reason": "Doublon"})
    assert response.status_code == 302
    html = page(client.get(f"/t/{target.id}"))
    order = [html.index(s) for s in ("Question d'origine B", "Question d'origine A", "Première réponse (A)",
                                     "Deuxième réponse (B)", "Troisième réponse (A)")]
    assert order == sorted(order)
    pointer = client.get(f"/t/{source.id}")
    assert pointer.status_code == 302 and f"/t/{target.id}/" in pointer.headers["Location"]
    assert counters.counter_mismatches() == []
    assert "Sujets fusionnés" in page(client.get("/moderation/journal"))


def test_merge_form_refuses_unknown_target_with_422(client, login, moderator):
    thread = make_thread()
    login(moderator)
    response = client.post(f"/t/{thread.id}/fusionner-sujet", data={"target_id": 999999})
    assert response.status_code == 422 and "Indiquez le numéro d'un sujet existant" in page(response, 422)


def test_question_changed_to_request_shows_the_vote_box(client, login, moderator):
    board = make_board()
    question = make_thread(board, title="Pourrait-on exporter l'agenda en iCal ?")
    voter = make_user(uses=[board])
    login(moderator)
    response = client.post(f"/t/{question.id}/changer-type", data={"kind": "request", "reason": "Demande d'évolution"})
    assert response.status_code == 302
    login(voter)
    html = page(client.get(f"/t/{question.id}"))
    assert "Soutien à cette demande" in html and "Voter" in html and "Nouvelle" in html
    assert client.post(f"/t/{question.id}/vote", data={"importance": "important"}).status_code == 302


def test_changing_a_voted_request_kind_is_refused_with_422(client, login, moderator):
    from tests.factories import make_vote
    request = make_request()
    make_vote(request)
    login(moderator)
    response = client.post(f"/t/{request.id}/changer-type", data={"kind": "question"})
    assert response.status_code == 422 and "a déjà reçu des votes" in page(response, 422)
    assert db.session.get(Thread, request.id).kind == "request" and entries() == []


def test_moderator_edits_a_post_with_a_marked_revision(client, login, moderator):
    post = make_post(make_thread(), body="Mon numéro : 06 00 00 00 00")
    login(moderator)
    assert client.get(f"/p/{post.id}/moderer").status_code == 200
    response = client.post(f"/p/{post.id}/moderer", data={"body": "[numéro retiré]", "reason": "Coordonnées"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).body_source == "[numéro retiré]"
    assert "Message modifié par un modérateur" in page(client.get("/moderation/journal"))


def test_thread_page_shows_the_toolbar_to_moderators_only(client, login, moderator):
    thread = make_thread()
    make_post(thread)
    login(moderator)
    html = page(client.get(f"/t/{thread.id}"))
    assert "Épingler" in html and "Déplacer" in html and "Changer le type" in html and "Masquer le sujet" in html
    assert "Suspendre l'auteur" in html and "Modifier (modération)" in html
    login(make_user())
    html = page(client.get(f"/t/{thread.id}"))
    assert "Épingler" not in html and "Déplacer" not in html and "Signaler" in html


MEMBER_ROUTES = [
    ("get", "/moderation"), ("get", "/moderation/journal"),
    ("post", "/t/{t}/moderation/epingler"), ("post", "/t/{t}/moderation/verrouiller"),
    ("post", "/t/{t}/moderation/masquer"), ("get", "/t/{t}/moderation/masquer"),
    ("get", "/t/{t}/deplacer"), ("post", "/t/{t}/deplacer"),
    ("get", "/t/{t}/changer-type"), ("post", "/t/{t}/changer-type"),
    ("get", "/t/{t}/fusionner-sujet"), ("post", "/t/{t}/fusionner-sujet"),
    ("post", "/p/{p}/moderation/masquer"), ("get", "/p/{p}/moderer"), ("post", "/p/{p}/moderer"),
    ("get", "/u/{u}/suspendre"), ("post", "/u/{u}/suspendre"), ("post", "/u/{u}/lever-suspension"),
    ("post", "/moderation/signalements/{r}"),
]


def test_members_get_403_on_every_moderation_route_and_nothing_changes(client, login):
    from forum.services.reports import report_post
    board = make_board()
    thread, other = make_thread(board), make_thread(board)
    post = make_post(thread)
    victim = make_user()
    report = report_post(make_user(), post, "hors_sujet")
    member, elsewhere = make_user(), make_board()
    login(member)
    data = {"reason": "Vandalisme", "board_id": elsewhere.id, "kind": "request", "target_id": other.id,
            "body": "Vandalisé", "days": 30, "resolution": "Rien", "hide_post": "y"}
    for method, url in MEMBER_ROUTES:
        url = url.format(t=thread.id, p=post.id, u=victim.id, r=report.id)
        response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    thread = db.session.get(Thread, thread.id)
    assert (thread.pinned, thread.locked, thread.deleted_at, thread.board_id, thread.kind) == (
        False, False, None, board.id, "question")
    assert db.session.get(Post, post.id).body_source == "Voici ma réponse." and victim.suspended_until is None
    assert report.resolved_at is None and entries() == []


def test_scoped_moderator_acts_on_its_boards_and_gets_403_on_others(client, login):
    mine, other = make_board(), make_board()
    own_thread, foreign_thread = make_thread(mine, title="Sujet de mon forum"), make_thread(other)
    scoped = make_user(role="moderator")
    db.session.add(ModeratorScope(user_id=scoped.id, board_id=mine.id))
    login(scoped)
    assert client.post(f"/t/{own_thread.id}/moderation/epingler", data={}).status_code == 302
    assert client.post(f"/t/{foreign_thread.id}/moderation/epingler", data={}).status_code == 403
    assert client.get(f"/t/{foreign_thread.id}/deplacer").status_code == 403
    # Moving into a board it does not moderate is refused too.
    assert client.post(f"/t/{own_thread.id}/deplacer", data={"board_id": other.id}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Thread, own_thread.id).pinned and not db.session.get(Thread, foreign_thread.id).pinned
    assert db.session.get(Thread, own_thread.id).board_id == mine.id
    assert "Épingler" not in page(client.get(f"/t/{foreign_thread.id}"))
    assert [e.action for e in entries()] == ["pin"]


def test_nav_shows_moderation_link_with_open_report_count(client, login, moderator):
    from forum.services.reports import report_post
    post = make_post(make_thread())
    report_post(make_user(), post, "publicite")
    login(moderator)
    html = page(client.get("/"))
    assert 'href="/moderation"' in html and "Modération 1 signalement ouvert" in re.sub(r"<[^>]+>", "", html)
    login(make_user())
    assert 'href="/moderation"' not in page(client.get("/"))


def statements(client, count_queries, url):
    db.session.expunge_all()
    g.pop("_login_user", None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_queue_and_journal_query_counts_do_not_grow(client, login, count_queries):
    from forum.services.reports import report_post
    moderator = make_user(role="moderator")
    board_id = make_board().id

    def add(n):
        board = db.session.get(Board, board_id)
        for _ in range(n):
            post = make_post(make_thread(board))
            report_post(make_user(), post, "hors_sujet", "Rien à voir")
            db.session.add(AuditEntry(actor_id=make_user(role="moderator").id, action="pin", board_id=board.id,
                                      thread_id=post.thread_id, post_id=post.id, target_user_id=post.author_id,
                                      reason="Motif", details={}))
        db.session.commit()
    add(5)
    login(moderator)
    moderator = db.session.get(User, moderator.id)
    small = statements(client, count_queries, "/moderation"), statements(client, count_queries, "/moderation/journal")
    add(20)
    large = statements(client, count_queries, "/moderation"), statements(client, count_queries, "/moderation/journal")
    assert small == large
    assert max(large) <= 10
    html = page(client.get("/moderation"))
    assert html.count("Rien à voir") == 25 and "25 signalements ouverts" in html
    assert page(client.get("/moderation/journal")).count("Motif") >= 25


def test_thread_page_for_a_moderator_is_bounded(client, login, count_queries):
    from tests.factories import make_structure
    moderator = make_user(role="moderator")
    thread_id = make_thread().id
    for _ in range(3):
        make_post(db.session.get(Thread, thread_id), make_user(structure=make_structure()))
    login(moderator)
    small = statements(client, count_queries, f"/t/{thread_id}")
    for _ in range(12):
        make_post(db.session.get(Thread, thread_id), make_user(structure=make_structure()))
    db.session.commit()
    assert statements(client, count_queries, f"/t/{thread_id}") == small


def test_every_moderation_form_renders_for_a_moderator(client, login, moderator):
    thread = make_thread(title="Sujet à modérer")
    post = make_post(thread)
    member = make_user(display_name="Membre à suspendre")
    login(moderator)
    for url, expected in ((f"/t/{thread.id}/moderation/masquer", "Masquer le sujet"),
                          (f"/t/{thread.id}/moderation/epingler", "Épingler le sujet"),
                          (f"/t/{thread.id}/deplacer", "Forum de destination"),
                          (f"/t/{thread.id}/changer-type", "Nouveau type"),
                          (f"/t/{thread.id}/fusionner-sujet", "Numéro du sujet cible"),
                          (f"/p/{post.id}/moderation/masquer", "Masquer un message"),
                          (f"/p/{post.id}/moderer", "Modifier un message en tant que modérateur"),
                          (f"/u/{member.id}/suspendre", "Suspendre Membre à suspendre"),
                          ("/moderation", "Aucun signalement en attente"),
                          ("/moderation/journal", "Aucune action ne correspond")):
        response = client.get(url)
        assert response.status_code == 200 and expected in page(response), url
    assert client.get(f"/t/{thread.id}/moderation/inconnue").status_code == 404
