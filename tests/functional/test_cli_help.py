"""`flask --app forum --help` as an operator reads it: every command listed, each one's help in French."""
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from forum import create_app

ROOT = Path(__file__).resolve().parents[2]
# Added to app.cli by Flask-Migrate: its help is its own (English).
THIRD_PARTY = {"db"}
# The commands PRODUCT.md, the README and `make run` name.
DOCUMENTED = {"backup", "create-user", "db", "export-requests", "import-dataset", "recount", "restore",
              "search", "seed-demo", "set-moderator-scope", "sync-catalogue"}
ENGLISH_WORDS = {"the", "and", "of", "from", "with", "to", "is", "are", "by", "for", "when", "that", "this",
                 "then", "into", "its", "it", "be", "an", "or", "in", "show", "only", "without", "instead"}
FRENCH_WORDS = {"le", "la", "les", "des", "du", "de", "d", "l", "un", "une", "et", "ou", "à", "au", "aux",
                "pour", "par", "sans", "sur", "en"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-zàâçéèêëîïôöûùüÿœ]+", text.lower()))


def our_commands(group: click.Group, path: tuple[str, ...] = ()):
    """(path, command) of every command the forum registers, groups and their subcommands."""
    for name, command in sorted(group.commands.items()):
        if name in THIRD_PARTY:
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from our_commands(command, (*path, name))


@pytest.mark.slow
def test_flask_help_lists_every_command_and_each_help_is_in_french(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/forum.sqlite3", "SECRET_KEY": "help-test",
           "SEARCH_INDEX_DIR": str(tmp_path / "idx")}
    listing = subprocess.run([sys.executable, "-m", "flask", "--app", "forum", "--help"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    commands_section = listing.stdout.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands_section.splitlines() if line.strip()}
    app = create_app({"TESTING": True, "SECRET_KEY": "help-test", "DATABASE_URL": f"sqlite:///{tmp_path}/f.sqlite3",
                      "SEARCH_INDEX_DIR": str(tmp_path / "idx")})
    assert DOCUMENTED | set(app.cli.commands) <= listed

    runner = app.test_cli_runner()
    checked = []
    for path, command in our_commands(app.cli):
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        description = words(command.help or "")
        assert description & FRENCH_WORDS and not description & ENGLISH_WORDS, (path, command.help)
        assert " ".join((command.help or "").split()[:4]) in " ".join(result.output.split()), path
        for option in command.params:
            if isinstance(option, click.Option) and option.help:
                assert not words(option.help) & ENGLISH_WORDS, (path, option.opts, option.help)
        checked.append(" ".join(path))
    assert {"create-user", "search reindex", "export-requests", "restore"} <= set(checked)
