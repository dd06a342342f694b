"""Blueprints, one per capability."""
from __future__ import annotations

import hmac

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from forum.web import (
        api,
        auth,
        boards,
        editor_space,
        feeds,
        livrables,
        main,
        moderation,
        questions,
        requests,
        search,
        threads,
        tips,
        users,
    )
    from forum.web.paging import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes: `<int:id>` is ASCII and bounded
    for module in (main, auth, users, boards, threads, requests, tips, questions, editor_space, search, livrables,
                   moderation, api, feeds):
        app.register_blueprint(module.bp)
    from forum.web import notifications
    app.register_blueprint(notifications.bp)
    from forum.web import mail_settings
    app.register_blueprint(mail_settings.bp)
    from forum.web import letters
    app.register_blueprint(letters.bp)
    from forum.web import drafts
    app.register_blueprint(drafts.bp)
    from forum.web import similar
    app.register_blueprint(similar.bp)
    from forum.web import roadmap
    app.register_blueprint(roadmap.bp)
    from forum.web import editors
    app.register_blueprint(editors.bp)
    from forum.web import admin_labels, board_livrables
    app.register_blueprint(board_livrables.bp)
    app.register_blueprint(admin_labels.bp)
    from forum.web import commitments
    app.register_blueprint(commitments.bp)
    from forum.web import files
    app.register_blueprint(files.bp)
    from forum.web import documents
    app.register_blueprint(documents.bp)
    from forum.web import faq
    app.register_blueprint(faq.bp)
    _init_login(app)


def _init_login(app: Flask) -> None:
    from functools import cache

    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import lazyload, undefer

    from forum.extensions import db, login_manager
    from forum.models import User
    from forum.models.accounts import declared_boards_column
    from forum.services.policy import LOGIN
    from forum.web.paging import parse_id

    login_manager.login_view = "auth.login"
    login_manager.login_message = LOGIN  # what the policy tells an anonymous visitor
    login_manager.login_message_category = "info"

    @cache
    def _user_statement():
        """Built once (building costs more than running it). The bell's unread count comes with the
        member's row (a deferred column, undeferred here), and the boards they declare (vote toggles)."""
        return (select(User, declared_boards_column())
                .options(undefer(User.unread_notification_count), lazyload(User.structure))
                .where(User.id == bindparam("user_id")))

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user of a session ("<id>.<fingerprint>", User.get_id), or None (anonymous) once that
        account has logged out, changed its password or been deleted (remember-me cookies: auth.py)."""
        user_id, _, fingerprint = session_id.partition(".")
        user_key = parse_id(user_id)
        row = db.session.execute(_user_statement(), {"user_id": user_key}).first() if user_key else None
        user = row[0] if row else None
        if user is None or user.deleted_at is not None:
            return None
        user.remember_declared_boards(row.declared_boards)
        return user if hmac.compare_digest(fingerprint, user.session_fingerprint) else None
