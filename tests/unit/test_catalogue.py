"""The software catalogue: what the seeds say of each labelled software, loaded once, never duplicated."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Board, Editor
from forum.services import catalogue

SEED_SOFTWARE = {"chorus", "weda", "hellodoc", "axisante", "crossway", "monlogicielmedical-com", "medistory"}


def _board(slug: str) -> Board:
    return db.session.scalar(select(Board).where(Board.slug == slug))


def test_sync_creates_one_board_per_seed_software_and_the_general_board(app):
    result = catalogue.sync()

    slugs = set(db.session.scalars(select(Board.slug)))
    assert SEED_SOFTWARE | {"inter-logiciels"} <= slugs
    assert set(result.boards_created) == slugs
    for slug in SEED_SOFTWARE:
        board = _board(slug)
        assert board.editor is not None and board.description and board.label_note
        assert board.label_level in (None, "standard", "avance")
        assert not board.is_general and board.votes_require_usage


def test_catalogue_says_what_the_seeds_say(app):
    catalogue.sync()

    medistory = _board("medistory")
    assert "répond plus au label V2" in medistory.label_note
    assert medistory.label_version == "V1"
    chorus = _board("chorus")
    assert "Chorus Pocket" in chorus.description and "infirmi" in chorus.description
    assert "club national" in chorus.label_note
    assert "représentants de l'éditeur" in _board("weda").label_note
    assert "deux représentants" in _board("hellodoc").label_note
    # The seeds name no editor: neutral names that moderators can correct.
    assert chorus.editor.name == "Éditeur de Chorus"
    assert _board("monlogicielmedical-com").name == "MonLogicielMédical.com"


def test_general_board_has_no_editor_and_counts_every_vote(app):
    catalogue.sync()

    general = _board("inter-logiciels")
    assert general.name == "Inter-logiciels"
    assert general.is_general and general.editor_id is None
    assert general.votes_require_usage is False


def test_sync_twice_creates_nothing_more(app):
    catalogue.sync()
    db.session.commit()
    boards_before = [(b.id, b.slug, b.name, b.editor_id) for b in db.session.scalars(select(Board).order_by(Board.id))]
    editors_before = db.session.scalar(select(func.count(Editor.id)))

    result = catalogue.sync()

    assert not result.changed
    assert [(b.id, b.slug, b.name, b.editor_id)
            for b in db.session.scalars(select(Board).order_by(Board.id))] == boards_before
    assert db.session.scalar(select(func.count(Editor.id))) == editors_before


def test_sync_keeps_what_moderators_renamed(app):
    catalogue.sync()
    editor = db.session.scalar(select(Editor).where(Editor.slug == "editeur-chorus"))
    editor.name = "Nom vérifié de l'éditeur"
    _board("chorus").description = "Description revue par la fédération."
    db.session.commit()

    catalogue.sync()

    assert db.session.get(Editor, editor.id).name == "Nom vérifié de l'éditeur"
    assert _board("chorus").description == "Description revue par la fédération."
    assert db.session.scalar(select(func.count()).where(Board.slug == "chorus")) == 1


def test_sync_adds_only_the_missing_boards(app):
    catalogue.sync()
    db.session.delete(_board("crossway"))
    db.session.commit()

    result = catalogue.sync()

    assert result.boards_created == ["crossway"]
    assert result.editors_created == []
    assert _board("crossway").editor.slug == "editeur-crossway"
