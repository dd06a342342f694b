"""Public profile pages, and the member's own profile and declared software (only `current_user`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.services import accounts
from forum.services.errors import ValidationError
from forum.web.account_forms import ProfileForm, SoftwareForm, with_software

bp = Blueprint("users", __name__)


@bp.get("/u/<int:user_id>")
def profile(user_id: int):
    user = accounts.get_profile_user(user_id)
    return render_template("users/profile.html", user=user, threads=accounts.recent_threads(user),
                           replies=accounts.recent_replies(user))


@bp.route("/profil/modifier", methods=["GET", "POST"])
@login_required
def edit_profile():
    user = current_user._get_current_object()
    structure = user.structure
    form = ProfileForm(data={
        "display_name": user.display_name, "profession": user.profession, "bio": user.bio or "",
        "region": user.region or (structure.region if structure else ""),
        "structure_name": structure.name if structure else "", "structure_kind": structure.kind if structure else "",
    })
    if form.validate_on_submit():
        try:
            accounts.update_profile(user, form.display_name.data, form.profession.data, form.structure_name.data,
                                    form.structure_kind.data, form.region.data, form.bio.data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            flash("Votre profil a été enregistré.", "success")
            return redirect(url_for("users.profile", user_id=user.id))
    return render_template("users/edit_profile.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/profil/logiciels", methods=["GET", "POST"])
@login_required
def edit_software():
    user = current_user._get_current_object()
    form_cls = with_software(SoftwareForm, accounts.software_boards())
    form = form_cls(data=form_cls.software_data({use.board_id: use.version for use in user.software}))
    if form.validate_on_submit():
        try:
            accounts.set_software(user, [(board.id, version) for board, version in form.software_entries()])
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            form.attach(exc)
        else:
            flash("Vos logiciels ont été enregistrés.", "success")
            return redirect(url_for("users.profile", user_id=user.id))
    return render_template("users/edit_software.html", form=form), 422 if form.is_submitted() else 200
