"""Unbound extension singletons, bound to the app in create_app()."""
from __future__ import annotations

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

import forum.db_sqlite  # noqa: F401  (registers the SQLite pragmas)

# Constraint names follow one convention so Alembic migrations also run on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits: storage and limits come from the config (RATELIMIT_*); the limits themselves are put on
# endpoints by forum.web.security. The default key is the client address (see PROXY_FIX).
limiter = Limiter(key_func=get_remote_address)
# Rendered fragments shared between viewers (forum.web.fragments): in-process by default, Redis with
# CACHE_REDIS_URL. Their keys carry the content versions read from the database, never a member.
cache = Cache()
