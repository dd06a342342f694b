"""Markdown rendering and its allowlist sanitiser: what users may write, and what never gets through."""
import pytest

from forum.markup import plain_text, render_markdown

REL = 'rel="nofollow ugc noopener"'


def test_headings_are_demoted_below_the_page_headings():
    html = render_markdown("# Titre\n\n## Sous-titre")
    assert "<h3>Titre</h3>" in html and "<h4>Sous-titre</h4>" in html
    assert "<h1" not in html and "<h2" not in html


def test_tables_are_kept():
    html = render_markdown("| Logiciel | Version |\n|---|---|\n| Chorus | 5.2 |")
    assert "<table>" in html and "<th>Logiciel</th>" in html and "<td>5.2</td>" in html


def test_code_blockquote_lists_and_emphasis_are_kept():
    html = render_markdown("> cité\n\n- un\n- deux\n\n1. premier\n\n**gras** _italique_ `code`\n\n```\nbloc\n```")
    for tag in ("<blockquote>", "<ul>", "<ol>", "<li>un</li>", "<strong>gras</strong>", "<em>italique</em>",
                "<code>code</code>", "<pre><code>bloc"):
        assert tag in html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<style>body { display: none }</style>",
    "<iframe src='https://evil.example'></iframe>",
    "<img src=x onerror=alert(1)>",
    "![image](https://evil.example/pixel.png)",
    "<object data=x></object><embed src=x>",
    "<form action=https://evil.example><input name=a></form>",
])
def test_dangerous_tags_are_removed(source):
    html = render_markdown(source)
    for tag in ("<script", "<style", "<iframe", "<img", "<object", "<embed", "<form", "<input"):
        assert tag not in html


@pytest.mark.parametrize("source", [
    "<p onmouseover=alert(1)>survol</p>",
    "<a href='https://ok.example' onclick='steal()'>lien</a>",
    "<table onclick=x><tr><td style='color:red'>x</td></tr></table>",
])
def test_event_handlers_and_styles_are_removed(source):
    html = render_markdown(source)
    assert "onmouseover" not in html and "onclick" not in html and "style=" not in html


@pytest.mark.parametrize("source", [
    "[clic](javascript:alert(1))",
    "[clic](JAVASCRIPT:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "<a href='&#x6A;avascript:alert(1)'>clic</a>",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "[clic][ref]\n\n[ref]: javascript:alert(1)",
    "<a href='vbscript:msgbox(1)'>clic</a>",
    "<javascript:alert(1)>",
])
def test_javascript_and_data_links_lose_their_href(source):
    html = render_markdown(source).lower()
    assert "javascript:" not in html and "data:" not in html and "vbscript:" not in html
    assert "href" not in html


def test_every_link_gets_the_safe_rel_and_no_target():
    html = render_markdown("[ameli](https://www.ameli.fr) <a href='https://x.example' rel='opener' target='_blank'>x</a>")
    assert html.count(REL) == 2
    assert "opener\"" not in html.replace(REL, "") and "target" not in html


def test_bare_urls_are_linkified_with_the_safe_rel():
    html = render_markdown("Voir https://esante.gouv.fr/label et www.ameli.fr pour le détail.")
    assert f'<a href="https://esante.gouv.fr/label" {REL}>https://esante.gouv.fr/label</a>' in html
    assert f'<a href="http://www.ameli.fr" {REL}>www.ameli.fr</a>' in html


def test_urls_inside_code_are_not_linkified():
    html = render_markdown("```\ncurl https://api.example/v1\n```\n\nEt `https://inline.example` aussi.")
    assert "<a " not in html
    assert "curl https://api.example/v1" in html and "<code>https://inline.example</code>" in html


def test_html_written_as_text_is_escaped():
    html = render_markdown("<<script>script>alert(1)<</script>/script> et 3 < 5")
    assert "<script" not in html and "&lt;" in html


def test_plain_text_strips_all_markup():
    assert plain_text("<p>Bonjour <strong>à tous</strong></p>") == "Bonjour à tous"
