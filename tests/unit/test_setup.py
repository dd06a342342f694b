"""Set-up: configuration layers, secret key, SQLite settings, migrations matching the models."""
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from forum import create_app
from forum.config import load_secret_key
from forum.extensions import db


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_secret_key(str(tmp_path))
    assert (tmp_path / "secret_key").read_text() == first and len(first) == 64
    assert load_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_factory_uses_the_instance_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == load_secret_key(app.instance_path)


def test_environment_overrides_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite3"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")


def test_postgres_urls_use_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://forum:secret@db.example/forum")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.sqlite_only
def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(app):
    conn = db.session.connection()
    assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_migrations_create_exactly_the_models_schema(tmp_path):
    path = tmp_path / "migrated.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    db.metadata)
        db.engine.dispose()
    assert diff == []


def test_upgrade_keeps_existing_rows(tmp_path):
    """Upgrading an existing database from the first revision keeps its data."""
    path = tmp_path / "old.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="0001")
        db.session.execute(text("INSERT INTO editors (slug, name) VALUES ('ed', 'Éditeur')"))
        db.session.execute(text(
            "INSERT INTO boards (slug, name, editor_id, is_general, position, votes_require_usage, created_at,"
            " question_count, tip_count, request_count, post_count) "
            "VALUES ('chorus', 'Chorus', 1, 0, 0, 1, '2026-01-01 00:00:00', 0, 0, 0, 0)"))
        db.session.commit()
        upgrade()
        db.engine.dispose()
    rows = sqlite3.connect(path).execute("SELECT slug, name FROM boards").fetchall()
    assert rows == [("chorus", "Chorus")]


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_the_database_refuses_a_second_open_report_by_the_same_member(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from forum.models import Report
    from forum.models._time import utcnow
    from tests.factories import make_post, make_thread, make_user

    post = make_post(make_thread())
    reporter = make_user()
    db.session.add(Report(post_id=post.id, reporter_id=reporter.id, reason="hors_sujet", resolved_at=utcnow()))
    db.session.add(Report(post_id=post.id, reporter_id=reporter.id, reason="hors_sujet"))
    db.session.flush()  # a resolved report does not count
    db.session.add(Report(post_id=post.id, reporter_id=reporter.id, reason="autre"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
