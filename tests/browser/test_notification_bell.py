"""The loop closed in a real browser: member A follows a thread with the control of its page,
member B replies, A's bell shows 1, and the notification leads A to B's reply on its page."""
from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.models import Thread, User
from forum.services import boards, posting
from tests.browser.conftest import expect, log_in, screenshot, submit

pytestmark = pytest.mark.browser


def test_follower_is_told_of_a_reply_and_lands_on_it(live_site, page):
    author_id = live_site.member("Odile Auteure", boards=("hellodoc",))["id"]
    follower = live_site.member("Alice Veille", boards=("hellodoc",))
    replier_id = live_site.member("Bruno Répond", boards=("hellodoc",))["id"]
    with live_site.app():
        thread = posting.create_thread(db.session.get(User, author_id), boards.get_board("hellodoc"), "question",
                                       "Rappel des vaccins dans Hellodoc", "Où régler les rappels de vaccins ?")
        db.session.flush()
        thread_id = thread.id

    log_in(page, follower["email"])
    page.goto(f"/t/{thread_id}")
    expect(page.locator("a.bell")).to_have_text("Notifications")
    page.locator("#suivi summary").click()
    submit(page, page.get_by_role("button", name=re.compile("^Suivre")))
    expect(page.get_by_text("Suivi de ce sujet : Suivre")).to_be_visible()
    expect(page.locator("#suivi summary")).to_contain_text("Suivi : Suivre")
    page.goto("/b/hellodoc/")  # A goes on reading elsewhere (opening the thread would read its news)

    with live_site.app():
        reply = posting.reply(db.session.get(User, replier_id), db.session.get(Thread, thread_id),
                              "Menu *Patients* > *Vaccins* > *Rappels*.")
        db.session.flush()
        reply_id = reply.id

    page.reload()
    bell = page.locator("a.bell")
    expect(bell).to_contain_text("1")
    expect(bell).to_contain_text("1 notification non lue")  # the label read out by screen readers
    expect(page.get_by_role("link", name=re.compile("^1 nouvelle"))).to_be_visible()  # the board's marker
    submit(page, bell)
    notification = page.get_by_role("link", name="Bruno Répond a répondu dans « Rappel des vaccins dans Hellodoc »")
    expect(notification).to_be_visible()
    submit(page, notification)
    assert page.url.endswith(f"#p{reply_id}"), page.url
    expect(page.locator(f"#p{reply_id}")).to_be_visible()
    expect(page.locator(f"#p{reply_id}")).to_contain_text("Bruno Répond")
    expect(page.locator(f"#p{reply_id}")).to_be_in_viewport()
    expect(bell).to_have_text("Notifications")
    screenshot(page, "notification-menant-a-la-reponse")
