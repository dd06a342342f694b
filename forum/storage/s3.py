"""The S3-compatible backend (STORAGE_URL=s3://bucket[/prefix]): one object per key in a bucket shared
by every application host, through boto3 (AWS, SeaweedFS, MinIO, Garage, Ceph…). Every boto3 or
network error becomes a StorageError (ObjectNotFound for a missing key), so a dead S3 server means
« uploads fail with a clear message », never a 500. This is the only module that imports boto3."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from forum.storage import KEY_PATTERN, ObjectNotFound, StorageError, check_key

# Error codes S3 servers answer for « no such object » (HEAD answers carry only the HTTP status).
NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
# Fail fast when the server is down (a page waits at most a few seconds), retry a transient error once.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"})


class S3Storage:
    """Objects `prefix/key` (or `key` without a prefix) in `bucket`, stored with their content type.
    Credentials left as None fall back to boto3's usual chain (environment, ~/.aws, instance role)."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None,
                 region: str = "us-east-1") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # Path-style addressing (http://host/bucket/key) for self-hosted servers, which rarely have the
        # wildcard DNS that virtual-hosted style needs. Creating a client opens no connection.
        config = CLIENT_CONFIG.merge(Config(s3={"addressing_style": "path"})) if endpoint_url else CLIENT_CONFIG
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region, config=config)

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_name(self, key: str) -> str:
        """The S3 object key for `key` (raises InvalidKey)."""
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        name = self.object_name(key)
        self._call("put_object", Key=name, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        name = self.object_name(key)
        answer = self._call("get_object", Key=name)
        try:
            return answer["Body"].read()
        except (BotoCoreError, OSError) as exc:
            raise StorageError() from exc

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self.object_name(key))

    def keys(self) -> Iterator[str]:
        """Every key under the prefix, page after page; objects that are not ours (other prefixes,
        names new_key() cannot make) are skipped."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(start):]
                    if KEY_PATTERN.fullmatch(name):
                        yield name
        except (BotoCoreError, ClientError) as exc:
            raise StorageError() from exc

    def _head(self, key: str) -> dict[str, Any]:
        return self._call("head_object", Key=self.object_name(key))

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One S3 call on our bucket, its errors mapped to ObjectNotFound / StorageError."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
                raise ObjectNotFound() from None
            raise StorageError() from exc
        except BotoCoreError as exc:
            raise StorageError() from exc
