"""`flask --app forum set-moderator-scope EMAIL [SLUG…]`: limit a moderator to some boards."""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from forum.extensions import db


@click.command("set-moderator-scope")
@click.argument("email")
@click.argument("slugs", nargs=-1)
def set_moderator_scope(email: str, slugs: tuple[str, ...]) -> None:
    """Limit the moderator EMAIL to the boards SLUG…; without any SLUG, they moderate every board again."""
    from forum.models import Board, User
    from forum.services.errors import DomainError
    from forum.services.suspensions import set_moderator_scope as set_scope

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    boards = list(db.session.scalars(select(Board).where(Board.slug.in_(slugs))))
    missing = sorted(set(slugs) - {b.slug for b in boards})
    if user is None or missing:
        click.echo(f"Erreur : {'compte inconnu : ' + email if user is None else 'forum(s) inconnu(s) : ' + ', '.join(missing)}",
                   err=True)
        sys.exit(2)
    try:
        set_scope(user, boards)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(2)
    where = ", ".join(b.name for b in boards) if boards else "tous les forums"
    click.echo(f"{user.email} modère : {where}")
