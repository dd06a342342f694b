"""Home page (the boards) and the health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from forum.extensions import db
from forum.services import boards as board_service

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html", boards=board_service.list_boards())


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
