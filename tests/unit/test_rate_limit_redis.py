"""Rate limits shared by several workers: with RATELIMIT_STORAGE_URI=redis://… two application
processes count against one limit; with the default memory:// each counts on its own. Starts a real
redis-server (Debian's package) on a free local port in a temporary directory."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import NO_REDIS, REDIS_SERVER, free_port, redis_server

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason=NO_REDIS)

# One application process: three failed log-ins at most per address and minute, then `count` tries.
CHILD = """
import json, sys
from forum import create_app
from forum.config import TestConfig
database, tmp, storage, count = sys.argv[1:5]
config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
config.update(DATABASE_URL=database, SEARCH_INDEX_DIR=tmp + "/index", MAIL_OUTBOX_DIR=tmp + "/outbox",
              RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, RATELIMIT_LOGIN_ADDRESS="3/minute",
              RATELIMIT_LOGIN_ACCOUNT="1000/minute")
client = create_app(config).test_client()
codes = [client.post("/connexion", data={"email": "personne@example.org", "password": "mauvais"}).status_code
         for _ in range(int(count))]
print(json.dumps(codes))
"""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis"), range(5190, 5200)) as url:
        yield url


@pytest.fixture
def sqlite_copy(tmp_path, template_db) -> str:
    shutil.copy(template_db, tmp_path / "forum.sqlite3")
    return f"sqlite:///{tmp_path / 'forum.sqlite3'}"


def worker(database: str, tmp: Path, storage: str, count: int) -> list[int]:
    """Status codes of `count` failed log-ins sent by a separate application process."""
    result = subprocess.run([sys.executable, "-c", CHILD, database, str(tmp), storage, str(count)], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_app_processes_share_one_limit_through_redis(redis_url, sqlite_copy, tmp_path):
    import redis

    first = worker(sqlite_copy, tmp_path, redis_url, 2)
    second = worker(sqlite_copy, tmp_path, redis_url, 2)
    assert 429 not in first
    assert second[0] != 429 and second[1] == 429  # the third try passed, the fourth was refused
    assert redis.Redis.from_url(redis_url).keys("LIMITS*")


def test_memory_storage_counts_per_process(sqlite_copy, tmp_path):
    """What Redis fixes: with memory:// each worker has its own counters (limits × workers)."""
    assert 429 not in worker(sqlite_copy, tmp_path, "memory://", 2)
    assert 429 not in worker(sqlite_copy, tmp_path, "memory://", 2)


def test_unreachable_redis_lets_requests_through(sqlite_copy, tmp_path):
    """RATELIMIT_SWALLOW_ERRORS: Redis down must not take the site down."""
    port = free_port(range(5190, 5200))  # nothing listens there
    codes = worker(sqlite_copy, tmp_path, f"redis://127.0.0.1:{port}/0", 4)
    assert all(code not in (429, 500) for code in codes)
