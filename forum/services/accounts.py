"""Accounts: registration, authentication, password reset, profile and declared software, accounts
made from the CLI.

Every function validates its input, raises `ValidationError(field, French message)` and flushes;
the caller (a view or a command) commits.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from forum.extensions import db
from forum.models import PROFESSIONS, REGIONS, ROLES, Board, Editor, Post, SoftwareUse, Structure, Thread, User
from forum.models.accounts import STRUCTURE_KINDS, STRUCTURE_NAME_MAX
from forum.services import ranking, sessions
from forum.services.errors import NotFound, ValidationError
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, require
from forum.services.posting import clean_version
from forum.services.text_hygiene import clean_text, has_visible_text, reserved_role_word, visible_length

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200  # scrypt on a huge string is a cheap denial of service
EMAIL_MAX_LENGTH = 254
DISPLAY_NAME_MIN_LENGTH = 2
DISPLAY_NAME_MAX_LENGTH = 80
BIO_MAX_LENGTH = 500
PROFILE_LIST_LIMIT = 20

# Deliberately loose: the form checks the shape with email-validator; this guards the CLI and services.
_EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$")

DUPLICATE_EMAIL = "Un compte existe déjà avec cette adresse."


# --- field cleaning -------------------------------------------------------------------------------

def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def clean_email(email: str | None) -> str:
    """Lower-cased address, well formed and not yet used. Raises ValidationError("email", …)."""
    email = normalise_email(email)
    if not email:
        raise ValidationError("email", "Saisissez votre adresse e-mail.")
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL_RE.match(email):
        raise ValidationError("email", "Cette adresse e-mail n'est pas valide.")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationError("email", DUPLICATE_EMAIL)
    return email


def clean_password(password: str | None) -> str:
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError("password",
                              f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError("password",
                              f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX_LENGTH} caractères.")
    return password


def clean_display_name(name: str | None, *, user: User | None = None, allow_role_words: bool = False) -> str:
    """The public name: one line without control or bidi characters, at least 2 visible characters, no
    NIR, and no word of the forum's team (« éditeur », « modérateur », « support »…) unless the policy
    lets `user` use them (Action.USE_TEAM_NAME: staff accounts) or `allow_role_words` (accounts made
    by an administrator from the command line): their role was given by an administrator, and
    « Référent Chorus (éditeur) » is true of them. Raises ValidationError("display_name", …)."""
    name = clean_text(name, multiline=False)
    if visible_length(name, stop_at=DISPLAY_NAME_MIN_LENGTH) < DISPLAY_NAME_MIN_LENGTH:
        raise ValidationError("display_name",
                              f"Le nom affiché doit contenir au moins {DISPLAY_NAME_MIN_LENGTH} caractères visibles.")
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationError("display_name",
                              f"Le nom affiché ne doit pas dépasser {DISPLAY_NAME_MAX_LENGTH} caractères.")
    check_no_patient_identifier("display_name", name)
    word = None if allow_role_words else reserved_role_word(name)
    if word:
        require(user, Action.USE_TEAM_NAME, word)
    return name


def clean_profession(profession: str | None) -> str:
    if profession not in PROFESSIONS:
        raise ValidationError("profession", "Choisissez votre profession dans la liste.")
    return profession


def clean_region(region: str | None) -> str:
    if region not in REGIONS:
        raise ValidationError("region", "Choisissez votre région dans la liste.")
    return region


def clean_bio(bio: str | None) -> str | None:
    """The public presentation, None when nothing visible. Raises ValidationError("bio", …)."""
    bio = clean_text(bio, multiline=True)
    if len(bio) > BIO_MAX_LENGTH:
        raise ValidationError("bio", f"La présentation ne doit pas dépasser {BIO_MAX_LENGTH} caractères.")
    check_no_patient_identifier("bio", bio)
    return bio if has_visible_text(bio) else None


def get_or_create_structure(name: str | None, region: str, kind: str | None) -> Structure:
    """The structure named `name` in `region`, created with `kind` when absent.

    Two members of the same MSP share one row, which is what the ranking counts per structure.
    Raises ValidationError("structure_name" | "structure_kind", …).
    """
    name = clean_text(name, multiline=False)
    if visible_length(name, stop_at=2) < 2:
        raise ValidationError("structure_name", "Indiquez le nom de votre structure.")
    if len(name) > STRUCTURE_NAME_MAX:
        raise ValidationError("structure_name",
                              f"Le nom de la structure ne doit pas dépasser {STRUCTURE_NAME_MAX} caractères.")
    check_no_patient_identifier("structure_name", name)
    if kind not in STRUCTURE_KINDS:
        raise ValidationError("structure_kind", "Choisissez le type de structure dans la liste.")
    structure = db.session.scalar(select(Structure).where(Structure.name == name, Structure.region == region))
    if structure is None:
        structure = Structure(name=name, region=region, kind=kind)
        db.session.add(structure)
        db.session.flush()
    return structure


# --- registration and login -----------------------------------------------------------------------

def register(email: str, display_name: str, password: str, profession: str, structure_name: str,
             structure_kind: str, region: str, software: Iterable[tuple[Board, str | None]] = ()) -> User:
    """Create a member account. Raises ValidationError on any field (nothing is flushed then)."""
    email = clean_email(email)
    display_name = clean_display_name(display_name)
    password = clean_password(password)
    profession = clean_profession(profession)
    region = clean_region(region)
    entries = _clean_software_entries([(board.id, version) for board, version in software])
    structure = get_or_create_structure(structure_name, region, structure_kind)
    user = User(email=email, display_name=display_name, profession=profession, structure_id=structure.id,
                region=region, role="member")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _replace_software(user, entries)
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random secret, checked against when the email is unknown (same work, same time)."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def authenticate(email: str | None, password: str | None) -> User | None:
    """The active account with this email and password, else None.

    Unknown emails, deleted accounts and accounts without a password (imported, not yet reset) still
    cost one scrypt check, so response time does not reveal which addresses have an account.
    """
    password = password or ""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.password_hash or len(password) > PASSWORD_MAX_LENGTH:
        check_password_hash(_dummy_hash(), password[:PASSWORD_MAX_LENGTH])
        return None
    if not user.check_password(password) or user.deleted_at is not None:
        return None
    return user


# --- password reset -------------------------------------------------------------------------------
#
# The link carries a signed, timed token {user id, fingerprint of the current password hash}: no table
# is needed, it expires after PASSWORD_RESET_MAX_AGE seconds, and it dies as soon as the password
# changes (the fingerprint no longer matches), which makes it single-use.

RESET_SALT = "forum.password-reset"
RESET_INVALID = "Ce lien n'est pas valide ou a déjà servi. Demandez un nouveau lien de réinitialisation."
RESET_EXPIRED = "Ce lien a expiré. Demandez un nouveau lien de réinitialisation."


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_reset_account(email: str | None) -> User | None:
    """The account a reset link may be mailed to, else None: it exists and is not deleted.

    Imported accounts without a password are included: the link is how they choose one.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    return user if user is not None and user.deleted_at is None else None


