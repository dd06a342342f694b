"""Blueprint threads (to be filled)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("threads", __name__)
