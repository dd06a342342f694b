"""Tips: the "utile" marks and the "ça marche chez moi" confirmations. Views parse, call a service, commit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template
from flask_login import login_required

from forum.extensions import db
from forum.services import reading
from forum.services import tips as tip_service
from forum.web.request_forms import ActionForm, ConfirmTipForm
from forum.web.submit import current_member, form_status, require_csrf, submit
from forum.web.threads import thread_url

bp = Blueprint("tips", __name__)


@bp.post("/t/<int:thread_id>/utile")
@login_required
def mark_useful(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require_csrf(ActionForm())
    tip_service.mark_useful(current_member(), thread)
    db.session.commit()
    return redirect(thread_url(thread, anchor="utile"))


@bp.post("/t/<int:thread_id>/utile/retirer")
@login_required
def unmark_useful(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    require_csrf(ActionForm())
    tip_service.unmark_useful(current_member(), thread)
    db.session.commit()
    return redirect(thread_url(thread, anchor="utile"))


@bp.post("/t/<int:thread_id>/confirmer")
@login_required
def confirm_tip(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    form = ConfirmTipForm()
    require_csrf(form)
    if not submit(form, lambda: tip_service.confirm_tip(current_member(), thread, form.version.data)):
        return render_template("tips/confirm_tip.html", thread=thread, form=form), form_status(form)
    flash("Merci : votre confirmation est enregistrée.", "success")
    return redirect(thread_url(thread, anchor="confirmations"))
