"""Where uploaded files' bytes live, behind one small interface (`Storage`): random keys and their
validation, the storage errors, and the choice of backend from STORAGE_URL — a directory under
instance/ (local.py, the default) or an S3-compatible bucket (s3.py, for several application hosts).
Nothing else in the forum knows which backend holds a file; the database row keeps its name and type.

STORAGE_URL:
  unset or empty         the directory <instance>/files
  file:///abs/dir        that directory (file://rel/dir: relative to the instance folder)
  s3://bucket[/prefix]   that bucket, objects under prefix/ when given; the connection comes from
                         S3_ENDPOINT_URL (e.g. http://127.0.0.1:8333 for SeaweedFS; unset: AWS),
                         AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION (default us-east-1).
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from forum.services.errors import DomainError

# Keys are made by new_key(), never from a user's file name: 32 URL-safe characters (192 random bits).
KEY_LENGTH = 32
# Accepted keys: URL-safe characters only (no dot, no slash: no path traversal, no hidden file), and at
# least 4 of them so the directory backend's two-level fan-out has full levels.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{4,64}")


class StorageError(DomainError):
    """The storage could not do what was asked (server down, disk full, bad credentials…); `message` is
    French and can be shown next to an upload field."""

    status_code = 503

    def __init__(self, message: str = "Le stockage des fichiers est indisponible pour le moment ; "
                                      "réessayez dans quelques minutes.") -> None:
        super().__init__(message)


class ObjectNotFound(StorageError):
    """No object under that key (never stored, or deleted)."""

    status_code = 404

    def __init__(self, message: str = "Ce fichier n'existe pas.") -> None:
        super().__init__(message)


class InvalidKey(StorageError):
    """A key that new_key() cannot have made (a forged URL, a bug): refused before any disk or network
    access. Answered as « not found » so a probe learns nothing."""

    status_code = 404

    def __init__(self, message: str = "Ce fichier n'existe pas.") -> None:
        super().__init__(message)


def new_key() -> str:
    """A fresh random key: 32 characters of [A-Za-z0-9_-]."""
    return secrets.token_urlsafe(KEY_LENGTH * 3 // 4)


def check_key(key: object) -> str:
    """`key` itself when it is a valid key; raises InvalidKey otherwise."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidKey()
    return key


@runtime_checkable
class Storage(Protocol):
    """What every backend does. All methods validate the key first (InvalidKey); a missing object
    raises ObjectNotFound; any other failure raises StorageError."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous object; all or nothing."""

    def get(self, key: str) -> bytes:
        """The object's bytes."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    def size(self, key: str) -> int:
        """The object's size in bytes."""

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error (deletes are retried)."""

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order (for `flask files check`)."""


def storage_for(url: str | None, instance_path: str | Path | None = None,
                environ: Mapping[str, str] = os.environ) -> Storage:
    """The backend STORAGE_URL names (see the module docstring); `instance_path` is needed for the
    default directory and relative file:// paths. Raises ValueError on an unknown scheme."""
    if not url:
        if instance_path is None:
            raise ValueError("STORAGE_URL is unset and no instance folder was given")
        url = "file://files"
    if url.startswith("file://"):
        from forum.storage.local import LocalStorage

        directory = Path(url[len("file://"):])
        if not directory.is_absolute():
            if instance_path is None:
                raise ValueError(f"STORAGE_URL={url!r}: a relative directory needs the instance folder")
            directory = Path(instance_path) / directory
        return LocalStorage(directory)
    if url.startswith("s3://"):
        from forum.storage.s3 import S3Storage

        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"STORAGE_URL={url!r}: expected s3://bucket or s3://bucket/prefix")
        return S3Storage(bucket, prefix.strip("/"), endpoint_url=environ.get("S3_ENDPOINT_URL") or None,
                         access_key=environ.get("AWS_ACCESS_KEY_ID") or None,
                         secret_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
                         region=environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    raise ValueError(f"STORAGE_URL={url!r}: expected file://<directory>, s3://bucket[/prefix] or nothing")
