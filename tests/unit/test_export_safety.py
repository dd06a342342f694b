"""Formula injection: CSV and XLSX cells starting with = + - @, tab or CR come out inert, and the
titles still read naturally (the text is kept, behind an apostrophe)."""
import csv
import io

import pytest
from openpyxl import load_workbook

from forum import export
from forum.export.rows import ExportRow
from forum.export.safety import neutralise
from tests.scenarios import INJECTION_TITLE, build_board, export_board

PAYLOADS = ['=HYPERLINK("http://evil.example","clic")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
            "=cmd|' /C calc'!A0"]


def row_titled(title: str, **fields) -> ExportRow:
    values = dict(rank=1, id=7, title=title, status="nouvelle", score=3, votes=2, by_importance={"utile": 2},
                  uncounted_votes=0, structures=2, professions=[("médecin généraliste", 2)], regions=[],
                  created_at=None, last_activity_at=None, link="https://forum.example.org/t/7/x")
    values.update(fields)
    return ExportRow(**values)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_prefixes_an_apostrophe_and_keeps_the_text(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("text", ["Importer les résultats", "Version 6.2", "", "1+1"])
def test_ordinary_text_and_numbers_are_untouched(text):
    assert neutralise(text) == text
    assert neutralise(-3) == -3 and neutralise(None) is None


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cells_are_inert(payload):
    row = row_titled(payload, latest_answer=payload, target_version=payload, note=payload)
    data = export.write([row], "csv", with_notes=True)
    header, line = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    record = dict(zip(header, line, strict=True))
    for column in ("Titre", "Dernière réponse officielle", "Version cible", "Note de la fédération"):
        assert record[column] == "'" + payload
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_cells_are_text_not_formulas(payload):
    row = row_titled(payload, latest_answer=payload, note=payload)
    book = load_workbook(io.BytesIO(export.write([row], "xlsx", with_notes=True)))
    sheet = book["Demandes"]
    cells = list(sheet[2])
    title = cells[2]
    # XML reads a carriage return back as a line feed; the apostrophe still leads
    assert title.value == "'" + payload.replace("\r", "\n") and title.data_type == "s"
    assert not any(cell.data_type == "f" for cell in cells)
    assert not any(isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for cell in cells)


def test_a_real_request_titled_as_a_formula_is_inert_in_both_spreadsheets(app):
    chorus = build_board()
    _, data = export_board(chorus["board"], "csv")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert ["'" + INJECTION_TITLE] == [line[2] for line in lines if line[1] == str(chorus["injection"].id)]
    _, data = export_board(chorus["board"], "xlsx")
    sheet = load_workbook(io.BytesIO(data))["Demandes"]
    titles = {row[1].value: row[2] for row in sheet.iter_rows(min_row=2)}
    cell = titles[chorus["injection"].id]
    assert cell.value == "'" + INJECTION_TITLE and cell.data_type == "s"
