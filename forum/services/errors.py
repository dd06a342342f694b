"""Domain errors raised by services and turned into HTTP answers by the views."""
from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service raises; `message` is French and shown to the user."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Bad input on one field (or on the whole form when field is None)."""

    status_code = 422

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str = "Vous n'avez pas le droit de faire cette action.") -> None:
        super().__init__(message)


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "Cette page n'existe pas.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    """The action is valid in general but not in the object's current state (e.g. a locked thread)."""

    status_code = 409
