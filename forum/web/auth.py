"""Register, log in, log out and reset a forgotten password; the `next` target after login is only
ever a path inside the site.

No page tells whether an address has an account, except registration: a new address is logged in at
once, so a taken one could not be hidden without e-mail confirmation; refused registrations are rate
limited per address instead (forum.web.security).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from forum.extensions import db
from forum.services import accounts, mail
from forum.services.errors import ValidationError
from forum.web.account_forms import (
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegisterForm,
    with_software,
)

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
RESET_REQUESTED = ("Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec un lien "
                   "pour choisir un nouveau mot de passe. Pensez à vérifier vos indésirables.")
RESET_SUBJECT = "Choisir un nouveau mot de passe – Clubs utilisateurs"
RESET_DONE = "Votre nouveau mot de passe est enregistré. Vous pouvez vous connecter."


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


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
def request_password_reset():
    """Same answer, same work and same timing whether the address has an account or not: the mail
    (if any) is sent after the response has gone."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = accounts.password_reset_account(form.email.data)
        token = accounts.password_reset_token(user)
        body = render_template("auth/password_reset_email.txt", user=user,
                               link=url_for("auth.reset_password", token=token, _external=True),
                               hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600))
        flash(RESET_REQUESTED, "info")
        response = redirect(url_for("auth.login"))
        if user is not None:
            mail.send_after_response(response, user.email, RESET_SUBJECT, body)
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password_request.html", form=form), status


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.user_for_reset_token(token)
    except ValidationError as exc:
        return _no_referrer(render_template("auth/password_reset_invalid.html", message=exc.message), 400)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            flash(RESET_DONE, "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return _no_referrer(render_template("auth/password_reset.html", form=form, user=user), status)


def _no_referrer(body: str, status: int):
    """The token is in the address: never send it to another site as a Referer."""
    response = make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
