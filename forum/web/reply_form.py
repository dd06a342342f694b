"""The reply form at the bottom of a thread page as a member first sees it — no draft, no preview, no
error — rendered once per thread version and class of viewer and shared (forum/web/fragments.py).
Its CSRF token and its submission key (drawn for each page shown: services.submissions) are holes
filled for this member; a draft, a preview or a refused reply renders the form itself."""
from __future__ import annotations

from flask import current_app, render_template
from markupsafe import Markup

from forum.models import Thread, User
from forum.services import submissions
from forum.services.content_versions import cache_key, global_version, viewer_class
from forum.web.fragments import CSRF_HOLE, fill, hole, shared
from forum.web.thread_forms import ReplyForm


def shared_reply_form(thread: Thread, member: User) -> Markup:
    """The blank reply form for `member` (whether a locked thread takes their reply depends on
    their class, a suspension included)."""
    key = cache_key("reply-form", thread.id, thread.content_version, global_version(),
                    viewer_class(member, thread.board))
    html = shared(key, lambda: _render(thread))
    return fill(html, subkey=lambda _: submissions.new_key())


def _render(thread: Thread) -> str:
    """The blank form with placeholder values (WTForms escapes what it renders), turned into holes."""
    blank = ReplyForm()
    holes = {"submission-key-placeholder": hole("subkey", 0)}
    blank.submission_key.data = "submission-key-placeholder"
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        blank.csrf_token.current_token = "csrf-token-placeholder"
        holes["csrf-token-placeholder"] = CSRF_HOLE
    html = render_template("threads/_reply_form.html", thread=thread, form=blank, preview_html=None, draft=None)
    for placeholder, its_hole in holes.items():
        html = html.replace(f'value="{placeholder}"', f'value="{its_hole}"')
    return html
