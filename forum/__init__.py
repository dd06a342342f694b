"""forum: the users' clubs of labelled health software."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from forum.config import ENV_OVERRIDES, BaseConfig, load_secret_key
from forum.web.urls import configure_public_url, external_url


def create_app(config: Mapping[str, Any] | type | None = None) -> Flask:
    """Build the application. Pure: no table creation, no migration, no network, no prompt.

    Configuration layers, each overriding the previous: BaseConfig, instance/config.py,
    environment variables (DATABASE_URL, SECRET_KEY, SEARCH_INDEX_DIR… see config.ENV_OVERRIDES),
    then `config` (a mapping or a class, used by tests).
    """
    app = Flask(__name__, instance_relative_config=True)
    _configure(app, config)

    from forum import extensions, search
    from forum.cli import migrations, register_cli
    from forum.services import content_versions
    from forum.services.notify import deferred
    from forum.web import register_blueprints
    from forum.web.errors import register_error_handlers
    from forum.web.filters import register_filters
    from forum.web.input_filter import register_input_filter
    from forum.web.security import register_security

    extensions.db.init_app(app)
    migrations.bind(app, extensions.db, directory=str(Path(app.root_path).parent / "migrations"))
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.cache.init_app(app)
    search.init_app(app)
    deferred.init_app(app)
    content_versions.register()
    register_blueprints(app)
    register_security(app)  # after the blueprints: it puts rate limits on their endpoints by name
    register_cli(app)
    register_error_handlers(app)
    register_filters(app)
    register_input_filter(app)  # last: it keeps any request class set above
    app.add_template_global(external_url)  # absolute links in templates (printable export)
    return app


def _configure(app: Flask, config: Mapping[str, Any] | type | None) -> None:
    app.config.from_object(BaseConfig)
    app.config.from_pyfile("config.py", silent=True)
    for key in ENV_OVERRIDES:
        if os.environ.get(key):
            app.config[key] = _parse_env(os.environ[key], getattr(BaseConfig, key, None))
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'forum.sqlite3'}"
    url = app.config["DATABASE_URL"]
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        # Busy timeout at the driver level too, so a writer waits for another instead of failing.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 10}})
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    if not app.config.get("MAIL_OUTBOX_DIR"):
        app.config["MAIL_OUTBOX_DIR"] = str(instance / "outbox")
    secure = cookies_secure(app)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = secure
    if app.config.get("CACHE_REDIS_URL") and app.config["CACHE_TYPE"] == "SimpleCache":
        app.config["CACHE_TYPE"] = "RedisCache"  # several hosts share the rendered fragments
    configure_public_url(app)  # PUBLIC_BASE_URL checked (required in production), TRUSTED_HOSTS derived


def cookies_secure(app: Flask) -> bool:
    """Whether cookies get the Secure flag when the config leaves it to None.

    FORUM_ENV says it outright ("production" → yes, "development" → no). Otherwise they are Secure
    unless the app is in debug or testing mode or served by `flask run` (the development server of
    `make run`, plain http on 127.0.0.1, where browsers would drop Secure cookies and nobody could
    log in). gunicorn (wsgi.py) sets none of those, so a deployment gets Secure cookies by default.
    """
    env = (app.config.get("FORUM_ENV") or "").strip().lower()
    if env in ("production", "development"):
        return env == "production"
    dev_server = os.environ.get("FLASK_RUN_FROM_CLI") == "true"
    return not (app.debug or app.testing or dev_server)


def _parse_env(value: str, default: object) -> object:
    """An environment string typed like the BaseConfig default it overrides (bool, int or str)."""
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    return value
