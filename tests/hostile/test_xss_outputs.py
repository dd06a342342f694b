"""Every XSS payload of the corpus, written wherever a member, a moderator or an editor writes, and
read back from every output: pages, search excerpts, Atom feeds, JSON API and the five export
formats. Outputs are parsed (tests.hostile.audit), never grepped: nothing may run, nothing may
load from elsewhere, template syntax shows literally, and the text is still there for people.

One site is built for the module (building it per test would cost minutes): per payload a board,
an author whose display name, structure and bio are the payload, a request titled and written with
it, a reply, an official answer with the payload as note and version, a report whose comment is
the payload, a frozen livrable and a draft whose introduction and item note are the payload.
A harmless control payload gets the same, so each page is compared with its harmless twin.
The module uses its own SQLite file and the Whoosh backend whatever DATABASE_URL says: escaping
does not depend on the database.
"""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

import markdown
import pytest
from openpyxl import load_workbook

from forum import create_app, search
from forum.config import TestConfig
from forum.export import ExportFilters
from forum.export.safety import is_dangerous
from forum.export.summaries import markdown_text
from forum.extensions import db
from forum.models.accounts import STRUCTURE_NAME_MAX
from forum.services import accounts, livrables, posting, reports, statuses
from forum.services.livrables import INTRODUCTION_MAX_LENGTH as INTRODUCTION
from forum.services.livrables import NOTE_MAX_LENGTH as NOTE
from tests.factories import make_board, make_user
from tests.hostile import audit
from tests.hostile.payloads import PAYLOADS, TEMPLATE_LABELS, Payload

CONTROL = Payload("control", "Texte ordinaire sans danger, une astuce sur les ordonnances.")
ATOM = "{http://www.w3.org/2005/Atom}"
FORMATS = ("csv", "xlsx", "json", "md", "html")
# 1,100 cases on one site built for the module: ~15 s, left out by `make test-quick`.
pytestmark = pytest.mark.slow
ids = [p.label for p in PAYLOADS]
corpus = pytest.mark.parametrize("payload", PAYLOADS, ids=ids)


