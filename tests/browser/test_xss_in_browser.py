"""The whole XSS corpus rendered by a real browser: no dialog, no script run, no dangerous element
or attribute in the DOM, on the thread, board, search, profile, ranked and preview pages.

The pages are opened with the Content-Security-Policy bypassed (Playwright's bypass_csp), so what
is tested is the escaping and the sanitiser themselves; the CSP is a second layer on top. A canary
wraps alert/confirm/prompt in every frame before any page script runs, and a dialog handler
records anything that still opens one. Every payload is a post body (a few threads of at most 19
replies, so each fits one page); many are also thread titles; the poster's name, structure and
bio are payloads too; two more are typed into the real forms (new thread, preview, reply).
"""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.services import accounts, boards, posting, statuses
from tests.browser.conftest import expect, log_in, screenshot, submit
from tests.hostile.payloads import PAYLOADS

pytestmark = pytest.mark.browser

WORD = "kwxnavzqv"  # in every seeded first post: the search page lists them all
CHUNK = 18
CANARY = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function (...args) { window.__xss.push(name + "(" + args.join(",") + ")"); };
}
"""
# What the DOM must not hold, checked with the browser's own parsing and URL resolution.
DOM_FINDINGS = """() => {
  const bad = [], safe = ["http:", "https:", "mailto:"];
  const urls = ["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"];
  const inline = document.querySelectorAll("script:not([src]), iframe, object, embed, svg script").length;
  if (inline) bad.push(inline + " inline script/iframe/object/embed element(s)");
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    if (["iframe", "frame", "object", "embed", "svg", "math", "style", "base", "noscript", "template"].includes(tag)) {
      bad.push("element " + tag);
    }
    if (tag === "script" && (!el.src || new URL(el.src).origin !== location.origin)) bad.push("script " + el.src);
    if (tag === "meta" && el.httpEquiv) bad.push("meta http-equiv=" + el.httpEquiv);
    if (tag === "link" && new URL(el.href, location.href).origin !== location.origin) bad.push("link " + el.href);
    if (tag === "form" && new URL(el.action, location.href).origin !== location.origin) bad.push("form " + el.action);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) bad.push(tag + " " + name + "=");
      if (name === "style") bad.push(tag + " style=");
      if (!urls.includes(name)) continue;
      for (const part of name === "srcset" ? attr.value.split(",") : [attr.value]) {
        let protocol = "";
        try { protocol = new URL(part.trim().split(" ")[0], location.href).protocol; } catch (e) { continue; }
        if (!safe.includes(protocol)) bad.push(tag + " " + name + "=" + attr.value.slice(0, 60));
      }
    }
  }
  return bad;
}"""


def _fit(text: str, low: int, high: int) -> str:
    line = " ".join(text.split())
    return (line if len(line) >= low else f"{line} (titre)")[:high]


@pytest.fixture(scope="module")
def hostile_board(live_site) -> dict:
    """Hellodoc filled with the corpus by a member whose profile fields are payloads."""
    poster = live_site.member('" onfocus=alert(1) autofocus x="', boards=("hellodoc",),
                              structure="<svg onload=alert(1)>")
    moderator_id = live_site.member("Modération XSS", role="moderator")["id"]
    with live_site.app():
        board, user = boards.get_board("hellodoc"), db.session.get(User, poster["id"])
        accounts.update_profile(user, user.display_name, "infirmier", "<svg onload=alert(1)>", "msp", "Bretagne",
                                "<script>alert(1)</script><img src=x onerror=alert(1)> {{7*7}}")
        chunks = [PAYLOADS[i:i + CHUNK] for i in range(0, len(PAYLOADS), CHUNK)]
        threads = []
        for n, chunk in enumerate(chunks):
            thread = posting.create_thread(user, board, "request" if n == 0 else "question",
                                           _fit(chunk[0].text, 5, 150), f"{WORD}\n\n{chunk[0].text}")
            for payload in chunk[1:]:
                posting.reply(user, thread, payload.text)
            threads.append(thread)
        statuses.set_status(db.session.get(User, moderator_id), threads[0], "planifiee", note=PAYLOADS[-1].text,
                            version="<img src=x onerror=alert(1)>"[:40], official=True)
        for payload in PAYLOADS[:24]:  # the board's first page (25 threads) is all payload titles
            posting.create_thread(user, board, "question", _fit(payload.text, 5, 150), f"{WORD} {payload.label}")
        db.session.flush()
        return {"poster": poster, "threads": [t.id for t in threads]}


def test_corpus_runs_nothing_in_a_real_browser(live_site, new_page, hostile_board):
    page = new_page(bypass_csp=True)
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(CANARY)

    def check(url: str | None = None) -> None:
        if url is not None:
            page.goto(url, wait_until="networkidle")
        for body in page.locator(".post-body").all()[:20]:  # onmouseover and friends would fire here
            body.hover()
        findings = page.evaluate(DOM_FINDINGS)
        assert (findings, page.evaluate("window.__xss"), dialogs, errors) == ([], [], [], []), page.url

    log_in(page, hostile_board["poster"]["email"])
    for thread_id in hostile_board["threads"]:
        check(f"/t/{thread_id}")
    for url in ("/b/hellodoc/", "/b/hellodoc/demandes", f"/search?q={WORD}", f"/u/{hostile_board['poster']['id']}",
                "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%20onfocus%3Dalert(1)%20autofocus%20x%3D%22"):
        check(url)
    expect(page.locator("h1")).to_have_count(1)

    title = '"><svg onload=alert(1)> {{7*7}}'
    page.goto("/b/hellodoc/nouveau")
    page.get_by_label("Question", exact=True).check()
    page.get_by_label("Titre", exact=True).fill(title)
    page.locator("textarea[name=body]").fill("<img src=x onerror=alert(1)>\n\n[clic](javascript:alert(1))")
    page.get_by_role("button", name="Aperçu").click()  # shown in place by composer.js
    expect(page.locator(".preview .post-body")).to_be_visible()
    check()
    submit(page, page.get_by_role("button", name="Publier"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_label("Votre réponse (Markdown)").fill("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>")
    submit(page, page.get_by_role("button", name="Répondre"))
    page.wait_for_load_state("networkidle")
    check()
    expect(page.locator("article.post")).to_have_count(2)
    screenshot(page, "xss-corpus-inerte")


def test_the_canary_and_the_dom_checks_catch_a_real_injection(new_page):
    """The checks above are not vacuous: on a page that does hold injected code they fire."""
    page = new_page(bypass_csp=True)
    page.add_init_script(CANARY)
    page.goto("/healthz")  # init scripts run on navigation, not on the first blank page
    page.set_content('<p>avant</p><img src="data:," onerror="alert(1)"><a href="java&#9;script:alert(2)">x</a>'
                     '<svg><script>confirm(3)</script></svg>')
    page.wait_for_function("window.__xss.length >= 2")
    assert sorted(page.evaluate("window.__xss")) == ["alert(1)", "confirm(3)"]
    findings = page.evaluate(DOM_FINDINGS)
    assert "img onerror=" in findings and "element svg" in findings
    assert any(f.startswith("a href=") for f in findings)
