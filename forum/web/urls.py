"""Absolute links of the site and the host names it answers.

Every absolute link (password-reset e-mails, feeds, API, exports, later notifications sent by a
worker with no request at all) is built by `external_url` from the configured PUBLIC_BASE_URL,
never from the Host header of a request: a forged Host can no longer put another site in a mailed
link or a cached feed. Requests for a host the site does not serve are refused by Flask
(TRUSTED_HOSTS, derived here from the same address).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter

# The address `make run` serves (flask run on 127.0.0.1:5000); refused in production.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
# Accepted as well outside production: the development server, tests, benchmarks.
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class PublicUrlError(ValueError):
    """PUBLIC_BASE_URL or TRUSTED_HOSTS is missing or malformed: the app refuses to start."""


def is_production(app: Flask) -> bool:
    return (app.config.get("FORUM_ENV") or "").strip().lower() == "production"


def clean_base_url(value: object, production: bool) -> str:
    """PUBLIC_BASE_URL checked and without its trailing slash. Raises PublicUrlError."""
    base = str(value or "").strip().rstrip("/")
    if production and (not base or base == DEVELOPMENT_BASE_URL):
        raise PublicUrlError(
            "PUBLIC_BASE_URL must be set in production (FORUM_ENV=production) to the public address of "
            "the site, e.g. PUBLIC_BASE_URL=https://clubs.example.org: password-reset e-mails, feeds and "
            f"the API link to it (currently {base or 'unset'!r}).")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PublicUrlError(f"PUBLIC_BASE_URL={base!r}: expected http(s)://host[:port][/prefix], "
                             "e.g. https://clubs.example.org")
    return base


def derived_trusted_hosts(base: str, production: bool) -> list[str]:
    """The host of PUBLIC_BASE_URL, plus 127.0.0.1 and localhost outside production."""
    host = urlsplit(base).hostname or ""
    return [host] + ([name for name in LOCAL_HOSTS if name != host] if not production else [])


def clean_trusted_hosts(value: object, base: str, production: bool) -> list[str] | None:
    """TRUSTED_HOSTS as Flask wants it: a list of names (a leading dot accepts subdomains), or
    None for "any host" (the value "*"). None in the config: derived from PUBLIC_BASE_URL; a string
    (the environment): names separated by commas."""
    if value is None:
        return derived_trusted_hosts(base, production)
    names = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    names = [str(name).strip().lower() for name in names if str(name).strip()]
    if names == ["*"]:
        return None
    if not names:
        raise PublicUrlError("TRUSTED_HOSTS is empty: list the host names the site answers, "
                             "or leave it unset to derive it from PUBLIC_BASE_URL")
    return names


def configure_public_url(app: Flask) -> None:
    """Check PUBLIC_BASE_URL and set TRUSTED_HOSTS (called by the factory). Raises PublicUrlError."""
    production = is_production(app)
    base = clean_base_url(app.config.get("PUBLIC_BASE_URL"), production)
    app.config["PUBLIC_BASE_URL"] = base
    app.config["TRUSTED_HOSTS"] = clean_trusted_hosts(app.config.get("TRUSTED_HOSTS"), base, production)


def public_url_adapter(app: Flask) -> MapAdapter:
    """The app's routes bound to PUBLIC_BASE_URL (host, path prefix and scheme)."""
    parts = urlsplit(app.config["PUBLIC_BASE_URL"])
    return app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under PUBLIC_BASE_URL, in a request or not (app context only).

    Same arguments as url_for (`_anchor` included); the request's host and scheme are never used.
    """
    app = current_app
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    app.inject_url_defaults(endpoint, values)
    url = public_url_adapter(app).build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url