def xml_text(text: str) -> str:
    """`text` without the control characters XML 1.0 forbids (feeds and XLSX drop them)."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


def fit_line(text: str, low: int, high: int, pad: str) -> str:
    """`text` as a one-line field accepts it: whitespace collapsed, padded and cut to the limits."""
    line = " ".join(text.split())
    return (line if len(line) >= low else f"{line} {pad}".strip())[:high]


@dataclass
class Seed:
    payload: Payload
    word: str
    slug: str
    author_id: int
    display_name: str
    structure: str
    bio: str
    thread_id: int
    title: str
    reply_id: int
    note: str
    version: str
    comment: str
    livrable_id: int
    draft_id: int


def _seed(index: int, payload: Payload, moderator, reporter) -> Seed:
    text, word = payload.text, f"kwx{chr(97 + index // 26)}{chr(97 + index % 26)}zqv"
    board = make_board(f"Logiciel hostile {index}", slug=f"hostile-{index}")
    author = make_user(uses=[board])
    accounts.update_profile(author, fit_line(text, 2, 80, "(nom)"), "infirmier",
                            fit_line(text, 2, STRUCTURE_NAME_MAX, "(structure)"), "msp", "Bretagne", text[:500])
    title = fit_line(text, 5, 150, "(titre)")
    thread = posting.create_thread(author, board, "request", title, f"{word}\n\n{text}")
    reply = posting.reply(author, thread, text)
    answer = statuses.set_status(moderator, thread, "planifiee", note=text, version=fit_line(text, 1, 40, ""),
                                 official=True)
    comment = text[:1000]
    report = reports.report_post(reporter, reply, "autre", comment)
    frozen = livrables.create_draft(moderator, board, ExportFilters())
    livrables.update_draft(moderator, frozen, text[:INTRODUCTION], {thread.id: (True, text[:NOTE])})
    livrables.freeze(moderator, frozen)
    draft = livrables.create_draft(moderator, board, ExportFilters())
    livrables.update_draft(moderator, draft, text[:INTRODUCTION], {thread.id: (True, text[:NOTE])})
    db.session.flush()
    return Seed(payload, word, board.slug, author.id, author.display_name, author.structure.name, author.bio or "",
                thread.id, thread.title, reply.id, answer.note, answer.version, report.comment, frozen.id, draft.id)


@dataclass(eq=False)  # hashable by identity: pages are cached per site
class Site:
    app: object
    seeds: dict[str, Seed]
    moderator_session: str  # Flask-Login session value of the moderator (User.get_id)

    def client(self, as_moderator: bool = False):
        client = self.app.test_client()
        if as_moderator:
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = self.moderator_session, True
        return client

    def get(self, url: str, as_moderator: bool = False):
        response = self.client(as_moderator).get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        return response


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    tmp = tmp_path_factory.mktemp("hostile")
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}",
                      "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SEARCH_BACKEND": "whoosh",
                      "MAIL_OUTBOX_DIR": str(tmp / "outbox")})
    with app.app_context():
        db.create_all()
        moderator = make_user(role="moderator", display_name="Modératrice fédérale")
        reporter = make_user(display_name="Membre vigilant")
        seeds = {p.label: _seed(n, p, moderator, reporter) for n, p in enumerate((CONTROL, *PAYLOADS))}
        db.session.commit()
        search.apply_pending()
        moderator_session = moderator.get_id()
        db.session.remove()
    yield Site(app, seeds, moderator_session)
    with app.app_context():
        db.engine.dispose()


@cache
def _page(site: Site, url: str, as_moderator: bool = False):
    return audit(site.get(url, as_moderator).get_data(as_text=True))


def assert_inert(site: Site, url_of, payload: Payload, as_moderator: bool = False):
    """The page of `payload` has no finding and no more interactive elements than its control twin."""
    page = _page(site, url_of(site.seeds[payload.label]), as_moderator)
    control = _page(site, url_of(site.seeds["control"]), as_moderator)
    assert control.findings == [], control.findings  # the audit itself accepts the app's own markup
    assert page.findings == [], page.findings
    assert page.signature == control.signature
    # Template syntax shows literally (and never evaluates to the app's secrets).
    literal = [payload.text] if payload.label in TEMPLATE_LABELS else []
    assert [text for text in literal if not page.shows(text)] == []
    assert "test-secret-key" not in page.text
    return page


# --- pages ---------------------------------------------------------------------------------------------

@corpus
@pytest.mark.parametrize("viewer", ["visitor", "moderator"])
def test_thread_page_shows_title_body_profile_and_official_answer_inert(site, payload, viewer):
    seed = site.seeds[payload.label]
    page = assert_inert(site, lambda s: f"/t/{s.thread_id}", payload, as_moderator=viewer == "moderator")
    assert page.shows(seed.title) and page.shows(seed.display_name) and page.shows(seed.structure)
    assert page.shows(seed.version)


@corpus
def test_board_and_ranked_lists_show_title_inert(site, payload):
    seed = site.seeds[payload.label]
    for url_of in (lambda s: f"/b/{s.slug}/", lambda s: f"/b/{s.slug}/?type=request",
                   lambda s: f"/b/{s.slug}/demandes"):
        assert assert_inert(site, url_of, payload).shows(seed.title)


@corpus
def test_profile_page_shows_name_structure_bio_and_threads_inert(site, payload):
    seed = site.seeds[payload.label]
    page = assert_inert(site, lambda s: f"/u/{s.author_id}", payload)
    assert page.shows(seed.display_name) and page.shows(seed.structure) and page.shows(seed.title)
    assert page.shows(seed.bio)


@corpus
def test_search_excerpt_and_echoed_query_are_inert(site, payload):
    seed = site.seeds[payload.label]
    page = assert_inert(site, lambda s: f"/search?q={s.word}", payload)
    assert seed.word in page.text
    assert any(attrs.get("href", "").startswith(f"/t/{seed.thread_id}/") for tag, attrs in page.elements if tag == "a")
    echoed = _page(site, "/search?" + urlencode({"q": payload.text[:200]}))  # the query shown back
    assert echoed.findings == []


@corpus
def test_livrable_pages_show_introduction_and_note_inert(site, payload):
    assert_inert(site, lambda s: f"/livrables/{s.livrable_id}", payload, as_moderator=True)
    draft = assert_inert(site, lambda s: f"/livrables/{s.draft_id}", payload, as_moderator=True)
    assert len([tag for tag, _ in draft.elements if tag == "textarea"]) >= 2  # introduction, the item's note
    assert draft.shows(site.seeds[payload.label].note)  # held as text inside them


@corpus
def test_moderation_queue_shows_report_comment_as_text(site, payload):
    queue = _page(site, "/moderation", True)
    assert queue.findings == []
    assert queue.shows(site.seeds[payload.label].comment)


# --- feeds and API ---------------------------------------------------------------------------------

@corpus
@pytest.mark.parametrize("feed", ["feed.atom", "demandes/feed.atom"])
def test_atom_feeds_are_well_formed_with_inert_html(site, payload, feed):
    seed = site.seeds[payload.label]
    response = site.get(f"/b/{seed.slug}/{feed}")
    root = ET.fromstring(response.data)  # raises if a payload broke the XML
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert entry.find(f"{ATOM}title").get("type") == "text"
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert audit(content.text or "").findings == []
        assert all(audit_url_ok(link.get("href")) for link in entry.findall(f"{ATOM}link"))
    titles = " ".join(entry.find(f"{ATOM}title").text for entry in entries)
    assert xml_text(seed.title) in titles


def audit_url_ok(href: str | None) -> bool:
    return bool(href) and href.startswith("http://localhost/")


@corpus
def test_json_api_returns_text_as_data_and_sanitised_html(site, payload):
    seed = site.seeds[payload.label]
    thread = site.get(f"/api/v1/threads/{seed.thread_id}")
    assert thread.mimetype == "application/json"
    data = thread.get_json()
    assert data["title"] == seed.title
    assert audit(data["body_html"]).findings == []
    assert data["history"][-1]["note"] == seed.note and data["history"][-1]["version"] == seed.version
    listing = site.get(f"/api/v1/boards/{seed.slug}/requests").get_json()
    assert [r["title"] for r in listing["requests"]] == [seed.title]
    assert listing["requests"][0]["latest_answer"]["text"] == seed.note


# --- exports -------------------------------------------------------------------------------------------

@corpus
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("source", ["board", "livrable"])
def test_exports_escape_html_and_neutralise_formulas(site, payload, fmt, source):
    seed = site.seeds[payload.label]
    url = (f"/b/{seed.slug}/demandes/export?format={fmt}" if source == "board"
           else f"/livrables/{seed.livrable_id}/export.{fmt}")
    data = site.get(url, as_moderator=True).data
    CHECKS[fmt](data, seed, with_notes=source == "livrable")


def _check_csv(data: bytes, seed: Seed, with_notes: bool) -> None:
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if is_dangerous(cell)]
    assert seed.title in cells or "'" + seed.title in cells


def _check_xlsx(data: bytes, seed: Seed, with_notes: bool) -> None:
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [text for text in texts if is_dangerous(text)]
    assert xml_text(seed.title) in texts or "'" + xml_text(seed.title) in texts


def _check_json(data: bytes, seed: Seed, with_notes: bool) -> None:
    requests = json.loads(data)["requests"]
    assert [r["title"] for r in requests] == [seed.title]


def _check_markdown(data: bytes, seed: Seed, with_notes: bool) -> None:
    # Python-Markdown passes raw HTML through: whatever renders the file must find none.
    rendered = audit(markdown.markdown(data.decode("utf-8"), extensions=["tables"],
                                        extension_configs={"tables": {"use_align_attribute": True}}))
    assert rendered.findings == []
    # The introduction is the federation's Markdown, kept as written; each request's summary is a quote.
    assert not {tag for tag, _ in rendered.elements} - {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li",
                                                         "table", "thead", "tbody", "tr", "th", "td", "a", "br",
                                                         "blockquote", "em", "strong", "code", "pre", "hr"}


def _check_html(data: bytes, seed: Seed, with_notes: bool) -> None:
    page = audit(data.decode("utf-8"))
    assert page.findings == []
    # The federation's note is Markdown: the printable page shows it rendered, as text.
    shown = [seed.title, markdown_text(seed.note) or ""] if with_notes else [seed.title]
    assert [text for text in shown if not page.shows(text)] == []


CHECKS = {"csv": _check_csv, "xlsx": _check_xlsx, "json": _check_json, "md": _check_markdown,
          "html": _check_html}


def test_corpus_is_large_and_labelled():
    assert len(PAYLOADS) >= 40
    assert len({p.label for p in PAYLOADS}) == len(PAYLOADS)
    assert all(p.label and p.text for p in PAYLOADS)
    assert len(TEMPLATE_LABELS) >= 4  # the pages' "shows literally" check has payloads to run on


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>", '<script src="//evil.example/x.js"></script>', "<img src=x onerror=alert(1)>",
    '<a href=" &#1;java\tscript:alert(1)">x</a>', '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>', '<p style="color:red">x</p>', "<svg></svg>", "<math></math>",
    '<iframe src="/x"></iframe>', '<form action="http://evil.example/"></form>', '<base href="/">',
    '<meta http-equiv="refresh" content="0;url=/">', '<link rel="stylesheet" href="//evil.example/x.css">',
    '<img srcset="/a.png 1x, javascript:alert(1) 2x">', '<button formaction="javascript:alert(1)">x</button>',
])
def test_audit_catches_what_it_must(html):
    assert audit(html).findings


def test_audit_accepts_the_apps_own_markup():
    page = audit('<meta charset="utf-8"><link rel="stylesheet" href="/static/forum.css">'
                 '<script src="/static/votes.js" defer></script><form method="post" action="/deconnexion"></form>'
                 '<a href="https://example.org/" rel="nofollow ugc noopener">x</a><a href="/t/1">y</a>'
                 '<a href="mailto:a@example.org">z</a><p>{{7*7}} &lt;script&gt;</p>')
    assert page.findings == [] and page.shows("{{7*7}} <script>")
