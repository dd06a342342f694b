"""Forms of the moderation pages. They carry CSRF and the input; the rules (reasons required or
not, lengths, scopes) live in forum.services.moderation, reports and suspensions, whose
ValidationError messages are attached to these fields."""
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

from forum.models import KINDS, REPORT_REASONS
from forum.web.paging import id_range
from forum.web.thread_forms import BODY_LABEL

REASON_LABEL = "Motif (conservé dans le journal de modération)"


class ReasonForm(FlaskForm):
    """Thread and post actions (pin, lock, hide, restore…): an optional or required reason."""
    reason = TextAreaField(REASON_LABEL, render_kw={"rows": 3})
    submit = SubmitField("Confirmer")


class MoveForm(FlaskForm):
    board_id = SelectField("Forum de destination", coerce=int, validate_choice=False,
                           validators=[id_range("Choisissez un forum dans la liste.")])
    reason = TextAreaField(REASON_LABEL, render_kw={"rows": 3})
    submit = SubmitField("Déplacer le sujet")


class KindForm(FlaskForm):
    kind = RadioField("Nouveau type", choices=[SelectChoice(v, label) for v, label in KINDS.items()],
                      validate_choice=False)
    software_version = StringField("Version du logiciel (pour une astuce)")
    reason = TextAreaField(REASON_LABEL, render_kw={"rows": 3})
    submit = SubmitField("Changer le type")


class MergeThreadsForm(FlaskForm):
    target_id = IntegerField("Numéro du sujet cible (celui qui reste)",
                             validators=[Optional(), id_range("Indiquez le numéro d'un sujet existant.")])
    reason = TextAreaField(REASON_LABEL, render_kw={"rows": 3})
    submit = SubmitField("Fusionner les sujets")


class ModeratorEditForm(FlaskForm):
    title = StringField("Titre du sujet")
    body = TextAreaField(BODY_LABEL, render_kw={"rows": 12})
    reason = TextAreaField(REASON_LABEL, render_kw={"rows": 3})
    submit = SubmitField("Enregistrer la modification")


class SuspendForm(FlaskForm):
    days = IntegerField("Durée de la suspension (jours)", validators=[Optional()], default=7)
    reason = TextAreaField("Motif (montré au membre et conservé au journal)", render_kw={"rows": 3})
    submit = SubmitField("Suspendre")


class ReportForm(FlaskForm):
    # validate_choice=False: an unknown reason is refused by the service with a French message.
    reason = RadioField("Motif du signalement", choices=[SelectChoice(v, label) for v, label in REPORT_REASONS.items()],
                        validate_choice=False)
    comment = TextAreaField("Commentaire pour les modérateurs (facultatif, 1 000 caractères au plus)",
                            render_kw={"rows": 4})
    submit = SubmitField("Signaler le message")


class ResolveForm(FlaskForm):
    resolution = TextAreaField("Décision (conservée au journal)", render_kw={"rows": 2})
    hide_post = BooleanField("Masquer le message")
    submit = SubmitField("Clore le signalement")
