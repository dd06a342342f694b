"""Forms of the document base: sharing a document, a new version, editing its details. They carry
CSRF and the input; the rules and French refusals live in forum.services.documents."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField

from forum.models.documents import DOCUMENT_CATEGORIES
from forum.services.documents import DocumentFields
from forum.services.uploads import Upload

CATEGORY_CHOICES = [SelectChoice("", "— Choisissez —"),
                    *(SelectChoice(value, label) for value, label in DOCUMENT_CATEGORIES.items())]


class DocumentDetailsForm(FlaskForm):
    # validate_choice=False: an unknown category is refused by the service, next to the field.
    title = StringField("Titre", render_kw={"maxlength": 150})
    description = TextAreaField("Description", render_kw={"rows": 6, "maxlength": 2000})
    category = SelectField("Catégorie", choices=CATEGORY_CHOICES, validate_choice=False)
    version = StringField("Version du logiciel concernée (facultatif)", render_kw={"maxlength": 40})
    submit = SubmitField("Enregistrer")

    def fields(self) -> DocumentFields:
        return DocumentFields(self.title.data, self.description.data, self.category.data, self.version.data)


class ShareDocumentForm(DocumentDetailsForm):
    file = FileField("Fichier")
    submit = SubmitField("Partager le document")


class NewVersionForm(FlaskForm):
    file = FileField("Nouveau fichier")
    note = StringField("Ce qui change dans cette version (facultatif)", render_kw={"maxlength": 300})
    submit = SubmitField("Publier la nouvelle version")


def upload_of(form_field: FileField) -> Upload | None:
    """The file sent in `form_field`, or None when none was chosen."""
    storage = form_field.data
    if storage is None or not getattr(storage, "filename", None):
        return None
    return Upload(storage.filename, storage.read())
