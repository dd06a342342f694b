"""Highlighting: escaped user text, <mark> on the query's terms, the best post chosen."""
from forum.search.analysis import query_terms
from forum.search.documents import POST_SEPARATOR
from forum.search.excerpts import excerpt, highlight


def terms(*words):
    return {t for w in words for t in query_terms(w)}


def test_highlight_escapes_user_text_and_marks_matches():
    html = highlight('Option <b>DMP</b> & "CPS"', terms("dmp"))
    assert str(html) == 'Option &lt;b&gt;<mark>DMP</mark>&lt;/b&gt; &amp; &#34;CPS&#34;'


def test_highlight_marks_other_forms_of_the_word():
    html = str(highlight("Les ordonnances du médecin", terms("ordonnance", "medecins")))
    assert "<mark>ordonnances</mark>" in html and "<mark>médecin</mark>" in html


def test_excerpt_picks_the_post_with_most_query_terms_and_cuts_around_it():
    body = POST_SEPARATOR.join([
        "Bonjour à tous.",
        "Un long message " + "sans rapport " * 40 + "puis enfin la facturation infirmière en tournée.",
        "La facturation seule.",
    ])
    html = str(excerpt(body, terms("facturation", "infirmière")))
    assert html.startswith("… ") and "<mark>facturation</mark> <mark>infirmière</mark>" in html
    assert len(html) < 400


def test_excerpt_without_match_shows_the_start_of_the_first_post():
    assert str(excerpt("Premier message." + POST_SEPARATOR + "Second.", terms("zzz"))) == "Premier message."
