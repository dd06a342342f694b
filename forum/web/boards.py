"""Blueprint boards (to be filled)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("boards", __name__)
