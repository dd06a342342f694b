"""Forms of the thread pages: new thread, reply, edit. They carry CSRF and the typed text; the
rules (lengths, patient data guard, kinds) live in forum.services.posting so every way of
writing shares them, and its ValidationError messages are attached to these fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField

from forum.models import KINDS
from forum.services import submissions

BODY_LABEL = "Message (Markdown)"
BODY_HINT = ("Mise en forme Markdown : **gras**, _italique_, listes, `code`, > citation, tableaux. "
             "Ne publiez jamais de données permettant d'identifier un patient.")


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
    publish = SubmitField("Publier")
    preview = SubmitField("Aperçu")
    check_duplicates = SubmitField("Vérifier les doublons")
    # "1" once « Publier quand même » was offered for a close open request (forum.web.similar).
    confirm_duplicate = HiddenField()


class ReplyForm(SubmitOnceForm):
    body = TextAreaField("Votre réponse (Markdown)", render_kw={"rows": 8})
    publish = SubmitField("Répondre")
    preview = SubmitField("Aperçu")


class EditPostForm(FlaskForm):
    title = StringField("Titre du sujet")
    body = TextAreaField(BODY_LABEL, render_kw={"rows": 12})
    publish = SubmitField("Enregistrer")
    preview = SubmitField("Aperçu")
