"""A livrable reads the same on paper as on screen: every format (CSV, XLSX, JSON, Markdown, printable
HTML) carries what each request asks and the évolution since the previous livrable, read back here
and compared with the livrable page; spreadsheets carry no raw Markdown and no live formula; the
Markdown keeps the introduction as written; the print stylesheet keeps table cells as cells."""
import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from forum.export import ExportFilters
from forum.extensions import db
from forum.models import Post
from forum.services import livrables, posting
from tests.factories import make_request, make_user, make_vote
from tests.pages import page

AGENDA_BODY = ("Pouvoir **partager** l'agenda avec le [secrétariat](https://exemple.org/s),\n"
               "sans double saisie.\n\nSecond paragraphe qui ne doit pas apparaître.")
AGENDA_SUMMARY = "Pouvoir partager l'agenda avec le secrétariat, sans double saisie."
FORMULA_BODY = "=SOMME(A1:A9) *urgent* pour la facturation"
FORMULA_SUMMARY = "=SOMME(A1:A9) urgent pour la facturation"
INTRODUCTION = ("Synthèse **trimestrielle** du club.\n\nDeuxième paragraphe, avec une liste :\n\n"
                "- point un\n- point deux")
NOTE = "Demandée par *trois* MSP."


@pytest.fixture
def second_livrable(chorus):
    """Livrable n° 1 of Chorus, then two new requests (one with a formula-like body, the other
    voted to the top) and livrable n° 2 with an introduction and a note: its diff has 2 new ones."""
    moderator, board = chorus["moderator"], chorus["board"]
    livrables.freeze(moderator, livrables.create_draft(moderator, board, ExportFilters()))
    agenda = make_request(board, title="Agenda partagé avec le secrétariat", body=AGENDA_BODY)
    formula = make_request(board, title="Facturation groupée", body=FORMULA_BODY)
    for importance in ("bloquant", "bloquant", "bloquant"):
        make_vote(agenda, make_user(uses=[board]), importance)
    draft = livrables.create_draft(moderator, board, ExportFilters())
    selection = {item.thread_id: (True, NOTE if item.thread_id == agenda.id else None) for item in draft.items}
    livrables.update_draft(moderator, draft, INTRODUCTION, selection)
    livrable = livrables.freeze(moderator, draft)
    db.session.commit()
    return {**chorus, "livrable": livrable, "agenda": agenda, "formula": formula}


def download(client, livrable, fmt: str) -> bytes:
    response = client.get(f"/livrables/{livrable.id}/export.{fmt}")
    assert response.status_code == 200
    return response.data


def test_page_shows_what_each_request_asks(client, login, second_livrable):
    login(second_livrable["moderator"])
    shown = page(client.get(f"/livrables/{second_livrable['livrable'].id}"))
    assert AGENDA_SUMMARY in shown and FORMULA_SUMMARY in shown
    assert "Second paragraphe qui ne doit pas apparaître" not in shown
    assert "Nouvelles demandes (2)" in shown


def test_csv_carries_summaries_evolution_and_text_notes_like_the_page(client, login, second_livrable):
    login(second_livrable["rep"])
    data = download(client, second_livrable["livrable"], "csv")
    header, *lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    records = {int(line[1]): dict(zip(header, line, strict=True)) for line in lines}
    agenda, formula = records[second_livrable["agenda"].id], records[second_livrable["formula"].id]
    assert agenda["Résumé"] == AGENDA_SUMMARY
    assert agenda["Évolution"] == formula["Évolution"] == "Nouvelle demande"
    assert records[second_livrable["bizone"].id]["Évolution"] == "En baisse : rang 3 → 4 (-1)"
    assert agenda["Note de la fédération"] == "Demandée par trois MSP."  # no Markdown asterisks
    assert formula["Résumé"] == "'" + FORMULA_SUMMARY  # neutralised like every other cell
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)
    assert not any("**" in cell or "](" in cell for line in lines for cell in line)


def test_xlsx_has_summaries_and_an_evolution_sheet(client, login, second_livrable):
    login(second_livrable["rep"])
    book = load_workbook(io.BytesIO(download(client, second_livrable["livrable"], "xlsx")))
    sheet = book["Demandes"]
    header = [cell.value for cell in sheet[1]]
    summaries = {row[1].value: row[header.index("Résumé")] for row in sheet.iter_rows(min_row=2)}
    assert summaries[second_livrable["agenda"].id].value == AGENDA_SUMMARY
    formula_cell = summaries[second_livrable["formula"].id]
    assert formula_cell.value == "'" + FORMULA_SUMMARY and formula_cell.data_type == "s"
    evolution = [[cell for cell in row] for row in book["Évolution"].iter_rows(values_only=True)]
    assert evolution[0][0].startswith("Comparé au Livrable n° 1 – Chorus")
    new = {row[1] for row in evolution[2:] if row[0] == "Nouvelles demandes"}
    assert new == {second_livrable["agenda"].id, second_livrable["formula"].id}
    titles = [row[2] for row in evolution[2:]]
    assert "'" + second_livrable["injection"].title in titles  # the =HYPERLINK title stays inert here too
    assert not any(isinstance(value, str) and value.startswith("=") for row in evolution for value in row)
    about = {row[0]: row[1] for row in book["Informations"].iter_rows(values_only=True)}
    assert about["Introduction"].startswith("Synthèse trimestrielle du club.\nDeuxième paragraphe")
    assert "**" not in about["Introduction"]


