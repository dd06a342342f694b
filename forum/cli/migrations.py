"""`flask db …` (Flask-Migrate) bound to the app without importing it into every web worker.

Flask-Migrate imports Alembic, which imports Mako and Pygments: about 11 MB of each worker's
memory for commands a worker never runs. `bind` gives the app what Flask-Migrate reads from it
(`app.extensions["migrate"]`: the database, the migrations folder, the Alembic options, the
Migrate object built on first use) and a `db` command group that imports the real one only
when it runs; `flask_migrate.upgrade()` called in an app context works as with `Migrate.init_app`.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

# Migrate(compare_type=True, render_as_batch=True): column types compared by autogenerate, and
# SQLite's ALTER TABLE done by copying the table (the only way SQLite changes a constraint).
ALEMBIC_OPTIONS = {"compare_type": True, "render_as_batch": True}


class MigrationSetup:
    """What Flask-Migrate's commands and migrations/env.py read from `app.extensions["migrate"]`
    (the attributes of flask_migrate._MigrateConfig)."""

    def __init__(self, db: SQLAlchemy, directory: str) -> None:
        self.db = db
        self.directory = directory
        self.configure_args = dict(ALEMBIC_OPTIONS)

    @cached_property
    def migrate(self) -> Any:
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **ALEMBIC_OPTIONS)

    @property
    def metadata(self) -> Any:
        return self.db.metadata


class MigrationCommands(click.Group):
    """The `db` group, Flask-Migrate's own once it is invoked (its options, callback, commands)."""

    def __init__(self) -> None:
        super().__init__("db", help="Migrations de la base de données (Flask-Migrate, Alembic).")

    @cached_property
    def _commands(self) -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        return self._commands.make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands.list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands.get_command(ctx, cmd_name)


def bind(app: Flask, db: SQLAlchemy, directory: str) -> None:
    app.extensions["migrate"] = MigrationSetup(db, directory)
    app.cli.add_command(MigrationCommands())
