"""Where the Whoosh index lives on disk, how it is swapped, and how writers and searchers get at it.

Layout of SEARCH_INDEX_DIR:
  CURRENT            name of the live generation directory (replaced atomically by os.replace)
  gen-<stamp>-<pid>/ one complete Whoosh index per generation; `search reindex` builds a new one
                     beside the live one, then points CURRENT at it
  REINDEXING         present while a rebuild runs (a hint: writers then leave their tasks queued)

Whoosh allows one writer per index (a lock file taken with flock, released by the kernel if the
process dies). Writers never block users: acquire_writer() retries with jittered backoff for a
bounded time and gives up quietly; the task stays queued in the database for the next writer.

Segments are written as plain files (compound=False), not Whoosh's default single compound file:
a reader of a compound segment copies each sub-file it opens into memory (BytesIO over the
mmap), which cost every worker ~130 MB of RSS on the medium data set and a copy of the postings
at each reopen; plain files are read in place.
"""
from __future__ import annotations

import logging
import os
import random
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from forum.search.backend import IndexUnavailable
from forum.search.whoosh.schema import make_schema
from forum.search.whoosh.scoring import CachedLengthBM25F

log = logging.getLogger(__name__)

POINTER = "CURRENT"
REINDEX_MARKER = "REINDEXING"
GENERATION_PREFIX = "gen-"


def root_dir(app_config: dict) -> Path:
    return Path(app_config["SEARCH_INDEX_DIR"])


def unusable_root(root: Path) -> str | None:
    """Why an index cannot be written at `root` (French, for the command line), or None.

    Searching needs nothing of it: without a readable index, search falls back to the database
    with a notice. Only a rebuild must say what to fix."""
    existing = next((path for path in (root, *root.parents) if path.exists()), None)
    if existing is None:
        return None
    if existing == root and not root.is_dir():
        return (f"SEARCH_INDEX_DIR ({root}) est un fichier, pas un répertoire : déplacez ce fichier "
                "ou indiquez un autre répertoire.")
    if not existing.is_dir():
        return f"SEARCH_INDEX_DIR ({root}) ne peut pas être créé : {existing} est un fichier."
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"SEARCH_INDEX_DIR ({root}) n'est pas accessible en écriture ({existing})."
    return None


def live_generation(root: Path) -> str | None:
    """Name of the live generation directory, or None when there is no index yet."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name.startswith(GENERATION_PREFIX) or "/" in name or not (root / name).is_dir():
        return None
    return name


def open_live(root: Path, attempts: int = 4) -> tuple[str, FileIndex]:
    """(generation name, index) of the live index. Raises IndexUnavailable.

    Opening races with a writer that deletes merged segments between our reading of the table of
    contents and our opening of the files: such a failure is retried before being believed.
    """
    for attempt in range(attempts):
        name = live_generation(root)
        if name is None:
            raise IndexUnavailable(f"no search index in {root}")
        try:
            return name, whoosh_index.open_dir(str(root / name))
        except Exception as exc:  # Whoosh raises many kinds on a damaged index
            if attempt == attempts - 1:
                raise IndexUnavailable(f"search index {root / name} cannot be opened: {exc!r}") from exc
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def new_generation(root: Path) -> tuple[Path, FileIndex]:
    """A new empty index directory beside the live one (not live until swap_to)."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
    path.mkdir()
    return path, whoosh_index.create_in(str(path), make_schema())


def swap_to(root: Path, generation: Path) -> None:
    """Make `generation` the live index in one atomic rename of the pointer file."""
    tmp = root / f"{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    os.replace(tmp, root / POINTER)


def remove_old_generations(root: Path) -> None:
    """Delete generations other than the live one. Open readers keep their files (POSIX) and
    notice the new pointer at their next query."""
    live = live_generation(root)
    for path in root.glob(f"{GENERATION_PREFIX}*"):
        if path.name != live and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def reindex_running(root: Path) -> bool:
    return (root / REINDEX_MARKER).exists()


def acquire_writer(ix: FileIndex, timeout: float, root: Path | None = None,
                   **writer_args) -> IndexWriter | None:
    """A writer on `ix`, retrying while another process holds the lock; None after `timeout`
    seconds, or at once when a rebuild holds it (then queued tasks wait for the new index)."""
    from whoosh.index import LockError

    deadline = time.monotonic() + timeout
    delay = 0.005
    writer_args.setdefault("compound", False)
    while True:
        try:
            return ix.writer(**writer_args)
        except LockError:
            if root is not None and reindex_running(root):
                return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(delay * (0.5 + random.random()), max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.25)


