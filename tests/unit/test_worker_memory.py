"""What a web worker loads: the libraries of rare commands and other databases stay out of its memory
(Alembic with Mako and Pygments, openpyxl, psycopg on SQLite, Pillow: ~28 MB a worker together), and
the commands that need them still work."""
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from forum import create_app
from forum.extensions import db

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("alembic", "mako", "pygments", "openpyxl", "psycopg", "PIL")
PROBE = """
import json, sys
from forum import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "probe"})
client = app.test_client()
pages = [client.get(path).status_code for path in ("/healthz", "/", "/search?q=agenda")]
print(json.dumps({"pages": pages, "loaded": sorted(m for m in sys.argv[2:] if m in sys.modules)}))
"""


def test_a_worker_on_sqlite_serves_pages_without_loading_rare_libraries(tmp_path):
    database = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "probe"})
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    found = subprocess.run([sys.executable, "-c", PROBE, database, *HEAVY], capture_output=True, text=True, check=True)
    probe = json.loads(found.stdout.strip().splitlines()[-1])
    assert probe["pages"] == [200, 200, 200]
    assert probe["loaded"] == []


def test_flask_db_commands_run_through_the_lazy_group(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "SECRET_KEY": "cli"})
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0 and "upgrade" in listed.output and "--directory" in listed.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        assert {"threads", "posts", "users", "alembic_version"} <= set(inspect(db.engine).get_table_names())
        applied = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    heads = sorted((ROOT / "migrations" / "versions").glob("0*.py"))[-1].name.split("_")[0]
    assert applied == heads
