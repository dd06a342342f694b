"""Board page: header, tabs by kind, filters, sorts, pagination, 404."""
from datetime import timedelta

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Post, Thread
from forum.models._time import utcnow
from forum.services import posting
from tests.factories import make_board, make_editor, make_post, make_thread, make_user
from tests.pages import page


def _age(thread, hours):
    """Move a thread's last activity `hours` into the past (ordering tests)."""
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(last_activity_at=utcnow() - timedelta(hours=hours)))


def _first(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))


def test_board_page_shows_header_and_tabs(client):
    editor = make_editor(name="Cegedim Santé")
    board = make_board(name="Crossway", slug="crossway", editor=editor, label_level="avance", label_version="V2",
                       label_note="Labellisé niveau avancé", description="Logiciel médical des cabinets.",
                       website="https://www.example.org/crossway")
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/"))
    for text in ("Crossway", "Cegedim Santé", "Label Avancé V2", "Labellisé niveau avancé",
                 "Logiciel médical des cabinets.", 'href="https://www.example.org/crossway"', "Nouveau sujet",
                 'href="/b/crossway/demandes"'):
        assert text in html
    for tab in ("?type=question", "?type=tip", "?type=request", "?type=tout"):
        assert tab in html
    assert '<a href="/b/crossway/?type=tout" aria-current="page">Tout</a>' in html


def test_board_page_without_slash_redirects(client):
    make_board(slug="weda")
    db.session.commit()
    response = client.get("/b/weda")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/b/weda/")


def test_unknown_board_is_a_french_404(client):
    response = client.get("/b/inconnu/")
    assert response.status_code == 404
    assert "Ce forum n'existe pas." in page(response, 404)


def test_board_lists_pinned_first_then_recent_activity(client):
    board = make_board()
    old = make_thread(board, title="Sujet ancien épinglé")
    recent = make_thread(board, title="Sujet le plus récent")
    middle = make_thread(board, title="Sujet du milieu")
    _age(old, 50)
    _age(middle, 10)
    _age(recent, 1)
    old.pinned = True
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/"))
    assert html.index("Sujet ancien épinglé") < html.index("Sujet le plus récent") < html.index("Sujet du milieu")
    assert "Épinglé" in html


def test_deleted_threads_are_never_listed(client):
    board = make_board()
    thread = make_thread(board, title="Sujet retiré par son auteur")
    make_thread(board, title="Sujet toujours visible")
    posting.delete_post(thread.author, _first(thread))
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/"))
    assert "Sujet toujours visible" in html
    assert "Sujet retiré par son auteur" not in html


def test_tabs_filter_by_kind_and_mark_the_current_tab(client):
    board = make_board()
    make_thread(board, kind="question", title="Une question sur le DMP")
    make_thread(board, kind="tip", title="Une astuce pour les ordonnances", software_version="5.2")
    make_thread(board, kind="request", title="Une demande de téléconsultation")
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/?type=tip"))
    assert "Une astuce pour les ordonnances" in html
    assert "vérifiée sur la version 5.2" in html
    assert "Une question sur le DMP" not in html and "Une demande de téléconsultation" not in html
    assert f'href="/b/{board.slug}/?type=tip" aria-current="page"' in html
    html = page(client.get(f"/b/{board.slug}/?type=request"))
    assert "Une demande de téléconsultation" in html and "Nouvelle" in html and "Score 0" in html
    html = page(client.get(f"/b/{board.slug}/"))
    assert all(t in html for t in ("Une question sur le DMP", "Une astuce pour les ordonnances",
                                   "Une demande de téléconsultation"))


def test_new_thread_button_preselects_the_tab_kind(client):
    board = make_board()
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/?type=request"))
    assert f'href="/b/{board.slug}/nouveau?type=request"' in html


def test_questions_filters_solved_and_unanswered(client):
    board = make_board()
    solved = make_thread(board, title="Question résolue ici")
    answer = make_post(solved)
    solved.accepted_post_id = answer.id
    answered = make_thread(board, title="Question avec réponse")
    make_post(answered)
    make_thread(board, title="Question sans réponse aucune")
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/?type=question&filtre=resolues"))
    assert "Question résolue ici" in html and "Résolue" in html
    assert "Question avec réponse" not in html and "Question sans réponse aucune" not in html
    html = page(client.get(f"/b/{board.slug}/?type=question&filtre=sans-reponse"))
    assert "Question sans réponse aucune" in html
    assert "Question résolue ici" not in html and "Question avec réponse" not in html


def test_tips_can_be_sorted_by_useful_count(client):
    board = make_board()
    less = make_thread(board, kind="tip", title="Astuce peu utile")
    more = make_thread(board, kind="tip", title="Astuce très utile")
    _age(more, 30)
    less.useful_count, more.useful_count = 1, 7
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/?type=tip"))
    assert html.index("Astuce peu utile") < html.index("Astuce très utile")
    html = page(client.get(f"/b/{board.slug}/?type=tip&tri=utiles"))
    assert html.index("Astuce très utile") < html.index("Astuce peu utile")
    assert "7 « utile »" in html


def test_board_paginates_25_threads_per_page(client, app):
    board = make_board()
    author = make_user()
    threads = [make_thread(board, author, title=f"Sujet numéro {n:02d}") for n in range(27)]
    for age, thread in enumerate(threads):
        _age(thread, 100 - age)  # the last created is the most recent
    db.session.commit()
    first = page(client.get(f"/b/{board.slug}/"))
    assert "Sujet numéro 26" in first and "Sujet numéro 02" in first and "Sujet numéro 01" not in first
    assert "Page 1 sur 2" in first
    second = page(client.get(f"/b/{board.slug}/?page=2"))
    assert "Sujet numéro 01" in second and "Sujet numéro 00" in second and "Sujet numéro 02" not in second


def test_page_past_the_end_or_not_a_number_says_so(client):
    board = make_board()
    make_thread(board, title="Le seul sujet du forum")
    db.session.commit()
    for number in ("9", "abc", "0", "-1"):
        response = client.get(f"/b/{board.slug}/?page={number}")
        assert response.status_code == 200
        html = page(response)
        assert "Cette page n'existe pas" in html
        assert "Le seul sujet du forum" not in html


def test_thread_row_shows_author_replies_and_badges(client):
    board = make_board()
    author = make_user(display_name="Dr Claire Martin")
    thread = make_thread(board, author, title="Sujet verrouillé à lire")
    make_post(thread)
    make_post(thread)
    thread.locked = True
    db.session.commit()
    html = page(client.get(f"/b/{board.slug}/"))
    assert "Dr Claire Martin" in html and "2 réponses" in html and "Verrouillé" in html
    assert f'href="/t/{thread.id}/sujet-verrouille-a-lire"' in html
