"""French error pages, and domain errors raised outside a form turned into HTTP answers.

Every error page and JSON error carries the request id (also in the X-Request-ID header and the
log lines), so a user can quote it and the team can find the matching traceback.

A database that cannot serve for now (read-only, locked too long, full disk, unreachable) gives a
503 with Retry-After rather than the 500: one log line, the transaction rolled back, and for a form
the member's text shown back in a « Réessayer » form that sends it again (any form, no view code).
"""
from __future__ import annotations

import logging
import math
import re
import sqlite3
import sys
import time
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from forum.extensions import db, limiter
from forum.services.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Requête invalide", "La requête n'a pas pu être comprise. Vérifiez le formulaire et réessayez."),
    403: ("Accès refusé", "Vous n'avez pas le droit de faire cette action."),
    404: ("Page introuvable", "Cette page n'existe pas ou a été supprimée."),
    405: ("Méthode non autorisée", "Cette adresse n'accepte pas ce type de requête."),
    409: ("Action impossible", "Cette action n'est pas possible dans l'état actuel."),
    413: ("Envoi trop volumineux", "Le contenu envoyé dépasse la taille autorisée."),
    422: ("Saisie invalide", "Certains champs ne sont pas valides."),
    429: ("Trop de requêtes", "Vous avez fait trop de requêtes. Patientez un peu avant de réessayer."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. L'équipe a été prévenue."),
    503: ("Service momentanément indisponible", "Le site ne peut pas lire ses données pour le moment. "
          "Réessayez dans quelques instants."),
}
# A write refused by a database that cannot write for now (the 503 of a form).
WRITE_UNAVAILABLE = ("Enregistrement impossible pour le moment",
                     "Enregistrement impossible pour le moment, réessayez dans quelques instants.")
# Seconds suggested to clients before trying again after a 503.
RETRY_AFTER_SECONDS = 30

# SQLite result codes and messages meaning "not now" rather than "wrong" (a bug stays a 500).
SQLITE_UNAVAILABLE_CODES = ("SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL",
                            "SQLITE_CANTOPEN", "SQLITE_PROTOCOL")
SQLITE_UNAVAILABLE_MESSAGES = ("readonly database", "database is locked", "database table is locked",
                               "disk i/o error", "database or disk is full", "unable to open database file")
# PostgreSQL SQLSTATE classes and codes of the same kind: connection (08), transaction rollback
# (40: serialization failure, deadlock), insufficient resources (53: disk full, too many
# connections), operator intervention (57: shutdown, statement or lock timeout), system I/O (58),
# read-only transaction (25006, e.g. a standby or default_transaction_read_only), lock not available.
POSTGRES_UNAVAILABLE_CLASSES = ("08", "40", "53", "57", "58")
POSTGRES_UNAVAILABLE_CODES = ("25006", "55P03")


def database_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of a database that cannot serve. psycopg's only once loaded: SQLAlchemy imports
    it for a PostgreSQL database, and a worker on SQLite never does (9 MB of memory)."""
    psycopg = _psycopg()
    return (SQLAlchemyError, sqlite3.Error) + ((psycopg.Error,) if psycopg else ())


def _psycopg() -> Any:
    return sys.modules.get("psycopg")

# Free-text fields of the forms, shown back (editable) on the 503 page; the other fields are sent
# again unchanged in hidden inputs, passwords are never echoed (the member types them again).
TEXT_FIELD_LABELS = {
    "title": "Titre", "body": "Message", "note": "Note", "comment": "Commentaire", "reason": "Motif",
    "resolution": "Décision", "introduction": "Introduction", "bio": "Présentation",
    "display_name": "Nom affiché", "structure_name": "Nom de la structure", "email": "Adresse e-mail",
    "version": "Version", "software_version": "Version du logiciel",
}
NUMBERED_FIELD = re.compile(r"(?P<base>[a-z_]+?)[-_](?P<number>\d+)")  # note-12, version_3


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    text = message or default
    request_id = g.get("request_id")
    if wants_json():
        return jsonify(error={"status": status, "message": text, "request_id": request_id}), status
    return render_template("errors/error.html", status=status, title=title, message=text,
                           request_id=request_id), status


def retry_after_seconds() -> int:
    """Seconds until the breached limit's window resets (at least 1; 60 when unknown)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def wait_in_french(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def too_many_requests():
    """The French 429 page (or JSON for the API) with Retry-After, for any breached rate limit."""
    seconds = retry_after_seconds()
    message = (f"Vous avez fait trop de tentatives en peu de temps. "
               f"Patientez {wait_in_french(seconds)} avant de réessayer.")
    body, status = render_error(429, message)
    return body, status, {"Retry-After": str(seconds)}


