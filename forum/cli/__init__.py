"""Every `flask --app forum …` command, each a thin shell over a service; `register_cli` adds them.

House rule: a command's docstring is its `--help`, so it is written in French like every text an
operator reads (option help, messages); docstrings of helpers and comments stay in English. A
refusal goes through `forum.cli.errors.fail` (« Erreur : … » on stderr, exit code 2).
"""
from __future__ import annotations

from flask import Flask

from forum.cli import accounts, backups, data, exports
from forum.cli import mail as mail_commands
from forum.cli.files import files_cli
from forum.cli.letters import digest_cli
from forum.search.commands import search_cli


def register_cli(app: Flask) -> None:
    """Add the forum's commands to `app.cli` (called once by create_app)."""
    for command in (accounts.create_user, accounts.set_moderator_scope, data.sync_catalogue, data.seed_demo,
                    data.import_dataset, data.recount, exports.export_requests, backups.backup_command,
                    backups.restore_command, search_cli, mail_commands.worker_command, mail_commands.mail_cli,
                    digest_cli, files_cli):
        app.cli.add_command(command)
