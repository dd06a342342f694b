"""Register, log in, log out through the pages; the `next` redirect stays inside the site."""
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Structure, User
from tests.factories import PASSWORD, make_board, make_user
from tests.pages import page

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."


def field_error(text: str, field: str) -> str | None:
    """The error message shown next to `field` (the macro gives it the id `<field>-error`)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', text)
    return match.group(1) if match else None


def registration(**overrides) -> dict:
    data = {"email": "claire.martin@example.org", "display_name": "Claire Martin",
            "password": "motdepasse-solide", "password_confirm": "motdepasse-solide",
            "profession": "infirmier", "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
            "region": "Bretagne"}
    data.update(overrides)
    return data


# What the registration form shows again of `registration()` when another field is refused.
KEPT_INPUT = {"display_name": 'value="Claire Martin"', "structure_name": 'value="MSP des Tilleuls"',
              "email": 'value="claire.martin@example.org"', "region": '<option selected value="Bretagne">'}


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def logged_in_user_id(client) -> str | None:
    """The id of the session's user ("<id>.<session fingerprint>", see User.get_id)."""
    with client.session_transaction() as session:
        return session.get("_user_id", "").partition(".")[0] or None


# --- registration ---------------------------------------------------------------------------------

def test_register_page_lists_software_boards_with_versions(client):
    chorus = make_board("Chorus")
    make_board("Inter-logiciels", is_general=True)
    db.session.commit()
    response = client.get("/inscription")
    text = page(response)
    assert response.status_code == 200
    assert "<legend>Logiciels que vous utilisez</legend>" in text
    assert f'<label for="uses_{chorus.id}">Chorus</label>' in text
    assert f'id="version_{chorus.id}"' in text
    assert "Inter-logiciels" not in text


def test_register_creates_account_logs_in_and_greets(client):
    chorus, weda = make_board("Chorus"), make_board("WEDA")
    db.session.commit()
    data = registration(**{f"uses_{chorus.id}": "y", f"version_{chorus.id}": "5.2", f"version_{weda.id}": ""})
    response = client.post("/inscription", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.email == "claire.martin@example.org"))
    assert user is not None and user.display_name == "Claire Martin"
    assert user.password_hash != "motdepasse-solide" and user.check_password("motdepasse-solide")
    assert (user.structure.name, user.structure.kind, user.structure.region) == ("MSP des Tilleuls", "msp", "Bretagne")
    assert [(use.board_id, use.version) for use in user.software] == [(chorus.id, "5.2")]
    assert logged_in_user_id(client) == str(user.id)
    home = page(client.get("/"))
    assert "Bienvenue Claire Martin" in home
    assert "Se déconnecter" in home


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"email": "pas-une-adresse"}, "email", "Cette adresse e-mail n'est pas valide."),
    ({"email": ""}, "email", "Saisissez votre adresse e-mail."),
    ({"display_name": "C"}, "display_name", "Le nom affiché doit contenir de 2 à 80 caractères."),
    ({"password": "court", "password_confirm": "court"}, "password",
     "Le mot de passe doit contenir au moins 10 caractères."),
    ({"password_confirm": "autre-mot-de-passe"}, "password_confirm",
     "Les deux mots de passe ne correspondent pas."),
    ({"profession": ""}, "profession", "Choisissez votre profession dans la liste."),
    ({"profession": "astronaute"}, "profession", "N'est pas un choix valide."),
    ({"structure_name": ""}, "structure_name", "Indiquez le nom de votre structure."),
    ({"structure_kind": ""}, "structure_kind", "Choisissez le type de structure dans la liste."),
    ({"region": "Atlantide"}, "region", "N'est pas un choix valide."),
])
def test_register_invalid_field_shows_french_message_and_keeps_input(client, overrides, field, message):
    response = client.post("/inscription", data=registration(**overrides))
    text = page(response, 422)
    assert response.status_code == 422
    assert field_error(text, field) == message
    kept = {name for name, html in KEPT_INPUT.items() if html in text}
    assert kept == set(KEPT_INPUT) - {field}  # everything typed is kept, but the refused field
    assert "motdepasse-solide" not in text
    assert user_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Structure)) == 0
    assert logged_in_user_id(client) is None


def test_register_keeps_checked_software_when_form_is_refused(client):
    chorus = make_board("Chorus")
    db.session.commit()
    response = client.post("/inscription", data=registration(
        password="court", password_confirm="court", **{f"uses_{chorus.id}": "y", f"version_{chorus.id}": "5.2"}))
    text = page(response, 422)
    assert response.status_code == 422
    assert re.search(rf'<input checked id="uses_{chorus.id}"', text)
    assert 'value="5.2"' in text


