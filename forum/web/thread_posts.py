"""A thread page's posts (the opening post and one page of replies), rendered once per thread version,
page and class of viewer and shared by those viewers (forum/web/fragments.py); each member's actions
on the posts and their unread divider are filled in at each request."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, get_template_attribute, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from forum.models import Post, Thread, User
from forum.services import attachments, reading
from forum.services.content_versions import cache_key, global_version, viewer_class
from forum.web.fragments import CSRF_HOLE, fill, shared

_REPLIES = "<!--posts:replies-->\n"  # between the two parts in threads/_posts.html


@dataclass(frozen=True)
class ThreadPosts:
    """The shared part of a page of a thread: its HTML (holes included) and what the view needs
    afterwards, plain values only (kept in the cache, pickled)."""

    first_html: str  # "" when the thread has no opening post
    replies_html: str
    post_ids: tuple[int, ...]  # the posts shown, in order (the opening post first)
    # What the policy reads of each (reading.post_stand_in), in the same order: author id, opening
    # post or not, when deleted.
    facts: tuple[tuple[int | None, bool, datetime | None], ...]
    page: int
    pages: int

    @property
    def out_of_range(self) -> bool:
        return not 1 <= self.page <= self.pages

    @property
    def last_shown_id(self) -> int | None:
        """The last post shown (how far a member has read once shown this page)."""
        return self.post_ids[-1] if self.post_ids else None


@dataclass(frozen=True)
class FilledPosts:
    """The posts for this viewer (show.html: `posts`)."""

    first: Markup
    replies: Markup
    page: int
    pages: int
    out_of_range: bool


def thread_posts(thread: Thread, member: User | None, page: int | None,
                 can_moderate: bool) -> tuple[ThreadPosts, dict[int, Post]]:
    """Page `page` of the thread's posts (None: the last page) as every viewer of this member's class
    sees it, and the Post objects when this request rendered them (else {}: the cache had them). The
    thread row (its version) and the global version were read before the posts."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    if page is None:
        page = reading.last_page(thread, per_page)
    key = cache_key("thread", thread.id, thread.content_version, global_version(), viewer_class(member, thread.board),
                    page, per_page)
    loaded: dict[int, Post] = {}
    build = lambda: _render(thread, page, per_page, can_moderate, loaded)  # noqa: E731
    # Pages far past the end are rendered without being kept (a crawler inventing ?page= must not
    # fill the cache); deleted replies keep their place, hence the margin over the visible count.
    return (shared(key, build) if page <= 2 + -(-thread.reply_count // per_page) else build()), loaded


def _render(thread: Thread, page: int, per_page: int, can_moderate: bool, loaded: dict[int, Post]) -> ThreadPosts:
    posts = reading.thread_posts(thread, page, per_page)
    html = render_template("threads/_posts.html", thread=thread, posts=posts, can_moderate=can_moderate,
                           files=attachments.attachments_by_post(posts.with_files))
    first, replies = html.split(_REPLIES)
    shown = ([posts.first_post] if posts.first_post else []) + posts.replies
    loaded.update((post.id, post) for post in shown)
    return ThreadPosts(first, replies, tuple(post.id for post in shown),
                       tuple((post.author_id, post.is_first, post.deleted_at) for post in shown), posts.page, posts.pages)


def filled(content: ThreadPosts, loaded: dict[int, Post], thread: Thread, member: User | None, *,
           can_moderate: bool, may_suspend: bool, question_panel, first_unread_id: int | None) -> FilledPosts:
    """The posts for this viewer: a visitor's have no holes; a member's get their actions on each
    post and the unread divider."""
    first, replies = Markup(content.first_html), Markup(content.replies_html)
    if member is not None:
        actions = _member_actions(content, loaded, thread, member, can_moderate=can_moderate,
                                  may_suspend=may_suspend, question_panel=question_panel)
        divider = get_template_attribute("threads/_post.html", "unread_divider")
        fillers = {"actions": actions, "unread": lambda post_id: divider() if post_id == first_unread_id else ""}
        first, replies = fill(first, **fillers), fill(replies, **fillers)
    return FilledPosts(first, replies, content.page, content.pages, content.out_of_range)


def _member_actions(content: ThreadPosts, loaded: dict[int, Post], thread: Thread, member: User, *,
                    can_moderate: bool, may_suspend: bool, question_panel) -> Callable[[int], str]:
    """Fills a post's `actions` hole for `member`.

    On a post written by someone else, the actions depend on the post and on what the member may do
    on this thread — moderate, suspend, accept an answer, or nothing while suspended (their class) —
    not on who they are: they are rendered once per such profile (`_others_key`) and shared, the CSRF token
    left as a hole. The member's own posts (edit, delete), and any post the shared entry lacks
    (its first renderer's own), are rendered for them. The policy gets the posts this request
    rendered, else stand-ins built from the facts kept with the fragment (no statement), or for
    whoever may suspend an author the posts loaded with their authors, without their text."""
    can_accept = bool(question_panel and question_panel.can_accept)
    template = current_app.jinja_env.get_template("threads/_post.html")
    macro = template.make_module({"current_user": member, "thread": thread, "can_moderate": can_moderate,
                                  "may_suspend": may_suspend, "question_panel": question_panel}).post_actions
    posts: dict[int, Post] = {}

    facts = dict(zip(content.post_ids, content.facts, strict=True))

    def load(post_ids: list[int]) -> dict[int, Post]:
        missing = [post_id for post_id in post_ids if post_id not in posts]
        if missing and may_suspend:
            posts.update(reading.shown_posts(thread, missing, with_authors=True, loaded=loaded))
        elif missing:
            posts.update((post_id, loaded.get(post_id) or reading.post_stand_in(thread, post_id, *facts[post_id]))
                         for post_id in missing)
        return posts

    def render_others() -> dict[int, str]:
        others = [post_id for post_id, (author_id, _, _) in facts.items() if author_id != member.id]
        found = load(others)
        return {post_id: str(macro(found[post_id], CSRF_HOLE)) for post_id in others}

    profile = (can_moderate, may_suspend, can_accept)
    others = shared(_others_key(thread, content, member, profile), render_others)
    token = generate_csrf()
    live = {post_id for post_id, (author_id, _, _) in facts.items() if author_id == member.id or post_id not in others}
    found = load(list(live)) if live else {}

    def actions(post_id: int) -> str:
        if post_id in live:
            return macro(found[post_id], token)
        return others[post_id].replace(str(CSRF_HOLE), token)
    return actions


def _others_key(thread: Thread, content: ThreadPosts, member: User, profile: tuple[bool, ...]) -> str:
    return cache_key("thread-actions", thread.id, thread.content_version, global_version(),
                     viewer_class(member, thread.board), content.page, *(int(flag) for flag in profile),
                     ",".join(map(str, content.post_ids)))
