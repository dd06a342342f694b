"""Account rules: registration, authentication, profile, declared software, CLI accounts."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import SoftwareUse, Structure, User
from forum.models._time import utcnow
from forum.services import accounts
from forum.services.errors import NotFound, ValidationError
from tests.factories import (
    PASSWORD,
    make_board,
    make_editor,
    make_post,
    make_structure,
    make_thread,
    make_user,
)


def _register(**overrides):
    fields = dict(email="Claire.Martin@Example.org", display_name="Claire Martin", password="motdepasse-solide",
                  profession="infirmier", structure_name="MSP des Tilleuls", structure_kind="msp",
                  region="Bretagne", software=())
    fields.update(overrides)
    return accounts.register(**fields)


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_member_with_hashed_password_structure_and_software(app):
    chorus = make_board("Chorus")
    user = _register(software=[(chorus, " 5.2 ")])
    db.session.commit()
    assert user.email == "claire.martin@example.org"
    assert user.role == "member" and user.profession == "infirmier" and user.region == "Bretagne"
    assert user.password_hash and user.password_hash != "motdepasse-solide"
    assert user.password_hash.startswith("scrypt:")
    assert user.structure.name == "MSP des Tilleuls" and user.structure.region == "Bretagne"
    assert [(use.board_id, use.version) for use in user.software] == [(chorus.id, "5.2")]


def test_register_reuses_structure_with_same_name_and_region(app):
    first = _register()
    second = _register(email="autre@example.org", structure_name="  MSP   des Tilleuls ")
    other_region = _register(email="trois@example.org", region="Normandie")
    assert first.structure_id == second.structure_id
    assert other_region.structure_id != first.structure_id
    assert db.session.scalar(select(func.count()).select_from(Structure)) == 2


def test_register_refuses_duplicate_email_whatever_the_case(app):
    make_user("claire.martin@example.org")
    before = _user_count()
    with pytest.raises(ValidationError) as exc:
        _register(email="  CLAIRE.martin@example.ORG")
    assert exc.value.field == "email"
    assert exc.value.message == "Un compte existe déjà avec cette adresse."
    assert _user_count() == before


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"password": "court"}, "password", "au moins 10 caractères"),
    ({"email": "pas-une-adresse"}, "email", "n'est pas valide"),
    ({"display_name": " "}, "display_name", "au moins 2 caractères"),
    ({"profession": "astronaute"}, "profession", "profession"),
    ({"region": "Atlantide"}, "region", "région"),
    ({"structure_name": ""}, "structure_name", "nom de votre structure"),
    ({"structure_kind": "hopital"}, "structure_kind", "type de structure"),
])
def test_register_refuses_invalid_field_and_writes_nothing(app, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        _register(**overrides)
    assert exc.value.field == field and message in exc.value.message
    assert _user_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Structure)) == 0


def test_register_refuses_general_board_as_software(app):
    general = make_board("Inter-logiciels", is_general=True)
    with pytest.raises(ValidationError) as exc:
        _register(software=[(general, None)])
    assert exc.value.field == "software"
    assert _user_count() == 0


def test_authenticate_accepts_right_password_any_email_case(app):
    user = make_user("jean@example.org")
    assert accounts.authenticate(" JEAN@example.org ", PASSWORD) == user


def test_authenticate_refuses_wrong_password_and_unknown_email(app):
    make_user("jean@example.org")
    assert accounts.authenticate("jean@example.org", "mauvais-mot-de-passe") is None
    assert accounts.authenticate("inconnu@example.org", PASSWORD) is None
    assert accounts.authenticate("", "") is None


def test_imported_user_without_password_cannot_authenticate(app):
    user = make_user("importe@example.org")
    user.password_hash = None
    db.session.commit()
    assert accounts.authenticate("importe@example.org", "") is None
    assert accounts.authenticate("importe@example.org", PASSWORD) is None
    assert accounts.authenticate("importe@example.org", "None") is None


def test_deleted_account_cannot_authenticate(app):
    user = make_user("parti@example.org")
    user.deleted_at = utcnow()
    db.session.commit()
    assert accounts.authenticate("parti@example.org", PASSWORD) is None


def test_unknown_email_still_runs_a_password_hash_check(app, monkeypatch):
    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert accounts.authenticate("inconnu@example.org", PASSWORD) is None
    assert len(calls) == 1 and calls[0].startswith("scrypt:")


def test_update_profile_changes_fields_and_structure(app):
    user = make_user(display_name="Ancien nom")
    accounts.update_profile(user, "Nouveau nom", "pharmacien", "Centre de santé du Port", "cds",
                            "La Réunion", "  Pharmacienne passionnée.  ")
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.profession, user.region, user.bio) == (
        "Nouveau nom", "pharmacien", "La Réunion", "Pharmacienne passionnée.")
    assert (user.structure.name, user.structure.kind, user.structure.region) == (
        "Centre de santé du Port", "cds", "La Réunion")


def test_update_profile_refuses_too_long_bio(app):
    user = make_user(display_name="Nom stable")
    with pytest.raises(ValidationError) as exc:
        accounts.update_profile(user, "Autre nom", "pharmacien", "MSP", "msp", "Corse", "x" * 501)
    assert exc.value.field == "bio"
    assert user.display_name == "Nom stable"


def test_set_software_replaces_declared_software(app):
    chorus, weda, hellodoc = make_board("Chorus"), make_board("WEDA"), make_board("Hellodoc")
    user = make_user(uses=[chorus, weda])
    accounts.set_software(user, [(weda.id, "2024.1"), (hellodoc.id, "")])
    db.session.commit()
    rows = db.session.execute(select(SoftwareUse.board_id, SoftwareUse.version)
                              .where(SoftwareUse.user_id == user.id).order_by(SoftwareUse.board_id)).all()
    assert [tuple(r) for r in rows] == [(weda.id, "2024.1"), (hellodoc.id, None)]


def test_set_software_refuses_general_and_unknown_boards(app):
    chorus = make_board("Chorus")
    general = make_board("Inter-logiciels", is_general=True)
    user = make_user(uses=[chorus])
    for board_id in (general.id, 99999):
        with pytest.raises(ValidationError) as exc:
            accounts.set_software(user, [(board_id, None)])
        assert exc.value.field == "software"
    assert [use.board_id for use in user.software] == [chorus.id]


def test_recent_threads_and_replies_exclude_deleted(app):
    user = make_user()
    visible = make_thread(author=user, title="Sujet visible du membre")
    hidden = make_thread(author=user, title="Sujet supprimé du membre")
    make_post(hidden, user, "Réponse dans un sujet supprimé ensuite")
    hidden.deleted_at = utcnow()
    other = make_thread(title="Sujet d'un autre membre")
    kept = make_post(other, user, "Réponse visible")
    gone = make_post(other, user, "Réponse supprimée")
    gone.deleted_at = utcnow()
    db.session.commit()
    assert accounts.recent_threads(user) == [visible]
    assert accounts.recent_replies(user) == [kept]


def test_get_profile_user_unknown_id_is_not_found(app):
    with pytest.raises(NotFound):
        accounts.get_profile_user(424242)


def test_cli_account_for_editor_binds_editor(app):
    editor = make_editor("Chorus SA", "chorus")
    user = accounts.create_account_from_cli("Rep@Chorus.fr", "motdepasse-solide", "editor", "chorus")
    assert (user.email, user.role, user.editor_id, user.display_name) == ("rep@chorus.fr", "editor", editor.id, "rep")


@pytest.mark.parametrize(("role", "slug", "message"), [
    ("editor", "inconnu", "Éditeur inconnu : inconnu"),
    ("editor", None, "--editor"),
    ("admin", "chorus", "--editor"),
])
def test_cli_account_refuses_bad_editor_option(app, role, slug, message):
    make_editor("Chorus SA", "chorus")
    with pytest.raises(ValidationError) as exc:
        accounts.create_account_from_cli("x@example.org", "motdepasse-solide", role, slug)
    assert exc.value.field == "editor" and message in exc.value.message
    assert _user_count() == 0


def test_cli_account_refuses_duplicate_email_and_short_password(app):
    make_user("admin@example.org", structure=make_structure())
    with pytest.raises(ValidationError, match="existe déjà"):
        accounts.create_account_from_cli("ADMIN@example.org", "motdepasse-solide", "admin")
    with pytest.raises(ValidationError, match="10 caractères"):
        accounts.create_account_from_cli("neuf@example.org", "court", "admin")


def test_changing_profession_alone_refreshes_the_figures_of_requests_voted_on(app):
    from forum.services import ranking
    from tests.factories import make_request, make_structure, make_vote

    structure = make_structure(name="MSP des Tilleuls")
    request = make_request()
    doctor = make_user(profession="medecin_generaliste", structure=structure, uses=[request.board])
    nurse = make_user(profession="infirmier", structure=structure, uses=[request.board])
    make_vote(request, doctor, "important")
    make_vote(request, nurse, "utile")
    db.session.commit()
    assert db.session.get(type(request), request.id).profession_count == 2
    accounts.update_profile(nurse, nurse.display_name, "medecin_generaliste", "MSP des Tilleuls",
                            structure.kind, structure.region or "Bretagne", None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(request), request.id).profession_count == 1
    assert ranking.stored_figures_mismatches() == []
