"""`backup` and `restore`: a consistent copy while others write, a verified round trip, clear refusals."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from forum import search
from forum.extensions import db
from forum.models import Thread, User
from forum.search.whoosh import storage
from forum.services import backup
from tests.factories import make_board, make_thread, make_user

pytestmark = pytest.mark.sqlite_only  # the SQLite backup API and file copies


def _db_path(app) -> Path:
    return backup.sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])


def _content():
    search.reindex()
    board = make_board("Chorus", slug="chorus")
    thread = make_thread(board, title="Ordonnances bizones dans Chorus", body="Où trouver l'option ?")
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES ('0001_initial')"))
    db.session.commit()
    search.apply_pending()
    return thread


def test_backup_while_another_connection_writes_is_sound_and_has_the_committed_rows(app, tmp_path):
    _content()
    db.session.remove()
    committed = []
    stop = threading.Event()

    def writer():
        conn = sqlite3.connect(_db_path(app), timeout=10)
        conn.execute("PRAGMA journal_mode = WAL")
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("INSERT INTO structures (name, kind, region, created_at) VALUES (?, 'msp', 'Bretagne', "
                         "'2026-01-01 00:00:00')", (f"MSP concurrente {n}",))
            conn.commit()
            committed.append(n)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(committed) < 50:
            time.sleep(0.01)
        before = len(committed)
        report = backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["SEARCH_INDEX_DIR"]),
                               tmp_path / "sauvegarde")
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert len(committed) > before  # the writer kept writing during the backup
    copy = sqlite3.connect(report.directory / backup.DATABASE_FILE)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = {row[0] for row in copy.execute("SELECT name FROM structures WHERE name LIKE 'MSP concurrente %'")}
    copy.close()
    assert {f"MSP concurrente {n}" for n in range(1, before + 1)} <= names


def test_backup_writes_manifest_with_revision_counts_sizes_and_checksums(app, runner, tmp_path):
    _content()
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite dans" in result.output
    manifest = json.loads((tmp_path / "sauvegarde" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_revision"] == "0001_initial"
    assert manifest["counts"]["threads"] == 1 and manifest["counts"]["posts"] == 1
    assert manifest["counts"]["users"] == db.session.scalar(select(func.count(User.id)))
    assert manifest["search_index_generation"].startswith("gen-")
    assert "forum.sqlite3" in manifest["files"]
    assert any(name.startswith("search-index/gen-") for name in manifest["files"])
    entry = manifest["files"]["forum.sqlite3"]
    assert entry["size"] == (tmp_path / "sauvegarde" / "forum.sqlite3").stat().st_size
    assert entry["sha256"] == backup.sha256(tmp_path / "sauvegarde" / "forum.sqlite3")


def test_backup_waits_for_the_index_lock_then_saves_the_database_alone_with_a_warning(app, tmp_path):
    _content()
    root = Path(app.config["SEARCH_INDEX_DIR"])
    _, ix = storage.open_live(root)
    writer = storage.acquire_writer(ix, timeout=1)
    try:
        report = backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], root, tmp_path / "sauvegarde",
                               lock_timeout=0.3)
    finally:
        writer.cancel()
    assert report.manifest["search_index_generation"] is None
    assert "Index de recherche non sauvegardé" in report.warnings[0]
    assert list(report.manifest["files"]) == ["forum.sqlite3"]


def test_restore_round_trip_brings_back_database_and_index(app, runner, tmp_path):
    thread = _content()
    assert runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")]).exit_code == 0
    make_user("apres@example.org")
    db.session.delete(db.session.get(Thread, thread.id))
    db.session.commit()
    search.reindex()
    assert search.query("ordonnances").hits == []
    db.session.remove()
    result = runner.invoke(args=["restore", str(tmp_path / "sauvegarde"), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Base restaurée" in result.output and "redémarrez les workers" in result.output
    assert db.session.get(Thread, thread.id).title == "Ordonnances bizones dans Chorus"
    assert db.session.scalar(select(User).where(User.email == "apres@example.org")) is None
    assert [hit.thread.id for hit in search.query("ordonnances").hits] == [thread.id]
    assert search.status()["pending"] == 0
    conn = sqlite3.connect(_db_path(app))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_restore_refuses_to_overwrite_without_yes(app, runner, tmp_path):
    _content()
    runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    make_user("apres@example.org")
    db.session.commit()
    result = runner.invoke(args=["restore", str(tmp_path / "sauvegarde")])
    assert result.exit_code == 2
    assert "existe déjà : relancez avec --yes" in result.output
    assert db.session.scalar(select(User).where(User.email == "apres@example.org")) is not None


def test_restore_of_a_directory_without_manifest_is_refused(app, runner, tmp_path):
    (tmp_path / "vide").mkdir()
    result = runner.invoke(args=["restore", str(tmp_path / "vide"), "--yes"])
    assert result.exit_code == 2
    assert "n'est pas une sauvegarde : manifest.json est introuvable" in result.output
    result = runner.invoke(args=["restore", str(tmp_path / "absent"), "--yes"])
    assert result.exit_code == 2


def test_restore_of_an_altered_backup_is_refused_and_changes_nothing(app, runner, tmp_path):
    _content()
    runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    make_user("apres@example.org")
    db.session.commit()
    with (tmp_path / "sauvegarde" / "forum.sqlite3").open("r+b") as f:
        f.seek(5000)
        f.write(b"\x00corrompu\x00")
    result = runner.invoke(args=["restore", str(tmp_path / "sauvegarde"), "--yes"])
    assert result.exit_code == 2
    assert "Sauvegarde altérée : l'empreinte SHA-256 de forum.sqlite3 ne correspond pas" in result.output
    assert db.session.scalar(select(User).where(User.email == "apres@example.org")) is not None


def test_backup_refuses_postgresql_and_points_to_pg_dump(app, runner, tmp_path):
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://forum@localhost/forum"
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "sauvegarde")])
    assert result.exit_code == 2
    assert "ne gère que SQLite" in result.output and "pg_dump" in result.output
    assert not (tmp_path / "sauvegarde").exists()


def test_backup_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    _content()
    (tmp_path / "plein").mkdir()
    (tmp_path / "plein" / "autre.txt").write_text("ne pas écraser", encoding="utf-8")
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "plein")])
    assert result.exit_code == 2
    assert "existe déjà et n'est pas vide" in result.output
