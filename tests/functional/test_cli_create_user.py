"""`flask --app forum create-user EMAIL --role ROLE [--editor SLUG]`, password on stdin."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from forum.services import accounts
from tests.factories import make_editor, make_user


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_admin_with_password_on_stdin(runner):
    result = runner.invoke(args=["create-user", "admin@x.org", "--role", "admin"], input="motdepasse-solide\n")
    assert result.exit_code == 0, result.output
    assert "Compte créé : admin@x.org (admin)" in result.output
    admin = user_by_email("admin@x.org")
    assert admin.role == "admin" and admin.editor_id is None
    assert admin.password_hash != "motdepasse-solide"
    assert accounts.authenticate("admin@x.org", "motdepasse-solide") == admin


def test_create_editor_binds_the_editor(runner):
    editor = make_editor("Chorus SA", "chorus")
    db.session.commit()
    result = runner.invoke(args=["create-user", "rep@chorus.fr", "--role", "editor", "--editor", "chorus",
                                 "--name", "Service client Chorus"], input="motdepasse-solide\n")
    assert result.exit_code == 0, result.output
    rep = user_by_email("rep@chorus.fr")
    assert (rep.role, rep.editor_id, rep.display_name) == ("editor", editor.id, "Service client Chorus")


def test_unknown_editor_exits_2_with_french_message(runner):
    result = runner.invoke(args=["create-user", "rep@x.org", "--role", "editor", "--editor", "inconnu"],
                           input="motdepasse-solide\n")
    assert result.exit_code == 2
    assert "Erreur : Éditeur inconnu : inconnu" in result.stderr
    assert user_by_email("rep@x.org") is None


def test_editor_option_refused_for_other_roles(runner):
    make_editor("Chorus SA", "chorus")
    db.session.commit()
    result = runner.invoke(args=["create-user", "modo@x.org", "--role", "moderator", "--editor", "chorus"],
                           input="motdepasse-solide\n")
    assert result.exit_code == 2
    assert "--editor ne s'applique qu'au rôle editor" in result.stderr
    assert user_by_email("modo@x.org") is None


def test_duplicate_email_and_short_password_are_refused(runner):
    make_user("admin@x.org")
    db.session.commit()
    result = runner.invoke(args=["create-user", "ADMIN@x.org", "--role", "admin"], input="motdepasse-solide\n")
    assert result.exit_code == 2 and "Un compte existe déjà avec cette adresse." in result.stderr
    result = runner.invoke(args=["create-user", "neuf@x.org", "--role", "admin"], input="court\n")
    assert result.exit_code == 2 and "au moins 10 caractères" in result.stderr
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
