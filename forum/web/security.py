"""Security around every request: request id (response header and log lines), security headers,
body size guard (declared or chunked), trusted reverse proxy, the page refusing hosts the site does
not serve (TRUSTED_HOSTS, forum.web.urls), and the rate limits put on endpoints by name.

Limits are registered here, in one place, on the view functions other modules define, so that a
limit is a line of this table and a value in the config (RATELIMIT_*), not a decorator to remember.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, Response, abort, current_app, g, has_app_context, request
from flask.globals import request_ctx
from flask.logging import default_handler
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import LimitedStream

from forum.extensions import limiter
from forum.services.accounts import normalise_email
from forum.web.errors import render_error
from forum.web.session_cookie import install_session_interface
from forum.web.urls import public_url_adapter

# A proxy's X-Request-ID is kept only when it is short and made of safe characters (it goes into logs).
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

LOG_FORMAT = "[%(asctime)s] %(levelname)s [%(request_id)s] %(name)s: %(message)s"

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

UNTRUSTED_HOST = ("Ce site ne répond pas à l'adresse demandée. Vérifiez l'adresse saisie dans votre "
                  "navigateur, ou passez par la page d'accueil du site.")


def register_security(app: Flask) -> None:
    """Wire everything of this module into `app` (called by the factory after the blueprints)."""
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)
    # First of all before-request hooks, so that a request refused by the limiter or CSRF has an id too.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, _refuse_oversized_body)
    hooks.insert(0, _assign_request_id)
    app.after_request(_add_security_headers)
    app.register_error_handler(SecurityError, _refuse_untrusted_host)
    install_session_interface(app)
    install_request_id_logging()
    if app.config.get("RATELIMIT_ENABLED"):
        apply_rate_limits(app)


# --- request id -----------------------------------------------------------------------------------

def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request."""
    return (g.get("request_id") if has_app_context() else None) or "-"


def _assign_request_id() -> None:
    # From the environ rather than request.headers: a missing header there costs an exception.
    incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
    trusted = current_app.config.get("REQUEST_ID_FROM_HEADER") and _SANE_REQUEST_ID.match(incoming)
    g.request_id = incoming if trusted else uuid.uuid4().hex


def install_request_id_logging() -> None:
    """Give every log record a `request_id` attribute, and print it in Flask's default handler.

    A log record factory rather than a filter on one handler or logger: a handler filter misses the
    handlers added later (gunicorn's, pytest's), a logger filter misses records of child loggers.
    With the factory, any formatter may use %(request_id)s, e.g. in a gunicorn --log-config file.
    Installed once per process, whatever the number of apps built (tests build many).
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))


# --- headers and body size ------------------------------------------------------------------------

def _refuse_oversized_body() -> None:
    """413 before anything else when the body is too large, login-protected routes included.

    A declared length (Content-Length) is compared at once. A body without one (sent chunked) is
    read here, up to one byte more than the limit: Werkzeug would otherwise stop silently at the
    limit and hand the views a truncated form (echoed back in the page). A body within the limit
    is kept in memory for the form parser, with its length now declared.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return
    if _carries_files():  # a form with files: room for MAX_FILES_PER_POST full-size files and the text
        config = current_app.config
        limit = config["MAX_FILES_PER_POST"] * config["MAX_UPLOAD_BYTES"] + 1024 * 1024
        request.max_content_length = limit
    if request.content_length is not None:
        if request.content_length > limit:
            abort(413)
        return
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return  # no length and no server-terminated stream: Werkzeug reads an empty body
    if "HTTP_TRANSFER_ENCODING" not in environ:
        return  # neither a length nor chunked: a request without a body (RFC 9112 §6.3), e.g. any GET
    body = LimitedStream(environ["wsgi.input"], limit + 1, is_max=True).readall()
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def accepts_files(view: Callable) -> Callable:
    """Mark a view (put it right under its @bp.route) as taking files: its multipart requests may be
    as large as MAX_FILES_PER_POST × MAX_UPLOAD_BYTES + 1 MiB instead of MAX_CONTENT_LENGTH."""
    view.accepts_files = True  # type: ignore[attr-defined]
    return view


def _carries_files() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "accepts_files", False) and request.mimetype == "multipart/form-data"


def _refuse_untrusted_host(exc: SecurityError):
    """The French 400 page for a Host header the site does not serve (TRUSTED_HOSTS).

    Flask refuses such a request before routing it, which leaves it without URLs: the links of the
    page are built for the public address instead (PUBLIC_BASE_URL), never for the refused host.
    """
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = public_url_adapter(current_app)
    return render_error(400, UNTRUSTED_HOST)


@lru_cache(maxsize=16)
def _constant_headers(csp: str, hsts_max_age: int | None) -> tuple[tuple[tuple[str, str, str], ...], ...]:
    """The headers every answer gets, as (lowercase name, name, value), for plain http and for https
    (HSTS only there: over http browsers ignore it and it would mislead). Built once per config."""
    plain = (("Content-Security-Policy", csp), ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
             ("Referrer-Policy", "strict-origin-when-cross-origin"), ("Permissions-Policy", PERMISSIONS_POLICY),
             ("Cross-Origin-Opener-Policy", "same-origin"))
    secure = plain + ((("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"),)
                      if hsts_max_age else ())
    return tuple(tuple((name.lower(), name, value) for name, value in headers) for headers in (plain, secure))


