"""Accounts: users, the structures they work in, and the software they declare using."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    cast,
    event,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow

if TYPE_CHECKING:
    from forum.models.boards import Board, Editor

ROLES = ("member", "moderator", "editor", "admin")
# Badge beside a team member's name (an editor representative's names its editor).
ROLE_BADGES = {"moderator": "Modérateur·rice", "admin": "Administrateur·rice"}

# Fixed list of professions: code stored, French label shown.
PROFESSIONS: dict[str, str] = {
    "medecin_generaliste": "médecin généraliste",
    "medecin_specialiste": "médecin spécialiste",
    "infirmier": "infirmier·e",
    "masseur_kinesitherapeute": "masseur-kinésithérapeute",
    "pharmacien": "pharmacien·ne",
    "sage_femme": "sage-femme",
    "orthophoniste": "orthophoniste",
    "orthoptiste": "orthoptiste",
    "podologue": "pédicure-podologue",
    "dieteticien": "diététicien·ne",
    "psychologue": "psychologue",
    "chirurgien_dentiste": "chirurgien·ne-dentiste",
    "ergotherapeute": "ergothérapeute",
    "psychomotricien": "psychomotricien·ne",
    "coordinateur": "coordinateur·trice",
    "secretaire": "secrétaire médical·e",
    "autre": "autre profession",
}

REGIONS = (
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
    "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "Guadeloupe", "Guyane", "La Réunion",
    "Martinique", "Mayotte",
)

STRUCTURE_KINDS: dict[str, str] = {
    "msp": "Maison de santé pluriprofessionnelle",
    "cds": "Centre de santé",
    "cpts": "CPTS",
    "pole": "Pôle de santé",
    "cabinet": "Cabinet",
    "autre": "Autre",
}

# A structure's name is free text; the kind is guessed from its first word when imported.
STRUCTURE_NAME_MAX = 120


class Structure(db.Model):
    __tablename__ = "structures"
    __table_args__ = (UniqueConstraint("name", "region", name="uq_structures_name_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(STRUCTURE_NAME_MAX))
    kind: Mapped[str] = mapped_column(String(16), default="msp")
    region: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return STRUCTURE_KINDS.get(self.kind, self.kind)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'moderator', 'editor', 'admin')", name="role"),
        CheckConstraint("role != 'editor' OR editor_id IS NOT NULL", name="editor_binding"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # None: the account cannot log in until a password is set (imported users, deleted accounts).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    profession: Mapped[str] = mapped_column(String(32), default="autre")
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="member")
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id"), index=True)
    bio: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the account is deleted (RGPD): posts stay, signed "Ancien membre".
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_count: Mapped[int] = mapped_column(default=0)
    # A moderator may suspend a member for a period, with a reason shown to them.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    # Mixed into every session and « se souvenir de moi » token (session_fingerprint): raising it
    # ends them all (log-out, new password; forum.services.sessions).
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # The club's letter: "weekly", "biweekly", or None (not subscribed); when the last one left.
    letter_period: Mapped[str | None] = mapped_column(String(10))
    letter_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the mail server refused the address for good: no e-mail is sent to it any more.
    email_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An editor representative shown as its editor's named contact on the editor's boards.
    editor_contact: Mapped[bool] = mapped_column(default=False, server_default=false())

    structure: Mapped[Structure | None] = relationship(lazy="joined")
    editor: Mapped[Editor | None] = relationship()
    software: Mapped[list[SoftwareUse]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="SoftwareUse.board_id"
    )

    def set_password(self, password: str) -> None:
        """Set a new password, which ends every session and remember-me token of the account."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def credentials_fingerprint(self) -> str:
        """Short digest of the id, email and password hash: changes whenever the password is set
        (reset, account deletion). Password-reset tokens carry it, so setting a new password voids
        every earlier token."""
        material = f"{self.id}:{self.email}:{self.password_hash or '-'}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]

    @property
    def session_fingerprint(self) -> str:
        """The credentials fingerprint mixed with the session version: changes with a new password
        and at every log-out, which thereby ends every session of the account."""
        material = f"{self.credentials_fingerprint}:{self.session_version or 0}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]

    def get_id(self) -> str:
        """Flask-Login's session value: "<id>.<session fingerprint>" (see forum.web._init_login,
        which refuses a value whose fingerprint is stale)."""
        return f"{self.id}.{self.session_fingerprint}"

    @property
    def is_active(self) -> bool:  # Flask-Login: deleted accounts cannot be logged into
        return self.deleted_at is None

    @property
    def profession_label(self) -> str:
        return PROFESSIONS.get(self.profession, self.profession)

    @property
    def public_name(self) -> str:
        return "Ancien membre" if self.deleted_at else self.display_name

    @property
    def has_moderator_role(self) -> bool:
        """The account's role moderates (moderator or admin). Whether it moderates a given board
        is services.policy.is_moderator(user, board): scopes may limit it."""
        return self.role in ("moderator", "admin")

    @property
    def role_badge(self) -> str | None:
        """The team badge shown beside the name on the profile, None for a member."""
        if self.role == "editor":
            return f"Représentant·e de {self.editor.name}" if self.editor else None
        return ROLE_BADGES.get(self.role)

    def uses_board(self, board_id: int) -> bool:
        """Whether the user declares the board's software. From `software` when it is loaded (it
        then holds this request's changes), else from one query of the board ids alone, kept on
        the object until SQLAlchemy expires or refreshes it (a commit, a rollback): a vote toggle per
        request row no longer loads every declaration with its board."""
        if "software" in self.__dict__:
            return any(s.board_id == board_id for s in self.software)
        board_ids = self.__dict__.get("_declared_board_ids")
        if board_ids is None:
            board_ids = self.__dict__["_declared_board_ids"] = frozenset(db.session.scalars(
                select(SoftwareUse.board_id).where(SoftwareUse.user_id == self.id)))
        return board_id in board_ids

    def remember_declared_boards(self, board_ids: str | None) -> None:
        """The board ids uses_board reads, when the statement that loaded the user brought them
        (declared_boards_column: "3,7", None for none): no query of its own then."""
        self.__dict__["_declared_board_ids"] = frozenset(int(i) for i in board_ids.split(",")) if board_ids \
            else frozenset()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class SoftwareUse(db.Model):
    """A user declares using a board's software, optionally with its version."""

    __tablename__ = "software_uses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="software")
    board: Mapped[Board] = relationship(lazy="joined")


Index("ix_software_uses_board_id", SoftwareUse.board_id)


def declared_boards_column():
    """The ids of the boards a user declares, "3,7", as a column of a statement loading users
    (User.remember_declared_boards): group_concat on SQLite, string_agg on PostgreSQL."""
    return (select(func.aggregate_strings(cast(SoftwareUse.board_id, String), ","))
            .where(SoftwareUse.user_id == User.id).correlate(User).scalar_subquery().label("declared_boards"))


@event.listens_for(User, "expire")
@event.listens_for(User, "refresh")
def _forget_declared_boards(user: User, *_: object) -> None:
    """User.uses_board's board ids go with the rest of the object's loaded state (None: an object
    already garbage-collected)."""
    if user is not None:
        user.__dict__.pop("_declared_board_ids", None)


class RememberToken(db.Model):
    """One « se souvenir de moi » log-in: the cookie holds a random token, this row its SHA-256.

    A new token at every log-in; valid until `expires_at` (REMEMBER_COOKIE_DURATION after the
    log-in) and while the member's session version is the one it was issued under (log-out and a
    new password raise it). See forum.services.sessions.
    """

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
