"""French error pages, and domain errors raised outside a form turned into HTTP answers."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from forum.extensions import db
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
    if wants_json():
        return jsonify(error={"status": status, "message": text}), status
    return render_template("errors/error.html", status=status, title=title, message=text), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # CSRF failures are 400 with Flask-WTF's English description: show ours.
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
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
