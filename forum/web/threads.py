"""Thread pages: new thread, reading with replies, reply, edit, soft delete and restore of posts,
revision history, Markdown preview."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import KINDS, Draft, Post, Thread, User
from forum.services import attachments, drafts, moderation, posting, reading
from forum.services import boards as board_service
from forum.services.notify import follows, reads
from forum.services.policy import Action, can, is_global_moderator, require
from forum.services.submissions import AlreadySubmitted
from forum.services.thread_extras import thread_extras
from forum.web import confirmation, similar
from forum.web.paging import page_arg
from forum.web.reader import commit_quietly, record_reading, thread_follow_control
from forum.web.reply_form import shared_reply_form
from forum.web.security import accepts_files
from forum.web.submit import current_member, form_status, submit
from forum.web.thread_forms import CHOOSE_AGAIN, EditPostForm, NewThreadForm, ReplyForm, sent_file_edit, sent_files
from forum.web.thread_posts import filled, thread_posts

bp = Blueprint("threads", __name__)
bp.add_app_template_global(attachments.type_label, "attachment_type_label")
bp.add_app_template_global(attachments.size_label, "attachment_size_label")


def thread_url(thread: Thread, page: int = 1, anchor: str | None = None) -> str:
    return url_for("threads.show", thread_id=thread.id, slug=thread.slug,
                   page=page if page > 1 else None, _anchor=anchor)


def post_url(post: Post) -> str:
    page = reading.page_of_post(post, current_app.config["POSTS_PER_PAGE"])
    return thread_url(post.thread, page, anchor=f"p{post.id}")


def _submit_with_files(form, action, sent: bool):
    """`submit`, and the status of a refusal (form_status: 413 for a file too large, 429 past the
    quota). The browser cannot keep chosen files: the member is asked to choose them again."""
    result = submit(form, action)
    if not result and sent:
        form.files.errors = [*(f"{e} {CHOOSE_AGAIN}" for e in form.files.errors)] or [CHOOSE_AGAIN]
    return result, form_status(form)


def _render_thread(thread: Thread, form: ReplyForm | None, page: int | None, status: int = 200,
                   preview_html: str | None = None, reader: reads.ThreadReader | None = None,
                   draft: Draft | None = None, restored: bool = False):
    """The thread page; also re-rendered by a reply that failed validation or asked for a preview.
    With `reader` (a member reading it), how far they read is recorded, best effort (reader.py)."""
    user = current_member()
    can_moderate, may_suspend = can(user, Action.MODERATE, thread), is_global_moderator(user)
    extras = thread_extras(thread, user)
    content, loaded = thread_posts(thread, user, page, can_moderate)
    level = reader.level if reader else follows.thread_level(user, thread) if user else None
    wrote = reader is not None and record_reading(user, thread, content.last_shown_id, reader)
    posts = filled(content, loaded, thread, user, can_moderate=can_moderate, may_suspend=may_suspend,
                   question_panel=extras["question_panel"], first_unread_id=reader.first_unread_id if reader else None)
    page_html = render_template(
        "threads/show.html", thread=thread, board=thread.board, posts=posts, form=form,
        preview_html=preview_html, can_moderate=can_moderate, draft=draft, restored=restored,
        follow=thread_follow_control(thread, level) if level else None,
        reply_form_html=shared_reply_form(thread, user) if user is not None and form is None else None, **extras)
    if wrote:
        commit_quietly("Read position")
    return page_html, status


@bp.route("/b/<slug>/nouveau", methods=["GET", "POST"])
@accepts_files
@login_required
def new(slug: str):
    board = board_service.get_board(slug)
    form = NewThreadForm()
    status = None
    if request.method == "GET" and request.args.get("type") in KINDS:
        form.kind.data = request.args["type"]
    context: dict = {"preview_html": None, "similar": None}
    if request.method == "GET":
        _restore_new_thread_draft(board, form, context)
    if form.validate_on_submit():
        if form.preview.data:
            context["preview_html"] = render_markdown(form.body.data or "")
            context["draft"] = _save_new_thread_draft(board, form)
        elif form.check_duplicates.data:
            context["similar"] = similar.similar_to(board, form.title.data)
        elif close := similar.duplicate_confirmation(board, form):
            context["similar"], context["confirming"] = close, True
        else:
            files = sent_files()
            try:
                thread, status = _submit_with_files(form, lambda: _without_draft(board, _create_thread(board, form, files)),
                                                    bool(files))
            except AlreadySubmitted as done:
                return _show_submitted(done)
            if thread:
                return redirect(thread_url(thread))
    return render_template("threads/new.html", board=board, form=form, **context), status or form_status(form)


def _create_thread(board, form: NewThreadForm, files) -> Thread:
    """The files checked first, then the thread, then the files stored with its opening post."""
    member = current_member()
    checked = attachments.check_post_files(member, board, files)
    thread = posting.create_thread(member, board, form.kind.data or "", form.title.data, form.body.data,
                                   software_version=form.software_version.data,
                                   submission_key=form.submission_key.data)
    attachments.attach_to_thread(member, thread, checked, files)
    return thread


def _restore_new_thread_draft(board, form: NewThreadForm, context: dict) -> None:
    """Fill the new-thread form from the member's draft for this board, if any."""
    draft = drafts.load(current_member(), board)
    if draft is None:
        return
    form.title.data, form.body.data, form.software_version.data = draft.title, draft.body, draft.software_version
    if draft.kind and "type" not in request.args:
        form.kind.data = draft.kind
    context.update(draft=draft, restored=True)


