"""The signed session cookie, with its signing serializer built once per secret key instead of at
every request (Flask's SecureCookieSessionInterface rebuilds it in open_session and save_session).

The cookie is unchanged: same salt, key derivation, digest, JSON payload and fallback keys, so
sessions signed before this class existed stay valid, and a new SECRET_KEY or SECRET_KEY_FALLBACKS
(set on the app after create_app, as tests do) is picked up at the next request.
"""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, keeping one serializer per (secret key, fallback keys)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable key (a list as secret): nothing to cache
            return super().get_signing_serializer(app)
        if len(self._serializers) > 8:  # keys rotated many times in one process: start afresh
            self._serializers.clear()
        serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer


def install_session_interface(app: Flask) -> None:
    """Give `app` the cached-serializer cookie session, unless it was given another interface."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = CachedSerializerSessionInterface()
