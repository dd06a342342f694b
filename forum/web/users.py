"""Public profile pages, and the member's own profile, declared software and personal data
(download, account deletion): only ever `current_user`'s."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import login_required, logout_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from forum.services import accounts, privacy
from forum.web.account_forms import FrenchForm, ProfileForm, SoftwareForm, with_software
from forum.web.submit import current_member, form_status, submit

bp = Blueprint("users", __name__)


@bp.get("/u/<int:user_id>")
def profile(user_id: int):
    user = accounts.get_profile_user(user_id)
    return render_template("users/profile.html", user=user, threads=accounts.recent_threads(user),
                           replies=accounts.recent_replies(user))


@bp.route("/profil/modifier", methods=["GET", "POST"])
@login_required
def edit_profile():
    user = current_member()
    structure = user.structure
    form = ProfileForm(data={
        "display_name": user.display_name, "profession": user.profession, "bio": user.bio or "",
        "region": user.region or (structure.region if structure else ""),
        "structure_name": structure.name if structure else "", "structure_kind": structure.kind if structure else "",
    })
    if form.validate_on_submit() and submit(form, lambda: accounts.update_profile(
            user, form.display_name.data, form.profession.data, form.structure_name.data,
            form.structure_kind.data, form.region.data, form.bio.data)):
        flash("Votre profil a été enregistré.", "success")
        return redirect(url_for("users.profile", user_id=user.id))
    return render_template("users/edit_profile.html", form=form), form_status(form)


@bp.route("/profil/logiciels", methods=["GET", "POST"])
@login_required
def edit_software():
    user = current_member()
    form_cls = with_software(SoftwareForm, accounts.software_boards())
    form = form_cls(data=form_cls.software_data({use.board_id: use.version for use in user.software}))
    if form.validate_on_submit() and submit(form, lambda: accounts.set_software(
            user, [(board.id, version) for board, version in form.software_entries()])):
        flash("Vos logiciels ont été enregistrés.", "success")
        return redirect(url_for("users.profile", user_id=user.id))
    return render_template("users/edit_software.html", form=form), form_status(form)


class DeleteAccountForm(FrenchForm):
    password = PasswordField("Votre mot de passe", validators=[
        DataRequired("Saisissez votre mot de passe pour confirmer la suppression.")])
    confirm = BooleanField("Je comprends que la suppression est définitive : mon compte ne pourra pas "
                           "être rétabli et mes messages resteront publiés, signés « Ancien membre ».",
                           validators=[DataRequired("Cochez la case pour confirmer que vous avez compris.")])


def _data_page(form: DeleteAccountForm, status: int = 200):
    data = privacy.export_user_data(current_member())
    return render_template("users/data.html", form=form, data=data), status


@bp.get("/profil/donnees")
@login_required
def data():
    return _data_page(DeleteAccountForm())


@bp.get("/profil/donnees.json")
@login_required
def export_data():
    """The member's own data as a JSON download (never anyone else's: no id in the URL)."""
    body = json.dumps(privacy.export_user_data(current_member()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="mes-donnees-forum.json"', "Cache-Control": "no-store"})


@bp.post("/profil/supprimer")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if not (form.validate_on_submit()
            and submit(form, lambda: privacy.delete_account(current_member(), form.password.data))):
        return _data_page(form, form_status(form))
    logout_user()
    flash("Votre compte a été supprimé. Vos messages restent publiés, signés « Ancien membre ».", "success")
    return redirect(url_for("main.index"))
