"""`flask --app forum search …` commands."""
from __future__ import annotations

from flask.cli import AppGroup

search_cli = AppGroup("search", help="Index de recherche.")
