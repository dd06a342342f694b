"""Blueprint requests (to be filled)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("requests", __name__)
