"""Blueprints, one per capability."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from forum.web import api, auth, boards, feeds, livrables, main, moderation, requests, search, threads, users

    for module in (main, auth, users, boards, threads, requests, search, livrables, moderation, api, feeds):
        app.register_blueprint(module.bp)
    _init_login(app)


def _init_login(app: Flask) -> None:
    from forum.extensions import db, login_manager
    from forum.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour continuer."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.deleted_at is None else None
