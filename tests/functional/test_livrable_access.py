"""Livrable ids tell nothing to those who may not read them: a member, or the editor of another
software, gets the same 404 page for an existing livrable (frozen or draft) as for an id that
does not exist, on its page, its downloads and its forms. The board's editor still reads it."""
from __future__ import annotations

import pytest

from forum.export.rows import ExportFilters
from forum.extensions import db
from forum.models import Livrable
from forum.services import livrables
from tests.factories import make_editor, make_user

MISSING_ID = 987654
REQUESTS = [("get", "/livrables/{}"), ("get", "/livrables/{}/export.csv"), ("get", "/livrables/{}/export.json"),
            ("post", "/livrables/{}/accuse-reception"), ("post", "/livrables/{}"),
            ("post", "/livrables/{}/supprimer")]


@pytest.fixture
def livrable_pair(chorus) -> tuple[Livrable, Livrable]:
    """A frozen livrable of Chorus and a draft, prepared by the moderator of the scenario."""
    moderator = chorus["moderator"]
    frozen = livrables.freeze(moderator, livrables.create_draft(moderator, chorus["board"], ExportFilters()))
    draft = livrables.create_draft(moderator, chorus["board"], ExportFilters())
    db.session.commit()
    return frozen, draft


def answer(client, method: str, url: str) -> tuple[int, str]:
    response = getattr(client, method)(url)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "other_editor"])
@pytest.mark.parametrize("method, url", REQUESTS)
def test_an_existing_livrable_answers_like_a_missing_one(client, login, livrable_pair, who, method, url):
    login(make_user() if who == "member" else make_user(role="editor", editor=make_editor()))
    db.session.commit()
    missing = answer(client, method, url.format(MISSING_ID))
    assert missing[0] == 404 and "Ce livrable n&#39;existe pas." in missing[1]
    frozen, draft = livrable_pair
    for livrable in (frozen, draft):
        assert answer(client, method, url.format(livrable.id)) == missing
    db.session.expire_all()
    assert db.session.get(Livrable, frozen.id).acknowledged_at is None
    assert db.session.get(Livrable, draft.id) is not None


def test_the_boards_editor_still_reads_downloads_and_acknowledges(client, login, chorus, livrable_pair):
    login(chorus["rep"])
    frozen_id, draft_id = (livrable.id for livrable in livrable_pair)
    page = client.get(f"/livrables/{frozen_id}")
    assert page.status_code == 200 and "Importer les résultats de biologie" in page.get_data(as_text=True)
    assert client.get(f"/livrables/{frozen_id}/export.csv").status_code == 200
    assert client.post(f"/livrables/{frozen_id}/accuse-reception").status_code == 302
    db.session.expire_all()
    assert db.session.get(Livrable, frozen_id).acknowledged_by_id == chorus["rep"].id
    assert client.get(f"/livrables/{draft_id}").status_code == 404  # drafts: moderators only