def test_register_duplicate_email_is_refused_next_to_email(client):
    make_user("claire.martin@example.org")
    db.session.commit()
    response = client.post("/inscription", data=registration(email="Claire.Martin@Example.org"))
    assert response.status_code == 422
    assert field_error(page(response, 422), "email") == "Un compte existe déjà avec cette adresse."
    assert user_count() == 1


def test_register_refuses_short_password(client):
    response = client.post("/inscription", data=registration(password="neufcarac", password_confirm="neufcarac"))
    assert response.status_code == 422
    assert field_error(page(response, 422), "password") == "Le mot de passe doit contenir au moins 10 caractères."
    assert user_count() == 0


def test_logged_in_member_is_sent_home_from_register_and_login(client, login):
    login(make_user())
    db.session.commit()
    for url in ("/inscription", "/connexion"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/"


# --- login and logout -----------------------------------------------------------------------------

def test_login_with_right_password_logs_in(client, auth):
    user = make_user("jean@example.org", display_name="Jean Dupont")
    db.session.commit()
    response = auth.login("JEAN@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in_user_id(client) == str(user.id)
    assert client.get_cookie("remember_token") is None
    assert "Jean Dupont" in page(client.get("/"))


@pytest.mark.parametrize(("email", "password"), [
    ("jean@example.org", "mauvais-mot-de-passe"),
    ("inconnu@example.org", PASSWORD),
    ("jean@example.org", ""),
])
def test_login_failures_give_the_same_message_and_keep_email(client, email, password):
    make_user("jean@example.org")
    db.session.commit()
    response = client.post("/connexion", data={"email": email, "password": password})
    text = page(response, 422)
    assert response.status_code == 422
    assert LOGIN_FAILED in text
    assert f'value="{email}"' in text
    assert logged_in_user_id(client) is None


def test_imported_account_without_password_cannot_log_in(client, auth):
    user = make_user("importe@example.org")
    user.password_hash = None
    db.session.commit()
    response = auth.login("importe@example.org", "")
    assert response.status_code == 422 and LOGIN_FAILED in page(response, 422)
    assert logged_in_user_id(client) is None


def test_remember_me_sets_the_remember_cookie(client):
    make_user("jean@example.org")
    db.session.commit()
    response = client.post("/connexion", data={"email": "jean@example.org", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)",
    "/\tevil", "http:/evil.example", "\\\\evil.example", "///evil.example",
])
def test_login_never_redirects_outside_the_site(client, target):
    make_user("jean@example.org")
    db.session.commit()
    via_query = client.post("/connexion?next=" + target.replace("\t", "%09"),
                            data={"email": "jean@example.org", "password": PASSWORD})
    assert via_query.headers["Location"] == "/"
    client.post("/deconnexion")
    via_field = client.post("/connexion", data={"email": "jean@example.org", "password": PASSWORD, "next": target})
    assert via_field.headers["Location"] == "/"


def test_login_follows_local_next(client):
    make_user("jean@example.org")
    db.session.commit()
    form = page(client.get("/connexion?next=/b/chorus/"))
    assert 'name="next" type="hidden" value="/b/chorus/"' in form
    response = client.post("/connexion", data={"email": "jean@example.org", "password": PASSWORD,
                                               "next": "/b/chorus/"})
    assert response.headers["Location"] == "/b/chorus/"
    client.post("/deconnexion")
    response = client.post("/connexion?next=/b/chorus/%3Fkind%3Dtip",
                           data={"email": "jean@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/b/chorus/?kind=tip"


def test_logout_requires_post(client, auth):
    user = make_user("jean@example.org")
    db.session.commit()
    auth.login(user)
    assert client.get("/deconnexion").status_code == 405
    assert logged_in_user_id(client) == str(user.id)
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in_user_id(client) is None
    assert "Vous êtes déconnecté·e" in page(client.get("/"))


def test_forms_carry_csrf_token_and_logout_refuses_missing_token(app, client, auth):
    user = make_user("jean@example.org")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    for url in ("/connexion", "/inscription"):
        assert 'name="csrf_token"' in page(client.get(url))
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    assert 'name="csrf_token"' in page(client.get("/"))  # the logout form in the header
    response = client.post("/deconnexion")
    assert response.status_code == 400
    assert "Le formulaire a expiré" in page(response, 400)
    assert logged_in_user_id(client) == str(user.id)


def test_login_with_csrf_on_and_no_token_explains_in_french(app, client):
    make_user("jean@example.org")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/connexion", data={"email": "jean@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in page(response, 400)
    assert logged_in_user_id(client) is None