def password_reset_token(user: User | None) -> str:
    """A reset token for `user`; for None, a token naming no account, made with the same work so
    that asking for an unknown address takes the same time as for a known one."""
    payload = {"u": user.id, "f": user.credentials_fingerprint} if user else {"u": 0, "f": secrets.token_hex(10)}
    return _reset_serializer().dumps(payload)


def user_for_reset_token(token: str, max_age: int | None = None) -> User:
    """The account a valid, unexpired, unused token was made for.

    Raises ValidationError("token", RESET_EXPIRED | RESET_INVALID).
    """
    if max_age is None:
        max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        payload = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError("token", RESET_EXPIRED) from None
    except BadSignature:
        raise ValidationError("token", RESET_INVALID) from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and user_id > 0 else None
    if user is None or user.deleted_at is not None or payload.get("f") != user.credentials_fingerprint:
        raise ValidationError("token", RESET_INVALID)
    return user


def reset_password(token: str, password: str | None, max_age: int | None = None) -> User:
    """Set the password of the token's account, which kills the token and ends every session and
    remember-me token of the account.

    Raises ValidationError("token", …) for a bad token, ValidationError("password", …) for a bad password.
    """
    user = user_for_reset_token(token, max_age)
    user.set_password(clean_password(password))
    sessions.end_all_sessions(user)
    return user


# --- profile --------------------------------------------------------------------------------------

def update_profile(user: User, display_name: str, profession: str, structure_name: str,
                   structure_kind: str, region: str, bio: str | None) -> User:
    """Change the public profile of `user`. Raises ValidationError."""
    display_name = clean_display_name(display_name, user=user)
    profession = clean_profession(profession)
    region = clean_region(region)
    bio = clean_bio(bio)
    structure = get_or_create_structure(structure_name, region, structure_kind)
    # Compared before the assignment: a change of profession alone must refresh the figures too.
    changed_weight = (profession, structure.id) != (user.profession, user.structure_id)
    user.display_name, user.profession, user.region, user.bio = display_name, profession, region, bio
    user.structure_id = structure.id
    user.structure = structure
    db.session.flush()
    if changed_weight:  # the ranking counts votes per structure and profession
        ranking.refresh_for_voter(user.id)
    return user


