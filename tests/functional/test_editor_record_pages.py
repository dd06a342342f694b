"""The editors' record pages: /editeurs/<slug> and /editeurs/ show the figures of the hand-built
history (tests/unit/test_editor_record.py), sort, download as CSV and XLSX equal to the page, run
a bounded number of statements; the board page and the editor space link or show them."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from forum.extensions import db
from forum.models import Livrable, LivrableItem
from tests.factories import make_request
from tests.pages import page
from tests.unit.test_editor_record import build_history


def _history():
    history = build_history()
    db.session.commit()
    return history


def test_record_page_shows_every_figure(client):
    _history()
    text = page(client.get("/editeurs/alpha"))
    assert "Suivi des réponses de Alpha Santé" in text
    assert "14 %" in text and "(1 sur 7 demandes transmises depuis 30 jours ou plus)" in text
    assert "33 %" in text and "(2 sur 6 demandes transmises depuis 90 jours ou plus)" in text
    assert "45 j" in text and "(sur 3 demandes décidées)" in text
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd><strong>(\d+)</strong>", text))
    assert figures == {"Engagements datés": "4", "Tenus (livrés à la première échéance)": "1",
                       "Livrés en retard": "1", "Repoussés au moins une fois": "2", "En retard aujourd'hui": "1"}
    assert "Engagements en retard (1)" in text and "Demande c3" in text
    assert "Demande r6" in text and "Demande r8" in text and "Demande r5" in text
    assert "Demande r7" not in text and "Demande r4" not in text
    assert "pas d'accusé de réception" in text and "Reçu le" in text
    assert "Méthode" in text


def test_editor_without_livrable_says_so_rather_than_zeros(client):
    _history()
    text = page(client.get("/editeurs/gamma"))
    assert "Pas encore de livrable transmis" in text
    assert "0 %" not in text


def test_board_links_to_its_editor_record_and_general_board_does_not_fail(client):
    _history()
    assert "Suivi des réponses de Alpha Santé" in page(client.get("/b/alpha-cabinet/"))
    assert "Suivi des réponses de " not in page(client.get("/b/inter-logiciels/"))
    assert "/editeurs/" in page(client.get("/"))
    page(client.get("/editeurs/inter-logiciels"), 404)


def test_all_editors_table_sorts_on_the_server(client):
    _history()
    text = page(client.get("/editeurs/"))
    assert text.index("Alpha Santé") < text.index("Bêta Logiciels") < text.index("Gamma Médical")
    assert 'aria-sort="ascending"' in text
    text = page(client.get("/editeurs/?tri=reponse90&ordre=desc"))
    assert text.index("Bêta Logiciels") < text.index("Alpha Santé") < text.index("Gamma Médical")
    assert 'aria-sort="descending"' in text and "50 %" in text and "33 %" in text
    assert "Pas encore de livrable transmis" in text


def test_csv_and_xlsx_read_back_equal_the_page(client):
    _history()
    response = client.get("/editeurs/export.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, alpha, beta, gamma = rows
    assert header[:4] == ["Éditeur", "Livrables transmis", "Demandes transmises", "Réponse officielle sous 30 j (%)"]
    assert alpha == ["Alpha Santé", "2", "7", "14", "7", "33", "6", "45,0", "4", "1", "1", "2", "1", ""]
    assert beta == ["Bêta Logiciels", "1", "2", "0", "2", "50", "2", "25,5", "0", "0", "0", "0", "0", ""]
    assert gamma[0] == "Gamma Médical" and gamma[-1] == "Pas encore de livrable transmis"
    response = client.get("/editeurs/export.xlsx?tri=mediane")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[0] for row in values[1:]] == ["Bêta Logiciels", "Alpha Santé", "Gamma Médical"]
    assert values[2][:8] == ["Alpha Santé", 2, 7, 14, 7, 33, 6, 45.0]
    assert values[1][7] == 25.5 and values[3][3] is None
    page(client.get("/editeurs/export.pdf"), 404)


def test_pages_run_a_bounded_number_of_statements(client, count_queries):
    history = _history()
    counts = []
    for round_ in range(2):
        with count_queries() as counter:
            page(client.get("/editeurs/alpha"))
            page(client.get("/editeurs/"))
        counts.append(counter.count)
        board = history["l1"].board
        livrable = Livrable(board_id=board.id, number=9 + round_, title="Livrable supplémentaire", filters={},
                            frozen_at=datetime.now(UTC) - timedelta(days=3))
        db.session.add(livrable)
        db.session.flush()
        for position in range(12):
            db.session.add(LivrableItem(livrable_id=livrable.id, thread_id=make_request(board).id,
                                        included=True, position=position))
        db.session.commit()
    assert counts[0] == counts[1]


def test_editor_space_shows_its_record_and_what_it_is_late_on(client, login):
    history = _history()
    login(history["rep_a"])
    text = page(client.get("/editeur"))
    assert "Votre suivi public" in text and "14 %" in text
    assert "Engagements en retard (1)" in text and "Demande c3" in text
