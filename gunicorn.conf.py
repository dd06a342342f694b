"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (README, Déploiement).

gunicorn also reads this file by itself when started from the repository root. Every setting can be
changed through the environment, so one file serves every host:

  GUNICORN_BIND          address to listen on (default 127.0.0.1:8000: behind a reverse proxy)
  WEB_CONCURRENCY        worker processes (default 2 × cores + 1, at most 8)
  GUNICORN_THREADS       threads per worker (default 1: plain sync workers)
  GUNICORN_TIMEOUT       seconds before a silent worker is killed and replaced (default 30)
  GUNICORN_ACCESS_LOG    "-" for stdout, a file path, or empty for none (default none: the proxy logs)
  GUNICORN_LOG_LEVEL     default info

Why no preload_app: each worker imports the app after the fork. Preloading would save a little
memory but share whatever create_app opened (the database engine's pool, rate-limit storage
connections) between processes, and `kill -HUP` could no longer reload new code gracefully.
Nothing the app keeps in memory is shared state (see README): workers are interchangeable.
"""
from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
preload_app = False

# A page answers in milliseconds; 30 s only catches a stuck worker. Exports of big livrables
# are the slowest requests and stay far below it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Keep-alive connections from the reverse proxy.
keepalive = 5
# Recycle workers now and then (jittered, so they do not all restart at once): bounds the memory
# any leak could take. Not too often: a new worker re-imports the app (about a second of CPU) and
# starts with cold caches (compiled templates, SQL statements, the search index, the rendered
# fragments of forum/web/fragments.py). At 20,000 requests a worker served by /healthz at ~1,400
# req/s restarted every ~15 s, in the middle of the measurements; the workers' RSS stays flat under
# the benchmarks (~110 MB after ~200,000 requests each: bench.ceiling), so 200,000 bounds a leak
# without paying a cold start every few seconds under load.
max_requests = 200000
max_requests_jitter = 20000
# Heartbeat files in memory: a slow disk must not make the master kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Large headers are refused early (the app itself caps bodies with MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Client, request line, status, bytes, duration in ms, request id (the app's X-Request-ID
# response header, which also appears in the app's own log lines), referrer and user agent.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s "%(f)s" "%(a)s"'


def post_worker_init(worker) -> None:
    """Freeze what the worker holds once the app is loaded (modules, mappers, routes, the
    templates' environment): the garbage collector then never walks those long-lived objects
    again. Measured in-process on the medium data set (mixed reads, 1,500 requests): full
    collections went from ~95 ms each (~0.13 ms a request, and a latency spike) to ~0.03 ms a
    request."""
    import gc

    gc.collect()
    gc.freeze()
    _return_large_buffers_to_the_system()


def _return_large_buffers_to_the_system() -> None:
    """glibc only: buffers of 128 KiB and more are always mmap'ed, so freeing them gives the memory
    back. By default glibc raises that threshold to the largest block freed (up to 32 MiB): after the
    first photo, Pillow's ~20 MB decoding buffers came from the heap, and fragmentation kept them:
    worker RSS after 100 uploads of a 5 MB photo (bench.files --http-uploads-only) was 126 to 200 MB
    from run to run (2 runs out of 7 above 150 MB), 126 MB in 3 runs out of 3 with this setting (as with
    MALLOC_MMAP_THRESHOLD_=131072); each upload then takes ~30 ms longer (p50 0.31 s instead of 0.28 s)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # another C library (musl): its own allocator, left alone
        pass
