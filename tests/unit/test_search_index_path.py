"""SEARCH_INDEX_DIR pointing at a plain file (a typo in the configuration, a restored backup): the
rebuild says so in French and exits non-zero, and searching still works from the database."""
from __future__ import annotations

import pytest

from forum.extensions import db
from tests.factories import make_board, make_thread


@pytest.fixture
def file_at_index_path(app, tmp_path):
    path = tmp_path / "index-qui-est-un-fichier"
    path.write_text("pas un index\n", encoding="utf-8")
    app.config["SEARCH_INDEX_DIR"] = str(path)
    make_thread(make_board(), title="Sauvegarde nocturne des dossiers", body="Chaque nuit, une copie.")
    db.session.commit()
    return path


@pytest.mark.parametrize("args", [["search", "reindex"], ["search", "reindex", "--if-missing"],
                                  ["search", "reindex", "--quiet"]])
def test_reindex_onto_a_file_fails_with_a_french_message(runner, file_at_index_path, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert not isinstance(result.exception, OSError) and "Traceback" not in result.output
    assert f"Erreur : SEARCH_INDEX_DIR ({file_at_index_path}) est un fichier, pas un répertoire" in result.output
    assert file_at_index_path.read_text(encoding="utf-8") == "pas un index\n"


def test_reindex_under_a_file_fails_with_a_french_message(runner, app, file_at_index_path):
    app.config["SEARCH_INDEX_DIR"] = str(file_at_index_path / "index")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 2
    assert f"ne peut pas être créé : {file_at_index_path} est un fichier" in result.output


def test_status_names_the_problem(runner, file_at_index_path):
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0
    assert "Problème : SEARCH_INDEX_DIR" in result.output and "est un fichier" in result.output


def test_search_page_falls_back_to_the_database_with_a_notice(client, file_at_index_path):
    response = client.get("/search?q=sauvegarde")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 sujet trouvé" in page and "La recherche complète est momentanément indisponible" in page
