"""Web downloads of a board's ranked requests: moderators and the board's editor only; every format
read back; bad input answered in French; and the export-requests command line."""
import csv
import io
import json

import pytest
from openpyxl import load_workbook

from forum.extensions import db
from forum.services import ranking
from tests.factories import make_editor, make_user
from tests.pages import page
from tests.scenarios import SECRET_EMAIL, SECRET_NAME


def test_moderator_downloads_csv_matching_the_ranking(client, login, chorus):
    login(make_user(role="moderator"))
    db.session.commit()
    response = client.get("/b/chorus/demandes/export?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="demandes-chorus-')
    assert response.headers["Cache-Control"] == "private, no-store"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    ranked = ranking.ranked_rows(chorus["board"])
    assert [int(line[1]) for line in lines[1:]] == [row.thread.id for row in ranked]
    assert lines[1][lines[0].index("Lien")] == f"http://localhost/t/{chorus['biology'].id}/importer-les-resultats-de-biologie"


def request_ids(fmt: str, data: bytes) -> list[int]:
    """The request numbers of an XLSX or JSON export, in their order."""
    if fmt == "xlsx":
        return [row[1] for row in load_workbook(io.BytesIO(data))["Demandes"].iter_rows(min_row=2, values_only=True)]
    return [item["id"] for item in json.loads(data)["requests"]]


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_board_editor_downloads_every_format(client, login, chorus, fmt):
    login(chorus["rep"])
    response = client.get(f"/b/chorus/demandes/export?format={fmt}&statut=nouvelle")
    assert response.status_code == 200
    # bizone is planifiee: filtered out
    assert request_ids(fmt, response.data) == [chorus["biology"].id, chorus["injection"].id]
    assert SECRET_EMAIL.encode() not in response.data and SECRET_NAME.encode() not in response.data


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_board_editor_downloads_the_text_formats(client, login, chorus, fmt):
    login(chorus["rep"])
    response = client.get(f"/b/chorus/demandes/export?format={fmt}&statut=nouvelle")
    assert response.status_code == 200
    text = response.data.decode()
    assert "Importer les résultats de biologie" in text and "Ordonnances bizones" not in text
    assert SECRET_EMAIL not in text and SECRET_NAME not in text


@pytest.mark.parametrize("who", ["member", "other_editor"])
def test_members_and_other_editors_get_403_and_nothing_leaks(client, login, chorus, who):
    login(make_user() if who == "member" else make_user(role="editor", editor=make_editor()))
    db.session.commit()
    for url in ("/b/chorus/demandes/export", "/b/chorus/demandes/export?format=csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Importer les r" not in response.data and b"HYPERLINK" not in response.data


def test_visitors_are_sent_to_the_login_page(client, chorus):
    response = client.get("/b/chorus/demandes/export?format=csv")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_export_page_offers_filters_and_formats(client, login, chorus):
    login(chorus["rep"])
    form = page(client.get("/b/chorus/demandes/export"))
    assert "Exporter les demandes d'évolution de Chorus" in form
    assert 'name="format" value="xlsx"' in form and 'for="score_min"' in form


def test_bad_filters_rerender_in_french_with_422(client, login, chorus):
    login(chorus["rep"])
    response = client.get("/b/chorus/demandes/export?format=csv&score_min=beaucoup&cree_du=hier")
    shown = page(response, 422)
    assert "Indiquez un nombre entier." in shown and "Indiquez une date valide" in shown
    assert 'value="beaucoup"' in shown


def test_unknown_format_is_a_french_404(client, login, chorus):
    login(chorus["rep"])
    response = client.get("/b/chorus/demandes/export?format=pdf")
    assert response.status_code == 404 and "export inconnu : « pdf »" in response.get_data(as_text=True)


def test_unknown_board_is_404(client, login, chorus):
    login(make_user(role="moderator"))
    db.session.commit()
    assert client.get("/b/inconnu/demandes/export?format=csv").status_code == 404


# Command line

def test_cli_exports_csv_to_a_file(runner, chorus, tmp_path, app):
    app.config["PUBLIC_BASE_URL"] = "https://clubs.example.org"
    target = tmp_path / "chorus.csv"
    result = runner.invoke(args=["export-requests", "--board", "chorus", "--format", "csv", "--output", str(target)])
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert [int(line[1]) for line in lines[1:]] == [row.thread.id for row in ranking.ranked_rows(chorus["board"])]
    assert lines[1][lines[0].index("Lien")].startswith("https://clubs.example.org/t/")


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_cli_writes_every_format_to_stdout(runner, chorus, fmt):
    result = runner.invoke(args=["export-requests", "--board", "chorus", "--format", fmt, "--status", "planifiee"])
    assert result.exit_code == 0
    assert request_ids(fmt, result.stdout_bytes) == [chorus["bizone"].id]  # the only planifiee request


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_cli_writes_the_text_formats_to_stdout(runner, chorus, fmt):
    result = runner.invoke(args=["export-requests", "--board", "chorus", "--format", fmt, "--status", "planifiee"])
    assert result.exit_code == 0
    text = result.stdout_bytes.decode()
    assert "Ordonnances bizones en un clic" in text and "Importer les résultats de biologie" not in text


def test_cli_filters_by_minimum_score(runner, chorus):
    result = runner.invoke(args=["export-requests", "--board", "chorus", "--format", "json", "--min-score", "3"])
    assert [item["id"] for item in json.loads(result.stdout_bytes)["requests"]] == [chorus["biology"].id]


@pytest.mark.parametrize("args, message", [
    (["--board", "inconnu", "--format", "csv"], "le forum « inconnu » n'existe pas"),
    (["--board", "chorus", "--format", "pdf"], "Format d'export inconnu : « pdf »"),
    (["--board", "chorus", "--format", "csv", "--status", "perdue"], "statut inconnu : perdue"),
    (["--board", "chorus", "--format", "csv", "--created-from", "hier"], "--created-from attend une date"),
])
def test_cli_bad_input_exits_2_with_a_french_message(runner, chorus, args, message):
    result = runner.invoke(args=["export-requests", *args])
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""
