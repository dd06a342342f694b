"""Register, log in, log out and reset a forgotten password; the `next` target after login is only
ever a path inside the site.

« Se souvenir de moi » sets a cookie holding a new random token at each log-in (checked against its
hashed row, forum.services.sessions); a browser without a session but with a valid token is logged
in again before its request is served. Log-out ends every session and remember-me token of the
member, in every browser: a copy of the old cookies no longer logs in.

No page tells whether an address has an account, except registration: a new address is logged in at
once, so a taken one could not be hidden without e-mail confirmation; refused registrations are rate
limited per address instead (forum.web.security).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.models import User
from forum.services import accounts, mail, sessions
from forum.services.errors import ValidationError
from forum.web.account_forms import (
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegisterForm,
    with_software,
)
from forum.web.submit import current_member, form_status, submit
from forum.web.urls import external_url

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
RESET_REQUESTED = ("Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec un lien "
                   "pour choisir un nouveau mot de passe. Pensez à vérifier vos indésirables.")
RESET_SUBJECT = "Choisir un nouveau mot de passe – Clubs utilisateurs"
RESET_DONE = "Votre nouveau mot de passe est enregistré. Vous pouvez vous connecter."
LOGGED_OUT = ("Vous êtes déconnecté·e, sur cet appareil comme sur tous les autres où vous étiez "
              "connecté·e. À bientôt !")


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
    if form.validate_on_submit() and (user := submit(form, lambda: accounts.register(
            form.email.data, form.display_name.data, form.password.data, form.profession.data,
            form.structure_name.data, form.structure_kind.data, form.region.data, form.software_entries()))):
        login_user(user)
        flash(f"Bienvenue {user.display_name} ! Votre compte est créé.", "success")
        return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form), form_status(form)


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
            target = safe_next(form.next.data) or safe_next(request.args.get("next"))
            response = redirect(target or url_for("main.index"))
            _log_in(user, response, remember=bool(form.remember.data))
            flash(f"Bonjour {user.display_name}, vous êtes connecté·e.", "success")
            return response
        form.form_errors.append(LOGIN_FAILED)
    elif form.is_submitted() and not form.form_errors:
        form.form_errors.append(LOGIN_FAILED)
    return render_template("auth/login.html", form=form,
                           remember_days=max(1, remember_seconds() // 86400)), form_status(form)


@bp.post("/deconnexion")
def logout():
    """Log out everywhere: every session and remember-me token of the member ends."""
    if current_user.is_authenticated:
        sessions.end_all_sessions(current_member())
        db.session.commit()
    logout_user()  # also deletes the remember-me cookie (Flask-Login's REMEMBER_COOKIE_NAME)
    flash(LOGGED_OUT, "success")
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
                               link=external_url("auth.reset_password", token=token),
                               hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600))
        flash(RESET_REQUESTED, "info")
        response = redirect(url_for("auth.login"))
        if user is not None:
            mail.send_after_response(response, user.email, RESET_SUBJECT, body)
        return response
    return render_template("auth/password_request.html", form=form), form_status(form)


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.user_for_reset_token(token)
    except ValidationError as exc:
        return _no_referrer(render_template("auth/password_reset_invalid.html", message=exc.message), 400)
    form = PasswordResetForm()
    if form.validate_on_submit() and submit(form, lambda: accounts.reset_password(token, form.password.data)):
        flash(RESET_DONE, "success")
        return redirect(url_for("auth.login"))
    return _no_referrer(render_template("auth/password_reset.html", form=form, user=user), form_status(form))


# --- sessions and remember-me cookie -----------------------------------------------------------------

def _log_in(user: User, response: Response, remember: bool) -> None:
    """Log `user` in; with `remember`, a new remember-me token in the cookie. A token this browser
    held before (another log-in) is deleted either way."""
    earlier = request.cookies.get(_cookie_name())
    sessions.forget_remember_token(earlier)
    token = sessions.issue_remember_token(user, remember_seconds()) if remember else None
    db.session.commit()
    login_user(user)
    if token:
        response.set_cookie(_cookie_name(), token, max_age=remember_seconds(), **_cookie_flags())
    elif earlier:
        _delete_remember_cookie(response)


def remember_seconds() -> int:
    """REMEMBER_COOKIE_DURATION in seconds (Flask-Login accepts seconds or a timedelta)."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


def _cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME") or "remember_token"


def _cookie_flags() -> dict[str, Any]:
    """Path, domain and flags of the remember-me cookie (Flask-Login's REMEMBER_COOKIE_* keys)."""
    config = current_app.config
    return {"path": config.get("REMEMBER_COOKIE_PATH") or "/", "domain": config.get("REMEMBER_COOKIE_DOMAIN"),
            "secure": bool(config.get("REMEMBER_COOKIE_SECURE")),
            "httponly": config.get("REMEMBER_COOKIE_HTTPONLY", True),
            "samesite": config.get("REMEMBER_COOKIE_SAMESITE", "Lax")}


def _delete_remember_cookie(response: Response) -> None:
    response.delete_cookie(_cookie_name(), **_cookie_flags())


@bp.before_app_request
def _restore_remembered_member() -> None:
    """A browser with a remember-me cookie and no member in its session (a new browser session):
    log the member in again, once (the session then carries the member). Runs before the view, so
    marking the token as used commits nothing else. A dead token's cookie is deleted."""
    token = request.cookies.get(_cookie_name())
    if not token or "_user_id" in session or request.endpoint == "static":
        return
    user = sessions.user_for_remember_token(token)
    if user is None:
        g.drop_remember_cookie = True
        return
    try:
        db.session.commit()  # the token's last use; not worth refusing the page over
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("Could not record the use of a remember-me token", exc_info=True)
    login_user(user, fresh=False)


@bp.after_app_request
def _drop_dead_remember_cookie(response: Response) -> Response:
    if g.pop("drop_remember_cookie", False):
        _delete_remember_cookie(response)
    return response


def _no_referrer(body: str, status: int):
    """The token is in the address: never send it to another site as a Referer."""
    response = make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
