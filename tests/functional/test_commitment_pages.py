"""Commitments on the pages (issue 16, point 1): the target form and the status form, the request's
commitment line and slips, the « En retard » badge on the lists, the API fields and the exports.
On the Chorus scenario of tests/scenarios.py (`bizone` is planned)."""
import csv
import io
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.models.commitments import RequestTarget
from forum.services import commitments
from forum.services.commitment_rules import today
from tests.factories import make_editor, make_user
from tests.pages import page

NEXT_YEAR = today().year + 1


def text(response) -> str:
    """The page's text as read: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


def targets(thread):
    return db.session.scalar(select(func.count()).select_from(RequestTarget).where(RequestTarget.thread_id == thread.id))


def make_late(thread, actor):
    """A target whose month is over (the service refuses past dates: written as the demo does)."""
    last_month = today().replace(day=1) - timedelta(days=1)
    period = f"{last_month.year}-{last_month.month:02d}"
    db.session.add(RequestTarget(thread_id=thread.id, version="6.2", period=period, due_on=last_month,
                                 actor_id=actor.id))
    thread.target_version, thread.target_period, thread.target_due_on, thread.target_slips = "6.2", period, last_month, 0
    db.session.commit()


def test_editor_gives_a_target_through_the_form(client, login, chorus):
    bizone = chorus["bizone"]
    login(chorus["rep"])
    html = page(client.get(f"/t/{bizone.id}/echeance"))
    assert "Donner une échéance à la demande" in html and "Pourquoi l'échéance change" not in html
    response = client.post(f"/t/{bizone.id}/echeance", data={"version": "v6.2", "period": f"T2 {NEXT_YEAR}"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#echeance")
    html = text(client.get(response.headers["Location"]))
    assert f"Prévue pour T2 {NEXT_YEAR} (version 6.2)" in html and "Changer l'échéance" in html


def test_errors_are_french_and_keep_the_text(client, login, chorus):
    bizone = chorus["bizone"]
    login(chorus["rep"])
    response = client.post(f"/t/{bizone.id}/echeance", data={"version": "6.2", "period": f"T1 {today().year - 1}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "L&#39;échéance est déjà passée" in html
    assert f'value="T1 {today().year - 1}"' in html
    commitments.set_target(chorus["rep"], bizone, "6.2", f"T1 {NEXT_YEAR}")
    db.session.commit()
    response = client.post(f"/t/{bizone.id}/echeance", data={"version": "6.2", "period": f"T3 {NEXT_YEAR}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Indiquez pourquoi l&#39;échéance change" in html
    assert f'value="T3 {NEXT_YEAR}"' in html
    db.session.expire_all()
    assert targets(bizone) == 1 and bizone.target_period == f"{NEXT_YEAR}-T1"


def test_another_editor_gets_403_and_nothing_changes(client, login, chorus):
    bizone = chorus["bizone"]
    login(make_user(role="editor", editor=make_editor()))
    assert client.get(f"/t/{bizone.id}/echeance").status_code == 403
    response = client.post(f"/t/{bizone.id}/echeance", data={"version": "9.9", "period": f"T2 {NEXT_YEAR}"})
    assert response.status_code == 403
    db.session.expire_all()
    assert targets(bizone) == 0 and bizone.target_version is None


def test_status_form_plans_with_a_target_in_one_go(client, login, chorus):
    biology = chorus["biology"]
    login(chorus["moderator"])
    response = client.post(f"/t/{biology.id}/statut", data={
        "status": "planifiee", "target_version": "6.3", "target_period": f"mai {NEXT_YEAR}"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (biology.status, biology.target_version, biology.target_period) == ("planifiee", "6.3", f"{NEXT_YEAR}-05")


def test_status_form_bad_period_changes_nothing(client, login, chorus):
    biology = chorus["biology"]
    login(chorus["moderator"])
    response = client.post(f"/t/{biology.id}/statut", data={"status": "planifiee", "target_period": "bientôt"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Indiquez l&#39;échéance comme un trimestre" in html
    assert 'value="bientôt"' in html
    db.session.expire_all()
    assert biology.status == "nouvelle" and targets(biology) == 0


def test_request_page_shows_the_commitment_and_its_slips(client, chorus):
    bizone, rep = chorus["bizone"], chorus["rep"]
    commitments.set_target(rep, bizone, "5.4", f"T1 {NEXT_YEAR}")
    commitments.set_target(rep, bizone, "5.4", f"T2 {NEXT_YEAR}", reason="Norme reportée par l'ANS.")
    commitments.set_target(rep, bizone, "5.4", f"T3 {NEXT_YEAR}", reason="Tests pilotes plus longs.")
    db.session.commit()
    html = text(client.get(f"/t/{bizone.id}"))
    assert (f"Prévue pour T3 {NEXT_YEAR} (version 5.4), repoussée deux fois : "
            f"T1 {NEXT_YEAR} → T2 {NEXT_YEAR} → T3 {NEXT_YEAR}") in html
    assert f"échéance repoussée : version 5.4 · T1 {NEXT_YEAR} → version 5.4 · T2 {NEXT_YEAR} · par" in html
    assert "Raison : Norme reportée par l'ANS." in html and "Raison : Tests pilotes plus longs." in html
    assert "En retard" not in html


def test_late_badge_on_the_request_ranked_page_and_board_list(client, chorus):
    bizone = chorus["bizone"]
    ranked = page(client.get("/b/chorus/demandes"))
    assert "badge-late" not in ranked
    make_late(bizone, chorus["rep"])
    for url in (f"/t/{bizone.id}", "/b/chorus/demandes", "/b/chorus/"):
        html = page(client.get(url))
        assert html.count('class="badge badge-late"') == 1, url
    assert "Prévue pour " in page(client.get("/b/chorus/"))


def test_api_gives_the_target(client, chorus):
    bizone = chorus["bizone"]
    make_late(bizone, chorus["rep"])
    listed = {r["id"]: r for r in client.get("/api/v1/boards/chorus/requests").json["requests"]}
    target = listed[bizone.id]["target"]
    assert target == {"version": "6.2", "period": bizone.target_period, "label": f"version 6.2 · "
                      f"{target['label'].split(' · ')[1]}", "due_on": bizone.target_due_on.isoformat(),
                      "slips": 0, "late": True}
    assert listed[chorus["biology"].id]["target"] is None
    assert client.get(f"/api/v1/threads/{bizone.id}").json["target"] == target


def test_exports_have_the_target_columns(client, login, chorus):
    bizone = chorus["bizone"]
    make_late(bizone, chorus["rep"])
    login(chorus["moderator"])
    response = client.get("/b/chorus/demandes/export?format=csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    rows = {line[1]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
    assert rows[str(bizone.id)]["En retard"] == "oui" and rows[str(bizone.id)]["Échéance"] != ""
    assert rows[str(chorus["biology"].id)]["En retard"] == "" == rows[str(chorus["biology"].id)]["Échéance"]
    response = client.get("/b/chorus/demandes/export?format=json")
    assert response.status_code == 200
    items = {item["id"]: item for item in json.loads(response.data)["requests"]}
    assert items[bizone.id]["late"] is True and items[bizone.id]["target_period"] == bizone.target_period
    assert items[bizone.id]["target_due_on"] == bizone.target_due_on.isoformat()
    assert items[chorus["biology"].id]["late"] is False and items[chorus["biology"].id]["target_period"] is None


def test_targets_cost_no_query_per_row(client, chorus, count_queries):
    make_late(chorus["bizone"], chorus["rep"])
    counts = []
    for extra in (chorus["biology"], chorus["injection"]):
        for url in ("/b/chorus/demandes?statut=nouvelle&statut=planifiee", "/b/chorus/", "/api/v1/boards/chorus/requests"):
            client.get(url)  # warm
        with count_queries() as counter:
            for url in ("/b/chorus/demandes?statut=nouvelle&statut=planifiee", "/b/chorus/",
                        "/api/v1/boards/chorus/requests"):
                assert client.get(url).status_code == 200
        counts.append(counter.count)
        extra.status = "planifiee"
        make_late(extra, chorus["rep"])
    assert counts[0] == counts[1]
