"""French error pages, and domain errors raised outside a form turned into HTTP answers.

Every error page and JSON error carries the request id (also in the X-Request-ID header and the
log lines), so a user can quote it and the team can find the matching traceback.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, g, jsonify, render_template, request
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
}


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # CSRF failures are 400 with Flask-WTF's English description: show ours.
        if exc.code == 429:
            return too_many_requests()
        message = None
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            message = "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."
        elif exc.code == 404 and exc.description and exc.description.startswith("«"):
            message = exc.description
        body, status = render_error(exc.code or 500, message)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            return body, status, {"Allow": ", ".join(exc.valid_methods)}
        return body, status

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return render_error(exc.status_code, exc.message)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        db.session.rollback()
        log.exception("Unhandled error (request %s) on %s %s", g.get("request_id", "-"),
                      request.method, request.path)
        return render_error(500)
