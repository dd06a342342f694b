"""Forms of the thread pages: new thread, reply, edit. They carry CSRF and the typed text; the
rules (lengths, patient data guard, kinds) live in forum.services.posting so every way of
writing shares them, and its ValidationError messages are attached to these fields."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField

from forum.models import KINDS, Attachment
from forum.services import submissions
from forum.services.attachments import FileEdit
from forum.services.uploads import Upload

BODY_LABEL = "Message (Markdown)"
BODY_HINT = ("Mise en forme Markdown : **gras**, _italique_, listes, `code`, > citation, tableaux. "
             "Ne publiez jamais de données permettant d'identifier un patient.")


FILES_ACCEPT = "image/png,image/jpeg,image/webp,image/gif,.pdf,.odt,.ods,.docx,.xlsx,.txt,.csv"
FILES_HINT = ("5 fichiers au plus, 5 Mo chacun : images PNG, JPEG, WebP, GIF ; "
              "documents PDF, ODT, ODS, DOCX, XLSX, TXT, CSV")
CHOOSE_AGAIN = "Choisissez à nouveau vos fichiers."


def files_field() -> MultipleFileField:
    """The plain file input of a post form (works without JavaScript; attach.js enhances it)."""
    return MultipleFileField("Fichiers joints (captures d'écran, documents)",
                             render_kw={"accept": FILES_ACCEPT, "data-attach": ""})


def sent_files() -> list[Upload]:
    """The files sent in the `files` input, in order, each with the `alt_<n>` text given for the
    n-th one (n from 0; added by attach.js). An input left empty sends nothing."""
    files = [f for f in request.files.getlist("files") if f.filename or f.content_length]
    return [Upload(f.filename, f.read(), request.form.get(f"alt_{n}")) for n, f in enumerate(files)]


def sent_file_edit(current: list[Attachment]) -> FileEdit:
    """The edit page's file controls: `remove_file` checkboxes (ids), `alt_file_<id>` texts, new files."""
    ids = {a.id for a in current}
    removed = {int(v) for v in request.form.getlist("remove_file") if v.isdigit() and int(v) in ids}
    alts = {a.id: request.form[f"alt_file_{a.id}"] for a in current if f"alt_file_{a.id}" in request.form}
    return FileEdit(remove_ids=removed, alts=alts, files=sent_files())


class SubmitOnceForm(FlaskForm):
    """A form that creates a post: it carries a key drawn when it is first rendered and sent back
    unchanged (also by a preview or a refused attempt), so the post is created once however many
    times the form is sent (services.submissions)."""

    submission_key = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.submission_key.data = submissions.new_key()


class NewThreadForm(SubmitOnceForm):
    # validate_choice=False: an unknown kind is refused by the service with a French message.
    kind = RadioField("Type de sujet", choices=[SelectChoice(value, label) for value, label in KINDS.items()],
                      default="question", validate_choice=False)
    title = StringField("Titre")
    body = TextAreaField(BODY_LABEL, render_kw={"rows": 12})
    software_version = StringField("Version du logiciel sur laquelle l'astuce a été vérifiée")
    files = files_field()
    publish = SubmitField("Publier")
    preview = SubmitField("Aperçu")
    check_duplicates = SubmitField("Vérifier les doublons")
    # "1" once « Publier quand même » was offered for a close open request (forum.web.similar).
    confirm_duplicate = HiddenField()


class ReplyForm(SubmitOnceForm):
    body = TextAreaField("Votre réponse (Markdown)", render_kw={"rows": 8})
    files = files_field()
    publish = SubmitField("Répondre")
    preview = SubmitField("Aperçu")


class EditPostForm(FlaskForm):
    title = StringField("Titre du sujet")
    body = TextAreaField(BODY_LABEL, render_kw={"rows": 12})
    files = files_field()
    publish = SubmitField("Enregistrer")
    preview = SubmitField("Aperçu")
