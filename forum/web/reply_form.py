"""The reply form at the bottom of a thread page as a member first sees it — no draft, no preview, no
error. The blank form is the same on every open thread but for the thread's number in its addresses:
it is rendered once (per site version) and shared (forum/web/fragments.py), the number, the CSRF token
and the submission key (drawn for each page shown: services.submissions) being holes filled for this
page. A locked thread (its notice, or the form a moderator may still use), a draft, a preview or a
refused reply renders the form itself."""
from __future__ import annotations

from types import SimpleNamespace

from flask import current_app, render_template
from markupsafe import Markup

from forum.models import Thread, User
from forum.services import submissions
from forum.services.content_versions import cache_key, global_version
from forum.web.fragments import CSRF_HOLE, fill, hole, shared
from forum.web.thread_forms import ReplyForm

# The thread number the shared form is rendered with, then replaced by a hole: the blank form holds no
# member's text, so this number can only come from its addresses.
_STAND_IN_ID = 2_147_483_646


def shared_reply_form(thread: Thread, member: User) -> Markup:
    """The blank reply form of `thread` for `member`."""
    if thread.locked:
        return Markup(render_template("threads/_reply_form.html", thread=thread, form=ReplyForm(),
                                      preview_html=None, draft=None))
    html = shared(cache_key("reply-form", global_version()), _render)
    return fill(html, subkey=lambda _: submissions.new_key(), thread=lambda _: str(thread.id))


def _render() -> str:
    """The blank form with placeholder values (WTForms escapes what it renders), turned into holes."""
    blank = ReplyForm()
    holes = {'value="submission-key-placeholder"': f'value="{hole("subkey", 0)}"',
             f"/{_STAND_IN_ID}": f"/{hole('thread', 0)}"}
    blank.submission_key.data = "submission-key-placeholder"
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        blank.csrf_token.current_token = "csrf-token-placeholder"
        holes['value="csrf-token-placeholder"'] = f'value="{CSRF_HOLE}"'
    stand_in = SimpleNamespace(id=_STAND_IN_ID, locked=False, slug="")
    html = render_template("threads/_reply_form.html", thread=stand_in, form=blank, preview_html=None, draft=None)
    for placeholder, its_hole in holes.items():
        html = html.replace(placeholder, its_hole)
    if str(_STAND_IN_ID) in html:
        raise RuntimeError("the reply form names its thread outside an address: it cannot be shared")
    return html
