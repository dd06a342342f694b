"""Real servers for tests that need them: gunicorn for real HTTP (browser journeys, the concurrency
test), redis-server for what several processes share (rate limits, the worker's queue)."""
from __future__ import annotations

import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path


def free_port(ports: range) -> int:
    """A port of `ports` nothing listens on, picked at random (parallel runs rarely collide)."""
    for port in random.sample(list(ports), len(ports)):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NO_REDIS = "redis-server is not installed (apt-get install redis-server; CI does)"


@contextmanager
def redis_server(directory: Path, ports: range) -> Iterator[str]:
    """A throwaway redis-server (Debian's package) on a free port of `ports`, nothing saved to disk;
    yields its URL, stopped on exit."""
    port = free_port(ports)
    server = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                               "--save", "", "--appendonly", "no", "--daemonize", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_until_up(port: int, process: subprocess.Popen, log: Path | None = None, timeout: float = 60) -> None:
    """Return once /healthz answers 200; fail with the server's log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"gunicorn exited at start:\n{tail}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:g} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop gunicorn and its workers (started with start_new_session=True)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class HttpClient:
    """A cookie-keeping HTTP client for a live server that does not follow redirects (one connection
    per request: gunicorn's sync workers close them anyway). Cookies the server expires are dropped.
    `on_answer(label, status_or_error, seconds)` is called after each request when given."""

    def __init__(self, port: int, timeout: float = 60, on_answer=None) -> None:
        self.port, self.timeout, self.on_answer, self.cookies = port, timeout, on_answer, {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """(status, Location header, body text)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as exc:
            self._record(method, path, f"exception {exc!r}", started)
            raise
        finally:
            conn.close()
        self._record(method, path, response.status, started)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def _record(self, method: str, path: str, outcome, started: float) -> None:
        if self.on_answer is not None:
            self.on_answer(method, path, outcome, time.monotonic() - started)
