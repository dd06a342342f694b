"""The relevance threshold of the duplicate hint, on each backend (Whoosh, PostgreSQL, the
database fallback): only titles sharing meaningful words with the typed one are offered."""
from __future__ import annotations

import pytest

from forum import search
from forum.extensions import db
from forum.search.similarity import CONFIRM_THRESHOLD
from tests.factories import make_board, make_request

TYPED = "Mode sombre pour l'écran d'accueil"


@pytest.fixture(params=["whoosh", "fallback", pytest.param("postgres", marks=pytest.mark.postgres_only)])
def requests(request, app):
    """A board whose unrelated requests mention the typed words in their body; indexed unless
    the backend is the database fallback (no index at all)."""
    if request.param == "postgres":
        app.config["SEARCH_BACKEND"] = "postgres"
    board = make_board()
    threads = {
        "sombre": make_request(board, title="Affichage en mode sombre", body="Fond noir le soir."),
        "facturation": make_request(board, title="Facturation infirmière",
                                    body="Depuis l'écran d'accueil, en mode dégradé, la facturation est sombre."),
        "ecran": make_request(board, title="Nouvel écran de facturation", body="Plus lisible."),
    }
    db.session.commit()
    if request.param != "fallback":
        search.reindex()
    return board, threads


def test_unrelated_requests_are_not_offered_a_related_one_is(requests):
    board, threads = requests
    assert [t.id for t in search.similar_requests(board.id, TYPED)] == [threads["sombre"].id]


def test_score_is_shown_and_common_words_do_not_count(requests):
    board, threads = requests
    [(thread, score)] = search.similar_scored(board.id, "Ajouter une option pour le mode sombre")
    assert thread.id == threads["sombre"].id and score == 0.8
    assert search.similar_scored(board.id, "Ajouter une nouvelle option") == []


def test_confirmation_needs_a_nearly_identical_title(requests):
    board, threads = requests
    assert search.similar_scored(board.id, TYPED, threshold=CONFIRM_THRESHOLD) == []
    close = search.similar_scored(board.id, "Affichage du mode sombre", threshold=CONFIRM_THRESHOLD)
    assert [(t.id, s) for t, s in close] == [(threads["sombre"].id, 1.0)]
