"""The one way a view submits a form to a service: the current member, the call, the commit, the
service's French error shown on the form, and the status of a re-rendered form."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest

from forum.extensions import db
from forum.models import User
from forum.services.errors import ValidationError

T = TypeVar("T")


def current_member() -> User | None:
    """The logged-in user object itself (not the proxy) for services; None when anonymous."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def attach_error(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to its field, or above the form; its status (422, 413
    for a file too large, 429 past a quota) becomes the form's (form_status)."""
    form.refusal_status = error.status_code
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def submit(form: FlaskForm, action: Callable[[], T]) -> T | bool | None:
    """Run `action` (a service call) and commit. On ValidationError: roll back, attach the message
    to the form and return None. Otherwise the action's result, or True when it returned None."""
    try:
        result = action()
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        attach_error(form, error)
        return None
    return True if result is None else result


def form_status(form: FlaskForm) -> int:
    """The status of a rendered form: the status of the service's refusal attached to it, 422 when
    it carries other errors (its validation failed), else 200."""
    return getattr(form, "refusal_status", None) or (422 if form.errors else 200)


def require_csrf(form: FlaskForm) -> None:
    """Plain action forms only fail on CSRF: answer 400 like Flask-WTF would."""
    if not form.validate_on_submit():
        raise BadRequest("The CSRF token is missing or invalid.")
