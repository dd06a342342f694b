"""Forms of the request actions: vote, status change, merge, tip confirmation. They carry CSRF and
the input; the rules live in the services, whose ValidationError messages are attached here."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from forum.models import STATUSES
from forum.models.requests import IMPORTANCE_LABELS
from forum.web.paging import id_range


class ActionForm(FlaskForm):
    """Buttons without fields (withdraw, mark useful, accept…): CSRF only."""


class VoteForm(FlaskForm):
    # validate_choice=False: an unknown importance is refused by the service with a French message.
    importance = RadioField("Importance de votre vote", choices=[SelectChoice(v, label) for v, label in IMPORTANCE_LABELS.items()],
                            default="utile", validate_choice=False)
    submit = SubmitField("Voter")


class StatusForm(FlaskForm):
    status = SelectField("Nouveau statut", choices=[SelectChoice(v, label) for v, label in STATUSES.items()], validate_choice=False)
    version = StringField("Version (cible ou livrée)")
    note = TextAreaField("Note (Markdown) : raison, explication ou réponse", render_kw={"rows": 5})
    official = BooleanField("Publier cette note comme réponse officielle")
    # Only with « Planifiée »: the editor's target (services.commitments), both optional.
    target_version = StringField("Version prévue")
    target_period = StringField("Échéance (T2 2027, mai 2027)")
    submit = SubmitField("Changer le statut")

    def limit_to(self, statuses: list[str]) -> StatusForm:
        self.status.choices = [SelectChoice(s, STATUSES[s]) for s in statuses]
        return self


class TargetForm(FlaskForm):
    """A planned request's target; the reason is required (and shown) once a target exists."""
    version = StringField("Version prévue")
    period = StringField("Échéance (T2 2027, mai 2027)")
    reason = TextAreaField("Pourquoi l'échéance change (montré aux membres)", render_kw={"rows": 3})
    submit = SubmitField("Enregistrer l'échéance")


class OfficialAnswerForm(FlaskForm):
    """An official answer that leaves the status as it is; an empty note is refused by the service."""
    note = TextAreaField("Réponse officielle (Markdown)", render_kw={"rows": 5})
    submit = SubmitField("Publier la réponse officielle")


class MergeForm(FlaskForm):
    target_id = IntegerField("Numéro de la demande d'origine (celle qui reste)",
                             validators=[Optional(), id_range("Indiquez le numéro d'une demande existante.")])
    confirm_cross_board = BooleanField("Je confirme la fusion entre deux forums différents")
    submit = SubmitField("Fusionner")


class ConfirmTipForm(FlaskForm):
    version = StringField("Version du logiciel")
    submit = SubmitField("Confirmer")
