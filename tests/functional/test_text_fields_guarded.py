"""Every free-text field that ends up public (profiles, threads, feeds, API, livrables, journal) goes
through the same hygiene, tested through its page:

- a NIR/INS written the French way (narrow no-break spaces) is refused with the French message, a
  4xx, the typed text kept in the form and nothing stored;
- control characters (NUL, ESC, DEL, C1) never reach the database: the page saves the text without
  them (PostgreSQL used to answer 500 « text fields cannot contain NUL », SQLite stored them raw);
- text made only of invisible characters is as empty as it looks, and members cannot call themselves
  « éditeur » or « modérateur ».

Run on PostgreSQL too: scripts/with_postgres.sh .venv/bin/python -m pytest -q tests/functional/test_text_fields_guarded.py
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import AuditEntry, Livrable, Post, Report, SoftwareUse, StatusChange, Thread, TipConfirmation, User
from forum.services import livrables
from forum.services.patient_data import NIR_MESSAGE
from tests.confirm import confirm
from tests.factories import (
    PASSWORD,
    make_board,
    make_editor,
    make_post,
    make_request,
    make_structure,
    make_thread,
    make_tip,
    make_user,
)

# Narrow no-break spaces (U+202F, the usual French digit separator) and a zero-width space before the key:
# the old guard missed both (titles had their spaces collapsed, the zero-width space still hid the number).
NIR = "1\u202f85\u202f12\u202f75\u202f123\u202f456\u202f\u200b78"
WITH_NIR = f"Patient {NIR}"
WITH_CONTROLS = "Texte\x00 valide\x1b ici\x7f\x9b"
CLEANED = "Texte valide ici"
EMAIL = "claire.martin@example.org"


@dataclass
class Case:
    url: str
    data: dict[str, str]
    field: str  # the form key the tested text goes into
    stored: Callable[[], object]  # what the database holds for that field now
    confirmed: bool = False  # an irreversible action: acts once its confirmation step is confirmed


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _last(column, *conditions):
    db.session.expire_all()
    return db.session.scalar(select(column).where(*conditions).order_by(column.table.c.id.desc()).limit(1))


# --- the fields, each reached through its page ----------------------------------------------------

def _register(attribute: str):
    def build(login) -> Case:
        board = make_board("Chorus")
        db.session.commit()
        data = {"email": EMAIL, "display_name": "Claire Martin", "password": PASSWORD, "password_confirm": PASSWORD,
                "profession": "infirmier", "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
                "region": "Bretagne", f"uses_{board.id}": "y", f"version_{board.id}": "5.2"}

        def stored():
            db.session.expire_all()
            user = db.session.scalar(select(User).where(User.email == EMAIL))
            if user is None:
                return None
            return {"display_name": user.display_name, "structure_name": user.structure.name,
                    "version": user.software[0].version}[attribute]
        return Case("/inscription", data, f"version_{board.id}" if attribute == "version" else attribute, stored)
    return build


def _profile(attribute: str):
    def build(login) -> Case:
        user = login(make_user(display_name="Claire Martin", structure=make_structure("MSP des Tilleuls",
                                                                                      region="Bretagne")))
        db.session.commit()
        data = {"display_name": "Claire Martin", "profession": user.profession, "structure_name": "MSP des Tilleuls",
                "structure_kind": "msp", "region": "Bretagne", "bio": "Infirmière en MSP."}
        uid = user.id

        def stored():
            user = _fresh(User, uid)
            return {"display_name": user.display_name, "structure_name": user.structure.name, "bio": user.bio}[attribute]
        return Case("/profil/modifier", data, attribute, stored)
    return build


def _declared_software(login) -> Case:
    board = make_board("Chorus")
    user = login(make_user())
    db.session.commit()

    def stored():
        db.session.expire_all()
        return db.session.scalar(select(SoftwareUse.version).where(SoftwareUse.user_id == user.id))
    return Case("/profil/logiciels", {f"uses_{board.id}": "y", f"version_{board.id}": "5.2"}, f"version_{board.id}",
                stored)


def _new_thread(attribute: str):
    def build(login) -> Case:
        board = make_board("Médistory", slug="medistory")
        login(make_user(uses=[board]))
        db.session.commit()
        data = {"kind": "tip", "title": "Ordonnances bizones en un clic", "body": "Menu Outils puis Export.",
                "software_version": "5.2"}
        column = {"title": Thread.title, "software_version": Thread.software_version, "body": Post.body_source}
        return Case("/b/medistory/nouveau", data, attribute, lambda: _last(column[attribute]))
    return build


def _reply(login) -> Case:
    thread = make_thread()
    login(make_user(uses=[thread.board]))
    db.session.commit()
    return Case(f"/t/{thread.id}/repondre", {"body": "Merci !"}, "body",
                lambda: _last(Post.body_source, Post.thread_id == thread.id, Post.is_first.is_(False)))


def _edit(attribute: str):
    def build(login) -> Case:
        author = login(make_user())
        thread = make_thread(author=author, title="Comment exporter le DMP ?", body="Je cherche.")
        db.session.commit()
        post_id = _last(Post.id, Post.thread_id == thread.id)
        column = {"title": Thread.title, "body": Post.body_source}[attribute]
        return Case(f"/p/{post_id}/modifier", {"title": "Comment exporter le DMP ?", "body": "Je cherche."},
                    attribute, lambda: _last(column, Post.id == post_id, Thread.id == Post.thread_id))
    return build


def _tip_confirmation(login) -> Case:
    tip = make_tip(software_version="5.1")
    login(make_user(uses=[tip.board]))
    db.session.commit()
    return Case(f"/t/{tip.id}/confirmer", {"version": "5.2"}, "version",
                lambda: _last(TipConfirmation.version, TipConfirmation.thread_id == tip.id))


def _status(attribute: str):
    def build(login) -> Case:
        thread = make_request()
        login(make_user(role="moderator"))
        db.session.commit()
        column = {"note": StatusChange.note, "version": StatusChange.version}[attribute]
        return Case(f"/t/{thread.id}/statut", {"status": "planifiee", "note": "Prévu.", "version": "6.2"}, attribute,
                    lambda: _last(column, StatusChange.thread_id == thread.id))
    return build


def _report_comment(login) -> Case:
    post = make_post(make_thread())
    login(make_user())
    db.session.commit()
    return Case(f"/p/{post.id}/signaler", {"reason": "autre", "comment": "À vérifier."}, "comment",
                lambda: _last(Report.comment, Report.post_id == post.id))


def _moderation_reason(login) -> Case:
    thread = make_thread()
    login(make_user(role="moderator"))
    db.session.commit()
    return Case(f"/t/{thread.id}/moderation/verrouiller", {"reason": "Hors sujet."}, "reason",
                lambda: _last(AuditEntry.reason, AuditEntry.thread_id == thread.id, AuditEntry.action == "lock"))


def _suspension_reason(login) -> Case:
    member = make_user()
    login(make_user(role="moderator"))
    db.session.commit()
    return Case(f"/u/{member.id}/suspendre", {"days": "7", "reason": "Messages répétés."}, "reason",
                lambda: _fresh(User, member.id).suspension_reason, confirmed=True)


def _change_kind_version(login) -> Case:
    thread = make_thread()
    login(make_user(role="moderator"))
    db.session.commit()
    return Case(f"/t/{thread.id}/changer-type", {"kind": "tip", "software_version": "5.2", "reason": ""},
                "software_version", lambda: _fresh(Thread, thread.id).software_version)


def _livrable(attribute: str):
    def build(login) -> Case:
        thread = make_request()
        moderator = login(make_user(role="moderator"))
        draft = livrables.create_draft(moderator, thread.board, ExportFilters())
        db.session.commit()
        key = {"introduction": "introduction", "note": f"note-{thread.id}"}[attribute]

        def stored():
            livrable = _fresh(Livrable, draft.id)
            return livrable.introduction_source if attribute == "introduction" else livrable.items[0].note_source
        return Case(f"/livrables/{draft.id}", {"introduction": "Bonjour.", "garder": str(thread.id),
                                               f"note-{thread.id}": "Urgent.", "save": "Enregistrer"}, key, stored)
    return build


FIELDS = {
    "inscription: nom affiché": _register("display_name"),
    "inscription: structure": _register("structure_name"),
    "inscription: version déclarée": _register("version"),
    "profil: nom affiché": _profile("display_name"),
    "profil: structure": _profile("structure_name"),
    "profil: présentation": _profile("bio"),
    "profil: version déclarée": _declared_software,
    "nouveau sujet: titre": _new_thread("title"),
    "nouveau sujet: message": _new_thread("body"),
    "nouveau sujet: version vérifiée": _new_thread("software_version"),
    "réponse": _reply,
    "modification: titre": _edit("title"),
    "modification: message": _edit("body"),
    "astuce: version confirmée": _tip_confirmation,
    "statut: note": _status("note"),
    "statut: version cible": _status("version"),
    "signalement: commentaire": _report_comment,
    "modération: motif": _moderation_reason,
    "suspension: motif": _suspension_reason,
    "changement de type: version": _change_kind_version,
    "livrable: introduction": _livrable("introduction"),
    "livrable: note": _livrable("note"),
}


@pytest.fixture(params=list(FIELDS))
def case(request, login) -> Case:
    return FIELDS[request.param](login)


def _post(client, case: Case, text: str):
    return client.post(case.url, data={**case.data, case.field: text})


@pytest.mark.slow  # one case per field of every form (about 20)
def test_patient_identifier_is_refused_in_every_public_field(client, case):
    before = case.stored()
    response = _post(client, case, WITH_NIR)
    page = html.unescape(response.get_data(as_text=True))
    assert 400 <= response.status_code < 500
    assert NIR_MESSAGE in page
    assert WITH_NIR in page  # the typed text is still in the form
    assert case.stored() == before


@pytest.mark.slow  # one case per field of every form (about 20)
def test_control_characters_never_reach_the_database(client, case):
    if case.confirmed:
        response = confirm(client, case.url, {**case.data, case.field: WITH_CONTROLS})
    else:
        response = _post(client, case, WITH_CONTROLS)
    assert response.status_code == 302
    assert case.stored() == CLEANED


# --- invisible text and reserved names ------------------------------------------------------------

INVISIBLE = "\u200b\u3164\u2800\u115f\uffa0\ufe0f\u0301\u200d\u2060"


@pytest.mark.parametrize("name", ["inscription: nom affiché", "profil: nom affiché", "profil: structure",
                                  "nouveau sujet: titre", "nouveau sujet: message", "réponse",
                                  "modification: titre", "statut: note", "modération: motif"])
def test_text_made_only_of_invisible_characters_is_refused(client, login, name):
    case = FIELDS[name](login)
    if name == "statut: note":  # a note is optional except for a refusal
        case.data["status"] = "refusee"
    if name == "modération: motif":  # a reason is optional except to hide
        case.url = case.url.replace("verrouiller", "masquer")
    before = case.stored()
    response = _post(client, case, INVISIBLE * 3)
    assert response.status_code == 422
    assert case.stored() == before


@pytest.mark.parametrize("name", ["Référent Chorus (éditeur)", "MODÉRATRICE Claire", "Equipe support",
                                  "Admin", "É.d.i.t.e.u.r Chorus", "Mod\u200bérateur", "Chorus Оfficiel"])
def test_members_cannot_take_a_role_word_as_display_name(client, login, name):
    case = _profile("display_name")(login)
    response = _post(client, case, name)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "ce mot est réservé aux comptes des éditeurs, des modérateurs et de l'administration" in page
    assert name in page
    assert case.stored() == "Claire Martin"


def test_registration_refuses_a_role_word_and_an_editor_account_keeps_its_own(client, login):
    case = _register("display_name")(login)
    response = _post(client, case, "Référent Chorus (éditeur)")
    assert response.status_code == 422
    assert case.stored() is None
    # The demo seed and `flask create-user` give staff accounts such names: editing their profile keeps them.
    editor = login(make_user(role="editor", display_name="Référent Chorus (éditeur)", editor=make_editor("Chorus"),
                             structure=make_structure("Éditeur Chorus", region="Bretagne")))
    db.session.commit()
    response = client.post("/profil/modifier", data={
        "display_name": "Référent Chorus (éditeur)", "profession": editor.profession,
        "structure_name": "Éditeur Chorus", "structure_kind": "msp", "region": "Bretagne", "bio": "Support Chorus."})
    assert response.status_code == 302
    assert _fresh(User, editor.id).bio == "Support Chorus."


def test_the_guard_refuses_a_nir_in_a_bio_but_not_ordinary_numbers_and_names(client, login):
    case = _profile("bio")(login)
    ordinary = ("Joignable au 01 23 45 67 89, FINESS 750712184, RPPS 10101234567, version 5.3.12 du 12/03/2024, "
                "budget 1 234 567,89 €, IP 192.168.100.200 10.0.0.1.")
    assert _post(client, case, ordinary).status_code == 302
    assert _post(client, case, f"{ordinary} {NIR}").status_code == 422
    assert case.stored() == ordinary
    response = client.post(case.url, data={**case.data, "display_name": "Dr Éditha Modeste-Supportès"})
    assert response.status_code == 302


# --- bidi controls and isolation ------------------------------------------------------------------

def test_a_right_to_left_override_cannot_disguise_a_title(client, login):
    case = _new_thread("title")(login)
    response = _post(client, case, "Facture \u202egnp.exe\u202c du mois")
    assert response.status_code == 302
    assert case.stored() == "Facture gnp.exe du mois"
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert "<h1><bdi>Facture gnp.exe du mois</bdi></h1>" in page
    assert "\u202e" not in page


def test_names_and_titles_are_isolated_on_the_board_and_thread_pages(client):
    author = make_user(display_name="محمد")
    thread = make_thread(author=author, title="Question en arabe ؟ ترجمة")
    make_post(thread, author)
    db.session.commit()
    board_page = client.get(f"/b/{thread.board.slug}/").get_data(as_text=True)
    assert f"<bdi>{thread.title}</bdi></a>" in board_page
    assert f'href="/u/{author.id}"><bdi>محمد</bdi></a>' in board_page
    thread_page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'href="/u/{author.id}"><bdi>محمد</bdi></a>' in thread_page
    assert '<div class="post-body" dir="auto">' in thread_page


# --- addresses and query strings ------------------------------------------------------------------

def test_control_characters_in_queries_and_addresses_reach_neither_the_database_nor_the_page(client):
    board = make_board(slug="chorus")
    make_thread(board, title="Exporter les ordonnances")
    db.session.commit()
    for url in ("/search?q=ordo%00nnances%1b", "/search?q=ordonnances&board=chorus%00&kind=%00",
                "/b/chorus/?type=%00&tri=%00", "/api/v1/boards/chorus/requests?status=%00&sort=%00"):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        text = response.get_data(as_text=True)
        assert "\x00" not in text and "\x1b" not in text, url
    for url in ("/b/chorus%00/", "/b/%00/demandes", "/b/chorus%00/feed.atom", "/t/1/slug%00"):
        assert client.get(url).status_code == 404, url


def test_a_nul_slipped_into_the_login_address_is_ignored(client):
    make_user(email="claire@example.org")
    db.session.commit()
    response = client.post("/connexion", data={"email": "claire@exa\x00mple.org\x00", "password": PASSWORD})
    assert response.status_code == 302
