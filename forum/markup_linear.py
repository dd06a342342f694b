"""Linear-time stand-ins for the parts of bleach whose time grows with the square of the text:
same output as the originals, work bounded by the length (used by forum.markup, issue 19)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from bleach import html5lib_shim
from bleach.linkifier import URL_RE, LinkifyFilter

_EtreeWalker = html5lib_shim.getTreeWalker("etree")


class LinearTreeWalker(_EtreeWalker):  # type: ignore[misc,valid-type]
    """html5lib's etree walker finds an element's position by scanning its parent's children
    (list.count and list.index) each time it climbs back up: quadratic in the number of siblings
    (a 10,000-row table, a paragraph of 10,000 `code` spans). This one remembers each position on
    the way down; the tokens it yields are the same."""

    def __init__(self, tree) -> None:
        super().__init__(tree)
        self._keys: list[int | None] = []  # position of each element of `parents` in its own parent

    def getFirstChild(self, node):  # noqa: N802 (html5lib's names)
        child = super().getFirstChild(node)
        if child is not None and child[3] is None:  # went down into the element's children
            self._keys.append(node[1] if isinstance(node, tuple) else None)
        return child

    def getNextSibling(self, node):  # noqa: N802
        sibling = super().getNextSibling(node)
        if sibling is not None and node[3] == "text" and sibling[3] is None:  # from text down to children
            self._keys.append(node[1])
        return sibling

    def getParentNode(self, node):  # noqa: N802
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return element if not parents else (element, key, parents, None)
        parent = parents.pop()
        key = self._keys.pop()
        return parent if not parents else (parent, key, parents, None)


# bleach's URL pattern with three changes, used only inside words longer than LONG_WORD (where its
# time grew with the square of the word): a match may not start inside a run of "(" (the run's
# first one tries every suffix already: same links); nor after 16 characters of a run of letters,
# digits, "-" and "." (each such start scanned the rest of the run again; a start near the run's
# beginning finds the same link, except a URL glued after 16 such characters); and a host has at
# most 127 labels, as in DNS (the pattern backtracked over every label of a long run).
_PAREN_RUN, _WORD_START, _LABELS = r"\(*", r"\b(?<![@.])", r"([\w-]+\.)+"
if any(part not in URL_RE.pattern for part in (_PAREN_RUN, _WORD_START, _LABELS)):  # pragma: no cover
    raise ImportError("bleach's URL pattern changed: review forum.markup_linear")
_BOUNDED_URL_RE = re.compile(
    URL_RE.pattern.replace(_PAREN_RUN, r"(?<!\()\(*", 1)
    .replace(_WORD_START, _WORD_START + r"(?<![\w.-]{16})", 1)
    .replace(_LABELS, r"([\w-]+\.){1,127}", 1),
    URL_RE.flags,
)
LONG_WORD = 32  # the original pattern takes ~0.4 s on 50,000 characters of 32-character worst words
_LONG_WORD_RE = re.compile(rf"\S{{{LONG_WORD + 1},}}")
_WORD_RE = re.compile(r"\S+")


class BoundedUrlRe:
    """The `url_re` given to LinkifyFilter. A link never contains white space and the pattern's
    look-arounds see white space and the text's ends alike, so matching word by word finds the same
    links; bleach's own pattern is quadratic within a word, so only long words use the bounded one."""

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not _LONG_WORD_RE.search(text):
            yield from URL_RE.finditer(text)
            return
        for word in _WORD_RE.finditer(text):
            pattern = _BOUNDED_URL_RE if word.end() - word.start() > LONG_WORD else URL_RE
            yield from pattern.finditer(text, word.start(), word.end())


class LinearLinkifyFilter(LinkifyFilter):
    """LinkifyFilter with the bounded URL pattern and a linear strip_non_url_bits (bleach's copies
    the fragment once per parenthesis, comma or period it takes off: quadratic on "((((…a.fr")."""

    def __init__(self, source, **kwargs) -> None:
        super().__init__(source, url_re=BoundedUrlRe(), **kwargs)

    def strip_non_url_bits(self, fragment: str) -> tuple[str, str, str]:
        start, end = 0, len(fragment)
        last_open = fragment.rfind("(")  # last "(" before `end`, refreshed when `end` passes it
        while start < end:
            if fragment[start] == "(":
                start += 1
                if start < end and fragment[end - 1] == ")":
                    end -= 1
                continue
            last = fragment[end - 1]
            if last == ")":
                if last_open >= end:
                    last_open = fragment.rfind("(", 0, end)
                if last_open >= start:  # a "(" is left inside: the ")" belongs to the URL
                    break
            elif last not in ",.":
                break
            end -= 1
        return fragment[start:end], fragment[:start], fragment[end:]
