"""The directory backend (the embedded default, <instance>/files): one file per key under a two-level
fan-out by key prefix (ab/cd/abcd…) so no directory grows past 4,096 entries, each written atomically
(temporary file in the same directory, fsync, os.replace, fsync of the directory) so a reader or a
crash never sees half a file. Keys are validated before any path is built: no traversal."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from forum.storage import KEY_PATTERN, ObjectNotFound, StorageError, check_key

# Stored files are readable by the owner and its group (e.g. a reverse proxy serving them), not others.
FILE_MODE = 0o640
TEMP_PREFIX = ".tmp-"


class LocalStorage:
    """Files under `root`; the content type is not kept here (the database row has it)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """Where the object of `key` lives (raises InvalidKey); the file may not exist."""
        key = check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
            try:
                with os.fdopen(fd, "wb") as file:
                    os.fchmod(file.fileno(), FILE_MODE)
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            _fsync_directory(path.parent)
        except OSError as exc:
            raise StorageError() from exc

    def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound() from None
        except OSError as exc:
            raise StorageError() from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        path = self.path(key)
        try:
            return path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound() from None
        except OSError as exc:
            raise StorageError() from exc

    def delete(self, key: str) -> None:
        path = self.path(key)
        try:
            path.unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as exc:
            raise StorageError() from exc

    def keys(self) -> Iterator[str]:
        """Every stored key; temporary files of interrupted writes and anything not at its fan-out
        place are ignored."""
        try:
            for first in _subdirectories(self.root):
                for second in _subdirectories(first):
                    for entry in os.scandir(second):
                        name = entry.name
                        if (KEY_PATTERN.fullmatch(name) and name[:2] == first.name and name[2:4] == second.name
                                and entry.is_file(follow_symlinks=False)):
                            yield name
        except OSError as exc:
            raise StorageError() from exc


def _subdirectories(directory: Path) -> Iterator[Path]:
    """The two-character subdirectories of `directory` (none when it does not exist yet)."""
    if not directory.is_dir():
        return
    for entry in os.scandir(directory):
        if len(entry.name) == 2 and entry.is_dir(follow_symlinks=False):
            yield Path(entry.path)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX: the directory entry lives in the directory's own blocks)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
