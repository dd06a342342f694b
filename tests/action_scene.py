"""The scene of the action table (tests/functional/test_action_table.py): one board with an editor, a
user per role, and a fresh target of each kind built for each role."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from PIL import Image

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import Document, Livrable, ModeratorScope, Post, Thread, User
from forum.models._time import utcnow
from forum.services import documents, livrables, moderation, posting
from forum.services.uploads import Upload
from tests.factories import make_board, make_editor, make_post, make_request, make_thread, make_tip, make_user

ROLES = ("member", "moderator", "scoped_elsewhere", "scoped_here", "editor_here", "editor_other", "suspended",
         "anonymous", "admin")

@dataclass
class Scene:
    board: Any
    elsewhere: Any
    author: User
    admin: User
    users: dict[str, User | None] = field(default_factory=dict)


def build_scene() -> Scene:
    editor = make_editor(name="Éditeur Chorus")
    board, elsewhere = make_board(name="Chorus", editor=editor), make_board(name="WEDA")
    uses = [board]
    users: dict[str, User | None] = {
        "member": make_user(uses=uses),
        "moderator": make_user(role="moderator", uses=uses),
        "scoped_elsewhere": make_user(role="moderator", uses=uses),
        "scoped_here": make_user(role="moderator", uses=uses),
        "editor_here": make_user(role="editor", editor=editor, uses=uses),
        "editor_other": make_user(role="editor", editor=make_editor(), uses=uses),
        "suspended": make_user(uses=uses),
        "anonymous": None,
        "admin": make_user(role="admin", uses=uses),
    }
    db.session.add_all([ModeratorScope(user_id=users["scoped_elsewhere"].id, board_id=elsewhere.id),
                        ModeratorScope(user_id=users["scoped_here"].id, board_id=board.id)])
    users["suspended"].suspended_until = utcnow() + timedelta(days=3)
    users["suspended"].suspension_reason = "Propos hors charte"
    db.session.flush()
    return Scene(board=board, elsewhere=elsewhere, author=make_user(uses=uses), admin=users["admin"], users=users)


def _reply(scene: Scene, thread: Thread) -> Post:
    return make_post(thread, make_user(uses=[scene.board]), body="Une réponse d'un autre membre.")


def _locked(scene: Scene) -> Thread:
    thread = make_thread(scene.board, scene.author)
    thread.locked = True
    return thread


def _deleted(scene: Scene) -> Post:
    post = make_post(make_thread(scene.board, scene.author), scene.author)
    posting.delete_post(scene.author, post)
    return post


def _edited(scene: Scene) -> Post:
    post = make_post(make_thread(scene.board, scene.author), scene.author)
    return posting.edit_post(scene.author, post, "Texte précisé par son auteur.")


def _hidden(scene: Scene) -> Thread:
    thread = make_thread(scene.board, scene.author)
    moderation.hide_thread(scene.admin, thread, "Hors charte")
    return thread


def _question(scene: Scene) -> Thread:
    question = make_thread(scene.board, scene.author, kind="question")
    _reply(scene, question)
    return question


def _livrable(scene: Scene, frozen: bool) -> Livrable:
    make_request(scene.board, scene.author)
    draft = livrables.create_draft(scene.admin, scene.board, ExportFilters())
    return livrables.freeze(scene.admin, draft) if frozen else draft


def _planned(scene: Scene) -> Thread:
    request = make_request(scene.board, scene.author)
    request.status = "planifiee"
    db.session.flush()
    return request


def _document(scene: Scene) -> Document:
    return documents.share_document(scene.author, scene.board, documents.DocumentFields(
        "Protocole du tableau", "", "protocole", ""), Upload("protocole.txt", b"Un protocole de test\n"))


def png_upload() -> tuple[io.BytesIO, str]:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    buffer.seek(0)
    return buffer, "capture.png"


# A fresh target per role: an action one role performs must not spoil the next role's check.
TARGETS: dict[str, Callable[[Scene], Any]] = {
    "board": lambda s: s.board,
    "open_thread": lambda s: make_thread(s.board, s.author),
    "locked_thread": _locked,
    "others_post": lambda s: make_post(make_thread(s.board, s.author), s.author),
    "deleted_post": _deleted,
    "edited_post": _edited,
    "hidden_thread": _hidden,
    "thread": lambda s: make_thread(s.board, s.author),
    "request": lambda s: make_request(s.board, s.author),
    "planned_request": _planned,
    "question": _question,
    "tip": lambda s: make_tip(s.board, s.author),
    "member_account": lambda s: make_user(),
    "nothing": lambda s: None,
    "frozen_livrable": lambda s: _livrable(s, frozen=True),
    "draft_livrable": lambda s: _livrable(s, frozen=False),
    "team_word": lambda s: "support",
    "editor": lambda s: s.board.editor,
    "members_document": _document,
}
