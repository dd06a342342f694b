"""The data commands as an operator runs them: sync-catalogue, seed-demo, import-dataset, recount."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from forum.extensions import db
from forum.models import Board, Post, Thread, User
from tests.scenarios import generate_small, write_tiny


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cli-dataset")
    return write_tiny(generate_small(base / "small"), base / "tiny", threads=30)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sync_catalogue_adds_the_boards_then_has_nothing_to_do(runner):
    first = runner.invoke(args=["sync-catalogue"])
    second = runner.invoke(args=["sync-catalogue"])

    assert first.exit_code == 0 and "8 forum(s) ajoutés" in first.output
    assert second.exit_code == 0 and "Catalogue déjà à jour : rien à faire." in second.output
    assert _count(Board) == 8


def test_seed_demo_prints_the_demo_logins_then_does_nothing_the_second_time(runner):
    first = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "Données de démonstration chargées" in first.output
    assert "demo-motdepasse" in first.output
    assert "admin@demo.example.org" in first.output and "referent.chorus@demo.example.org" in first.output
    threads, posts = _count(Thread), _count(Post)

    second = runner.invoke(args=["seed-demo", "--if-empty"])

    assert second.exit_code == 0
    assert second.output.strip() == "Données de démonstration déjà chargées : rien à faire."
    assert (_count(Thread), _count(Post)) == (threads, posts)


def test_seed_demo_if_empty_skips_a_database_filled_by_an_import(runner, tiny_dataset):
    runner.invoke(args=["import-dataset", str(tiny_dataset)])

    result = runner.invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0
    assert "données de démonstration non chargées" in result.output
    assert db.session.scalar(select(User).where(User.email == "admin@demo.example.org")) is None


def test_import_dataset_prints_progress_and_counts_then_nothing_to_do(runner, tiny_dataset):
    result = runner.invoke(args=["import-dataset", str(tiny_dataset)])

    assert result.exit_code == 0, result.output
    assert "Sujets insérés : 30" in result.output
    assert "Import terminé" in result.output and "30 sujets" in result.output
    assert "search reindex" in result.output
    threads = _count(Thread)
    if db.engine.dialect.name == "postgresql":  # planner statistics gathered by the import
        assert db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'threads'")) == threads

    again = runner.invoke(args=["import-dataset", str(tiny_dataset)])

    assert again.exit_code == 0
    assert again.output.strip() == "Ce jeu de données est déjà importé : rien à faire."
    assert _count(Thread) == threads


def test_import_dataset_of_a_bad_directory_exits_2_with_a_french_message(runner, tmp_path):
    result = runner.invoke(args=["import-dataset", str(tmp_path / "nulle-part")])

    assert result.exit_code == 2
    assert "Erreur : Le dossier" in result.stderr and "n'existe pas" in result.stderr
    assert _count(Thread) == 0

    empty = runner.invoke(args=["import-dataset", str(tmp_path)])

    assert empty.exit_code == 2
    assert "fichier(s) manquant(s)" in empty.stderr


def test_recount_check_reports_no_mismatch_after_seed_and_import(runner, tiny_dataset):
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["import-dataset", str(tiny_dataset)])

    result = runner.invoke(args=["recount", "--check"])

    assert result.exit_code == 0, result.output
    assert "0 compteur(s) faux." in result.output


def test_recount_check_lists_a_wrong_counter_and_recount_fixes_it(runner):
    runner.invoke(args=["seed-demo"])
    thread = db.session.scalar(select(Thread).where(Thread.reply_count > 0).limit(1))
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(reply_count=99))
    db.session.execute(update(Board).where(Board.id == thread.board_id).values(post_count=0))
    db.session.commit()

    check = runner.invoke(args=["recount", "--check"])

    assert check.exit_code == 1
    assert f"thread {thread.id}: reply_count 99" in check.output
    assert "post_count 0" in check.output

    fix = runner.invoke(args=["recount"])
    after = runner.invoke(args=["recount", "--check"])

    assert fix.exit_code == 0 and "Compteurs recalculés" in fix.output
    assert after.exit_code == 0 and "0 compteur(s) faux." in after.output


def test_home_page_after_seed_demo_shows_every_board_with_recent_activity(runner, client):
    runner.invoke(args=["seed-demo", "--if-empty"])

    page = client.get("/").get_data(as_text=True)

    for name in ("Chorus", "WEDA", "Hellodoc", "Axisanté", "Crossway", "MonLogicielMédical.com", "Médistory",
                 "Inter-logiciels"):
        assert name in page
    assert "Éditeur de Chorus" in page
    assert "répond plus au label V2" in page
    assert "il y a" in page


def test_recount_fills_the_vote_breakdowns_an_upgrade_left_empty_and_checks_the_figures(runner, client):
    runner.invoke(args=["seed-demo"])
    voted = db.session.scalar(select(Thread).where(Thread.kind == "request", Thread.vote_count > 1).limit(1))
    stored = voted.vote_breakdown
    assert sum(stored["importance"].values()) == voted.vote_count
    assert sum(stored["professions"].values()) == voted.vote_count
    page = client.get(f"/b/{voted.board.slug}/demandes?statut={voted.status}").get_data(as_text=True)
    db.session.execute(update(Thread).values(vote_breakdown=None))  # as migration 0010 leaves them
    db.session.commit()
    assert client.get(f"/b/{voted.board.slug}/demandes?statut={voted.status}").get_data(as_text=True) == page

    db.session.execute(update(Thread).where(Thread.id == voted.id).values(score=voted.score + 5))
    db.session.commit()
    check = runner.invoke(args=["recount", "--check"])
    assert check.exit_code == 1 and f"request {voted.id}: stored" in check.output

    fix = runner.invoke(args=["recount"])
    assert fix.exit_code == 0 and "demandes" in fix.output
    db.session.expire_all()
    assert db.session.get(Thread, voted.id).vote_breakdown == stored
    assert runner.invoke(args=["recount", "--check"]).exit_code == 0
    assert client.get(f"/b/{voted.board.slug}/demandes?statut={voted.status}").get_data(as_text=True) == page
