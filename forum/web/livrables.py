"""Blueprint livrables (to be filled)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("livrables", __name__)
