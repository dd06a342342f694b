"""Inline rules of the Markdown budget (see forum.markup_budget): links, code spans, raw HTML tags
and emphasis, the inline patterns that scan forward from each opening character.

Each rule works on the prose chunks (the most an inline pattern can scan: a paragraph never
crosses a blank line) and models the scan Python-Markdown does; when a rule's total is beyond its
budget, the openers whose scan is long or unbounded are escaped.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from forum.markup_budget import Document, Edits

LINK_BUDGET = 300_000  # characters scanned by the link patterns (x3: reference, link, short ref)
LINK_SPAN_MAX = 2_000  # beyond the budget, links whose text or destination is longer are escaped
LINK_DEPTH_MAX = 8  # ... and so are brackets nested deeper
CODE_BUDGET = 300_000  # characters scanned for the closing backticks of code spans
CODE_SPAN_MAX = 500  # beyond the budget, backtick runs with no equal run nearby are escaped
TAG_BUDGET = 2_000_000  # characters html.parser scans for the ">" closing each start tag
TAG_SPAN_MAX = 1_000  # beyond the budget, "<" of longer tags become "&lt;"
TAGS_MAX = 500  # raw start tags per body (html5lib checks scopes through every open element)
EMPHASIS_DEPTH_MAX = 24  # emphasis nesting (each level rescans its content; recursion)

_LINK_TOKENS = re.compile(r"\\[\s\S]|[\[\]()`\"']")
_BACKTICKS = re.compile(r"`+")
_TAG = re.compile(r"</?[A-Za-z]")
_CLOSING = re.compile(">")
_DELIMITERS = re.compile(r"\\[\s\S]|\*+|_+")


def apply(doc: Document, edits: Edits) -> None:
    """Measure each rule over every prose chunk, then act on the rules beyond their budget."""
    link_cost, code_cost, tag_cost = 0, 0, 0
    bad_links: list[tuple[int, int | None]] = []
    doomed_runs: list[tuple[int, int]] = []
    tags: list[tuple[int, int, bool]] = []
    closing: list[int] = []  # every ">" of the prose: html.parser looks for the next one
    for first, end in doc.chunks:
        closing += [m.start() for m in _CLOSING.finditer(doc.text, *doc.span(first, end))]
    for first, end in doc.chunks:
        start, stop = doc.span(first, end)
        cost, bad = _links(doc, start, stop)
        link_cost += cost
        bad_links.extend(bad)
        cost, doomed = _code_spans(doc.text, start, stop)
        code_cost += cost
        doomed_runs.extend(doomed)
        for m in _TAG.finditer(doc.text, start, stop):
            k = bisect_right(closing, m.start())
            span = (closing[k] if k < len(closing) else len(doc.text)) - m.start()
            tag_cost += span
            tags.append((m.start(), span, m.group()[1] != "/"))
        _emphasis(doc.text, start, stop, edits)
    if 3 * link_cost > LINK_BUDGET:
        for p, j in bad_links:
            edits.escape(p, "[")
            if j is not None:
                edits.escape(j, "]")
    if code_cost > CODE_BUDGET:
        for s, e in doomed_runs:
            for pos in range(s, e):
                edits.escape(pos, "`")
    starts = 0
    for pos, span, is_start in tags:
        starts += is_start
        if (tag_cost > TAG_BUDGET and span > TAG_SPAN_MAX) or (is_start and starts > TAGS_MAX):
            edits.replace[pos] = "&lt;"


def _between(positions: list[int], low: int, high: int) -> bool:
    """Whether a position of the sorted list lies strictly between low and high."""
    k = bisect_right(positions, low)
    return k < len(positions) and positions[k] < high


def _links(doc: Document, start: int, stop: int) -> tuple[int, list[tuple[int, int | None]]]:
    """getText scans from each "[" to its matching "]" (to the end of the paragraph when there is
    none); getLink then scans from "](" to the matching ")" (further when a quote opens a title).
    A "[" is kept beyond the budget when both scans end nearby, at the bracket and parenthesis its
    own matching finds: no backtick (code span), backslash or quote between, nesting <= 8."""
    text = doc.text
    opens, parens, order = [], [], []
    partner: dict[int, int] = {}
    paren_partner: dict[int, int] = {}
    ticks, slashes, quotes = [], [], []
    for m in _LINK_TOKENS.finditer(text, start, stop):
        char, pos = m.group(), m.start()
        if char[0] == "\\":
            slashes.append(pos)
            if char[1] == "`":
                ticks.append(pos + 1)
        elif char == "[":
            opens.append(pos)
            order.append(pos)
        elif char == "]":
            if opens:
                partner[opens.pop()] = pos
        elif char == "(":
            parens.append(pos)
        elif char == ")":
            if parens:
                paren_partner[parens.pop()] = pos
        elif char == "`":
            ticks.append(pos)
        else:
            quotes.append(pos)
    doc.partners.update(partner)
    cost, bad, enclosing = 0, [], []
    for p in order:
        j = partner.get(p)
        while enclosing and enclosing[-1] < p:
            enclosing.pop()
        clean = j is not None and not _between(ticks, p, j)
        cost += j - p if clean else stop - p
        keep = clean and j - p <= LINK_SPAN_MAX and len(enclosing) < LINK_DEPTH_MAX and not _between(slashes, p, j)
        if j is not None:
            enclosing.append(j)
            if j + 1 < stop and text[j + 1] == "(":
                q, k = j + 1, paren_partner.get(j + 1)
                clean = k is not None and not _between(quotes, q, k) and not _between(ticks, q, k)
                cost += k - q if clean else stop - q
                keep = keep and clean and k - q <= LINK_SPAN_MAX and not _between(slashes, q, k)
        if not keep:
            bad.append((p, j))
    return cost, bad


def _code_spans(text: str, start: int, stop: int) -> tuple[int, list[tuple[int, int]]]:
    """A run of n backticks opens a code span unless a backslash escapes its first one; the
    backtick pattern then scans for the next run of exactly n (to the end when there is none).
    Cost: that distance for every run. Beyond the budget, runs whose next equal run is further than
    CODE_SPAN_MAX are escaped, right to left, so that every run left has one nearby (an escaped
    backtick opens nothing; as a closer it can only end a single-backtick span sooner)."""
    runs = []
    for m in _BACKTICKS.finditer(text, start, stop):
        s, e = m.span()
        slashes = 0
        while s - slashes - 1 >= start and text[s - slashes - 1] == "\\":
            slashes += 1
        runs.append((s, e, slashes % 2))
    cost, nearest = 0, {}
    for s, e, escaped in reversed(runs):
        if e - s - escaped:
            cost += nearest.get(e - s - escaped, stop) - s
        nearest[e - s] = s
    if cost <= CODE_BUDGET:
        return cost, []
    doomed, nearest = [], {}
    for s, e, escaped in reversed(runs):
        opening = e - s - escaped
        if opening and nearest.get(opening, stop + CODE_SPAN_MAX) - s > CODE_SPAN_MAX:
            doomed.append((s + escaped, e))  # a backtick escaped already stays as it is
            continue
        nearest[e - s] = s
    return cost, doomed


def _emphasis(text: str, start: int, stop: int, edits: Edits) -> None:
    """Each emphasis level is built by rescanning its content, and nested levels recurse: a run
    that would open beyond EMPHASIS_DEPTH_MAX levels (counted as the delimiter processor pairs runs:
    two characters a level) is escaped. Always on: no ordinary post nests emphasis 24 deep."""
    depth = {"*": 0, "_": 0}
    for m in _DELIMITERS.finditer(text, start, stop):
        run = m.group()
        if run[0] == "\\":
            continue
        char, s, e = run[0], m.start(), m.end()
        before = text[s - 1] if s > start else " "
        after = text[e] if e < stop else " "
        can_open = not after.isspace()
        can_close = not before.isspace()
        if char == "_":
            can_open = can_open and not (before.isalnum() or before == "_")
            can_close = can_close and not (after.isalnum() or after == "_")
        levels = (len(run) + 1) // 2
        if can_close and (depth[char] > 0 or not can_open):
            depth[char] = max(0, depth[char] - levels)
        elif can_open:
            if depth["*"] + depth["_"] + levels > EMPHASIS_DEPTH_MAX:
                for pos in range(s, e):
                    edits.escape(pos, char)
            else:
                depth[char] += levels


def reference_copies(doc: Document, definitions: dict[str, int]) -> int:
    """Characters the reference patterns would copy: for each bracket pair whose text names a
    definition ([id], [text][id], [id][]), the size of that definition."""
    longest = max(len(key) for key in definitions)
    total = 0
    for p, j in doc.partners.items():
        if j - p <= 2 * longest + 2:
            total += definitions.get(" ".join(doc.text[p + 1:j].split()).lower(), 0)
    return total
