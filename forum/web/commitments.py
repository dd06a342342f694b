"""The page giving or changing a planned request's target (/t/<id>/echeance), and the template
helpers every list uses to show a target and its « En retard » badge (requests/_macros.html)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import login_required

from forum.services import commitments, reading
from forum.services.commitment_rules import is_late, period_label, target_label
from forum.services.errors import ValidationError
from forum.services.policy import Action, require
from forum.web.request_forms import TargetForm
from forum.web.submit import current_member, form_status, submit
from forum.web.threads import thread_url

bp = Blueprint("commitments", __name__)

SLIP_TIMES = {1: "une fois", 2: "deux fois", 3: "trois fois", 4: "quatre fois", 5: "cinq fois"}


@bp.app_template_global("target_is_late")
def target_is_late(thread) -> bool:
    """Whether a request (or anything with status and target_due_on) is late on its target."""
    return is_late(getattr(thread, "status", None), getattr(thread, "target_due_on", None))


@bp.app_template_filter("period_label")
def period_label_filter(period: str | None) -> str:
    return period_label(period)


@bp.app_template_filter("target_label")
def target_label_filter(target) -> str:
    """« version 5.4 · T2 2027 » of a RequestTarget (or anything with version and period)."""
    return target_label(target.version, target.period)


@bp.app_template_filter("slip_times")
def slip_times(count: int) -> str:
    return SLIP_TIMES.get(count, f"{count} fois")


@bp.route("/t/<int:thread_id>/echeance", methods=["GET", "POST"])
@login_required
def set_target(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require(current_member(), Action.SET_TARGET, thread)
    form = TargetForm()
    if request.method == "GET":
        form.version.data, form.period.data = thread.target_version, period_label(thread.target_period)
    if form.validate_on_submit():
        if submit(form, lambda: commitments.set_target(current_member(), thread, form.version.data,
                                                       form.period.data, form.reason.data)):
            flash(f"Échéance enregistrée : {target_label(thread.target_version, thread.target_period)}.", "success")
            return redirect(thread_url(thread, anchor="echeance"))
    return render_template("requests/target_form.html", thread=thread, form=form,
                           has_target=bool(thread.target_version or thread.target_period)), form_status(form)


def set_status_target(thread, version: str | None, period: str | None) -> None:
    """For the status form: give the target typed next to « Planifiée », errors on its own fields."""
    if not (version or "").strip() and not (period or "").strip():
        return
    try:
        commitments.set_target(current_member(), thread, version, period)
    except ValidationError as error:
        raise ValidationError(f"target_{error.field}" if error.field in ("version", "period") else error.field,
                              error.message) from error
