"""The club's letter on the web: a board's archive of issued letters (public like the board), one
letter as a page, and the moderators' introduction of the board's next letters."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SubmitField, TextAreaField

from forum.models.notifications import LETTER_PERIODS
from forum.services import boards as board_service
from forum.services.errors import ValidationError
from forum.services.notify import letter_content
from forum.services.policy import Action, can, require
from forum.web.paging import page_arg
from forum.web.submit import attach_error, current_member, form_status, submit

bp = Blueprint("letters", __name__)
PER_PAGE = 30


class IntroductionForm(FlaskForm):
    introduction = TextAreaField("Introduction (Markdown)", render_kw={"rows": 10})
    preview = SubmitField("Aperçu")
    submit = SubmitField("Enregistrer l'introduction")


@bp.get("/b/<slug>/lettre/")
def index(slug: str):
    board = board_service.get_board(slug)
    page = page_arg()
    letters, pages = letter_content.board_letters(board, page or 1, PER_PAGE)
    return render_template("letters/index.html", board=board, letters=letters, page=page, pages=pages,
                           title_of=letter_content.letter_title, periods=LETTER_PERIODS,
                           may_write=can(current_member(), Action.WRITE_LETTER_INTRO, board))


@bp.get("/b/<slug>/lettre/<int:letter_id>")
def show(slug: str, letter_id: int):
    board = board_service.get_board(slug)
    letter = letter_content.get_letter(board, letter_id)
    content = letter_content.visible_content([letter])[letter.id]
    body = Markup(letter_content.render_board_section(letter, content, url_for, "html"))
    return render_template("letters/show.html", board=board, letter=letter, body=body,
                           title=letter_content.letter_title(letter),
                           empty=not letter_content.has_news(content) and not letter.introduction_html)


@bp.route("/b/<slug>/lettre/introduction", methods=["GET", "POST"])
@login_required
def introduction(slug: str):
    board = board_service.get_board(slug)
    require(current_member(), Action.WRITE_LETTER_INTRO, board)
    current = letter_content.current_introduction(board)
    form = IntroductionForm(data={"introduction": current.body_source if current else ""})
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = _preview(form, board)
        elif submit(form, lambda: letter_content.save_introduction(current_member(), board, form.introduction.data)):
            flash("Introduction enregistrée : elle ouvrira la prochaine lettre de ce forum.", "success")
            return redirect(url_for("letters.introduction", slug=board.slug))
    current = letter_content.current_introduction(board)
    return render_template("letters/introduction.html", board=board, form=form, preview=preview, current=current,
                           taken=letter_content.introduction_taken(current) if current else {},
                           periods=LETTER_PERIODS, title_of=letter_content.letter_title), form_status(form)


def _preview(form: IntroductionForm, board) -> Markup | None:
    try:
        return letter_content.preview_introduction(current_member(), board, form.introduction.data)
    except ValidationError as error:
        attach_error(form, error)
        return None