def _add_security_headers(response: Response) -> Response:
    """Headers on every answer (pages, JSON, files, errors); a view may set its own value first."""
    config = current_app.config
    plain, secure = _constant_headers(config["CONTENT_SECURITY_POLICY"], config.get("HSTS_MAX_AGE"))
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    headers.extend([(name, value) for lower, name, value in (secure if request.is_secure else plain)
                    if lower not in present])
    headers.set("X-Request-ID", current_request_id())
    return response


# --- rate limits ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConfiguredLimit:
    """The limit string under config key `key`, read at request time ("" switches the limit off).

    A frozen dataclass so that equal limits registered by several apps (tests) compare equal and
    Flask-Limiter keeps one copy.
    """

    key: str

    def __call__(self) -> str:
        return current_app.config.get(self.key) or ""


def client_address() -> str:
    return "addr:" + get_remote_address()


def member_or_address() -> str:
    """Members are counted by account (several colleagues may share an address), visitors by address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return client_address()


def submitted_email() -> str:
    """The e-mail typed in the form: the same counter whether an account has it or not.

    Hashed, so that addresses do not end up in the limiter's storage (Redis) and log lines.
    """
    email = normalise_email(request.form.get("email"))
    return "email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:24]


def submitted_email_from_address() -> str:
    """The e-mail typed in the form AND the client address: failures from one address slow down
    that address only, so nobody can lock a member out by failing on purpose from elsewhere."""
    return f"{submitted_email()}|{client_address()}"


def refused(response: Response) -> bool:
    """Count only refused attempts (failed log-in, taken e-mail…), not successful ones."""
    return response.status_code >= 400


def created(response: Response) -> bool:
    """Count only what was posted (redirect to it), not previews or forms sent back with errors."""
    return response.status_code in (302, 303)


@dataclass(frozen=True)
class RateRule:
    endpoint: str
    config_key: str
    key_func: Callable[[], str]
    scope: str
    methods: tuple[str, ...] | None = ("POST",)
    deduct_when: Callable[[Response], bool] | None = None


RATE_RULES = (
    RateRule("auth.login", "RATELIMIT_LOGIN_ACCOUNT", submitted_email_from_address, "account", deduct_when=refused),
    RateRule("auth.login", "RATELIMIT_LOGIN_ADDRESS", client_address, "address", deduct_when=refused),
    RateRule("auth.login", "RATELIMIT_LOGIN_ACCOUNT_CEILING", submitted_email, "account-ceiling",
             deduct_when=refused),
    RateRule("auth.register", "RATELIMIT_REGISTER", client_address, "address", deduct_when=refused),
    RateRule("auth.request_password_reset", "RATELIMIT_PASSWORD_RESET", client_address, "address"),
    RateRule("auth.request_password_reset", "RATELIMIT_PASSWORD_RESET_EMAIL", submitted_email, "email"),
    RateRule("threads.new", "RATELIMIT_NEW_THREAD", member_or_address, "member", deduct_when=created),
    RateRule("threads.reply", "RATELIMIT_REPLY", member_or_address, "member", deduct_when=created),
    RateRule("requests.vote", "RATELIMIT_VOTE", member_or_address, "member"),
    RateRule("requests.withdraw_vote", "RATELIMIT_VOTE", member_or_address, "member"),
    RateRule("search.results", "RATELIMIT_SEARCH", member_or_address, "member", methods=None),
    RateRule("threads.preview", "RATELIMIT_PREVIEW", member_or_address, "member"),
)


def export_endpoints(app: Flask) -> list[str]:
    """Endpoints of the livrables blueprint that export or download, whatever they are named then."""
    return sorted(name for name in app.view_functions
                  if name.startswith("livrables.") and ("export" in name or "download" in name))


def rate_rules(app: Flask) -> list[RateRule]:
    """The fixed rules plus one per export endpoint present in `app`; rules of absent endpoints dropped."""
    rules = [*RATE_RULES, *(RateRule(name, "RATELIMIT_EXPORT", member_or_address, "export", methods=None)
                            for name in export_endpoints(app))]
    return [rule for rule in rules if rule.endpoint in app.view_functions]


def apply_rate_limits(app: Flask) -> None:
    """Wrap each limited view function of `app` with its Flask-Limiter limits. Every other endpoint
    skips the limiter (`_unlimited`)."""
    for rule in rate_rules(app):
        decorate = limiter.limit(ConfiguredLimit(rule.config_key), key_func=rule.key_func, scope=rule.scope,
                                 methods=list(rule.methods) if rule.methods else None,
                                 deduct_when=rule.deduct_when)
        app.view_functions[rule.endpoint] = decorate(app.view_functions[rule.endpoint])
    _register_unlimited_filter()


_UNLIMITED = "forum.unlimited_endpoints"


@lru_cache(maxsize=1)
def _register_unlimited_filter() -> None:
    """Once per process: the limiter is one object shared by every app built (tests build many)."""
    limiter.request_filter(_unlimited)


def _unlimited() -> bool:
    """True (Flask-Limiter then exempts the request) for an endpoint no limit concerns: without one,
    the limiter would still resolve, on each request, that there is nothing to count — a quarter of
    the cost of /healthz. Asked of the limiter itself once per endpoint (a limit put on a view,
    its blueprint, or default and application-wide limits all count)."""
    known = current_app.extensions.setdefault(_UNLIMITED, {})
    endpoint = request.endpoint
    if endpoint not in known:
        view = current_app.view_functions.get(endpoint or "")
        manager = limiter.limit_manager
        known[endpoint] = view is not None and not (
            manager.default_limits or manager.application_limits or manager.has_hints(endpoint or "")
            or manager.decorated_limits(get_qualified_name(view))
            or (request.blueprint and manager.blueprint_limits(current_app, request.blueprint)))
    return known[endpoint]