def software_boards() -> list[Board]:
    """The boards a member can declare using: software boards only, in catalogue order."""
    return list(db.session.scalars(
        select(Board).where(Board.is_general.is_(False)).order_by(Board.position, Board.name)
    ))


def set_software(user: User, entries: Iterable[tuple[int, str | None]]) -> None:
    """Replace the software `user` declares using by `entries` (board id, optional version).

    Raises ValidationError("software", …) for an unknown or general board or a too long version.
    """
    before = {use.board_id for use in user.software}
    _replace_software(user, _clean_software_entries(entries))
    db.session.flush()
    after = {use.board_id for use in user.software}
    for board_id in before ^ after:  # votes on these boards start or stop counting
        ranking.refresh_for_voter(user.id, board_id)


def _clean_software_entries(entries: Iterable[tuple[int, str | None]]) -> dict[int, str | None]:
    cleaned: dict[int, str | None] = {}
    for board_id, version in entries:
        cleaned[int(board_id)] = clean_version(version, field="software")
    if cleaned:
        valid = set(db.session.scalars(
            select(Board.id).where(Board.id.in_(cleaned), Board.is_general.is_(False))
        ))
        if valid != set(cleaned):
            raise ValidationError("software", "Ce logiciel n'existe pas dans le catalogue.")
    return cleaned


def _replace_software(user: User, entries: dict[int, str | None]) -> None:
    """Keep the rows still declared (their date stays), update versions, drop the others, add new ones."""
    kept: list[SoftwareUse] = []
    for use in user.software:
        if use.board_id in entries:
            use.version = entries.pop(use.board_id)
            kept.append(use)
    kept.extend(SoftwareUse(user_id=user.id, board_id=board_id, version=version)
                for board_id, version in entries.items())
    user.software = sorted(kept, key=lambda use: use.board_id)
    db.session.flush()


# --- public profile page --------------------------------------------------------------------------

def get_member(user_id: int) -> User:
    """A member whose account is not deleted (to suspend, to lift a suspension). Raises NotFound."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("Ce membre n'existe pas.")
    return user


def get_profile_user(user_id: int) -> User:
    """The user with software and boards loaded. Raises NotFound."""
    user = db.session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.software))
    )
    if user is None:
        raise NotFound("Ce membre n'existe pas.")
    return user


def recent_threads(user: User, limit: int = PROFILE_LIST_LIMIT) -> list[Thread]:
    """The user's latest visible threads (board joined: one query)."""
    return list(db.session.scalars(
        select(Thread)
        .where(Thread.author_id == user.id, Thread.deleted_at.is_(None))
        .order_by(Thread.created_at.desc(), Thread.id.desc())
        .limit(limit)
    ))


def recent_replies(user: User, limit: int = PROFILE_LIST_LIMIT) -> list[Post]:
    """The user's latest visible replies in visible threads, thread and board loaded in one query."""
    return list(db.session.scalars(
        select(Post)
        .join(Post.thread)
        .join(Thread.board)
        .where(Post.author_id == user.id, Post.is_first.is_(False), Post.deleted_at.is_(None),
               Thread.deleted_at.is_(None))
        .options(contains_eager(Post.thread).contains_eager(Thread.board))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).unique())


# --- accounts made by administrators --------------------------------------------------------------

def create_account_from_cli(email: str, password: str, role: str, editor_slug: str | None = None,
                            display_name: str | None = None) -> User:
    """An account with a role, for `flask create-user`. Raises ValidationError("email" | "password" |
    "role" | "editor" | "display_name", …)."""
    email = clean_email(email)
    password = clean_password(password)
    if role not in ROLES:
        raise ValidationError("role", f"Rôle inconnu : {role}.")
    editor_id = None
    if role == "editor":
        if not editor_slug:
            raise ValidationError("editor", "Le rôle editor exige l'option --editor SLUG.")
        editor = db.session.scalar(select(Editor).where(Editor.slug == editor_slug))
        if editor is None:
            raise ValidationError("editor", f"Éditeur inconnu : {editor_slug}.")
        editor_id = editor.id
    elif editor_slug:
        raise ValidationError("editor", "L'option --editor ne s'applique qu'au rôle editor.")
    name = clean_display_name(display_name or email.split("@", 1)[0], allow_role_words=True)
    user = User(email=email, display_name=name, profession="autre", role=role, editor_id=editor_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
