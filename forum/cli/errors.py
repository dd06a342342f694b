"""How a command refuses: « Erreur : … » on standard error and exit code 2 (the one `fail`)."""
from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print the French message as « Erreur : message » on stderr and exit with code 2."""
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)
