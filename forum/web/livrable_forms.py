"""Forms of the exports and livrables: the selection (statuses, periods, minimum score), a new
draft, the draft itself (introduction, per-item tick and note, parsed from the posted fields)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forum.export import ExportFilters
from forum.models import STATUSES, Livrable
from forum.services import ranking


class FrenchDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Indiquez une date valide (JJ/MM/AAAA).") from None


class FrenchIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Indiquez un nombre entier.") from None


class StatusesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterFields(FlaskForm):
    """The selection shared by the export page and the livrable builder."""

    statut = StatusesField("Statuts", choices=[SelectChoice(v, label) for v, label in STATUSES.items()],
                           validate_choice=False)
    cree_du = FrenchDateField("Créées à partir du", validators=[Optional()])
    cree_au = FrenchDateField("Créées jusqu'au", validators=[Optional()])
    active_du = FrenchDateField("Actives à partir du", validators=[Optional()])
    active_au = FrenchDateField("Actives jusqu'au", validators=[Optional()])
    score_min = FrenchIntegerField("Score minimal", validators=[Optional()])

    def validate_statut(self, field):
        unknown = [s for s in field.data or [] if s not in STATUSES]
        if unknown:
            raise ValidationError("Choisissez des statuts dans la liste.")

    def validate_cree_au(self, field):
        if field.data and self.cree_du.data and field.data < self.cree_du.data:
            raise ValidationError("La fin de la période précède son début.")

    def validate_active_au(self, field):
        if field.data and self.active_du.data and field.data < self.active_du.data:
            raise ValidationError("La fin de la période précède son début.")

    def filters(self) -> ExportFilters:
        return ExportFilters(statuses=tuple(self.statut.data or ()) or ranking.DEFAULT_STATUSES,
                             created_from=self.cree_du.data, created_to=self.cree_au.data,
                             active_from=self.active_du.data, active_to=self.active_au.data,
                             min_score=self.score_min.data)


class ExportForm(FilterFields):
    """GET form of the export page: no CSRF (it only reads)."""

    class Meta:
        csrf = False

    format = SelectField("Format", choices=[], validate_choice=False)


class NewLivrableForm(FilterFields):
    board = SelectField("Forum (logiciel)", coerce=str, validate_choice=False)
    submit = SubmitField("Préparer le brouillon")


class DraftForm(FlaskForm):
    introduction = TextAreaField("Introduction (Markdown)", render_kw={"rows": 6})
    move_to_transmise = BooleanField("En figeant, passer les demandes nouvelles ou à l'étude au statut « Transmise à l'éditeur »")
    notes_public = BooleanField("Rendre les notes publiques (les membres les liront avec le livrable)")
    save = SubmitField("Enregistrer le brouillon")
    freeze = SubmitField("Figer et numéroter le livrable")


def selection_from(formdata: MultiDict, livrable: Livrable) -> dict[int, tuple[bool, str | None]]:
    """Per item: ticked ("garder" holds the kept thread ids) and its note ("note-<id>")."""
    kept = set(formdata.getlist("garder"))
    return {item.thread_id: (str(item.thread_id) in kept, formdata.get(f"note-{item.thread_id}"))
            for item in livrable.items if item.thread_id is not None}
