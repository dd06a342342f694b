"""Account commands: `create-user` (staff and members) and `set-moderator-scope`."""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from forum.cli.errors import fail
from forum.extensions import db


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "moderator", "editor", "admin"]), default="member",
              show_default=True, help="Rôle du compte.")
@click.option("--editor", "editor_slug", help="Éditeur représenté (obligatoire pour --role editor).")
@click.option("--name", "display_name", help="Nom affiché (par défaut, la partie avant @).")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
def create_user(email: str, role: str, editor_slug: str | None, display_name: str | None,
                password_stdin: bool) -> None:
    """Crée un compte (administrateur, modérateur, représentant d'un éditeur ou membre).

    Le mot de passe est demandé, ou lu sur l'entrée standard quand elle n'est pas un terminal."""
    from forum.services.accounts import create_account_from_cli
    from forum.services.errors import DomainError

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    try:
        user = create_account_from_cli(email, password, role=role, editor_slug=editor_slug,
                                       display_name=display_name)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(exc.message)
    click.echo(f"Compte créé : {user.email} ({user.role})")


@click.command("set-moderator-scope")
@click.argument("email")
@click.argument("slugs", nargs=-1)
def set_moderator_scope(email: str, slugs: tuple[str, ...]) -> None:
    """Limite le modérateur EMAIL aux forums SLUG… ; sans SLUG, il modère de nouveau tous les forums."""
    from forum.models import Board, User
    from forum.services.errors import DomainError
    from forum.services.suspensions import set_moderator_scope as set_scope

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    boards = list(db.session.scalars(select(Board).where(Board.slug.in_(slugs))))
    missing = sorted(set(slugs) - {b.slug for b in boards})
    if user is None:
        fail(f"compte inconnu : {email}")
    if missing:
        fail(f"forum(s) inconnu(s) : {', '.join(missing)}")
    try:
        set_scope(user, boards)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        fail(exc.message)
    where = ", ".join(b.name for b in boards) if boards else "tous les forums"
    click.echo(f"{user.email} modère : {where}")
