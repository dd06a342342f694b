"""Configuration classes; `instance/config.py` then environment variables override them."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# Environment variables that override whatever the classes and instance/config.py say.
# Booleans accept 1/0, true/false, yes/no, on/off; integers are parsed (see forum.create_app).
ENV_OVERRIDES = (
    "DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR", "SEARCH_BACKEND", "FORUM_ENV",
    "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "PROXY_FIX", "SEARCH_REFRESH_SECONDS",
    "SEARCH_APPLY_DELAY",
    # The public address every absolute link is built from (required in production), and the host
    # names the site answers, comma-separated (default: derived from PUBLIC_BASE_URL).
    "PUBLIC_BASE_URL", "TRUSTED_HOSTS",
    "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER",
    "MAIL_BATCH_SECONDS", "TASK_QUEUE_URL", "MAIL_SWEEP_SECONDS", "MAIL_OUTBOX_DIR",
    # Uploaded files: where they are stored, how large, and how they are sent (see BaseConfig).
    "STORAGE_URL", "MAX_UPLOAD_BYTES", "UPLOAD_QUOTA_FILES_PER_DAY", "UPLOAD_QUOTA_BYTES_PER_DAY",
    "FILE_GRACE_DAYS", "FILE_SERVE_ACCEL",
    # Rendered fragments: where they are kept (see BaseConfig).
    "CACHE_TYPE", "CACHE_REDIS_URL", "CACHE_THRESHOLD", "CACHE_DEFAULT_TIMEOUT",
)


class BaseConfig:
    # SQLAlchemy URL; None means the embedded SQLite file instance/forum.sqlite3.
    DATABASE_URL: str | None = None
    # Signs sessions and CSRF tokens; generated into instance/secret_key on first run if absent.
    SECRET_KEY: str | None = None
    # Directory of the Whoosh index; None means instance/search-index.
    SEARCH_INDEX_DIR: str | None = None
    # Search backend: "whoosh" (an index directory on this host's disk: one application host) or
    # "postgres" (the search_documents table with a GIN index: several hosts; needs a PostgreSQL
    # DATABASE_URL, migration 0005, then `flask --app forum search reindex`).
    SEARCH_BACKEND = "whoosh"
    # Apply pending search-index updates right after each request that queued some.
    SEARCH_SYNC_AFTER_REQUEST = True
    # Index updates are applied by each worker at most once per this many seconds, in a background
    # thread, so a burst of replies costs one index commit (0: after each response instead). Each
    # Whoosh commit writes a segment and merges small ones, whatever the number of threads in it:
    # under the mixed benchmark, 2 s instead of 0.5 s gave 281 instead of 262 req/s, and 5 s
    # instead of 2 s cost 3 to 6 % less CPU per request (bench.compare, side by side). A new reply
    # is then searchable within about 6 s (this delay plus SEARCH_REFRESH_SECONDS), as search
    # engines refresh their index every few seconds under load.
    SEARCH_APPLY_DELAY = 5.0
    # Seconds another worker's index changes may take to show in this worker's search results
    # (each worker then reopens the index at most once per period; its own changes show at once).
    SEARCH_REFRESH_SECONDS = 1.0
    # Seconds a worker waits for the index writer lock before leaving its updates queued.
    SEARCH_LOCK_TIMEOUT = 10.0
    # Memory (MB) the index writer may buffer during `search reindex`.
    SEARCH_REINDEX_MEMORY_MB = 128
    # Do not emit SQLAlchemy events for every attribute change (we never use them).
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Pagination sizes shown to users.
    THREADS_PER_PAGE = 25
    POSTS_PER_PAGE = 20
    # Limits on what users write (characters).
    TITLE_MAX_LENGTH = 150
    BODY_MAX_LENGTH = 50_000
    # Largest accepted request body (bytes): a 50,000-character post is far below it.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # "production", "development" or None (guess). Decides the Secure flag of cookies below when
    # they are left to None: production → Secure; development → not; None → Secure unless the app
    # runs in debug or testing mode or under `flask run` (the dev server of `make run`, plain http).
    FORUM_ENV: str | None = None
    # Cookies: never readable from scripts, not sent on cross-site POSTs.
    # The *_SECURE flags: None means "decided by FORUM_ENV" (see above); True/False forces them.
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_SECURE: bool | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # « Se souvenir de moi »: seconds a remember-me log-in lasts, enforced server-side too (the token
    # of each log-in is stored hashed with its expiry, forum.services.sessions). Log-out ends every
    # session and remember-me token of the member, in every browser.
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    # Name of the remember-me cookie (a random token per log-in, set by forum.web.auth).
    REMEMBER_COOKIE_NAME = "remember_token"
    # CSRF tokens live as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    # Public address of the site: scheme, host, optional port and path prefix, no trailing slash
    # ("https://clubs.example.org", "https://example.org/forum"). Every absolute link (password-reset
    # e-mails, feeds, API, exports, notifications) is built from it (forum.web.urls.external_url),
    # never from the request's Host header. Required in production: with FORUM_ENV=production the
    # app refuses to start when it is unset or left at this development default (`make run`).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Host names the app answers (Flask's TRUSTED_HOSTS; the port is not compared); any other Host
    # header gets a French 400. None derives it: the host of PUBLIC_BASE_URL, plus 127.0.0.1 and
    # localhost outside production. A list, or from the environment names separated by commas
    # ("clubs.example.org,www.clubs.example.org"); a leading dot accepts subdomains; "*" any host.
    TRUSTED_HOSTS: list[str] | str | None = None
    # Flask SERVER_NAME: None serves any host name allowed by TRUSTED_HOSTS.
    SERVER_NAME = None
    PREFERRED_URL_SCHEME = "http"

    # --- uploaded files (forum/storage, forum/files, forum/services/uploads.py) ---------------------
    # Where files' bytes are kept: unset → the directory instance/files (included in `flask backup`);
    # file:///dir → that directory; s3://bucket[/prefix] → an S3-compatible store for several hosts,
    # reached through S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
    STORAGE_URL: str | None = None
    # Largest accepted file (bytes), and files per post.
    MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    MAX_FILES_PER_POST = 5
    # What one member may upload in 24 hours (files and bytes, posts and documents together).
    UPLOAD_QUOTA_FILES_PER_DAY = 40
    UPLOAD_QUOTA_BYTES_PER_DAY = 100 * 1024 * 1024
    # Days a deleted post's or document's files are kept (a restore brings them back) before their
    # objects are removed by the sweep.
    FILE_GRACE_DAYS = 30
    # How file responses are sent: "" → by the application; "x-accel-redirect:/<internal prefix>/"
    # → nginx sends the file from the storage directory; "x-sendfile" → Apache/lighttpd does.
    FILE_SERVE_ACCEL = ""

    # --- security (forum/web/security.py) ---------------------------------------------------------
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are
    # trusted (werkzeug ProxyFix); 0 trusts none. Set it to 1 behind nginx so that the client address
    # (rate limits) and https (HSTS, Secure cookies, external links) are seen. Never set it when the
    # app is reachable directly: clients could then forge their address.
    PROXY_FIX = 0
    # Strict-Transport-Security max-age (seconds), sent only on requests served over https.
    HSTS_MAX_AGE = 365 * 24 * 60 * 60
    # Take the request id from the incoming X-Request-ID header (set by a proxy) when it is sane.
    REQUEST_ID_FROM_HEADER = True
    # Content-Security-Policy: no inline script or style anywhere (the templates have none).
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    # --- rendered fragments (forum/web/fragments.py, Flask-Caching) --------------------------------
    # Board rows, thread posts and ranked rows rendered once and shared by every viewer of a class
    # (visitor, member, moderator, editor). Their keys carry the content versions read from the
    # database at each request (forum/services/content_versions.py), so a change committed by any
    # worker or host is on the very next page, whatever this cache holds: it may be per process.
    # "SimpleCache": in each worker's memory (the default; CACHE_THRESHOLD entries at most, ~30 KB
    # each). CACHE_REDIS_URL=redis://host:6379/2 switches to "RedisCache": one copy for every worker
    # and host. "NullCache" renders every page (for comparison in benchmarks).
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL: str | None = None
    # 300 entries hold the busy pages of a worker (boards' first pages and ranked requests per class of
    # viewer, the threads being read) for ~10 MB: under the mixed benchmark, 1,000 entries cost the
    # workers +14 MB of RSS (150 → 164 MB) for the same CPU per request, its thread pages being
    # drawn among thousands and its writes renewing the boards' versions every few seconds.
    CACHE_THRESHOLD = 300
    # Seconds an entry may stay unused; a newer version makes it unreachable long before.
    CACHE_DEFAULT_TIMEOUT = 600
    CACHE_KEY_PREFIX = "forum:fragment:"

    # --- rate limits (Flask-Limiter; syntax "N/period;M/period") ----------------------------------
    # Off in TestConfig; tests that check a limit build an app with it on.
    RATELIMIT_ENABLED = True
    # Where counters live. memory:// is per process: with several gunicorn workers each worker counts
    # on its own (limits are then N × workers); use redis://host:6379 to share them.
    RATELIMIT_STORAGE_URI = "memory://"
    # A broken storage (Redis down) must not take the site down: let requests through and log it.
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed log-ins (successful ones do not count). ACCOUNT counts per submitted e-mail (whether an
    # account exists or not) AND client address: guessing from one address is slowed down, while the
    # owner, from an address without failures, still logs in. ADDRESS counts per client address,
    # whatever the e-mail. ACCOUNT_CEILING counts per e-mail from all addresses together, far higher:
    # it stops guessing spread over many addresses (it can then refuse the owner too, for a while).
    RATELIMIT_LOGIN_ACCOUNT = "5/minute;20/hour"
    RATELIMIT_LOGIN_ADDRESS = "10/minute;60/hour"
    RATELIMIT_LOGIN_ACCOUNT_CEILING = "100/hour;500/day"
    # Refused registrations per address (a taken e-mail counts): slows down probing which e-mails
    # have an account; colleagues registering from one health centre succeed and are not counted.
    RATELIMIT_REGISTER = "5/minute;20/hour"
    # Password reset requests per address, and per e-mail asked for (no mail bombing of one person).
    RATELIMIT_PASSWORD_RESET = "5/minute;20/hour"
    RATELIMIT_PASSWORD_RESET_EMAIL = "3/hour"
    # New threads and replies, per member.
    RATELIMIT_NEW_THREAD = "5/minute;30/hour"
    RATELIMIT_REPLY = "10/minute;120/hour"
    # Casting, changing or withdrawing a vote, per member.
    RATELIMIT_VOTE = "30/minute;300/hour"
    # Search pages, per member or per address for visitors.
    RATELIMIT_SEARCH = "30/minute;600/hour"
    # Markdown previews (/apercu), per member; every attempt counts, refused ones included.
    RATELIMIT_PREVIEW = "20/minute;300/hour"
    # Export and download endpoints of the livrables blueprint, per member or address.
    RATELIMIT_EXPORT = "10/minute;100/hour"

    # --- password reset and mail ------------------------------------------------------------------
    # Seconds a password-reset link stays valid (it also dies as soon as the password changes).
    PASSWORD_RESET_MAX_AGE = 60 * 60
    # SMTP server; None writes each message into MAIL_OUTBOX_DIR instead (development, tests).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    # STARTTLS after connecting (port 587); for implicit TLS (port 465) use MAIL_USE_SSL.
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    # From: address of every message.
    MAIL_SENDER = "Clubs utilisateurs <ne-pas-repondre@clubs-logiciels-sante.fr>"
    # Seconds before an SMTP connection attempt gives up.
    MAIL_TIMEOUT = 10
    # Directory of the .eml files written when MAIL_SERVER is None; None means instance/outbox.
    MAIL_OUTBOX_DIR: str | None = None

    # --- notifications (forum/services/notify) ----------------------------------------------------
    # Immediate notification e-mails wait this many seconds after a member's first unsent one, so a
    # burst (5 replies in a thread) is one e-mail; 0 sends at the next delivery run.
    MAIL_BATCH_SECONDS = 120
    # The worker's task queue (Huey): None keeps it in instance/tasks.sqlite3 (one host);
    # redis://host:6379/1 for several hosts. The outbox rows stay the source of truth either way.
    TASK_QUEUE_URL: str | None = None
    # The worker looks at the outbox this often whatever the queue says (a flushed Redis, a wake-up
    # lost while the queue was down): what is due goes out within this many seconds at worst.
    MAIL_SWEEP_SECONDS = 60
    # Notifications of events with a large audience (a reply's watchers, a request's 2,000 voters)
    # are written just after the response instead of inside the request (forum.services.notify.deferred);
    # the event itself is a row of the request's transaction, so nothing is lost. False: inside it.
    NOTIFY_AFTER_RESPONSE = True
    # At most this many @mentions of a post notify anyone.
    MENTIONS_PER_POST = 10


class ProductionConfig(BaseConfig):
    FORUM_ENV = "production"
    # Cookies only over HTTPS in production.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # PUBLIC_BASE_URL must be set (environment or instance/config.py): the factory refuses to start
    # with the development default; TRUSTED_HOSTS is then its host only.


class TestConfig(BaseConfig):
    TESTING = True
    # Tests post forms without tokens unless a test turns CSRF back on to prove it is enforced.
    WTF_CSRF_ENABLED = False
    # Tests apply the index queue explicitly, or let the after-request hook do it.
    SEARCH_SYNC_AFTER_REQUEST = True
    SECRET_KEY = "test-secret-key"
    # The test client's default host: absolute links read http://localhost/…; TRUSTED_HOSTS is
    # derived from it (localhost, plus 127.0.0.1 for the servers of tests/live_server.py).
    PUBLIC_BASE_URL = "http://localhost"
    # Tests read the index right after writing it, from several processes too.
    SEARCH_REFRESH_SECONDS = 0.0
    SEARCH_APPLY_DELAY = 0.0
    # The suite is not throttled; tests that check a limit build an app with RATELIMIT_ENABLED=True.
    RATELIMIT_ENABLED = False
    # Notification e-mails go at the next delivery (`mail deliver` in tests), without waiting.
    MAIL_BATCH_SECONDS = 0
    # An in-memory task queue: tests deliver with `mail deliver` or the delivery service directly.
    TASK_QUEUE_URL = "memory://"


def load_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it with a random value the first time."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key
