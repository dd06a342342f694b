"""Factories with sane defaults: make_user(), make_board(), make_thread(), make_request(), make_vote()…

They go through the services where the services keep counters, so the data they build is the
data users would build.
"""
from __future__ import annotations

import itertools

from forum.extensions import db
from forum.models import Board, Editor, Post, SoftwareUse, Structure, Thread, User
from forum.services import posting

PASSWORD = "motdepasse-solide"
_seq = itertools.count(1)
_password_hashes: dict[str, str] = {}


def make_editor(name: str | None = None, slug: str | None = None) -> Editor:
    n = next(_seq)
    editor = Editor(name=name or f"Éditeur {n}", slug=slug or f"editeur-{n}")
    db.session.add(editor)
    db.session.flush()
    return editor


def make_board(name: str | None = None, slug: str | None = None, editor: Editor | None = None,
               **fields) -> Board:
    n = next(_seq)
    if editor is None and not fields.get("is_general"):
        editor = make_editor()
    board = Board(name=name or f"Logiciel {n}", slug=slug or f"logiciel-{n}",
                  editor_id=editor.id if editor else None, position=n, **fields)
    db.session.add(board)
    db.session.flush()
    return board


def make_structure(name: str | None = None, region: str = "Hauts-de-France", kind: str = "msp") -> Structure:
    structure = Structure(name=name or f"MSP des Tilleuls {next(_seq)}", region=region, kind=kind)
    db.session.add(structure)
    db.session.flush()
    return structure


def make_user(email: str | None = None, *, role: str = "member", display_name: str | None = None,
              profession: str = "medecin_generaliste", structure: Structure | None = None,
              uses: list[Board] | tuple = (), editor: Editor | None = None,
              password: str = PASSWORD) -> User:
    n = next(_seq)
    if structure is None:
        structure = make_structure()
    user = User(email=email or f"membre{n}@example.org", display_name=display_name or f"Membre {n}",
                profession=profession, structure_id=structure.id, region=structure.region, role=role,
                editor_id=editor.id if editor else None)
    if password not in _password_hashes:  # scrypt is slow on purpose: hash each test password once
        user.set_password(password)
        _password_hashes[password] = user.password_hash
    user.password_hash = _password_hashes[password]
    db.session.add(user)
    db.session.flush()
    for board in uses:
        db.session.add(SoftwareUse(user_id=user.id, board_id=board.id))
    db.session.flush()
    db.session.refresh(user)
    return user


def make_thread(board: Board | None = None, author: User | None = None, *, kind: str = "question",
                title: str | None = None, body: str = "Bonjour, comment faites-vous ?",
                software_version: str | None = None, author_vote: bool = False) -> Thread:
    # author_vote=False: a request made here starts without votes (tests set up the votes they
    # count); the author's default vote is tested through the service and the pages.
    board = board or make_board()
    author = author or make_user(uses=[board])
    thread = posting.create_thread(author, board, kind, title or f"Sujet de test {next(_seq)}", body,
                                   software_version=software_version, author_vote=author_vote)
    db.session.flush()
    return thread


def make_request(board: Board | None = None, author: User | None = None, **kwargs) -> Thread:
    return make_thread(board, author, kind="request", **kwargs)


def make_tip(board: Board | None = None, author: User | None = None, **kwargs) -> Thread:
    return make_thread(board, author, kind="tip", **kwargs)


def make_post(thread: Thread, author: User | None = None, body: str = "Voici ma réponse.") -> Post:
    author = author or make_user(uses=[thread.board])
    post = posting.reply(author, thread, body)
    db.session.flush()
    return post


def make_vote(thread: Thread, user: User | None = None, importance: str = "utile"):
    from forum.services.votes import cast_vote

    user = user or make_user(uses=[thread.board])
    vote = cast_vote(user, thread, importance)
    db.session.flush()
    return vote