def test_json_has_a_summary_per_request_and_the_evolution(client, login, second_livrable):
    login(second_livrable["rep"])
    document = json.loads(download(client, second_livrable["livrable"], "json"))
    by_id = {item["id"]: item for item in document["requests"]}
    assert by_id[second_livrable["agenda"].id]["summary"] == AGENDA_SUMMARY
    assert by_id[second_livrable["agenda"].id]["evolution"] == "Nouvelle demande"
    assert document["evolution"]["previous"]["number"] == 1
    assert {c["id"] for c in document["evolution"]["new"]} == {second_livrable["agenda"].id,
                                                               second_livrable["formula"].id}


def test_markdown_keeps_the_introduction_and_shows_summaries_and_evolution(client, login, second_livrable):
    login(second_livrable["rep"])
    import markdown

    text = download(client, second_livrable["livrable"], "md").decode("utf-8")
    rendered = markdown.markdown(text)  # emphasis, paragraphs and list kept, nothing escaped or merged
    assert "<p>Synthèse <strong>trimestrielle</strong> du club.</p>" in rendered
    assert "<p>Deuxième paragraphe, avec une liste :</p>" in rendered
    assert "<li>point un</li>" in rendered and "<li>point deux</li>" in rendered
    assert "## Évolution depuis le livrable précédent" in text and "### Nouvelles demandes (2)" in text
    assert f"> {AGENDA_SUMMARY}" in text
    assert "- Note de la fédération : Demandée par trois MSP." in text


def test_markdown_introduction_cannot_carry_raw_html(app):
    import markdown

    from forum.export.markdown_writer import introduction
    written = introduction("Voir <script>alert(1)</script>, [ceci](javascript:alert(1)) et "
                           "[le site](https://exemple.org).\n\nDeuxième *paragraphe*.")
    rendered = markdown.markdown(written)
    assert "<script" not in rendered and "javascript:" not in rendered
    assert 'href="https://exemple.org"' in rendered  # a safe link stays a link
    assert "<em>paragraphe</em>" in rendered and rendered.count("<p>") == 2  # paragraphs and emphasis kept


def test_printable_html_has_summaries_and_the_evolution_section(client, login, second_livrable):
    login(second_livrable["rep"])
    printed = page(client.get(f"/livrables/{second_livrable['livrable'].id}/export.html"))
    assert AGENDA_SUMMARY in printed and FORMULA_SUMMARY in printed
    assert "Évolution depuis le livrable précédent" in printed and "Nouvelles demandes (2)" in printed
    assert "Demandée par trois MSP." in printed


def test_a_later_edit_of_the_opening_post_does_not_change_the_livrable(client, login, second_livrable):
    agenda = second_livrable["agenda"]
    opening = db.session.scalar(select(Post).where(Post.thread_id == agenda.id, Post.is_first))
    posting.edit_post(agenda.author, opening, "Tout autre chose désormais.")
    db.session.commit()
    login(second_livrable["rep"])
    document = json.loads(download(client, second_livrable["livrable"], "json"))
    assert {item["id"]: item["summary"] for item in document["requests"]}[agenda.id] == AGENDA_SUMMARY


def test_board_export_has_summaries_but_no_evolution_column(client, login, second_livrable):
    login(second_livrable["moderator"])
    response = client.get("/b/chorus/demandes/export?format=csv")
    assert response.status_code == 200
    header, *lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert "Résumé" in header and "Évolution" not in header
    assert AGENDA_SUMMARY in [line[header.index("Résumé")] for line in lines]


def test_print_stylesheet_keeps_table_cells_as_cells_on_a4_with_repeated_headers(client, login, second_livrable):
    login(second_livrable["rep"])
    printed = page(client.get(f"/livrables/{second_livrable['livrable'].id}/export.html"))
    cell_classes = {name for classes in re.findall(r'<td class="([^"]+)"', printed) for name in classes.split()}
    css = (Path(__file__).parents[2] / "forum/static/print.css").read_text()
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selectors, rules in re.findall(r"([^{}@]+)\{([^{}]*)\}", body):
        if re.search(r"display:\s*block", rules):
            for selector in selectors.split(","):
                last = selector.split()[-1]
                assert not (last.startswith(".") and last[1:] in cell_classes), f"{selector} turns cells into blocks"
                assert not last.startswith("td"), f"{selector} turns cells into blocks"
    assert "size: A4" in body and re.search(r"thead\s*\{\s*display:\s*table-header-group", body)
    assert "counter(page)" in body
