"""Search scoped to a board from the board page: results only from that board, a link to search
everywhere with the same words, and the header search still global."""
from __future__ import annotations

import pytest

from forum import search
from forum.extensions import db
from tests.factories import make_board, make_thread, make_user
from tests.pages import page


@pytest.fixture
def two_boards(app):
    search.reindex()
    chorus = make_board(name="Chorus", slug="chorus")
    weda = make_board(name="WEDA", slug="weda")
    author = make_user(uses=[chorus, weda])
    here = make_thread(chorus, author, title="Ordonnance bizone dans Chorus", body="Comment imprimer une ordonnance bizone ?")
    there = make_thread(weda, author, title="Ordonnance bizone dans WEDA", body="Où est l'ordonnance bizone ?")
    db.session.commit()
    search.apply_pending()
    # Titles are highlighted in results: look for each thread's link.
    return {"here": f'href="/t/{here.id}/{here.slug}"', "there": f'href="/t/{there.id}/{there.slug}"'}


def test_board_page_offers_a_search_scoped_to_the_board_and_the_header_stays_global(client, two_boards):
    html = page(client.get("/b/chorus/"))
    form = html.split('<form class="board-search"')[1].split("</form>")[0]
    assert 'action="/search"' in form and "Rechercher dans Chorus" in form
    assert '<input type="hidden" name="board" value="chorus">' in form
    header_form = html.split('<form class="header-search"')[1].split("</form>")[0]
    assert 'action="/search"' in header_form and 'name="board"' not in header_form


def test_scoped_results_come_only_from_that_board_with_a_link_to_search_everywhere(client, two_boards):
    html = page(client.get("/search?board=chorus&q=ordonnance+bizone"))
    assert "Résultats dans Chorus" in html
    assert two_boards["here"] in html and two_boards["there"] not in html
    assert '<a href="/search?q=ordonnance+bizone">Chercher dans tous les forums</a>' in html
    everywhere = page(client.get("/search?q=ordonnance+bizone"))
    assert two_boards["here"] in everywhere and two_boards["there"] in everywhere
    assert "Chercher dans tous les forums" not in everywhere and "Résultats dans" not in everywhere