def unavailability(exc: BaseException) -> str | None:
    """Why the database cannot serve for now (a short reason for the log), or None when `exc` is
    not that (a bug, a broken constraint: those stay 500s with their traceback)."""
    if isinstance(exc, PoolTimeoutError):
        return "no free database connection"
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = f"{type(orig).__name__}: {str(orig).strip().splitlines()[0] if str(orig).strip() else ''}"[:300]
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return reason
    if isinstance(orig, sqlite3.Error):
        code, message = getattr(orig, "sqlite_errorname", "") or "", str(orig).lower()
        unavailable = code.startswith(SQLITE_UNAVAILABLE_CODES) or any(m in message for m in SQLITE_UNAVAILABLE_MESSAGES)
        return reason if unavailable else None
    psycopg = _psycopg()
    if psycopg is not None and isinstance(orig, psycopg.Error):
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate is None:  # raised by the client library: cannot connect, connection lost
            return reason if isinstance(orig, psycopg.OperationalError) else None
        if sqlstate[:2] in POSTGRES_UNAVAILABLE_CLASSES or sqlstate in POSTGRES_UNAVAILABLE_CODES:
            return reason
    return None


def _rollback_quietly() -> None:
    """Roll the failed transaction back; on a lost connection that may fail too, said once already."""
    db.session.info.pop("index_pending", None)  # nothing was committed: nothing to index
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        db.session.close()


def _retry_fields() -> tuple[list[dict], list[tuple[str, str]], list[str]]:
    """The submitted form, split for the « Réessayer » form: text shown in textareas, other fields
    sent again as they were, and the names of password fields to type again (never echoed)."""
    shown, hidden, passwords = [], [], []
    for name, values in request.form.lists():
        if name == "csrf_token":  # a fresh one is put in the page
            continue
        if "password" in name.lower():
            passwords.append(name)
            continue
        numbered = NUMBERED_FIELD.fullmatch(name)
        base = numbered.group("base") if numbered else name
        label = TEXT_FIELD_LABELS.get(base)
        for value in values:
            if label is None or not value.strip():
                hidden.append((name, value))
                continue
            shown.append({"name": name, "value": value, "rows": min(14, max(2, value.count("\n") + 2)),
                          "label": f"{label} ({numbered.group('number')})" if numbered else label})
    return shown, hidden, passwords


def database_unavailable(exc: BaseException):
    """The 503 for a database that cannot serve now: logged once (no traceback), the transaction
    rolled back, the typed text kept in a form that sends it again (with a fresh CSRF token)."""
    reason = unavailability(exc)
    if reason is None:
        return unexpected_error(exc)
    _rollback_quietly()
    log.error("Database unavailable (request %s) on %s %s: %s", g.get("request_id", "-"),
              request.method, request.path, reason)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    title, message = WRITE_UNAVAILABLE if writing else MESSAGES[503]
    if wants_json():
        return jsonify(error={"status": 503, "message": message, "request_id": g.get("request_id")}), 503, headers
    shown, hidden, passwords = _retry_fields() if writing else ([], [], [])
    query = request.query_string.decode("latin-1")
    context = {"title": title, "message": message, "request_id": g.get("request_id"), "writing": writing,
               "shown": shown, "hidden": hidden, "passwords": passwords,
               "retry_url": request.script_root + request.path + (f"?{query}" if query else "")}
    try:  # the site's layout reads the database too (the member's name, the moderation badge)
        body = render_template("errors/unavailable.html", layout="base.html", **context)
    except database_errors():
        _rollback_quietly()
        body = render_template("errors/unavailable.html", layout="errors/bare.html", **context)
    return body, 503, headers


def unexpected_error(exc: BaseException):
    db.session.rollback()
    log.exception("Unhandled error (request %s) on %s %s", g.get("request_id", "-"),
                  request.method, request.path, exc_info=exc)
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    for error_class in database_errors():
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # CSRF failures are 400 with Flask-WTF's English description: show ours.
        if exc.code == 429:
            return too_many_requests()
        message = None
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            message = "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."
        body, status = render_error(exc.code or 500, message)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            return body, status, {"Allow": ", ".join(exc.valid_methods)}
        return body, status

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return render_error(exc.status_code, exc.message)

    app.register_error_handler(Exception, unexpected_error)
