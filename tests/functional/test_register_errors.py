"""Registration refused: an error summary at the top of the page, one link per error to its field."""
import re

from forum.web.account_forms import REQUIRED
from tests.factories import make_user
from tests.functional.test_auth import registration
from tests.pages import page


def summary_of(text: str) -> str:
    """The error summary block of the page (asserts there is one)."""
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', text, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_refused_registration_lists_every_error_at_the_top_with_links_to_fields(client):
    response = client.post("/inscription", data=registration(
        email="pas-une-adresse", display_name="", password="court", password_confirm="autre",
        profession=""))
    text = page(response, 422)
    summary = summary_of(text)
    assert text.index('class="error-summary"') < text.index('<form method="post" action="/inscription"')
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links[:4] == [  # in the order of the page, each field named with its message
        ("email", "Adresse e-mail : Cette adresse e-mail n'est pas valide."),
        ("display_name", f"Nom affiché : {REQUIRED}"),
        ("password", "Mot de passe : Le mot de passe doit contenir au moins 10 caractères."),
        ("password_confirm", "Confirmation du mot de passe : Les deux mots de passe ne correspondent pas."),
    ]
    assert f"Le formulaire contient {len(links)} erreurs" in summary
    for field_id, _ in links:
        assert f'id="{field_id}"' in text
    assert 'value="pas-une-adresse"' in text


def test_one_error_from_the_service_is_summarised_in_the_singular(client):
    make_user(email="claire.martin@example.org")
    text = page(client.post("/inscription", data=registration()), 422)
    summary = summary_of(text)
    assert "Le formulaire contient 1 erreur" in summary and "1 erreurs" not in summary
    assert re.search(r'<a href="#email">[^<]+</a>', summary)

