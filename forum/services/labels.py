"""A board's public facts beyond its threads: its label (level, version, note), edited by admins with
a history (BoardLabelChange + an audit entry), and its editor's named contacts, chosen by the editor
(users.editor_contact) with a contact note (editors.contact_note).

Errors: PermissionDenied (not an admin for the label; not a representative of this editor for the
contacts), ValidationError (an unknown level, a field too long, HTML or a patient identifier).
Flushes, never commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update

from forum.extensions import db
from forum.models import LABEL_LEVELS, Board, BoardLabelChange, Editor, User
from forum.services import audit
from forum.services.errors import ValidationError
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, require
from forum.services.text_hygiene import clean_text

VERSION_MAX_LENGTH = 32
NOTE_MAX_LENGTH = 255
FIELD_LABELS = {"label_level": "Niveau", "label_version": "Version", "label_note": "Note"}
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


@dataclass
class BoardFacts:
    """What a board's head shows: the editor's named contacts and note, the label's history."""

    contacts: list[User] = field(default_factory=list)
    contact_note: str | None = None
    label_history: list[BoardLabelChange] = field(default_factory=list)


# Built once, run with bound parameters: every board page reads both (building a select() each time
# cost as much as running it).
_LABEL_HISTORY = (select(BoardLabelChange).where(BoardLabelChange.board_id == bindparam("board_id"))
                  .order_by(BoardLabelChange.created_at.desc(), BoardLabelChange.id.desc())
                  .limit(bindparam("history_limit")))
_EDITOR_CONTACTS = (select(User).where(User.editor_id == bindparam("editor_id"), User.role == "editor",
                                       User.editor_contact, User.deleted_at.is_(None))
                    .order_by(User.display_name))


def board_facts(board: Board, history_limit: int = 20) -> BoardFacts:
    """Two queries at most, whatever the number of representatives or changes."""
    facts = BoardFacts(label_history=list(db.session.scalars(
        _LABEL_HISTORY, {"board_id": board.id, "history_limit": history_limit})))
    if board.editor is not None:
        facts.contact_note = board.editor.contact_note
        facts.contacts = list(db.session.scalars(_EDITOR_CONTACTS, {"editor_id": board.editor_id}))
    return facts


def _single_line(value: str | None, field_name: str, limit: int, what: str) -> str | None:
    text = clean_text(value, multiline=False)
    if len(text) > limit:
        raise ValidationError(field_name, f"{what} ne doit pas dépasser {limit} caractères.")
    if _HTML_TAG.search(text):
        raise ValidationError(field_name, f"{what} ne peut pas contenir de balises HTML : écrivez du texte simple.")
    check_no_patient_identifier(field_name, text)
    return text or None


def set_label(actor: User | None, board: Board, level: str | None, version: str | None,
              note: str | None) -> BoardLabelChange | None:
    """Change the board's label facts; record {field: [before, after]} and an audit entry.
    `level` is a key of LABEL_LEVELS or None (« aucun »). Returns None when nothing changed."""
    require(actor, Action.EDIT_BOARD_LABEL, board)
    if level is not None and level not in LABEL_LEVELS:
        raise ValidationError("label_level", "Choisissez un niveau de label dans la liste.")
    after = {"label_level": level,
             "label_version": _single_line(version, "label_version", VERSION_MAX_LENGTH, "La version du label"),
             "label_note": _single_line(note, "label_note", NOTE_MAX_LENGTH, "La note sur le label")}
    changes = {name: [getattr(board, name), value] for name, value in after.items() if getattr(board, name) != value}
    if not changes:
        return None
    for name, (_, value) in changes.items():
        setattr(board, name, value)
    change = BoardLabelChange(board_id=board.id, actor_id=actor.id, changes=changes)
    db.session.add(change)
    audit.record(actor, "set_label", board=board, changes=changes)
    db.session.flush()
    return change


def representatives(editor: Editor) -> list[User]:
    """The editor's active representatives, by name: those it may name as contacts."""
    return list(db.session.scalars(select(User).where(
        User.editor_id == editor.id, User.role == "editor", User.deleted_at.is_(None)).order_by(User.display_name)))


def set_contacts(actor: User | None, editor: Editor, contact_ids: set[int], note: str | None) -> None:
    """Name which of the editor's representatives are its contacts, and its contact note."""
    require(actor, Action.SET_EDITOR_CONTACTS, editor)
    note = _single_line(note, "contact_note", NOTE_MAX_LENGTH, "Le mot de contact")
    eligible = {user.id for user in representatives(editor)}
    if not contact_ids <= eligible:
        raise ValidationError("contacts", "Choisissez les contacts parmi les représentants de votre éditeur.")
    editor.contact_note = note
    db.session.execute(update(User).where(User.editor_id == editor.id)
                       .values(editor_contact=User.id.in_(contact_ids) if contact_ids else False)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
