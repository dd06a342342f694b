"""Hostile-input tests: the XSS corpus (payloads.py) and the audit that parses what the app output.

The audit parses HTML with the standard library's parser (html5lib is not installed: bleach 6
vendors its own copy as a private module) and reports, as French-free plain findings:
- any element that runs code or changes the page around it (script without a same-origin src,
  iframe, object, embed, svg, math, style, base, noscript…), a <meta> other than charset/viewport,
  a <link> other than the app's own stylesheet or feeds, a form posting anywhere but the app;
- any attribute named on…, any style attribute (the CSP forbids both; the templates have none);
- any URL attribute (href, src, action, formaction, xlink:href, srcset…) whose scheme, once
  entities are decoded (the parser does it) and tabs/newlines/leading control characters removed
  as a browser does, is not http, https or mailto (relative URLs have no scheme and are fine).
`signature()` counts the interactive elements of a page, so a page showing a payload can be
compared with the same page showing harmless text: user content must add none.
"""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Never in a page of this app, whoever wrote it.
FORBIDDEN_TAGS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "base", "noscript",
    "template", "portal", "xmp", "plaintext", "isindex",
})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "longdesc",
    "lowsrc", "dynsrc", "ping", "manifest", "codebase", "archive", "srcset", "imagesrcset", "icon",
})
OWN_META_NAMES = frozenset({"viewport", "description", "robots", "referrer", "color-scheme"})
OWN_LINK_RELS = frozenset({"stylesheet", "alternate", "icon"})
# Elements user content must not add to a page (compared with the same page on harmless text).
COUNTED_TAGS = ("script", "meta", "link", "form", "input", "button", "textarea", "select", "img")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IGNORED_IN_URL = re.compile(r"[\t\n\r]")
_OWN_ORIGINS = ("http://localhost/", "http://127.0.0.1")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in `value` (already entity-decoded), lower-cased, or None."""
    cleaned = _IGNORED_IN_URL.sub("", value).strip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def is_safe_url(value: str) -> bool:
    scheme = url_scheme(value)
    return scheme is None or scheme in SAFE_SCHEMES


def _same_origin_path(value: str) -> bool:
    value = value.strip()
    return (value.startswith("/") and not value.startswith("//")) or value.startswith(_OWN_ORIGINS)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.findings: list[str] = []
        self.text: list[str] = []
        self._script_open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        self.elements.append((tag, values))
        self._check(tag, values)
        self._script_open = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._script_open = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_open = False

    def handle_data(self, data: str) -> None:
        if self._script_open and data.strip():
            self.findings.append(f"inline script: {data[:80]!r}")
        elif not self._script_open:
            self.text.append(data)

    def _check(self, tag: str, attrs: dict[str, str]) -> None:
        where = f"<{tag}>"
        if tag in FORBIDDEN_TAGS:
            self.findings.append(f"forbidden element {where}")
        if tag == "script" and not attrs.get("src", "").startswith("/static/"):
            self.findings.append(f"script not from /static/: {attrs}")
        if tag == "meta" and not (set(attrs) == {"charset"} or (
                attrs.get("name") in OWN_META_NAMES and set(attrs) <= {"name", "content"})):
            self.findings.append(f"foreign <meta>: {attrs}")
        if tag == "link" and not (attrs.get("rel") in OWN_LINK_RELS and _same_origin_path(attrs.get("href", ""))):
            self.findings.append(f"foreign <link>: {attrs}")
        if tag == "form" and not _same_origin_path(attrs.get("action", "")):
            self.findings.append(f"form posting elsewhere: {attrs.get('action')!r}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.findings.append(f"event handler {name}= on {where}")
            elif name == "style":
                self.findings.append(f"style attribute on {where}: {value[:80]!r}")
            elif name in URL_ATTRIBUTES:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name else [value]
                bad = [url for url in urls if not is_safe_url(url)]
                if bad:
                    self.findings.append(f"{name}={bad[0][:80]!r} on {where}")


class Audit:
    """The parsed page: `findings` (empty when safe), `text` (whitespace collapsed), `signature`."""

    def __init__(self, html: str) -> None:
        collector = _Collector()
        collector.feed(html)
        collector.close()
        self.findings = collector.findings
        self.elements = collector.elements
        self.text = " ".join("".join(collector.text).split())
        self.signature = Counter(tag for tag, _ in collector.elements if tag in COUNTED_TAGS)

    def shows(self, literal: str) -> bool:
        """Whether `literal` appears as text (not markup), whitespace collapsed."""
        return " ".join(literal.split()) in self.text


def audit(html: str) -> Audit:
    return Audit(html)
