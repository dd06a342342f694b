"""Shared benchmark plumbing: data set generation, a throw-away instance, gunicorn, HTTP load, RSS.

Everything here uses the standard library only (http.client with keep-alive, threads,
/proc/<pid>/status), so a benchmark adds no dependency to requirements.txt.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"  # git-ignored


def _find_make_dataset() -> Path:
    """The data set generator: FORUM_MAKE_DATASET, else ../shared/bench next to the repository
    (also looked for next to the main checkout when this one is a clone elsewhere)."""
    if os.environ.get("FORUM_MAKE_DATASET"):
        return Path(os.environ["FORUM_MAKE_DATASET"])
    candidates = [REPO.parent / "shared" / "bench" / "make_dataset.py",
                  Path("/work/shared/bench/make_dataset.py")]
    return next((path for path in candidates if path.is_file()), candidates[0])


MAKE_DATASET = _find_make_dataset()


def generate_dataset(scale: str, out: Path | None = None) -> Path:
    """The data set of `scale`, generated once into bench/results/dataset-<scale> and reused."""
    out = out or RESULTS_DIR / f"dataset-{scale}"
    manifest = out / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("scale") == scale:
        return out
    if not MAKE_DATASET.is_file():
        sys.exit(f"Générateur introuvable : {MAKE_DATASET} (définissez FORUM_MAKE_DATASET).")
    subprocess.run([sys.executable, str(MAKE_DATASET), str(out), "--scale", scale], check=True,
                   stdout=subprocess.DEVNULL)
    return out


class Instance:
    """A temporary instance folder with its own SQLite database and search index.

    `env` is what the flask CLI and gunicorn need to use it (DATABASE_URL, SEARCH_INDEX_DIR,
    SECRET_KEY, rate limits off); the folder is removed on exit unless keep=True."""

    def __init__(self, keep: bool = False) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="forum-bench-"))
        self.keep = keep
        self.database = self.path / "forum.sqlite3"
        # Rate limits off: a benchmark sends hundreds of requests a second from one address, and
        # would measure 429 answers (bench.search did, after limits came in with issue 7).
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.database}",
                    "SEARCH_INDEX_DIR": str(self.path / "search-index"), "SECRET_KEY": "bench-secret-key",
                    "RATELIMIT_ENABLED": "0"}

    def flask(self, *args: str, capture: bool = False, checkout: Path = REPO) -> subprocess.CompletedProcess:
        """Run `flask --app forum ARGS` against this instance with the code of `checkout` (the
        working tree by default); exits the benchmark on failure."""
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "forum", *args], cwd=checkout, env=self.env,
                                text=True, capture_output=capture)
        if result.returncode != 0:
            sys.exit(f"Échec de « flask {' '.join(args)} » (code {result.returncode}) :\n{result.stderr or ''}")
        return result

    def __enter__(self) -> Instance:
        return self

    def __exit__(self, *exc) -> None:
        if self.keep:
            print(f"Instance conservée : {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def load_dataset(instance: Instance, dataset: Path, checkout: Path = REPO) -> float:
    """Migrate the instance, add the catalogue and import `dataset` with the code of `checkout`;
    returns the import's seconds."""
    instance.flask("db", "upgrade", capture=True, checkout=checkout)
    instance.flask("sync-catalogue", capture=True, checkout=checkout)
    started = time.perf_counter()
    instance.flask("import-dataset", str(dataset), capture=True, checkout=checkout)
    return time.perf_counter() - started


class Gunicorn:
    """`gunicorn -w N -b HOST:PORT wsgi:app` for the time of a `with` block."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 2, host: str = "127.0.0.1") -> None:
        self.env, self.host, self.port, self.workers = env, host, port, workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"{self.host}:{self.port}",
             "--log-level", "warning", "wsgi:app"], cwd=REPO, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté (code {self.process.returncode})")
            try:
                status, _ = get_once(self.host, self.port, "/healthz")
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn ne répond pas sur /healthz après 30 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        if not self.process:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """Resident memory of a process in MB (VmRSS of /proc/<pid>/status; VmHWM for its peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    """Processes whose command name is `name` (e.g. the PostgreSQL server and its backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def calibration_ms(rounds: int = 5) -> float:
    """Median time of a fixed pure-Python workload: how fast this machine runs Python right now.
    Shared machines drift (±15 % seen within an hour here); compare runs with it in view."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for n in range(2_000_000):
            total += n % 7
        timings.append((time.perf_counter() - started) * 1000)
    return round(sorted(timings)[rounds // 2], 1)


def get_once(host: str, port: int, path: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


def resolve(host: str, port: int, path: str) -> str:
    """Follow redirects (e.g. /t/42 -> /t/42/slug) so the load hits the final page."""
    for _ in range(5):
        status, headers = get_once(host, port, path)
        if status in (301, 302, 303, 307, 308):
            location = headers.get("Location", "")
            path = location.split(f"{host}:{port}", 1)[-1] if "://" in location else location
            continue
        if status != 200:
            raise RuntimeError(f"GET {path} a répondu {status}")
        return path
    raise RuntimeError(f"Trop de redirections pour {path}")


@dataclass
class LoadResult:
    path: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
        return values[index]

    def summary(self) -> dict[str, float | int | str]:
        return {"path": self.path, "requests": len(self.latencies_ms), "errors": self.errors,
                "rps": round(self.requests_per_second, 1), "p50_ms": round(self.percentile(50), 2),
                "p95_ms": round(self.percentile(95), 2), "p99_ms": round(self.percentile(99), 2)}


def timed_get(conn: http.client.HTTPConnection, host: str, port: int,
              path: str) -> tuple[float | None, bytes, http.client.HTTPConnection]:
    """GET `path` on a keep-alive connection: (milliseconds, or None for a failure or a non-200
    answer; the body; the connection to use next, a new one after a network error)."""
    start = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        return None, b"", http.client.HTTPConnection(host, port, timeout=30)
    elapsed = (time.perf_counter() - start) * 1000
    return (elapsed if response.status == 200 else None), body, conn


def load(host: str, port: int, path: str, duration: float, concurrency: int = 4) -> LoadResult:
    """GET `path` from `concurrency` threads, each on its own keep-alive connection, for `duration`
    seconds; every latency is recorded (non-200 answers count as errors)."""
    result = LoadResult(path=path, seconds=duration)
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        latencies, errors = [], 0
        while time.perf_counter() < deadline:
            elapsed, _, conn = timed_get(conn, host, port, path)
            if elapsed is None:
                errors += 1
            else:
                latencies.append(elapsed)
        conn.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def write_results(name: str, data: dict) -> Path:
    """Save figures as bench/results/<name>-<timestamp>.json and return the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


class CookieConnection:
    """A browser's connection for the benchmarks: keep-alive (reopened when a sync worker closes it),
    its cookies kept from every answer. `send` returns (status, body); (0, b"") on a network error."""

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body: bytes | str | None = None, content_type: str = "") -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            return 0, b""
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data
