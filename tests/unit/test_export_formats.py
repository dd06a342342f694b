"""Every export format read back (csv, openpyxl, json, Markdown, HTML) and compared with the ranking;
aggregates only; filters; the format registry."""
import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from forum import export
from forum.export.columns import COLUMNS
from forum.export.rows import PARIS, ExportFilters, counts_text
from forum.extensions import db
from forum.models._time import utcnow
from forum.services import ranking
from tests.scenarios import SECRET_EMAIL, SECRET_NAME, export_board


def test_csv_has_bom_semicolons_and_matches_the_ranking(chorus):
    _, data = export_board(chorus["board"], "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == [column.header for column in COLUMNS]
    ranked = ranking.ranked_rows(chorus["board"])
    assert len(lines) == len(ranked) + 1
    for line, row in zip(lines[1:], ranked, strict=True):
        record = dict(zip(lines[0], line, strict=True))
        assert int(record["Rang"]) == row.rank and int(record["N°"]) == row.thread.id
        assert int(record["Score"]) == row.score and int(record["Votes"]) == row.vote_count
        assert int(record["Structures distinctes"]) == row.structure_count
        assert record["Professions"] == counts_text(row.professions)
        assert record["Lien"] == f"https://forum.example.org/t/{row.thread.id}/{row.thread.slug}"
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["Titre"] == "Importer les résultats de biologie"
    assert (first["Votes utile"], first["Votes important"], first["Votes bloquant"]) == ("1", "1", "1")
    assert first["Professions"] == "médecin généraliste: 2; infirmier·e: 1"
    assert first["Régions"] == "Hauts-de-France: 2; Bretagne: 1"
    assert first["Créée le"] == chorus["biology"].created_at.astimezone(PARIS).strftime("%d/%m/%Y")
    bizone = next(dict(zip(lines[0], line, strict=True)) for line in lines[1:] if line[1] == str(chorus["bizone"].id))
    assert bizone["Dernière réponse officielle"] == "Prévu pour la version 6.2."
    assert bizone["Réponse de"] == "éditeur" and bizone["Version cible"] == "6.2" and bizone["Statut"] == "Planifiée"


def test_xlsx_has_bold_frozen_filtered_header_and_real_dates(chorus):
    _, data = export_board(chorus["board"], "xlsx")
    book = load_workbook(io.BytesIO(data))
    sheet = book["Demandes"]
    header = [cell.value for cell in sheet[1]]
    assert header == [column.header for column in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:W{len(ranking.ranked_rows(chorus['board'])) + 1}"
    assert sheet.column_dimensions["C"].width == 60
    ranked = ranking.ranked_rows(chorus["board"])
    for values, row in zip(sheet.iter_rows(min_row=2, values_only=True), ranked, strict=True):
        record = dict(zip(header, values, strict=True))
        assert (record["Rang"], record["N°"], record["Score"], record["Votes"]) == (
            row.rank, row.thread.id, row.score, row.vote_count)
        assert isinstance(record["Créée le"], datetime) and isinstance(record["Dernière activité"], datetime)
        paris = row.thread.created_at.astimezone(PARIS).replace(tzinfo=None)
        assert abs(record["Créée le"] - paris) < timedelta(seconds=1)
    created = sheet.cell(row=2, column=header.index("Créée le") + 1)
    assert created.is_date and created.number_format == "dd/mm/yyyy"
    assert "Informations" in book.sheetnames


def test_json_matches_the_ranking(chorus):
    _, data = export_board(chorus["board"], "json")
    document = json.loads(data)
    ranked = ranking.ranked_rows(chorus["board"])
    assert document["count"] == len(ranked) and document["board"] == "Chorus"
    for item, row in zip(document["requests"], ranked, strict=True):
        assert (item["rank"], item["id"], item["title"], item["score"], item["votes"], item["structures"]) == (
            row.rank, row.thread.id, row.thread.title, row.score, row.vote_count, row.structure_count)
        assert item["votes_by_importance"] == row.by_importance
        assert item["professions"] == len(row.professions)
        assert [(p["profession"], p["count"]) for p in item["professions_detail"]] == row.professions
        assert datetime.fromisoformat(item["created_at"]) == row.thread.created_at
    bizone = next(i for i in document["requests"] if i["id"] == chorus["bizone"].id)
    assert bizone["latest_answer"] == {"text": "Prévu pour la version 6.2.", "by": "editor"}
    assert bizone["target_version"] == "6.2"


def test_markdown_lists_every_request_with_titles_escaped(chorus):
    _, data = export_board(chorus["board"], "md")
    text = data.decode()
    assert text.startswith("# Demandes – Chorus")
    for row in ranking.ranked_rows(chorus["board"]):
        assert f"| {row.rank} | {row.thread.id} |" in text
    assert "médecin généraliste: 2; infirmier·e: 1" in text


def test_markdown_escapes_markup_in_titles():
    row = export.ExportRow(rank=1, id=1, title="<script>x</script> | *gras* [lien](http://x)", status="nouvelle",
                           score=0, votes=0, by_importance={}, uncounted_votes=0, structures=0, professions=[],
                           regions=[], created_at=None, last_activity_at=None, link="")
    text = export.write([row], "md").decode()
    assert "<script>" not in text and "\\<script\\>" in text and "\\| \\*gras\\* \\[lien\\]" in text


def test_printable_html_escapes_titles_and_uses_the_print_stylesheet(chorus, app):
    chorus["biology"].title = "<script>alert(1)</script> biologie"
    db.session.commit()
    _, data = export_board(chorus["board"], "html")
    html = data.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; biologie" in html
    assert 'href="https://forum.example.org/static/print.css"' in html
    assert "<style" not in html and "style=" not in html
    with app.test_client() as client:
        assert b"@page" in client.get("/static/print.css").data


@pytest.mark.parametrize("fmt", sorted(export.FORMATS))
def test_exports_hold_no_voter_names_or_emails(chorus, fmt):
    _, data = export_board(chorus["board"], fmt)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data))
        text = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    else:
        text = data.decode("utf-8-sig")
    for secret in (SECRET_EMAIL, SECRET_NAME, "@example.org", chorus["rep"].display_name):
        assert secret not in text


