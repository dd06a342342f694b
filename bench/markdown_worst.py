"""Markdown worst cases: render time of each pathological family at 50,000 characters (issue 19).

Usage (from the repository root, with the virtualenv):

    .venv/bin/python -m bench.markdown_worst [--size 50000] [--raw] [--timeout 30] [--family NAME…]

For each family of inputs on which Python-Markdown, bleach or linkify used to take super-linear
time (or build huge output), prints the time of forum.markup.render_markdown (budget on, best of
3) and, with --raw, the time of the same pipeline without the budget and the linear stand-ins
(`reference_render`, as the renderer was before), in a child process killed after --timeout
seconds and limited to 2 GB of memory. The worst case of each column is printed last, checked
against TARGET_MS (exit status 1 when missed), and the figures are written to
bench/results/markdown-worst-<timestamp>.json (git-ignored).

The families are also the known cases of tests/unit/test_markdown_budget.py.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

from bench.common import REPO, write_results

SIZE = 50_000  # BODY_MAX_LENGTH
TARGET_MS = 2_000  # the slowest family must render within this, budget on (gunicorn kills at 30 s)


def repeat(unit: str, n: int) -> str:
    """`unit` repeated to exactly n characters."""
    return (unit * (n // len(unit) + 1))[:n] if unit else ""


def _ladder(step: Callable[[int], str], n: int) -> str:
    """step(1) + step(2) + … cut at n characters."""
    parts, size, i = [], 0, 1
    while size < n:
        parts.append(step(i))
        size += len(parts[-1])
        i += 1
    return "".join(parts)[:n]


def _nested(open_: str, middle: str, close: str, n: int, tail: str = "") -> str:
    k = max(1, (n - len(middle) - len(tail)) // (len(open_) + len(close)))
    return open_ * k + middle + close * k + tail


def _table(header_cells: int, row: str, n: int) -> str:
    head = "|".join(["a"] * header_cells) + "\n" + "|".join(["-"] * header_cells) + "\n"
    return head + repeat(row, max(0, n - len(head)))


# name -> builder(n): text of (about) n characters. Periodic families repeat one unit.
FAMILIES: dict[str, Callable[[int], str]] = {
    **{name: partial(repeat, unit) for name, unit in {
        "brackets": "[", "link_open": "[a](", "image_open": "![", "empty_link_open": "[](",
        "reference_open": "[a][", "image_link_open": "![a](", "bracket_in_code": "[`]`",
        "link_title_open": '[a](b "', "tag_space": "<a ", "tag": "<a", "end_tag": "</a",
        "automail_open": "<a@b", "autolink_open": "<http://a", "bold_tags": "<b>", "lt": "<",
        "quote_markers": ">", "star_word": "*a ", "underscore_word": "_a ", "stars": "**",
        "underscores": "__", "star_intraword": "a*", "star_underscore": "*_", "strong_open": "**a",
        "emphasis_closed": "*a* ", "code_closed": "`a` ", "backticks": "`", "ampersands": "&",
        "entity_open": "&#", "backslashes": "\\", "parens": "(", "dash_chain": "a-",
        "dash_dot_chain": "a-a.", "dot_chain": "a.", "headings": "# a\n", "setext": "a\n=\n",
        "rules": "- - -\n", "list_items": "- a\n", "ordered_items": "1. a\n",
        "unclosed_fences": "```a\n", "unclosed_tildes": "~~~a\n", "fences": "```\na\n```\n",
        "html_blocks": "<div>\n", "definitions": "[a]: b\n", "short_references": "[a]",
        "words": "lorem ipsum ", "urls": "http://a.fr ", "pipes": "|",
    }.items()},
    "table_rows": partial(_table, 2, "c|d\n"),
    "table_code_cells": partial(_table, 2, "`a"),
    "table_wide": lambda n: _table(n // 4, "", n),  # header and separator only
    "table_wide_rows": lambda n: _table(max(2, n // 80), "a\n", n),
    "nested_brackets": partial(_nested, "[", "a", "]"),
    "nested_links": partial(_nested, "[a ", "b", " c]", tail="(x)"),
    "nested_emphasis": partial(_nested, "*a ", "b", " a*"),
    "star_run": partial(_nested, "*", "a", "*"),
    "nested_lists": lambda n: repeat("- ", n - 1) + "a",
    "nested_ordered_lists": lambda n: repeat("1. ", n - 1) + "a",
    "nested_quote_lists": lambda n: repeat("> - ", n - 1) + "a",
    "nested_quotes": lambda n: ">" * (n - 2) + " a",
    "quote_staircase": partial(_ladder, lambda i: ">" * i + " a\n"),
    "list_staircase": partial(_ladder, lambda i: "    " * i + "- a\n"),
    "backtick_ladder": partial(_ladder, lambda i: "`" * i + "a"),
    "fence_ladder": partial(_ladder, lambda i: "`" * (i + 2) + "a\n"),
    "fence_hl_lines": lambda n: '```hl_lines="\n' * (n // 28) + '"\n' * (n // 28),
    "unclosed_then_fences": lambda n: "```a\n" * (n // 50) + repeat("```\na\n```\n", n - 5 * (n // 50)),
    "reference_copies": lambda n: "[a]: http://a.fr/" + "a" * (n // 4) + "\n\n" + repeat("[a]", n - n // 4 - 19),
    "toc_copies": lambda n: "# a\n" * 150 + repeat("\n[TOC]\n", n - 600),
    "paren_url": lambda n: "(" * (n - 11) + "http://a.fr",
    "url_commas": lambda n: "http://a.fr/" + "," * (n - 12),
    "url_closing_parens": lambda n: "http://a.fr/" + ")" * (n - 12),
}


def family(name: str, n: int = SIZE) -> str:
    return FAMILIES[name](n)


def reference_render(source: str) -> str:
    """The renderer as it was before issue 19: Markdown and bleach with no budget and their own
    (quadratic) walker, URL pattern and tables test. Used to compare outputs and times."""
    import bleach
    import markdown
    from bleach.linkifier import LinkifyFilter

    from forum import markup

    md = markdown.Markdown(extensions=markup.MARKDOWN_EXTENSIONS, extension_configs=markup.MARKDOWN_CONFIG,
                           output_format="html")
    cleaner = bleach.Cleaner(
        tags=markup.ALLOWED_TAGS, attributes=markup.ALLOWED_ATTRIBUTES, protocols=markup.ALLOWED_PROTOCOLS,
        strip=True, strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[markup._set_link_rel], skip_tags={"pre", "code"},
                         parse_email=False)])
    return cleaner.clean(md.convert(source))


def time_budgeted(source: str, rounds: int = 3) -> float:
    """Best of `rounds` renders with the budget, in ms."""
    from forum.markup import render_markdown

    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        render_markdown(source)
        best = min(best, time.perf_counter() - started)
    return best * 1000


_RAW_CHILD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from bench.markdown_worst import family, reference_render
reference_render("*warm-up*")
source = family(sys.argv[1], int(sys.argv[2]))
started = time.perf_counter()
reference_render(source)
print((time.perf_counter() - started) * 1000)
"""