def _save_new_thread_draft(board, form: NewThreadForm) -> Draft | None:
    """« Aperçu » keeps the draft (the autosave of a page without JavaScript)."""
    draft = submit(form, lambda: drafts.save(current_member(), board, form.body.data, title=form.title.data,
                                              kind=form.kind.data, software_version=form.software_version.data))
    return draft if isinstance(draft, Draft) else None


def _without_draft(board, thread: Thread) -> Thread:
    """The thread is published: its draft goes, in the same transaction."""
    drafts.discard(current_member(), board)
    return thread


def _show_submitted(done: AlreadySubmitted):
    """The form was already sent (a second click, a resent page): undo this attempt and show the
    post the first sending created, as if this one had created it."""
    db.session.rollback()
    post = done.post
    return redirect(thread_url(post.thread) if post.is_first else post_url(post))


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
def show(thread_id: int, slug: str | None = None):
    member = current_member()
    # A member's page reads the thread and where they are in it in one statement.
    with_reader = reads.thread_with_reader(thread_id, member, current_app.config["POSTS_PER_PAGE"]) if member else None
    thread = reading.get_thread_or_merge_target(thread_id, member, with_reader[:2] if with_reader else None)
    if thread.id != thread_id:  # merged into another thread: its address leads to the target
        return redirect(thread_url(thread))
    if slug is not None and slug != thread.slug:
        args = {k: v for k, v in request.args.items() if k in ("page",)}
        return redirect(url_for("threads.show", thread_id=thread.id, slug=thread.slug, **args), 301)
    page = page_arg()
    reader = with_reader[2] if with_reader else None
    if reader and reader.first_unread_page and "page" not in request.args:  # a returning reader: the news
        page = reader.first_unread_page
    draft = _reply_draft(member, thread) if reader and reader.has_reply_draft else None
    form = ReplyForm(data={"body": draft.body}) if draft else None  # None: the shared blank form
    return _render_thread(thread, form, 0 if page is None else page, reader=reader, draft=draft, restored=True)


def _reply_draft(member: User, thread: Thread) -> Draft | None:
    """The member's reply draft to restore; a stale one is discarded with a notice."""
    draft, notice = drafts.load_reply(member, thread)
    if notice:
        db.session.commit()
        flash(notice, "info")
    return draft


@bp.get("/p/<int:post_id>")
def goto_post(post_id: int):
    """A stable link to one message, wherever it sits in its thread's pages."""
    return redirect(post_url(reading.get_post(post_id, current_member())))


