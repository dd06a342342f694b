"""Browser tests: the real app (gunicorn, 2 workers, CSRF on) on a temporary instance, driven by
Debian's Chromium through Playwright.

No browser is ever downloaded (`playwright install` is never run): Playwright's Python wheel brings
its driver, and the browser is the system's /usr/bin/chromium (or $CHROMIUM_PATH), installed by
`scripts/ensure_chromium.sh`. When Chromium or the playwright package is missing, the tests are
skipped with a message, unless FORUM_REQUIRE_BROWSER=1 (CI), where they fail.

One server for the session: a SQLite file, a search index and the catalogue in a temporary
directory, rate limits off, FORUM_ENV=development so that cookies are not Secure over http.
Each test module creates its own accounts and data through the app's services (`live_site.app()`),
with names no other module uses, so the order of the tests does not matter. Each scenario saves
a screenshot of its end state in test-artifacts/browser/<name>.png.
"""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from forum import create_app
from forum.extensions import db
from forum.search import apply_pending
from forum.services import accounts
from forum.services import boards as board_service
from tests.live_server import free_port, stop, wait_until_up

try:  # test modules import `expect` from here: without playwright they are skipped, not broken
    from playwright.sync_api import expect
except ImportError:
    expect = None

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
PORTS = range(5190, 5200)
PASSWORD = "motdepasse-solide"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_emails = itertools.count(1)


def _unavailable(french: str, english: str) -> None:
    message = f"{french} / {english}"
    if os.environ.get("FORUM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FORUM_REQUIRE_BROWSER=1 : {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("le paquet Python playwright n'est pas installé (pip install -r requirements.txt)",
                     "the playwright Python package is not installed")
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(f"Chromium est introuvable ({path}) : lancez scripts/ensure_chromium.sh "
                     "(apt-get install chromium)", f"Chromium not found at {path}: run scripts/ensure_chromium.sh")
    if not (BIN / "gunicorn").exists():
        _unavailable("gunicorn n'est pas installé", "gunicorn is not installed")
    return path


@dataclass
class LiveSite:
    url: str
    config: dict

    @contextmanager
    def app(self) -> Iterator:
        """An app context on the server's database, to prepare data with the services; commits."""
        app = create_app(self.config)
        with app.app_context():
            try:
                yield app
                db.session.commit()
                apply_pending()
            finally:
                db.session.remove()
                db.engine.dispose()

    def member(self, name: str, boards: tuple[str, ...] = (), role: str = "member",
               structure: str | None = None) -> dict:
        """Register an account with the registration service (then give it `role`)."""
        email = f"navigateur{next(_emails)}@example.org"
        with self.app():
            # Staff names may hold role words (« Mona Modération »): members' may not, so staff
            # accounts are registered under a neutral name first, as `create-user` would name them.
            registered_name = name if role == "member" else f"Compte {next(_emails)}"
            user = accounts.register(email, registered_name, PASSWORD, "medecin_generaliste",
                                     structure or f"MSP {name}", "msp", "Bretagne",
                                     [(board_service.get_board(slug), None) for slug in boards])
            user.role = role
            user.display_name = name
            db.session.flush()
            return {"id": user.id, "email": email, "name": name}




def _flask(env: dict, *args: str) -> None:
    done = subprocess.run([str(BIN / "flask"), "--app", "forum", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"flask {' '.join(args)}: {done.stderr[-2000:]}"






@pytest.fixture(scope="session")
def live_site(tmp_path_factory, chromium_executable) -> Iterator[LiveSite]:
    tmp = tmp_path_factory.mktemp("browser-site")
    config = {"DATABASE_URL": f"sqlite:///{tmp / 'forum.sqlite3'}", "SEARCH_INDEX_DIR": str(tmp / "search-index"),
              "STORAGE_URL": f"file://{tmp / 'files'}", "SECRET_KEY": "browser-test-secret", "SEARCH_BACKEND": "whoosh", "FORUM_ENV": "development",
              "RATELIMIT_ENABLED": "false", "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
              # Pages are checked right after the fixture indexes from another process.
              "SEARCH_REFRESH_SECONDS": "0", "SEARCH_APPLY_DELAY": "0"}
    env = {**os.environ, **{k: v for k, v in config.items() if k != "MAIL_OUTBOX_DIR"}, "FLASK_APP": "forum"}
    _flask(env, "db", "upgrade")
    _flask(env, "sync-catalogue")
    port, log_path = free_port(PORTS), tmp / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(port, process, log_path)
            yield LiveSite(f"http://127.0.0.1:{port}", {**config, "RATELIMIT_ENABLED": False})
        finally:
            stop(process)
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="session")
def browser(chromium_executable) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_site) -> Iterator:
    """new_page(**context_options): a page in a fresh browser context (its own cookies)."""
    contexts = []

    def _open(**options):
        context = browser.new_context(base_url=live_site.url, locale="fr-FR", accept_downloads=True,
                                      viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def screenshot(page, name: str) -> Path:
    """Keep the end state of a scenario as a test artefact (also copied to $SCREENSHOTS_DIR when set,
    for looking at a whole run's pictures in one place)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if extra := os.environ.get("SCREENSHOTS_DIR"):
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("button", name="Se déconnecter").is_visible(), page.content()[:2000]


def log_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    assert page.get_by_role("link", name="Se connecter").is_visible()


def submit(page, locator) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()
