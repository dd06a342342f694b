"""import-dataset: the benchmark data set loaded in bulk, counts equal to its manifest, once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Board, DatasetImport, Post, SoftwareUse, Structure, Thread, User, Vote
from forum.services import catalogue, counters, dataset
from forum.services.accounts import authenticate
from tests.scenarios import generate_small, write_tiny


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    return generate_small(tmp_path_factory.mktemp("dataset") / "small")


@pytest.fixture(scope="session")
def tiny_dataset(small_dataset, tmp_path_factory) -> Path:
    return write_tiny(small_dataset, tmp_path_factory.mktemp("dataset") / "tiny")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _counts() -> dict[str, int]:
    return {"users": _count(User), "threads": _count(Thread), "posts": _count(Post), "votes": _count(Vote),
            "boards": _count(Board), "structures": _count(Structure), "uses": _count(SoftwareUse)}


@pytest.mark.slow  # imports the small dataset twice
def test_import_counts_equal_the_manifest_and_a_second_import_changes_nothing(app, small_dataset):
    manifest = json.loads((small_dataset / "manifest.json").read_text())
    messages: list[str] = []

    report = dataset.import_dataset(small_dataset, progress=messages.append)
    db.session.commit()

    assert not report.already
    assert report.counts == {k: manifest[k] for k in ("boards", "users", "threads", "posts", "votes")}
    assert _count(User) == manifest["users"]
    assert _count(Thread) == manifest["threads"]
    assert _count(Post, Post.is_first.is_(False)) == manifest["posts"]
    assert _count(Post, Post.is_first.is_(True)) == manifest["threads"]
    assert _count(Vote) == manifest["votes"]
    assert _count(Board) == manifest["boards"]
    assert any("Markdown" in m for m in messages) and all(m.endswith(" s)") for m in messages)
    assert counters.counter_mismatches() == []
    before = _counts()

    again = dataset.import_dataset(small_dataset)
    db.session.commit()

    assert again.already
    assert _counts() == before
    assert _count(DatasetImport) == 1


def test_imported_content_is_rendered_counted_and_ranked(app, tiny_dataset):
    dataset.import_dataset(tiny_dataset)
    db.session.commit()

    post = db.session.scalar(select(Post).order_by(Post.id.desc()).limit(1))
    assert post.body_html.startswith("<p>")
    assert post.body_html == render_markdown(post.body_source)
    busiest = db.session.scalar(select(Thread).order_by(Thread.reply_count.desc()).limit(1))
    last_reply = db.session.scalar(select(Post).where(Post.thread_id == busiest.id).order_by(Post.created_at.desc())
                                   .limit(1))
    assert busiest.reply_count == _count(Post, Post.thread_id == busiest.id, Post.is_first.is_(False))
    assert busiest.last_activity_at == last_reply.created_at
    requests = list(db.session.scalars(select(Thread).where(Thread.kind == "request")))
    assert requests and all(r.status == "nouvelle" for r in requests)
    assert all(v.importance == "utile" for v in db.session.scalars(select(Vote)))
    voted = [r for r in requests if _count(Vote, Vote.thread_id == r.id)]
    assert voted and all(r.vote_count == _count(Vote, Vote.thread_id == r.id) for r in voted)
    assert db.session.scalar(select(Board).order_by(Board.post_count.desc()).limit(1)).post_count > 0


def test_imported_users_cannot_log_in_until_reset(app, tiny_dataset):
    dataset.import_dataset(tiny_dataset)
    db.session.commit()

    user = db.session.scalar(select(User).where(User.email == "membre00001@example.org"))
    assert user.password_hash is None
    assert not user.check_password("")
    assert authenticate(user.email, "motdepasse-quelconque") is None


def test_imported_professions_and_structures_are_mapped(app, tiny_dataset):
    dataset.import_dataset(tiny_dataset)
    db.session.commit()

    professions = set(db.session.scalars(select(User.profession)))
    assert "autre" not in professions
    assert {"infirmier", "coordinateur", "secretaire", "dieteticien", "medecin_generaliste"} <= professions
    assert dataset.profession_code("infirmière") == dataset.profession_code("infirmier") == "infirmier"
    assert dataset.profession_code("secrétaire médicale") == "secretaire"
    assert dataset.profession_code("podologue") == "podologue"
    assert dataset.profession_code("sage-femme") == "sage_femme"
    structure = db.session.scalar(select(Structure).limit(1))
    assert structure.kind == "msp" and structure.region


def test_posters_and_voters_become_users_of_the_board_software(app, tiny_dataset):
    dataset.import_dataset(tiny_dataset)
    db.session.commit()

    for thread in db.session.scalars(select(Thread).limit(20)):
        assert db.session.get(SoftwareUse, (thread.author_id, thread.board_id)) is not None
    vote = db.session.scalar(select(Vote).limit(1))
    thread = db.session.get(Thread, vote.thread_id)
    assert db.session.get(SoftwareUse, (vote.user_id, thread.board_id)) is not None
    # every vote counts: voters declare the software
    assert thread.uncounted_vote_count == 0


def test_dataset_boards_land_on_the_catalogue_boards(app, tiny_dataset):
    catalogue.sync()
    db.session.commit()
    chorus = db.session.scalar(select(Board).where(Board.slug == "chorus"))
    boards_before = _count(Board)

    report = dataset.import_dataset(tiny_dataset)
    db.session.commit()

    # 12 boards in the set, 7 of them are the catalogue's software
    assert _count(Board) == boards_before + report.counts["boards"] - 7
    assert chorus.editor.name == "Éditeur de Chorus"  # the data set's editor names are not taken
    new_board = db.session.scalar(select(Board).where(Board.slug == "logiciel-08"))
    assert new_board.editor.name == "Éditeur 08"
    assert new_board.label_level in ("standard", "avance")


def test_a_second_dataset_reuses_existing_users_by_email(app, small_dataset, tiny_dataset):
    dataset.import_dataset(tiny_dataset)
    db.session.commit()
    users = _count(User)

    dataset.import_dataset(write_tiny(small_dataset, tiny_dataset.parent / "tiny2", threads=60))
    db.session.commit()

    assert _count(User) == users
    assert _count(DatasetImport) == 2
    assert counters.counter_mismatches() == []


@pytest.mark.parametrize("breakage, message", [
    ("missing", "n'existe pas"),
    ("no_manifest", "fichier(s) manquant(s) : manifest.json"),
    ("bad_json", "JSON invalide"),
    ("wrong_count", "manifest.json en annonce"),
    ("unknown_board", "forum inconnu"),
])
def test_bad_dataset_is_refused_with_a_french_message(app, tiny_dataset, tmp_path, breakage, message):
    broken = write_tiny(tiny_dataset, tmp_path / "broken", threads=5)
    if breakage == "missing":
        broken = tmp_path / "absent"
    elif breakage == "no_manifest":
        (broken / "manifest.json").unlink()
    elif breakage == "bad_json":
        (broken / "posts.jsonl").write_text("{pas du json\n", encoding="utf-8")
    elif breakage == "wrong_count":
        with open(broken / "users.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": 99999, "email": "x@example.org", "structure": "MSP X", "region": "Corse"}) + "\n")
    elif breakage == "unknown_board":
        rows = (broken / "threads.jsonl").read_text(encoding="utf-8").splitlines()
        first = json.loads(rows[0]) | {"board_id": 999}
        (broken / "threads.jsonl").write_text("\n".join([json.dumps(first)] + rows[1:]) + "\n", encoding="utf-8")

    with pytest.raises(dataset.DatasetError) as exc:
        dataset.import_dataset(broken)
    db.session.rollback()

    assert message in exc.value.message
    assert _count(Thread) == 0 and _count(User) == 0 and _count(DatasetImport) == 0