class _SearcherCache(threading.local):
    """One open searcher per thread and index root, refreshed when the index changes."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, Searcher]] = {}
        # When each entry was last compared with the index on disk (time.monotonic()).
        self.checked_at: dict[str, float] = {}


_cache = _SearcherCache()


def searcher(root: Path, refresh_seconds: float = 0.0) -> Searcher:
    """An up-to-date searcher of the live index. Raises IndexUnavailable.

    Reopening a Whoosh index costs tens of milliseconds and leaves its caches cold, so searchers
    are kept per thread and reopened only after the index changed — and, when `refresh_seconds`
    is set, checked at most that often ("near real time", as search engines refresh): under a
    steady stream of replies, each worker then reopens once per period instead of before almost
    every search. A worker sees its own writes at once (`invalidate`), and results are loaded from
    the database, so a thread deleted meanwhile never shows.
    """
    key = str(root)
    entry = _cache.entries.get(key)
    now = time.monotonic()
    if entry is not None and refresh_seconds > 0 and now - _cache.checked_at.get(key, 0.0) < refresh_seconds:
        return entry[1]
    _cache.checked_at[key] = now
    name = live_generation(root)
    if entry is not None and name is not None and entry[0] == name:
        # Not Searcher.refresh(): it reuses segment readers by segment id, and so misses the
        # deletions a later commit records in an existing segment (an edited or deleted thread
        # would stay findable in this worker). A changed index is reopened whole instead.
        try:
            if entry[1].up_to_date():
                return entry[1]
        except Exception:
            log.warning("search index check failed, reopening", exc_info=True)
    if entry is not None:
        _close_quietly(entry[1])
        del _cache.entries[key]
    if len(_cache.entries) >= 4:  # tests open one index per test: do not hoard file handles
        forget_searchers()
    for attempt in range(4):
        name, ix = open_live(root)
        opened = None
        try:
            opened = ix.searcher(weighting=CachedLengthBM25F())
            _open_columns(opened)
            break
        except Exception as exc:  # same race as in open_live
            if opened is not None:
                _close_quietly(opened)
            if attempt == 3:
                raise IndexUnavailable(f"search index {root / name} cannot be read: {exc!r}") from exc
            time.sleep(0.01 * (attempt + 1))
    _cache.entries[key] = (name, opened)
    return opened


# Per-document columns a search reads: stored fields (thread id, excerpt source), the field
# lengths BM25F scores with, the date columns it sorts by.
_LENGTH_FIELDS = ("title", "body", "author")
_SORT_COLUMNS = ("created", "last_activity")


def _open_columns(opened: Searcher) -> None:
    """Open every column file of every segment now, while they certainly exist.

    Whoosh opens a segment's terms and postings when the reader is created but its column files
    only on first use. Another process's commit may meanwhile merge that segment away and delete
    its files: the reader kept working on the files it held open, but found no stored-fields file
    and failed (TypeError deep inside Whoosh, seen under the mixed benchmark). Opening them here
    puts that race inside the retry loop of searcher()."""
    for reader, _ in opened.reader().leaf_readers():
        if not reader.doc_count_all():
            continue
        reader.stored_fields(0)  # raises (TypeError) when the column file is gone
        for name in _LENGTH_FIELDS:
            reader.doc_field_length(0, name)
        for name in _SORT_COLUMNS:
            reader.column_reader(name)


def forget_searchers() -> None:
    """Close this thread's cached searchers (tests, after a reindex in the same process)."""
    for _, opened in _cache.entries.values():
        _close_quietly(opened)
    _cache.entries.clear()
    _cache.checked_at.clear()


def invalidate(root: Path) -> None:
    """This thread changed the index: its next search compares with the disk again."""
    _cache.checked_at.pop(str(root), None)


def _close_quietly(opened: Searcher) -> None:
    try:
        opened.close()
    except Exception:
        pass


class hold_writer_lock:
    """`with hold_writer_lock(root, timeout) as name:` holds the live generation's writer lock
    (name None: no live index), for `backup`: no commit or merge changes the files meanwhile
    (writers wait or leave their tasks queued, as with any other writer). Raises
    IndexUnavailable when a rebuild runs or the lock stays taken for `timeout` seconds."""

    def __init__(self, root: Path, timeout: float = 60.0) -> None:
        self.root, self.timeout, self.lock = root, timeout, None

    def __enter__(self) -> str | None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                name, ix = open_live(self.root)
            except IndexUnavailable:
                if live_generation(self.root) is None:
                    return None
                raise
            lock = ix.lock("WRITELOCK")
            if lock.acquire(blocking=False):
                if live_generation(self.root) == name:
                    self.lock = lock
                    return name
                lock.release()  # a rebuild swapped the index meanwhile: lock the new one
            elif reindex_running(self.root):
                raise IndexUnavailable("une reconstruction de l'index est en cours")
            if time.monotonic() >= deadline:
                raise IndexUnavailable(f"l'index est verrouillé depuis plus de {self.timeout:g} s")
            time.sleep(0.05)

    def __exit__(self, *exc_info) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def copy_generation(source: Path, dest: Path) -> None:
    """Copy an index generation's files (not its lock files) into `dest`, created empty."""
    dest.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.endswith("_LOCK") and not path.name.endswith("WRITELOCK"):
            shutil.copy2(path, dest / path.name)
