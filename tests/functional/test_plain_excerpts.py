"""Excerpts in result lists read as text: no Markdown mark (`**`, `[…](…)`, `#`) shows raw."""
import re

from forum.extensions import db
from tests.factories import make_thread
from tests.pages import page

BODY = "# Titre du besoin\n\nUne **hotline** joignable, voir [la charte](https://example.org/charte) du club."


def excerpts(text: str) -> list[str]:
    return re.findall(r'<p class="excerpt">(.*?)</p>', text, re.S)


def test_search_results_without_the_index_show_markdown_as_text(client):
    make_thread(title="Hotline injoignable", body=BODY)
    db.session.commit()
    text = page(client.get("/search?q=hotline"))
    assert "momentanément indisponible" in text  # no index built: the database answers
    [shown] = excerpts(text)
    words = re.sub(r"<[^>]+>", "", shown)
    assert "Titre du besoin" in words and "la charte" in words and "hotline" in words
    for mark in ("**", "](", "# ", "https://example.org"):
        assert mark not in words


def test_the_ranked_list_shows_the_official_answer_as_text(client):
    from forum.services import statuses
    from tests.factories import make_request, make_user

    request = make_request(title="Exporter les vaccins en CSV")
    statuses.set_status(make_user(role="moderator"), request, "a_l_etude",
                        note="Nous **étudions** la demande, voir [la feuille de route](https://example.org/fdr).",
                        official=True)
    db.session.commit()
    text = page(client.get(f"/b/{request.board.slug}/demandes"))
    assert "Nous étudions la demande, voir la feuille de route." in re.sub(r"<[^>]+>", "", text)
    assert "**étudions**" not in text and "](https://example.org/fdr)" not in text
