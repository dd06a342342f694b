"""The member's e-mail settings (/profil/notifications) and the one-click unsubscribe page
(/desabonnement/<token>, RFC 8058), which works without logging in."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.routing import BuildError

from forum.extensions import csrf, db
from forum.services.errors import DomainError
from forum.services.notify import preferences as mail_preferences
from forum.services.notify import unsubscribe as unsubscribe_links
from forum.web.mail_settings_forms import PreferencesForm
from forum.web.submit import current_member, form_status, submit

bp = Blueprint("mail_settings", __name__)

SAVED = "Vos choix d'e-mails ont été enregistrés."


@bp.route("/profil/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_member()
    chosen = mail_preferences.deliveries_of(user)
    form = PreferencesForm(data={**{mail_preferences.field_name(kind): value for kind, value in chosen.items()},
                                 "letter_period": user.letter_period or ""}).keep_kinds(mail_preferences.kinds_for(user))
    if form.validate_on_submit() and submit(form, lambda: mail_preferences.set_preferences(
            user, form.deliveries(), form.letter_period.data)):
        flash(SAVED, "success")
        return redirect(url_for("mail_settings.preferences"))
    return render_template("mail_settings/preferences.html", form=form, follows_url=_follows_url()), form_status(form)


def _follows_url() -> str | None:
    """The page of what the member follows (the notifications blueprint), when the app has it."""
    try:
        return url_for("notifications.follows")
    except BuildError:
        return None


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients post the one-click body without a form
def unsubscribe(token: str):
    """GET only shows what will stop (link scanners must not unsubscribe anyone); POST (the button,
    or a mail client's « List-Unsubscribe=One-Click ») stops it."""
    try:
        user, scope = unsubscribe_links.read_token(token)
    except DomainError as error:
        return _no_referrer(render_template("mail_settings/unsubscribe_invalid.html", message=error.message),
                            error.status_code if error.status_code == 404 else 400)
    what = unsubscribe_links.SCOPES[scope]
    if request.method == "POST":
        unsubscribe_links.unsubscribe(user, scope)
        db.session.commit()
        return _no_referrer(render_template("mail_settings/unsubscribed.html", what=what, scope=scope))
    return _no_referrer(render_template("mail_settings/unsubscribe.html", what=what, scope=scope, token=token))


def _no_referrer(page: str, status: int = 200):
    """The token is in the URL: links from the page must not carry it away in a Referer."""
    return page, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
