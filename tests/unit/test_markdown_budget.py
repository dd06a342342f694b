"""The Markdown budget (issue 19): no body makes rendering super-linear, and ordinary posts render
exactly as before.

Work is counted, not timed: `work()` counts the Python lines (trace events) run by render_markdown
(sys.settrace), which is deterministic. A traced render is slow, so the structural tests run at a few thousand
characters with the budgets scaled down (`scaled_budgets`): the same code then works far beyond
every budget, as a 50,000-character body does with the real ones. What lines cannot see (time
spent inside one regular expression) is checked as a ratio of best times; the real budgets and
the 50,000-character limit are used by the fuzz test and bench/markdown_worst.py.
"""
from __future__ import annotations

import ast
import logging
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from bleach import html5lib_shim
from bleach.linkifier import URL_RE, LinkifyFilter
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bench.markdown_worst import family, reference_render, repeat
from forum import markup_budget, markup_budget_inline
from forum.markup import _new_cleaner, render_markdown
from forum.markup_budget import neutralise
from forum.markup_linear import BoundedUrlRe, LinearLinkifyFilter, LinearTreeWalker
from forum.services.demo import load_threads

ROOT = Path(__file__).resolve().parents[2]
DANGEROUS = "[]()!*_><`#|-\\&: \nab1"
# Nothing written in the working tree (Hypothesis caches go to the temporary directory, no example
# database), no deadline (renders are timed by the tests themselves), no "explain" phase (it
# traces lines, as work() does).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "forum-hypothesis")
FUZZ = settings(database=None, deadline=None, phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- measuring ------------------------------------------------------------------------------------

def work(source: str) -> int:
    """Trace events (calls, lines, returns) of the Python code run to render `source`."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        render_markdown(source)
    finally:
        sys.settrace(previous)
    return count


def best_times(small: str, large: str, rounds: int = 5) -> tuple[float, float]:
    """Best CPU time of each text, measured alternately: the process's own CPU time ignores the time
    other processes take the core, and alternating puts both texts under the same drift."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for index, source in enumerate((small, large)):
            started = time.process_time()
            render_markdown(source)
            best[index] = min(best[index], time.process_time() - started)
    return best[0], best[1]


@contextmanager
def scaled_budgets():
    """Every budget and maximum of the Markdown budget, about a hundred times smaller."""
    with mock.patch.multiple(markup_budget, SPLIT_BUDGET=20_000, FENCE_BUDGET=200_000, ROW_BUDGET=1_000,
                             REFERENCE_BUDGET=1_000, INLINE_BUDGET=1_000_000, PIECE=200, HEADINGS_MAX=20,
                             FENCE_BLOCKS_MAX=20, CELLS_MAX=2_000), \
         mock.patch.multiple(markup_budget_inline, LINK_BUDGET=3_000, LINK_SPAN_MAX=200, CODE_BUDGET=3_000,
                             CODE_SPAN_MAX=50, TAG_BUDGET=20_000, TAG_SPAN_MAX=100, TAGS_MAX=50):
        render_markdown("warm\n*up*")  # per-thread converters are built outside the counted work
        yield


def assert_linear(small: str, large: str) -> None:
    """Doubling the text at most 2.5 times the work (plus a little for fixed costs)."""
    before, after = work(small), work(large)
    assert after <= 2.5 * before + 5_000, f"work {before} -> {after} for twice the text"


# --- ordinary posts: byte for byte as before ------------------------------------------------------

ORDINARY_POSTS = [
    "## Export des rendez-vous\n\nBonjour,\n\nDepuis la **version 5.2**, l'export `CSV` ne contient plus "
    "la colonne *motif*. Procédure suivie :\n\n1. Menu *Agenda* > *Exporter*\n2. Choisir la période\n"
    "3. Cocher « Motifs »\n\n> Le fichier est vide au-delà de 500 lignes.\n\nVoir [la notice](https://"
    "editeur.example/notice#export \"Notice\") et https://esante.gouv.fr/label, ou www.ameli.fr.\n\n"
    "| Version | Colonne motif | Remarque |\n|:--|:-:|--:|\n| 5.1 | oui | |\n| 5.2 | **non** | régression |\n\n"
    "```\nDATE;PATIENT;MOTIF\n2026-03-01;[anonymisé];Suivi (HTA)\n```\n\nMerci d'avance !\n",
    "Liste imbriquée :\n\n- Cabinet A\n    - poste 1 (`Windows 11`)\n    - poste 2\n- Cabinet B\n\n"
    "Réf. [notice][doc], [FAQ] et ![capture](https://x.example/c.png).\n\n[doc]: https://editeur.example/doc\n"
    "[faq]: https://editeur.example/faq \"FAQ\"\n\n---\n\nTitre souligné\n==============\n\n"
    "Un_mot_avec_soulignés, 3 * 4 = 12, a < b && c > d, 50 % (environ) [sic].\n",
    "Bonjour à tous :)\n\nJe confirme le bug (cf. ticket #1234) : après la mise à jour, l'ordonnance "
    "bizone s'imprime sur **deux** pages.\n\n<b>Important</b> : testez avant la bascule.<br>\n\n"
    "    code indenté : x = [1, 2, 3]\n\nTâches : \\*pas d'italique\\*, __gras__, ~~barré~~, `a_b`.\n",
]


def long_ordinary_post() -> str:
    """A long, rich post (35,000 characters) under every budget."""
    section = ORDINARY_POSTS[0] + ORDINARY_POSTS[1] + ORDINARY_POSTS[2] + "\n\n"
    return (section * 40)[:35_000]


def ordinary_corpus() -> list[str]:
    """The demo content, the hand-written posts above, and every string literal of the tests that
    render Markdown (including the hostile payloads)."""
    corpus = [*ORDINARY_POSTS, long_ordinary_post()]
    for thread in load_threads():
        corpus += [thread["body"], *(r["body"] for r in thread.get("reply", []))]
        corpus += [s["note"] for s in thread.get("status", []) if s.get("note")]
    for name in ("tests/unit/test_markup.py", "tests/hostile/payloads.py", "tests/functional/test_posting_pages.py",
                 "tests/unit/test_posting.py", "tests/functional/test_threads.py"):
        corpus += [node.value for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 3]
    return corpus


def test_ordinary_posts_render_byte_for_byte_as_before_the_budget():
    corpus = ordinary_corpus()
    assert len(corpus) > 500
    for source in corpus:
        assert neutralise(source) is source, source[:80]  # no budget is reached
        assert render_markdown(source) == reference_render(source), source[:80]


# --- the known pathological families ------------------------------------------------------------

# Families on which Python-Markdown or bleach did super-linear Python work (bench/markdown_worst.py),
# and the issue's own examples (quotes, emphasis, long tables, many fences) as guards.
PYTHON_FAMILIES = [
    "brackets", "link_open", "image_open", "empty_link_open", "reference_open", "image_link_open",
    "bracket_in_code", "nested_brackets", "nested_links", "backtick_ladder", "table_wide_rows", "toc_copies",
    "nested_lists", "nested_ordered_lists", "nested_quote_lists", "nested_quotes", "quote_staircase",
    "star_word", "underscore_word", "star_run", "nested_emphasis", "bold_tags", "tag_space", "backslashes",
    "headings", "list_items", "table_rows", "table_code_cells", "fences",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", PYTHON_FAMILIES)
def test_known_families_take_linear_work(name):
    with scaled_budgets():
        assert_linear(family(name, 1_000), family(name, 2_000))


# Families whose super-linear time was spent inside regular expressions (linkify, fenced_code,
# html.parser, the block parser's searches): invisible to line counting, so timed (a ratio of the
# best CPU times of five alternate runs, in one run: no absolute figure).
@pytest.mark.slow
@pytest.mark.parametrize("name", ["dash_dot_chain", "parens", "fence_hl_lines", "unclosed_fences", "tag_space",
                                  "setext", "rules", "reference_copies"])
def test_known_regex_families_take_linear_time(name):
    with scaled_budgets():
        small, large = best_times(family(name, 8_000), family(name, 16_000))
    assert large <= 2.5 * small + 0.02, f"{small * 1000:.0f} ms -> {large * 1000:.0f} ms for twice the text"


@pytest.mark.parametrize("name", ["nested_lists", "nested_ordered_lists", "nested_quote_lists", "star_run",
                                  "nested_emphasis"])
def test_deep_nesting_renders_without_falling_back_to_plain_text(name, caplog):
    """These used to raise RecursionError (a 500 on every page rendering Markdown)."""
    with caplog.at_level(logging.WARNING, logger="forum.markup"):
        html = render_markdown(family(name, 20_000))
    assert "Markdown rendering failed" not in caplog.text
    assert html.count("<ul>") + html.count("<ol>") + html.count("<blockquote>") <= 2 * markup_budget.NEST_MAX
    assert html.count("<em>") + html.count("<strong>") <= 2 * markup_budget_inline.EMPHASIS_DEPTH_MAX


@pytest.mark.parametrize("name", ["reference_copies", "toc_copies", "table_wide_rows"])
def test_a_body_cannot_blow_up_into_megabytes_of_html(name):
    """Output grew with the square of these bodies (a URL copied per use, the headings per [TOC],
    the header cells per row); the tersest Markdown ("a|" for a cell) is about 6 times shorter."""
    source = family(name, 20_000)
    assert len(render_markdown(source)) <= 20 * len(source)


# --- fuzz -------------------------------------------------------------------------------------------

pieces = st.tuples(st.text(DANGEROUS, min_size=1, max_size=12), st.integers(1, 6_000))


@pytest.mark.slow
@settings(FUZZ, max_examples=5)
@given(st.lists(pieces, min_size=1, max_size=5))
@example([("[", 50_000)])
def test_any_body_of_the_dangerous_alphabet_renders_in_bounded_time(parts):
    """Up to 50,000 characters (BODY_MAX_LENGTH) of repeated dangerous units, real budgets."""
    source = "".join(unit * count for unit, count in parts)[:50_000]
    started = time.perf_counter()
    html = render_markdown(source)
    assert time.perf_counter() - started < 10.0  # ~1 s at worst on a busy machine; 30+ s before
    assert isinstance(html, str)


@pytest.mark.slow
@settings(FUZZ, max_examples=10)
@given(st.text(DANGEROUS, min_size=1, max_size=10))
@example("[a](")
@example("*a _")
@example("`` ")
@example("111111\\[")
def test_work_grows_linearly_on_any_repeated_pattern(unit):
    with scaled_budgets():
        assert_linear_growth(unit)


def assert_linear_growth(unit: str) -> None:
    """The work added by each doubling of the text (1,000 → 8,000 repetitions) at most 2.5 times the
    previous doubling's, for one of the three doublings at least. A budget that starts cutting the
    text adds a fixed cost once, at its threshold: work then goes on growing linearly (« 111111\\[ »:
    18,385 → 75,975 → 221,835 → 513,555, the last two increments 145,860 and 291,720), which a
    plain ratio of two sizes would take for super-linear growth when the threshold falls between them.
    Quadratic work makes every increment about four times the previous one."""
    works = [work(repeat(unit, count)) for count in (1_000, 2_000, 4_000, 8_000)]
    added = [after - before for before, after in zip(works, works[1:], strict=False)]
    ratios = [(later, earlier) for earlier, later in zip(added, added[1:], strict=False)]
    assert any(later <= 2.5 * earlier + 5_000 for later, earlier in ratios), f"work {works} for doublings"


# --- the linear stand-ins give bleach's own output --------------------------------------------------

@settings(FUZZ, max_examples=40)
@given(st.text(DANGEROUS + "\"'.=/", max_size=300))
def test_linear_tree_walker_yields_bleach_walker_tokens(source):
    dom = _new_cleaner().parser.parseFragment(render_markdown(source) + source)
    assert list(LinearTreeWalker(dom)) == list(html5lib_shim.getTreeWalker("etree")(dom))


@settings(FUZZ, max_examples=60)
@given(st.text("(),.a/:", max_size=40))
def test_linear_strip_of_url_bits_matches_bleach(fragment):
    assert LinearLinkifyFilter(source=[]).strip_non_url_bits(fragment) == \
        LinkifyFilter(source=[]).strip_non_url_bits(fragment)


labels = st.lists(st.sampled_from(["ameli", "esante", "gouv", "x-y", "a1", "www"]), min_size=1, max_size=4)
urls = st.builds(lambda scheme, host, tld, path: f"{scheme}{'.'.join(host)}{tld}{path}",
                 st.sampled_from(["", "http://", "https://", "(", "www."]), labels,
                 st.sampled_from([".fr", ".com", ".org"]), st.text("/abc%.,()~=&?-_", max_size=40))


@settings(FUZZ, max_examples=30)
@given(st.lists(st.one_of(urls, st.text("ab-.()@ ", max_size=40)), max_size=6))
def test_bounded_url_pattern_finds_bleach_links(words):
    text = " ".join(words)
    found = [(m.start(), m.group()) for m in BoundedUrlRe().finditer(text)]
    assert found == [(m.start(), m.group()) for m in URL_RE.finditer(text)]


# --- what the budget does beyond it -----------------------------------------------------------------

def test_beyond_the_budget_unmatched_brackets_show_as_written():
    html = render_markdown("[" * 20_000 + " [lien](https://ameli.fr)")
    assert html.count("[") == 20_001 and 'href="https://ameli.fr"' in html


def test_a_short_unmatched_bracket_is_left_alone():
    source = "Voir [la notice (page 3) et [le lien](https://ameli.fr)."
    assert neutralise(source) is source
    assert re.search(r'<a href="https://ameli.fr" rel="[^"]+">le lien</a>', render_markdown(source))


def test_a_renderer_failure_shows_the_text_as_written_instead_of_an_error(caplog):
    with mock.patch("forum.markup.neutralise", side_effect=RecursionError), \
         caplog.at_level(logging.WARNING, logger="forum.markup"):
        html = render_markdown("**gras** <script>alert(1)</script>\nligne 2")
    assert html == "<p>**gras** &lt;script&gt;alert(1)&lt;/script&gt;<br>\nligne 2</p>"
    assert "Markdown rendering failed (RecursionError)" in caplog.text