def time_raw(name: str, size: int, timeout: float) -> str:
    """Time of reference_render in a child process: "12.3", ">30000" on timeout, or the error
    that ended it (MemoryError beyond 2 GB, RecursionError)."""
    try:
        done = subprocess.run([sys.executable, "-c", _RAW_CHILD, name, str(size)], cwd=REPO, timeout=timeout,
                              capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return f">{timeout * 1000:.0f}"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["error"])[-1].split(":")[0]
    return f"{float(done.stdout):.1f}"


def _raw_rank(value: str) -> float:
    """Order of raw figures, worst last: times, then timeouts, then errors (the worker died)."""
    if value.startswith(">"):
        return 1e9 + float(value[1:])
    try:
        return float(value)
    except ValueError:
        return 2e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--raw", action="store_true", help="also time the renderer without the budget")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a raw render is killed")
    parser.add_argument("--family", nargs="*", choices=sorted(FAMILIES), help="only these families")
    args = parser.parse_args()
    names = args.family or list(FAMILIES)
    print(f"{'famille':24} {'budget (ms)':>12}" + (f" {'sans budget (ms)':>17}" if args.raw else ""))
    results: dict[str, dict] = {}
    for name in names:
        budgeted = time_budgeted(family(name, args.size))
        row = {"budget_ms": round(budgeted, 1)}
        if args.raw:
            row["raw_ms"] = time_raw(name, args.size, args.timeout)
        results[name] = row
        print(f"{name:24} {budgeted:12.1f}" + (f" {row['raw_ms']:>17}" if args.raw else ""), flush=True)
    worst = max(results, key=lambda name: results[name]["budget_ms"])
    print(f"\nPire cas avec budget : {worst}, {results[worst]['budget_ms']:.1f} ms à {args.size} caractères"
          f" (objectif ≤ {TARGET_MS} ms : {'atteint' if results[worst]['budget_ms'] <= TARGET_MS else 'MANQUÉ'})")
    if args.raw:
        slow = sorted((name for name in results if _raw_rank(results[name]["raw_ms"]) > 1e9),
                      key=lambda name: _raw_rank(results[name]["raw_ms"]))
        raw_worst = max(results, key=lambda name: _raw_rank(results[name]["raw_ms"]))
        print(f"Pire cas sans budget : {raw_worst}, {results[raw_worst]['raw_ms']}"
              f" ({len(slow)} familles tuées après {args.timeout:.0f} s ou en erreur : {', '.join(slow)})")
    path = write_results("markdown-worst", {"size": args.size, "target_ms": TARGET_MS, "families": results})
    print(f"Résultats : {path.relative_to(REPO)}")
    if results[worst]["budget_ms"] > TARGET_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
