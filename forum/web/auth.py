"""Register, log in and log out; the `next` target after login is only ever a path inside the site."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from forum.extensions import db
from forum.services import accounts
from forum.services.errors import ValidationError
from forum.web.account_forms import LoginForm, RegisterForm, with_software

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."


def safe_next(target: str | None) -> str | None:
    """`target` when it is a relative path of this site, else None (no open redirect).

    Refuses "//host" and "/\\host" (browsers read both as another host), schemes such as
    "javascript:", anything with a netloc, and control characters (which browsers strip).
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    boards = accounts.software_boards()
    form = with_software(RegisterForm, boards)()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                form.email.data, form.display_name.data, form.password.data, form.profession.data,
                form.structure_name.data, form.structure_kind.data, form.region.data, form.software_entries(),
            )
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            login_user(user)
            flash(f"Bienvenue {user.display_name} ! Votre compte est créé.", "success")
            return redirect(url_for("main.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Bonjour {user.display_name}, vous êtes connecté·e.", "success")
            target = safe_next(form.next.data) or safe_next(request.args.get("next"))
            return redirect(target or url_for("main.index"))
        form.form_errors.append(LOGIN_FAILED)
    elif form.is_submitted() and not form.form_errors:
        form.form_errors.append(LOGIN_FAILED)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/deconnexion")
def logout():
    logout_user()
    flash("Vous êtes déconnecté·e. À bientôt !", "success")
    return redirect(url_for("main.index"))
