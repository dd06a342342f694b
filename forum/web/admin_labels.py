"""The admins' page of a board's label facts: level, version and note, each change kept with its
before/after (services.labels); the board page shows the label and its history."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField

from forum.models import LABEL_LEVELS
from forum.services import boards as board_service
from forum.services import labels
from forum.services.policy import Action, require
from forum.web.submit import current_member, form_status, submit

bp = Blueprint("admin_labels", __name__)
NO_LABEL = "aucun"


class LabelForm(FlaskForm):
    label_level = SelectField("Niveau de label", choices=[
        SelectChoice(NO_LABEL, "Aucun (non labellisé ou niveau inconnu)"),
        *(SelectChoice(value, label) for value, label in LABEL_LEVELS.items())])
    label_version = StringField("Version du label (ex. V2)")
    label_note = StringField("Note sur le label (ex. « ne répond plus au label V2 »)")
    submit = SubmitField("Enregistrer le label")


@bp.route("/admin/forums/<slug>/label", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    board = board_service.get_board(slug)
    require(current_member(), Action.EDIT_BOARD_LABEL, board)
    form = LabelForm(data={"label_level": board.label_level or NO_LABEL, "label_version": board.label_version,
                           "label_note": board.label_note})
    if form.validate_on_submit() and (changed := submit(form, lambda: labels.set_label(
            current_member(), board, None if form.label_level.data == NO_LABEL else form.label_level.data,
            form.label_version.data, form.label_note.data))):
        flash("Label enregistré." if changed is not True else "Aucun changement.", "success")
        return redirect(url_for("boards.show", slug=board.slug) + "#historique-label")
    if form.label_level.errors:
        form.label_level.errors = ["Choisissez un niveau de label dans la liste."]
    return render_template("admin_labels/edit.html", board=board, form=form,
                           facts=labels.board_facts(board)), form_status(form)
