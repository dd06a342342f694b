"""Text hygiene rules: what is stored (controls, newlines, bidi), what counts as visible, the NIR/INS
guard whatever the writing, the reserved role words, and the services' own cleaning for callers that
are not web requests (CLI, imports). The database tests run on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, User
from forum.services import accounts, patient_data, posting, statuses
from forum.services.errors import ValidationError
from forum.services.patient_data import NIR_MESSAGE, contains_patient_identifier
from forum.services.text_hygiene import (
    clean_text,
    normalise_for_checks,
    reserved_role_word,
    visible_length,
)
from tests.factories import make_board, make_request, make_user

# --- what is stored -------------------------------------------------------------------------------


def test_multiline_text_keeps_tabs_and_newlines_but_loses_control_characters():
    typed = "  Bonjour\r\n\tligne\x00 deux\rtrois\u2028quatre\x1b[31m\x7f\x85\x9b fin  "
    assert clean_text(typed, multiline=True) == "Bonjour\n\tligne deux\ntrois\nquatre[31m\n fin"


def test_single_line_text_loses_bidi_controls_and_collapses_whitespace():
    assert clean_text(" Facture \u202egnp.exe\u202c\t\n du\x00 mois ", multiline=False) == "Facture gnp.exe du mois"
    for control in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert clean_text(f"a{control}b", multiline=False) == "ab"


def test_stored_text_is_nfc():
    assert clean_text("Re\u0301fe\u0301rent", multiline=False) == "Référent"


# --- what is visible ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "     ", "\u200b\u200c\u200d\u2060\ufeff", "\u3164\u3164\u3164", "\u2800\u2800", "\u115f\u1160\uffa0",
    "\u0301\u0302\u0303", "\ufe0f\ufe0e", "\u00ad\u034f", "\u202e\u202c", "\u3000\u00a0\u202f",
])
def test_invisible_text_has_no_visible_character(text):
    assert visible_length(text) == 0


def test_visible_length_counts_what_draws_and_stops_when_asked():
    assert visible_length("Dr\u200b Martin") == 8
    assert visible_length("e\u0301te\u0301") == 3  # marks on a letter add nothing
    assert visible_length("محمد 👍") == 5
    assert visible_length("x" * 50_000, stop_at=5) == 5


def test_titles_names_and_bodies_need_visible_characters(app):
    with pytest.raises(ValidationError, match="au moins 5 caractères visibles"):
        posting.clean_title("ab\u200b\u200b\u200b\u3164\u2800c")
    with pytest.raises(ValidationError, match="ne peut pas être vide"):
        posting.clean_body("\u200b\n\u2800\n\u0301")
    with pytest.raises(ValidationError, match="au moins 2 caractères visibles"):
        accounts.clean_display_name("A\u200b\u3164")
    assert posting.clean_version("\u200b\u2800") is None
    assert accounts.clean_bio("\u3164 \u200b") is None


# --- the normalised form the checks read ----------------------------------------------------------

def test_checks_read_the_text_as_rendered():
    assert normalise_for_checks("&#49;&#x38;5&nbsp;<b>12</b>\u00ad\u200b３") == "185\u00a0 12 3".replace("\u00a0", " ")
    assert normalise_for_checks("Mod\u200bérateur\u202e\u2066") == "Modérateur"


# --- the NIR/INS guard ----------------------------------------------------------------------------

VALID_KEY = "185127512345688"  # 97 - 1851275123456 % 97 = 88


@pytest.mark.parametrize("text", [
    "Patient 1 85 12 75 123 456 78 à rappeler",          # the usual grouping (any key)
    "1\u202f85\u202f12\u202f75\u202f123\u202f456\u202f78",  # narrow no-break spaces
    "1\u200985\u200912\u200975\u2009123\u2009456\u200978",  # thin spaces
    "1\t85\t12  75   123 456 78",                       # tabs, several spaces
    "1/85/12/75/123/456/78", "1_85_12_75_123_456_78", "1.85.12.75.123.456.78",
    "1\u201085\u201112\u201275\u2013123\u2014456\u221278",  # dashes of every kind, minus sign
    "1 85 12 **75** 123 456 78", "1 85 12 _75_ 123 456 78", r"1\ 85\ 12\ 75\ 123\ 456\ 78",
    "1 85 12 <b>75</b> 123 456 78", "&#49; 85 12 75 123 456 78", "1&nbsp;85&nbsp;12&nbsp;75 123 456 78",
    "1\u200b85\u200b12\u200b75\u200b123\u200b456\u200b78", "1 85 12 75 123 456\u00ad78", "1 85 12 75 123 456\u206078",
    "１８５１２７５１２３４５６７８", "١٨٥١٢٧٥١٢٣٤٥٦٧٨", "1̂85127512345678",
    "NIR185127512345678", "n°185127512345678x", "INS : 2-84-05-2A-412-032-71", "1 85 12 2b 123 456 78",
    "18512 75123 45678", "1851275123456 78",              # other groupings on field boundaries
    "185 127 512 345 688", "1 8 5 1 2 7 5 1 2 3 4 5 6 8 8",  # any grouping when the key is right
    f"Mon NIR : {VALID_KEY}, merci",
])
def test_a_nir_is_found_whatever_its_writing(text):
    assert contains_patient_identifier(text)


@pytest.mark.parametrize("text", [
    "Appelez le 03 20 12 34 56, version 12.4.1.2024, dossier 123456789",
    "01 23 45 67 89", "+33 6 12 34 56 78", "01 23 45 67 89 / 06 12 34 56 78",
    "le 12/03/2024 à 14:30", "du 01/02/2024 au 28/02/2024", "5.3.12", "version 2024.2.1 build 123",
    "FINESS 750712184", "RPPS 10101234567", "SIRET 362 521 879 00034", "1 234 567,89 €",
    "1 200 / 3 400 / 5 600 / 7 800 €", "192.168.100.200 10.0.0.1", "1234567890123456",
    "185 127 512 345 678",                               # an odd grouping with a wrong key
    "085127512345678", "585127512345678", "185137512345678",  # sex 0 or 5, month 13
    "2Avril 2024", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15",
])
def test_ordinary_numbers_are_not_taken_for_a_nir(text):
    assert not contains_patient_identifier(text)


def test_guard_refuses_with_the_french_message(app):
    with pytest.raises(ValidationError) as error:
        patient_data.check_no_patient_identifier("bio", "Patient 1\u202f85\u202f12\u202f75\u202f123\u202f456\u202f78")
    assert (error.value.field, error.value.message) == ("bio", NIR_MESSAGE)


@pytest.mark.parametrize("unit", ["1 ", "1  ", "11 ", "٣ ", "１ ", "2A ", "0 ", "1.", "&#49; "])
def test_the_guard_does_linear_work_on_a_50000_character_body(monkeypatch, unit):
    """Counted, not timed: the 15-character window is checked at most once per digit group, and
    twice the text costs at most twice the checks (no quadratic scan, no regex backtracking)."""
    checks = []
    real = patient_data._is_nir
    monkeypatch.setattr(patient_data, "_is_nir", lambda groups: checks.append(len(groups)) or real(groups))

    def work(size: int) -> int:
        checks.clear()
        text = (unit * (size // len(unit) + 1))[:size]
        contains_patient_identifier(text)
        return len(checks)

    half, full = work(25_000), work(50_000)
    groups = 50_000 // len(unit) + 1
    assert full <= groups
    assert full <= 2 * half + 15
    assert sum(checks) <= 15 * full


# --- reserved role words --------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Référent Chorus (éditeur)", "EDITEUR", "l'éditrice", "Modérateur", "moderatrice du forum", "Admin",
    "administrateur", "Administratrice réseau", "Support Chorus", "L'équipe", "Compte officiel", "Officielle",
    "Chorus Éditeur\u200b", "É-d-i-t-e-u-r", "ChorusÉditeur", "Mоdérateur", "m0d3rateur", "Staff", "Webmaster",
    "Référente WEDA", "Représentant Hellodoc", "Fédération", "Moderator", "Editor Chorus",
])
def test_role_words_are_reserved(name):
    assert reserved_role_word(name)


@pytest.mark.parametrize("name", [
    "Claire Martin", "Dr Éditha Lemoine", "Secrétaire administrative", "Supporter de l'OM", "Équipement",
    "Modeste", "Adèle Minot", "Fred Iteur-Blanc",
])
def test_ordinary_names_are_not_reserved(name):
    assert reserved_role_word(name) is None


# --- the services clean for callers that are not web requests (both databases) -------------------

def test_services_store_no_control_character_whoever_calls_them(app):
    author = make_user()
    board = make_board()
    thread = posting.create_thread(author, board, "tip", "Titre\x00 avec\x1b contrôle", "Corps\x00\r\navec\x7f",
                                   software_version="5.2\x00")
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert (thread.title, post.body_source, thread.software_version) == ("Titre avec contrôle", "Corps\navec", "5.2")
    user = accounts.create_account_from_cli("cli@example.org", "motdepasse-solide", "member",
                                            display_name="Nom\x00 \u202eCLI")
    db.session.commit()
    assert db.session.scalar(select(User.display_name).where(User.id == user.id)) == "Nom CLI"
    with pytest.raises(ValidationError):
        accounts.create_account_from_cli("c\x00li2@example.org", "motdepasse-solide", "member")


def test_a_status_note_holding_a_nul_is_stored_clean(app):
    moderator = make_user(role="moderator")
    thread = make_request()
    change = statuses.set_status(moderator, thread, "planifiee", note="Prévu\x00 en 6.2", version="6.2\x00")
    db.session.commit()
    assert (change.note, change.version) == ("Prévu en 6.2", "6.2")
