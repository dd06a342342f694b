"""All `flask --app forum …` commands, each a thin shell over a service."""
from __future__ import annotations

import sys

import click
from flask import Flask
from forum.extensions import db


def register_cli(app: Flask) -> None:
    from forum.search.commands import search_cli

    app.cli.add_command(create_user)
    app.cli.add_command(search_cli)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "moderator", "editor", "admin"]), default="member",
              show_default=True, help="Rôle du compte.")
@click.option("--editor", "editor_slug", help="Éditeur représenté (obligatoire pour --role editor).")
@click.option("--name", "display_name", help="Nom affiché (par défaut, la partie avant @).")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
def create_user(email: str, role: str, editor_slug: str | None, display_name: str | None,
                password_stdin: bool) -> None:
    """Create an account (admins, moderators, editor representatives). Password prompted or from stdin."""
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
        click.echo(f"Erreur : {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"Compte créé : {user.email} ({user.role})")