def test_filters_by_status_period_and_minimum_score(chorus):
    board = chorus["board"]
    rows, _ = export_board(board, "json", ExportFilters(min_score=2))
    assert [r.id for r in rows] == [chorus["biology"].id, chorus["injection"].id]
    rows, _ = export_board(board, "json", ExportFilters(statuses=("planifiee",)))
    assert [(r.id, r.rank) for r in rows] == [(chorus["bizone"].id, 1)]
    chorus["bizone"].created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    today = utcnow().date()
    rows, _ = export_board(board, "json", ExportFilters(created_to=today - timedelta(days=30)))
    assert [r.id for r in rows] == [chorus["bizone"].id]
    rows, _ = export_board(board, "json", ExportFilters(created_from=today - timedelta(days=1),
                                                  active_from=today - timedelta(days=1)))
    assert chorus["bizone"].id not in [r.id for r in rows] and len(rows) == 2
    # the rank stays the rank among the chosen statuses: the editor sees the true standing
    rows, _ = export_board(board, "json", ExportFilters(min_score=5))
    assert [(r.id, r.rank) for r in rows] == [(chorus["biology"].id, 1)]


def test_unknown_format_is_refused_in_french():
    with pytest.raises(export.UnknownFormat) as error:
        export.write([], "pdf")
    assert "Format d'export inconnu" in error.value.message


def test_every_format_has_a_content_type_and_an_extension():
    assert {name: (f.extension, f.content_type.split(";")[0]) for name, f in export.FORMATS.items()} == {
        "csv": ("csv", "text/csv"), "json": ("json", "application/json"), "md": ("md", "text/markdown"),
        "html": ("html", "text/html"),
        "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
