"""Flask-WTF forms of the accounts pages: register, log in, password reset, edit profile, declared software.

The forms check shape (required, lengths, choices) with French messages; the rules that matter
(unique email, catalogue boards, structures) live in forum.services.accounts.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from forum.models import PROFESSIONS, REGIONS, Board
from forum.models.accounts import STRUCTURE_KINDS, STRUCTURE_NAME_MAX
from forum.services.accounts import (
    BIO_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
)
from forum.services.posting import VERSION_MAX_LENGTH

CSRF_FAILED = "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."


class FrenchForm(FlaskForm):
    """WTForms' built-in messages in French without Flask-Babel (e.g. « Choix non valide »)."""

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)

    def validate(self, extra_validators=None) -> bool:
        """As WTForms, plus an expired or missing CSRF token explained in French above the form."""
        valid = super().validate(extra_validators)
        csrf_field = getattr(self, "csrf_token", None)
        if csrf_field is not None and csrf_field.errors:
            self.form_errors.append(CSRF_FAILED)
        return valid


def _choices(mapping: dict[str, str], prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt), *(SelectChoice(value, label) for value, label in mapping.items())]


REQUIRED = "Ce champ est obligatoire."


class ProfileFields(FrenchForm):
    display_name = StringField("Nom affiché", validators=[
        DataRequired(REQUIRED),
        Length(min=2, max=DISPLAY_NAME_MAX_LENGTH,
               message=f"Le nom affiché doit contenir de 2 à {DISPLAY_NAME_MAX_LENGTH} caractères."),
    ])
    profession = SelectField("Profession", choices=_choices(PROFESSIONS, "— Choisissez —"),
                             validators=[InputRequired("Choisissez votre profession dans la liste.")])
    structure_name = StringField("Nom de votre structure", validators=[
        DataRequired("Indiquez le nom de votre structure."),
        Length(max=STRUCTURE_NAME_MAX,
               message=f"Le nom de la structure ne doit pas dépasser {STRUCTURE_NAME_MAX} caractères."),
    ])
    structure_kind = SelectField("Type de structure", choices=_choices(STRUCTURE_KINDS, "— Choisissez —"),
                                 validators=[InputRequired("Choisissez le type de structure dans la liste.")])
    region = SelectField("Région", choices=_choices({r: r for r in REGIONS}, "— Choisissez —"),
                         validators=[InputRequired("Choisissez votre région dans la liste.")])


class SoftwareFields(FrenchForm):
    """A checkbox and a version input per software board, added by `with_software()`."""

    software_boards: list[Board] = []

    def software_rows(self) -> list[tuple[Board, BooleanField, StringField]]:
        return [(b, self[f"uses_{b.id}"], self[f"version_{b.id}"]) for b in self.software_boards]

    def software_entries(self) -> list[tuple[Board, str | None]]:
        """The checked boards with the version typed next to them."""
        return [(board, version.data or None) for board, uses, version in self.software_rows() if uses.data]

    @classmethod
    def software_data(cls, uses: dict[int, str | None]) -> dict[str, object]:
        """Form data that pre-fills the checkboxes and versions from {board_id: version}."""
        data: dict[str, object] = {}
        for board_id, version in uses.items():
            data[f"uses_{board_id}"] = True
            data[f"version_{board_id}"] = version or ""
        return data


def with_software(form_cls: type[SoftwareFields], boards: list[Board]) -> type[SoftwareFields]:
    """A subclass of `form_cls` with the fields of each software board (the catalogue is data)."""
    fields: dict[str, object] = {"software_boards": boards}
    for board in boards:
        fields[f"uses_{board.id}"] = BooleanField(board.name)
        fields[f"version_{board.id}"] = StringField(f"Version de {board.name} (facultatif)", validators=[
            Optional(), Length(max=VERSION_MAX_LENGTH,
                               message=f"La version ne doit pas dépasser {VERSION_MAX_LENGTH} caractères."),
        ])
    return type(form_cls.__name__, (form_cls,), fields)


class RegisterForm(ProfileFields, SoftwareFields):
    email = EmailField("Adresse e-mail", validators=[
        DataRequired("Saisissez votre adresse e-mail."),
        Length(max=EMAIL_MAX_LENGTH, message="Cette adresse e-mail est trop longue."),
        Email("Cette adresse e-mail n'est pas valide."),
    ])
    password = PasswordField("Mot de passe", validators=[
        DataRequired("Choisissez un mot de passe."),
        Length(min=PASSWORD_MIN_LENGTH,
               message=f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères."),
    ])
    password_confirm = PasswordField("Confirmation du mot de passe", validators=[
        DataRequired("Saisissez de nouveau le mot de passe."),
        EqualTo("password", "Les deux mots de passe ne correspondent pas."),
    ])


class LoginForm(FrenchForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Saisissez votre adresse e-mail.")])
    password = PasswordField("Mot de passe", validators=[DataRequired("Saisissez votre mot de passe.")])
    remember = BooleanField("Se souvenir de moi")
    next = HiddenField()


class ProfileForm(ProfileFields):
    bio = TextAreaField("Présentation (facultatif)", validators=[
        Optional(), Length(max=BIO_MAX_LENGTH,
                           message=f"La présentation ne doit pas dépasser {BIO_MAX_LENGTH} caractères."),
    ])


class SoftwareForm(SoftwareFields):
    pass


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class PasswordResetRequestForm(FrenchForm):
    email = EmailField("Adresse e-mail de votre compte", filters=[_strip], validators=[
        DataRequired("Saisissez votre adresse e-mail."),
        Length(max=EMAIL_MAX_LENGTH, message="Cette adresse e-mail est trop longue."),
        Email("Cette adresse e-mail n'est pas valide."),
    ])


class PasswordResetForm(FrenchForm):
    password = PasswordField("Nouveau mot de passe", validators=[
        DataRequired("Choisissez un mot de passe."),
        Length(min=PASSWORD_MIN_LENGTH,
               message=f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères."),
    ])
    password_confirm = PasswordField("Confirmation du nouveau mot de passe", validators=[
        DataRequired("Saisissez de nouveau le mot de passe."),
        EqualTo("password", "Les deux mots de passe ne correspondent pas."),
    ])
