"""The one place Markdown becomes HTML: budget -> markdown -> bleach allowlist -> linkify with safe rel."""
from __future__ import annotations

import html
import logging
import threading
from functools import partial

import bleach
import markdown
from markupsafe import Markup

from forum.markup_budget import neutralise
from forum.markup_linear import LinearLinkifyFilter, LinearTreeWalker

logger = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "b", "i", "del", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "code", "pre", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# "toc" with baselevel=3 turns "# Titre" into <h3>, so users' headings never compete with the page's.
MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "toc"]
MARKDOWN_CONFIG = {"toc": {"baselevel": 3, "anchorlink": False, "permalink": False}}


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    """Every link, written or linkified, gets rel="nofollow ugc noopener" and nothing else."""
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


def _new_cleaner() -> bleach.Cleaner:
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinearLinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"},
                         parse_email=False)],
    )
    cleaner.walker = LinearTreeWalker  # same tokens as bleach's walker, in linear time
    return cleaner


# Building a Markdown converter and a Cleaner costs more than rendering a post; neither is
# thread-safe, so each thread keeps its own (output is byte-identical to fresh instances).
_local = threading.local()


def _converters() -> tuple[markdown.Markdown, bleach.Cleaner]:
    pair = getattr(_local, "pair", None)
    if pair is None:
        md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG,
                               output_format="html")
        pair = _local.pair = (md, _new_cleaner())
    return pair


def render_markdown(source: str) -> Markup:
    """Render user Markdown to sanitised HTML as Markup: the only maker of the stored *_html.

    Never raises, in time bounded by the length: the budget (forum.markup_budget) makes literal
    what Markdown would take super-linear time on, and should Markdown fail all the same (a
    RecursionError on some nesting the budget does not foresee), the text is shown as written."""
    md, cleaner = _converters()
    try:
        return Markup(cleaner.clean(md.reset().convert(neutralise(source))))
    except Exception as error:  # noqa: BLE001 (any failure of the renderer: show the text instead)
        logger.warning("Markdown rendering failed (%s): body shown as plain text", type(error).__name__)
        return Markup("<p>" + html.escape(source).replace("\n", "<br>\n") + "</p>")


def plain_text(html_or_source: str) -> str:
    """Text without any markup, for excerpts, feeds and search documents."""
    cleaner = getattr(_local, "plain", None)
    if cleaner is None:
        cleaner = _local.plain = bleach.Cleaner(tags=set(), strip=True)  # what bleach.clean() builds
        cleaner.walker = LinearTreeWalker
    return cleaner.clean(str(html_or_source))  # str: Markup's methods would escape their arguments
