"""FAQ pages of a board: the public FAQ, the curators' entry form, sections and pending proposals,
and a member's proposal from a thread. Views parse, call forum.services.faq, commit, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from forum.extensions import db
from forum.models import Board
from forum.services import boards as board_service
from forum.services import faq as faq_service
from forum.services import reading
from forum.services.policy import Action, require
from forum.web.request_forms import ActionForm
from forum.web.submit import current_member, form_status, require_csrf, submit
from forum.web.threads import thread_url

bp = Blueprint("faq", __name__)


class EntryForm(FlaskForm):
    question = StringField("Question")
    answer = TextAreaField("Réponse")
    version = StringField("Vérifié en version")
    section_id = SelectField("Section", choices=[], validate_choice=False)
    sources = TextAreaField("Sujets d'origine")


class ProposalForm(FlaskForm):
    question = StringField("Question")
    answer = TextAreaField("Réponse")
    version = StringField("Vérifié en version")


class SectionForm(FlaskForm):
    title = StringField("Titre de la section")


@bp.app_template_global("faq_hint")
def faq_hint(board: Board) -> list:
    """The board's latest published entries, for the new-question form (one statement)."""
    return faq_service.recent_entries(board)


def _faq_url(board: Board, anchor: str | None = None) -> str:
    return url_for("faq.show", slug=board.slug, _anchor=anchor)


@bp.get("/b/<slug>/faq")
def show(slug: str):
    board = board_service.get_board(slug)
    return render_template("faq/show.html", board=board, page=faq_service.faq_page(board, current_member()))


def _entry_form(board: Board, form: EntryForm) -> EntryForm:
    form.section_id.choices = [("", faq_service.OTHER_QUESTIONS)] + [
        (str(section.id), section.title) for section in faq_service.sections(board)]
    return form


@bp.route("/b/<slug>/faq/nouvelle", methods=["GET", "POST"])
@login_required
def new_entry(slug: str):
    board = board_service.get_board(slug)
    require(current_member(), Action.CURATE_FAQ, board)
    form = _entry_form(board, EntryForm())
    if form.validate_on_submit() and (entry := submit(form, lambda: _save(board, None, form))):
        flash("L'entrée est publiée dans la FAQ.", "success")
        return redirect(_faq_url(board, f"q{entry.id}"))
    return render_template("faq/entry_form.html", board=board, form=form, entry=None), form_status(form)


@bp.route("/b/<slug>/faq/<int:entry_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_entry(slug: str, entry_id: int):
    board = board_service.get_board(slug)
    require(current_member(), Action.CURATE_FAQ, board)
    entry = faq_service.get_entry(board, entry_id)
    form = _entry_form(board, EntryForm(data={
        "question": entry.question, "answer": entry.answer_source, "version": entry.version or "",
        "section_id": str(entry.section_id or ""), "sources": faq_service.entry_sources_text(entry)}))
    if form.validate_on_submit() and submit(form, lambda: _save(board, entry, form)):
        flash("L'entrée est enregistrée.", "success")
        return redirect(_faq_url(board, f"q{entry.id}") if entry.status == "published"
                        else url_for("faq.proposals", slug=board.slug))
    return render_template("faq/entry_form.html", board=board, form=form, entry=entry), form_status(form)


def _save(board: Board, entry, form: EntryForm):
    return faq_service.save_entry(current_member(), board, entry, question=form.question.data,
                                  answer=form.answer.data, version=form.version.data,
                                  section_id=form.section_id.data, sources=form.sources.data)


@bp.post("/b/<slug>/faq/<int:entry_id>/deplacer")
@login_required
def move_entry(slug: str, entry_id: int):
    board = board_service.get_board(slug)
    require_csrf(ActionForm())
    entry = faq_service.get_entry(board, entry_id)
    faq_service.move(current_member(), entry, request.form.get("direction", ""))
    db.session.commit()
    return redirect(_faq_url(board, f"q{entry.id}"))


@bp.post("/b/<slug>/faq/<int:entry_id>/supprimer")
@login_required
def delete_entry(slug: str, entry_id: int):
    board = board_service.get_board(slug)
    require_csrf(ActionForm())
    entry = faq_service.get_entry(board, entry_id)
    proposed = entry.status == "proposed"
    faq_service.delete_entry(current_member(), entry)
    db.session.commit()
    flash("La proposition est refusée." if proposed else "L'entrée est retirée de la FAQ.", "success")
    return redirect(url_for("faq.proposals", slug=board.slug) if proposed else _faq_url(board))


@bp.get("/b/<slug>/faq/propositions")
@login_required
def proposals(slug: str):
    board = board_service.get_board(slug)
    items = faq_service.proposals(current_member(), board)
    return render_template("faq/proposals.html", board=board, items=items)


@bp.post("/b/<slug>/faq/<int:entry_id>/publier")
@login_required
def publish(slug: str, entry_id: int):
    board = board_service.get_board(slug)
    require_csrf(ActionForm())
    entry = faq_service.get_entry(board, entry_id)
    faq_service.publish(current_member(), entry)
    db.session.commit()
    flash("La proposition est publiée dans la FAQ.", "success")
    return redirect(_faq_url(board, f"q{entry.id}"))


@bp.route("/b/<slug>/faq/sections", methods=["GET", "POST"])
@login_required
def sections(slug: str):
    board = board_service.get_board(slug)
    require(current_member(), Action.CURATE_FAQ, board)
    form = SectionForm()
    if form.validate_on_submit() and submit(form, lambda: faq_service.create_section(current_member(), board,
                                                                                      form.title.data)):
        flash("La section est créée.", "success")
        return redirect(url_for("faq.sections", slug=board.slug))
    return render_template("faq/sections.html", board=board, form=form, sections=faq_service.sections(board),
                           renaming=None), form_status(form)


@bp.post("/b/<slug>/faq/sections/<int:section_id>")
@login_required
def rename_section(slug: str, section_id: int):
    board = board_service.get_board(slug)
    section = faq_service.get_section(board, section_id)
    form = SectionForm()
    require_csrf(form)
    if submit(form, lambda: faq_service.rename_section(current_member(), board, section, form.title.data)):
        flash("La section est renommée.", "success")
        return redirect(url_for("faq.sections", slug=board.slug))
    return render_template("faq/sections.html", board=board, form=SectionForm(formdata=None),
                           sections=faq_service.sections(board), renaming=(section.id, form)), form_status(form)


@bp.post("/b/<slug>/faq/sections/<int:section_id>/supprimer")
@login_required
def delete_section(slug: str, section_id: int):
    board = board_service.get_board(slug)
    require_csrf(ActionForm())
    faq_service.delete_section(current_member(), board, faq_service.get_section(board, section_id))
    db.session.commit()
    flash(f"La section est supprimée : ses entrées sont rangées dans « {faq_service.OTHER_QUESTIONS} ».", "success")
    return redirect(url_for("faq.sections", slug=board.slug))


@bp.route("/t/<int:thread_id>/proposer-faq", methods=["GET", "POST"])
@login_required
def propose(thread_id: int):
    thread = reading.get_live_thread(thread_id)
    member = current_member()
    form = ProposalForm() if request.method == "POST" else ProposalForm(
        data=faq_service.proposal_prefill(member, thread))
    if form.validate_on_submit() and submit(form, lambda: faq_service.propose(
            member, thread, question=form.question.data, answer=form.answer.data, version=form.version.data)):
        flash("Merci : votre proposition attend la validation d'un modérateur ou de l'éditeur.", "success")
        return redirect(thread_url(thread))
    return render_template("faq/propose.html", thread=thread, form=form), form_status(form)
