"""The FAQ of a board: a member proposes an accepted answer, a curator (moderator or the board's editor
representative) publishes it, everyone reads it; « à revérifier », the new-question hint, search."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models.faq import FaqEntry
from forum.services import faq, questions
from tests.factories import make_board, make_editor, make_post, make_thread, make_tip, make_user
from tests.pages import page


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)[1]


def _solved_question(board, title="Comment renouveler une ordonnance de kinésithérapie ?"):
    author = make_user(uses=[board])
    thread = make_thread(board, author, title=title, software_version="5.1")
    answer = make_post(thread, body="Menu **Ordonnances** > *Renouveler*.")
    questions.accept_answer(author, thread, answer)
    db.session.flush()
    return thread, answer


def _published(board, question="Comment exporter les patients ?", answer="Menu *Export*.", version=None, **kw):
    moderator = make_user(role="moderator")
    return faq.save_entry(moderator, board, None, question=question, answer=answer, version=version, **kw)


def test_accepted_answer_becomes_a_published_entry_once_a_curator_publishes_it(app, client, login):
    board = make_board()
    thread, answer = _solved_question(board)
    member, moderator = make_user(uses=[board]), make_user(role="moderator")
    login(member)
    thread_page = page(client.get(f"/t/{thread.id}"))
    assert "Proposer pour la FAQ" in thread_page
    form = page(client.get(f"/t/{thread.id}/proposer-faq"))
    assert "Comment renouveler une ordonnance de kinésithérapie ?" in form and "Renouveler" in form
    response = client.post(f"/t/{thread.id}/proposer-faq", data={
        "csrf_token": _csrf(form), "question": thread.title, "answer": "Menu **Ordonnances** > *Renouveler*.",
        "version": "5.1"})
    assert response.status_code == 302
    assert "Renouveler" not in page(client.get(f"/b/{board.slug}/faq")).split("<main")[-1]
    assert page(client.post(f"/b/{board.slug}/faq/{db.session.scalar(select(FaqEntry.id))}/publier",
                            data={"csrf_token": _csrf(form)}), 403)
    again = client.get(f"/t/{thread.id}/proposer-faq")
    assert "déjà été proposé" in page(again, 409)

    login(moderator)
    proposals = page(client.get(f"/b/{board.slug}/faq/propositions"))
    entry = db.session.scalar(select(FaqEntry))
    assert thread.title in proposals
    assert client.post(f"/b/{board.slug}/faq/{entry.id}/publier", data={"csrf_token": _csrf(proposals)}).status_code == 302
    client.get("/deconnexion")
    public = page(client.get(f"/b/{board.slug}/faq"))
    assert "Comment renouveler une ordonnance de kinésithérapie ?" in public
    assert f'/p/{answer.id}' in public and "Issu du sujet" in public and "Vérifié en version 5.1" in public


def test_editor_representative_curates_only_its_own_board(app, client, login):
    editor = make_editor()
    board, other = make_board(editor=editor), make_board()
    rep = make_user(role="editor", editor=editor)
    login(rep)
    form = page(client.get(f"/b/{board.slug}/faq/nouvelle"))
    response = client.post(f"/b/{board.slug}/faq/nouvelle", data={
        "csrf_token": _csrf(form), "question": "Où est la sauvegarde ?", "answer": "Dans *Outils*."})
    assert response.status_code == 302
    refused = client.post(f"/b/{other.slug}/faq/nouvelle", data={
        "csrf_token": _csrf(form), "question": "Intrus ?", "answer": "Non."})
    assert page(refused, 403)
    assert db.session.scalars(select(FaqEntry.question)).all() == ["Où est la sauvegarde ?"]


def test_member_cannot_write_an_entry(app, client, login):
    board = make_board()
    login(make_user(uses=[board]))
    assert page(client.get(f"/b/{board.slug}/faq/nouvelle"), 403)


def test_entry_checked_on_an_older_version_is_to_recheck(app, client):
    board = make_board()
    make_tip(board, software_version="5.4")  # the newest version the forum knows
    _published(board, question="Ancienne réponse ?", version="5.2")
    _published(board, question="Réponse à jour ?", version="5.4")
    db.session.commit()
    text = page(client.get(f"/b/{board.slug}/faq"))
    old, new = text.split("Ancienne réponse ?")[-1], text.split("Réponse à jour ?")[-1]
    assert text.count("À revérifier") == 1
    assert "Vérifié en version 5.2" in text and "Vérifié en version 5.4" in text
    assert "À revérifier" in old.split("</article>")[0] and "À revérifier" not in new.split("</article>")[0]


def test_new_question_form_lists_existing_answers(app, client, login):
    board = make_board()
    _published(board, question="Comment imprimer une ordonnance bizone ?")
    login(make_user(uses=[board]))
    asking = page(client.get(f"/b/{board.slug}/nouveau?type=question"))
    assert "Avant de poser votre question" in asking and "ordonnance bizone" in asking
    tip = page(client.get(f"/b/{board.slug}/nouveau?type=tip"))
    assert "Avant de poser votre question" not in tip


def test_search_shows_the_faq_entry_first(app, client):
    board = make_board()
    _published(board, question="Comment activer la télétransmission SESAM ?", answer="Menu *Facturation*.")
    _published(board, question="Autre chose ?", answer="Rien à voir.")
    db.session.commit()
    text = page(client.get("/search", query_string={"q": "télétransmission sesam"}))
    assert "Dans la FAQ" in text and "Comment activer la télétransmission SESAM ?" in text
    assert "Autre chose ?" not in text


def test_empty_question_is_refused_with_the_form_kept(app, client, login):
    board = make_board()
    login(make_user(role="moderator"))
    form = page(client.get(f"/b/{board.slug}/faq/nouvelle"))
    response = client.post(f"/b/{board.slug}/faq/nouvelle", data={
        "csrf_token": _csrf(form), "question": "  ", "answer": "Une réponse gardée"})
    text = page(response, 422)
    assert "Écrivez la question." in text and "Une réponse gardée" in text
    assert db.session.scalar(select(FaqEntry.id)) is None


def test_script_in_an_answer_is_not_rendered(app, client):
    board = make_board()
    _published(board, answer="Voici <script>alert('x')</script> **gras**")
    db.session.commit()
    text = client.get(f"/b/{board.slug}/faq").get_data(as_text=True)
    assert "<strong>gras</strong>" in text and "<script>alert" not in text


def test_anonymous_cannot_propose_but_reads(app, client):
    board = make_board()
    thread, _ = _solved_question(board)
    _published(board, question="Lisible par tous ?")
    db.session.commit()
    assert "Lisible par tous ?" in page(client.get(f"/b/{board.slug}/faq"))
    assert client.get(f"/t/{thread.id}/proposer-faq").status_code == 302


def test_tip_proposal_is_prefilled_with_its_text(app, client, login):
    board = make_board()
    tip = make_tip(board, title="Dupliquer une ordonnance type", body="Menu *Modèles* > *Dupliquer*.",
                   software_version="3.2")
    login(make_user(uses=[board]))
    form = page(client.get(f"/t/{tip.id}/proposer-faq"))
    assert "Dupliquer une ordonnance type" in form and "Menu *Modèles*" in form and 'value="3.2"' in form


def test_faq_page_query_count_is_constant(app, client, count_queries):
    def measure(n: int) -> int:
        board = make_board()
        section = faq.create_section(make_user(role="moderator"), board, "Section")
        for index in range(n):
            thread, _ = _solved_question(board, title=f"Question numéro {index} du forum")
            _published(board, question=f"Question {index} ?", section_id=section.id if index % 2 else None,
                       sources=str(thread.id))
        db.session.commit()
        with count_queries() as counter:
            page(client.get(f"/b/{board.slug}/faq"))
        return counter.count
    assert measure(3) == measure(12)
