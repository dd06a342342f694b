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
from tests.unit.test_export_formats import build_board

MISSING_ID = 987654
REQUESTS = [("get", "/livrables/{}"), ("get", "/livrables/{}/export.csv"), ("get", "/livrables/{}/export.json"),
            ("post", "/livrables/{}/accuse-reception"), ("post", "/livrables/{}"),
            ("post", "/livrables/{}/supprimer")]


@pytest.fixture
def chorus(app):
    """Chorus with a frozen livrable and a draft, prepared by a moderator."""
    data = build_board()
    data["moderator"] = moderator = make_user(role="moderator")
    data["frozen"] = livrables.freeze(moderator, livrables.create_draft(moderator, data["board"], ExportFilters()))
    data["draft"] = livrables.create_draft(moderator, data["board"], ExportFilters())
    db.session.commit()
    return data


def answer(client, method: str, url: str) -> tuple[int, str]:
    response = getattr(client, method)(url)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "other_editor"])
@pytest.mark.parametrize("method, url", REQUESTS)
def test_an_existing_livrable_answers_like_a_missing_one(client, login, chorus, who, method, url):
    login(make_user() if who == "member" else make_user(role="editor", editor=make_editor()))
    db.session.commit()
    missing = answer(client, method, url.format(MISSING_ID))
    assert missing[0] == 404 and "Ce livrable n&#39;existe pas." in missing[1]
    for livrable in (chorus["frozen"], chorus["draft"]):
        assert answer(client, method, url.format(livrable.id)) == missing
    db.session.expire_all()
    assert db.session.get(Livrable, chorus["frozen"].id).acknowledged_at is None
    assert db.session.get(Livrable, chorus["draft"].id) is not None


def test_the_boards_editor_still_reads_downloads_and_acknowledges(client, login, chorus):
    login(chorus["rep"])
    frozen_id = chorus["frozen"].id
    page = client.get(f"/livrables/{frozen_id}")
    assert page.status_code == 200 and "Importer les résultats de biologie" in page.get_data(as_text=True)
    assert client.get(f"/livrables/{frozen_id}/export.csv").status_code == 200
    assert client.post(f"/livrables/{frozen_id}/accuse-reception").status_code == 302
    db.session.expire_all()
    assert db.session.get(Livrable, frozen_id).acknowledged_by_id == chorus["rep"].id
    assert client.get(f"/livrables/{chorus['draft'].id}").status_code == 404  # drafts: moderators only
