"""The e-mail preferences form: one choice per kind of notification, and the club's letter.

Choices are not checked here (validate_choice=False): forum.services.notify.preferences checks
them and names the field in its French error, so a forged value gets a message next to its field.
"""
from __future__ import annotations

from wtforms import SelectChoice, SelectField

from forum.models.notifications import EMAIL_DELIVERIES, LETTER_PERIODS, NOTIFICATION_KINDS
from forum.services.notify.preferences import field_name
from forum.web.account_forms import FrenchForm

LETTER_CHOICES = [SelectChoice("", "Pas abonné·e"), *(SelectChoice(code, label) for code, label in LETTER_PERIODS.items())]


class PreferencesForm(FrenchForm):
    letter_period = SelectField("La lettre du club", choices=LETTER_CHOICES, validate_choice=False, default="")

    def keep_kinds(self, kinds: list[str]) -> PreferencesForm:
        """Only ask about these kinds (the member's role receives no other)."""
        for kind in NOTIFICATION_KINDS:
            if kind not in kinds:
                del self[field_name(kind)]
        return self

    @property
    def delivery_fields(self) -> list[SelectField]:
        return [self[field_name(kind)] for kind in NOTIFICATION_KINDS if field_name(kind) in self]

    def deliveries(self) -> dict[str, str | None]:
        return {kind: self[field_name(kind)].data for kind in NOTIFICATION_KINDS if field_name(kind) in self}


for _kind, _label in NOTIFICATION_KINDS.items():
    setattr(PreferencesForm, field_name(_kind),
            SelectField(_label, choices=[SelectChoice(code, label) for code, label in EMAIL_DELIVERIES.items()],
                        validate_choice=False))
