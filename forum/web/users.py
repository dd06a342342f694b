"""Blueprint users (to be filled)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users", __name__)
