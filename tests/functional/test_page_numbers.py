"""Page numbers and ids read from URLs and forms: whatever is typed or forged (Unicode digits,
20-digit numbers, 2**63), the page answers as it does for "abc", never with a 500."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services import audit
from tests.factories import make_board, make_request, make_user

# Values a person or a probe puts in ?page=: Unicode digits that str.isdigit() accepts, numbers that
# overflow SQLite's and PostgreSQL's integers, and the usual non-numbers.
BAD_PAGES = ["²", "¹²", "⁴", "①", "٣", "99999999999999999999", "9223372036854775808", "-1", "0", "1e3",
             "abc", "100001"]
OVERSIZED_IDS = ["99999999999999999999", "9223372036854775808", "1000000000000000000"]
# About 180 cases, each building its site (~10 s): left out by `make test-quick`.
pytestmark = pytest.mark.slow


@pytest.fixture
def site(app):
    """A board with one request (its own thread page), a moderator, one journal entry."""
    board = make_board(name="Logiciel Sauvegarde", slug="sauvegarde")
    thread = make_request(board, title="Sauvegarde automatique des dossiers", body="Une copie chaque nuit.")
    moderator = make_user(role="admin")
    audit.record(moderator, "pin", thread=thread, reason="Demande fréquente")
    db.session.commit()
    return {"board": board, "thread": thread, "moderator": moderator}


def _expected_text(site, route: str, value: str) -> tuple[str, dict, str]:
    """(url, other query args, French text the page shows for ?page=value): what it shows today
    for "abc" (a notice, or the first page); its first page for " 1"; for 100,000, the last
    accepted number, what it shows past its end."""
    thread = site["thread"]
    title = "Sauvegarde automatique des dossiers"
    url, args, not_a_page, first_page, far = {
        "board": ("/b/sauvegarde/", {}, "Cette page n'existe pas : la liste compte 1 page", title,
                  "Cette page n'existe pas"),
        "ranked": ("/b/sauvegarde/demandes", {}, title, title, "Aucune demande ne correspond"),
        "thread": (f"/t/{thread.id}/{thread.slug}", {}, "Cette page n'existe pas : le sujet compte 1 page",
                   "Une copie chaque nuit.", "Cette page n'existe pas"),
        "search": ("/search", {"q": "sauvegarde"}, "1 sujet trouvé", "1 sujet trouvé",
                   "Seules les 200 premières pages"),
        "journal": ("/moderation/journal", {}, "Demande fréquente", "Demande fréquente", "Demande fréquente"),
    }[route]
    return url, args, {" 1": first_page, "100000": far}.get(value, not_a_page)


@pytest.mark.parametrize("route", ["board", "ranked", "thread", "search", "journal"])
@pytest.mark.parametrize("value", [*BAD_PAGES, " 1", "100000"])
def test_html_pages_answer_any_page_number_in_french(client, login, site, route, value):
    login(site["moderator"])
    url, args, text = _expected_text(site, route, value)
    response = client.get(url, query_string={**args, "page": value})
    assert response.status_code == 200
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize("value, status, requests, message", [
    *[(value, 400, None, "« page »") for value in [*BAD_PAGES, " 1"]],
    ("100000", 200, [], ""),  # the last accepted number: past the end, an empty list
])
def test_api_answers_a_bad_page_number_with_a_json_400(client, site, value, status, requests, message):
    response = client.get("/api/v1/boards/sauvegarde/requests", query_string={"page": value})
    assert response.status_code == status and response.is_json
    assert response.json.get("requests") == requests
    assert message in response.json.get("error", {}).get("message", "")


@pytest.mark.parametrize("value", ["²", "٣", *OVERSIZED_IDS])
def test_journal_actor_filter_ignores_what_is_not_an_id(client, login, site, value):
    login(site["moderator"])
    response = client.get("/moderation/journal", query_string={"acteur": value})
    assert response.status_code == 200
    assert "Demande fréquente" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/t/{}", "/t/{}/un-titre", "/p/{}", "/api/v1/threads/{}", "/u/{}",
                                  "/livrables/{}"])
@pytest.mark.parametrize("value", [*OVERSIZED_IDS, "٣"])
def test_oversized_or_unicode_ids_in_paths_are_404(client, login, site, path, value):
    login(site["moderator"])
    response = client.get(path.format(value))
    assert response.status_code == 404


@pytest.mark.parametrize("action, field, message", [
    ("fusionner", "target_id", "Indiquez le numéro d&#39;une demande existante."),
    ("fusionner-sujet", "target_id", "Indiquez le numéro d&#39;un sujet existant."),
    ("deplacer", "board_id", "Choisissez un forum dans la liste."),
])
@pytest.mark.parametrize("value", OVERSIZED_IDS)
def test_oversized_ids_typed_in_moderation_forms_are_refused_in_french(client, login, site, action, field,
                                                                        message, value):
    login(site["moderator"])
    response = client.post(f"/t/{site['thread'].id}/{action}", data={field: value, "reason": "Doublon"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
