"""The editor representative's space page: its boards' open requests, those awaiting an official answer, delays;
and the named contacts it shows on its boards."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from forum.extensions import db
from forum.models import Editor
from forum.services import editor_space as editor_space_service
from forum.services import labels
from forum.services.errors import NotFound
from forum.web.submit import current_member, submit

bp = Blueprint("editor_space", __name__)


class ContactsForm(FlaskForm):
    """The editor's named contacts (checkboxes « contact », parsed from the posted ids) and its note."""

    contact_note = StringField("Mot de contact affiché sur vos forums (ex. support@editeur.fr, 255 caractères au plus)")
    submit = SubmitField("Enregistrer les contacts")


@bp.get("/editeur")
@login_required
def show(contacts_form: ContactsForm | None = None, status: int = 200):
    overview = editor_space_service.overview(current_member())
    editor = current_member().editor
    if contacts_form is None:
        contacts_form = ContactsForm(data={"contact_note": editor.contact_note if editor else None})
    return render_template("editor_space/show.html", overview=overview,
                           median=editor_space_service.format_delay(overview.median_first_answer),
                           contacts_editor=editor, contacts_form=contacts_form,
                           representatives=labels.representatives(editor) if editor else []), status


@bp.post("/editeur/<slug>/contacts")
@login_required
def set_contacts(slug: str):
    editor = db.session.scalar(db.select(Editor).where(Editor.slug == slug))
    if editor is None:
        raise NotFound("Cet éditeur n'existe pas.")
    form = ContactsForm()
    ids = {int(v) for v in request.form.getlist("contact") if v.isdigit()}
    if form.validate_on_submit() and submit(form, lambda: labels.set_contacts(
            current_member(), editor, ids, form.contact_note.data)):
        flash("Contacts enregistrés : ils sont affichés sur vos forums.", "success")
        return redirect(url_for("editor_space.show") + "#contacts")
    return show(form, 400)
