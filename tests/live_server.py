"""A real gunicorn for tests that need real HTTP (browser journeys, the concurrency test)."""
from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import time
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