@bp.post("/t/<int:thread_id>/repondre")
@accepts_files
@login_required
def reply(thread_id: int):
    thread = reading.get_thread(thread_id, current_member())
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_thread(thread, form, None, 422)
    if form.preview.data:  # « Aperçu » also keeps the draft (without JavaScript, the one autosave)
        member = current_member()
        draft = None if drafts.stale_reason(member, thread) else submit(
            form, lambda: drafts.save(member, thread, form.body.data))
        return _render_thread(thread, form, None, form_status(form), render_markdown(form.body.data or ""),
                              draft=draft if isinstance(draft, Draft) else None)
    files = sent_files()
    try:
        post, status = _submit_with_files(form, lambda: _reply_and_read(thread, form, files), bool(files))
    except AlreadySubmitted as done:
        return _show_submitted(done)
    return redirect(post_url(post)) if post else _render_thread(thread, form, None, status)


def _reply_and_read(thread: Thread, form: ReplyForm, files) -> Post:
    """Post the reply with its files (checked first); its author has read the thread up to it."""
    checked = attachments.check_post_files(current_member(), thread.board, files)
    post = posting.reply(current_member(), thread, form.body.data, submission_key=form.submission_key.data)
    attachments.attach(current_member(), post, checked, files)
    reads.mark_read(current_member(), thread, post.id)
    drafts.discard(current_member(), thread)  # published: the draft goes in the same transaction
    return post


@bp.route("/p/<int:post_id>/modifier", methods=["GET", "POST"])
@accepts_files
@login_required
def edit_post(post_id: int):
    post = reading.get_editable_post(post_id, current_member())
    form = EditPostForm(data={"title": post.thread.title, "body": post.body_source})
    preview_html, status, current = None, None, attachments.post_attachments(post)
    if form.validate_on_submit():
        change = sent_file_edit(current)
        if form.preview.data:
            preview_html = render_markdown(form.body.data or "")
        else:
            done, status = _submit_with_files(form, lambda: _edit_with_files(post, form, current, change),
                                              bool(change.files))
            if done:
                flash("Votre message a été modifié.", "success")
                return redirect(post_url(post))
    return render_template("threads/edit.html", post=post, thread=post.thread, form=form, files=current,
                           preview_html=preview_html), status or form_status(form)


def _edit_with_files(post: Post, form: EditPostForm, current, change) -> Post:
    """New files checked first; the revision keeps the former text and files; then files change."""
    member = current_member()
    checked = attachments.check_edit(member, post, current, change)
    moderation.edit_post_as(member, post, form.body.data, form.title.data,
                            files_changed=change.changes_files(current))
    attachments.apply_edit(member, post, current, change, checked)
    return post


@bp.post("/p/<int:post_id>/supprimer")
@login_required
def delete_post(post_id: int):
    post = reading.get_post(post_id, current_member())
    thread = post.thread
    if not confirmation.confirmed("delete_post", post.id):
        require(current_member(), Action.DELETE_POST, post)
        return confirmation.ask("delete_post", post.id, confirmation.delete_step(post, current_member()))
    moderation.delete_post(current_member(), post)
    db.session.commit()
    if not reading.may_read_thread(thread, current_member()):
        flash("Le sujet a été supprimé.", "success")
        return redirect(url_for("boards.show", slug=thread.board.slug))
    flash("Le message a été supprimé.", "success")
    return redirect(post_url(post))


@bp.post("/p/<int:post_id>/restaurer")
@login_required
def restore_post(post_id: int):
    post = reading.get_post(post_id, current_member())
    moderation.restore_post(current_member(), post)
    db.session.commit()
    flash("Le message a été restauré.", "success")
    return redirect(post_url(post))


@bp.get("/p/<int:post_id>/historique")
@login_required
def history(post_id: int):
    post, revisions = reading.list_revisions(post_id, current_member())
    return render_template("threads/history.html", post=post, thread=post.thread, revisions=revisions,
                           files=attachments.post_attachments(post),
                           revision_files=attachments.attachments_by_revision(r.id for r in revisions))


@bp.post("/apercu")
@login_required
def preview():
    """The sanitised HTML of a Markdown text, for a preview shown without reloading the page."""
    body = request.form.get("body", "")
    limit = current_app.config["BODY_MAX_LENGTH"]
    if len(body) > limit:
        return f"Le message ne doit pas dépasser {limit} caractères.", 422, {"Content-Type": "text/plain; charset=utf-8"}
    return render_markdown(body), 200, {"Content-Type": "text/html; charset=utf-8"}
