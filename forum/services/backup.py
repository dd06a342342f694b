"""Backups of the embedded SQLite database and the search index, and their restoration.

Why the copies are consistent while the app runs: the database is copied with SQLite's online
backup API in one step (a read transaction: writers go on in WAL mode, the copy is the state of
one instant), and the index generation is copied while holding its writer lock. The database is
copied *inside* that lock, so every change missing from the copied index still has its row in
the copied `index_tasks` queue (tasks are deleted only after their index commit, which cannot
happen while we hold the lock): after a restore, applying the queue brings the index in step.

Uploaded files of the directory backend (forum.storage.local) are copied into files/ (same fan-out)
AFTER the database, so every row of the copy has its object (an object without a row is harmless:
`flask --app forum files check --delete-orphans`); they are put back in storage before the database
on restore. Files in an S3 bucket are not copied: the report says so (the provider's tools do it).

PostgreSQL is not handled here: pg_dump does it better.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from forum.search.whoosh import storage
from forum.storage import KEY_PATTERN, Storage, StorageError
from forum.storage.local import LocalStorage

MANIFEST = "manifest.json"
DATABASE_FILE = "forum.sqlite3"
INDEX_DIR = "search-index"
FILES_DIR = "files"
S3_NOT_INCLUDED = ("Les fichiers envoyés (images, documents) sont dans un stockage S3 : ils ne sont pas dans "
                   "cette sauvegarde. Sauvegardez le compartiment avec les outils de votre fournisseur.")
FORMAT = "forum-sauvegarde/1"
COUNTED_TABLES = ("users", "boards", "threads", "posts", "votes")


class BackupError(Exception):
    """A backup or restore cannot run; `message` is French and shown by the CLI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class BackupReport:
    directory: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    database: Path
    index_generation: str | None
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    stored_files: int = 0


def sqlite_path(database_uri: str) -> Path:
    """The file of a SQLite URL. Raises BackupError for another database or an in-memory one."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"La sauvegarde intégrée ne gère que SQLite (base actuelle : {url.get_backend_name()}). "
            "Pour PostgreSQL, utilisez pg_dump (et pg_restore), puis copiez le répertoire de l'index "
            "ou lancez « flask --app forum search reindex » après restauration.")
    if not url.database or url.database == ":memory:":
        raise BackupError("Une base SQLite en mémoire ne peut pas être sauvegardée.")
    return Path(url.database)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- backup ---------------------------------------------------------------------------------------

def backup(database_uri: str, index_root: Path, output: Path, lock_timeout: float = 60.0,
           files: Storage | None = None) -> BackupReport:
    """Write the database, the live index generation, the uploaded files of `files` (directory
    backend) and manifest.json into `output` (a new or empty directory). Raises BackupError."""
    source = sqlite_path(database_uri)
    if not source.is_file():
        raise BackupError(f"La base {source} n'existe pas : rien à sauvegarder.")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(f"Le répertoire {output} existe déjà et n'est pas vide : choisissez-en un autre.")
    output.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    generation = None
    try:
        with storage.hold_writer_lock(index_root, lock_timeout) as generation:
            if generation is not None:
                storage.copy_generation(index_root / generation, output / INDEX_DIR / generation)
                (output / INDEX_DIR / storage.POINTER).write_text(generation + "\n", encoding="utf-8")
            copy_database(source, output / DATABASE_FILE)
    except storage.IndexUnavailable as exc:
        shutil.rmtree(output / INDEX_DIR, ignore_errors=True)
        generation = None
        warnings.append(f"Index de recherche non sauvegardé ({exc}) : après restauration, lancez "
                        "« flask --app forum search reindex ».")
        copy_database(source, output / DATABASE_FILE)
    if generation is None and not warnings:
        warnings.append("Pas d'index de recherche à sauvegarder : après restauration, lancez "
                        "« flask --app forum search reindex ».")
    stored = copy_stored_files(files, output / FILES_DIR, warnings)
    manifest = _manifest(output, source, generation, stored)
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return BackupReport(directory=output, manifest=manifest, warnings=warnings)


def copy_database(source: Path, dest: Path) -> None:
    """Copy a live SQLite database with the online backup API, in one step (one consistent
    snapshot), into a self-contained file (rollback journal: no -wal file beside it)."""
    src = sqlite3.connect(source, timeout=30)  # read-write open: a read-only one cannot join WAL
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise BackupError(f"La copie de la base n'est pas intègre ({check}).")


def copy_stored_files(files: Storage | None, dest: Path, warnings: list[str]) -> int | None:
    """Copy every object of a directory backend into `dest` (same fan-out); the number copied, or
    None when the files are elsewhere (then a warning says so)."""
    if files is None:
        return None
    if not isinstance(files, LocalStorage):
        warnings.append(S3_NOT_INCLUDED)
        return None
    copied = 0
    try:
        for key in files.keys():
            target = dest / key[:2] / key[2:4] / key
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(files.path(key), target)
            except FileNotFoundError:  # purged since the listing: its row is gone from the copy too
                continue
            copied += 1
    except (OSError, StorageError) as exc:
        raise BackupError(f"Copie des fichiers envoyés impossible ({exc}).") from exc
    return copied


def _manifest(output: Path, source: Path, generation: str | None, stored_files: int | None = None) -> dict:
    conn = sqlite3.connect(f"file:{output / DATABASE_FILE}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                    if "alembic_version" in tables else None)
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
                  for table in COUNTED_TABLES if table in tables}
    finally:
        conn.close()
    files = {}
    for path in sorted(p for p in output.rglob("*") if p.is_file() and p.name != MANIFEST):
        files[path.relative_to(output).as_posix()] = {"size": path.stat().st_size, "sha256": sha256(path)}
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source_database": str(source),
        "schema_revision": revision[0] if revision else None,
        "counts": counts,
        "search_index_generation": generation,
        "stored_files": stored_files,
        "files": files,
    }


# --- restore --------------------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    """The manifest of a backup directory, every file checked against its size and SHA-256.
    Raises BackupError (not a backup, unreadable manifest, missing or altered file)."""
    path = directory / MANIFEST
    if not directory.is_dir() or not path.is_file():
        raise BackupError(f"{directory} n'est pas une sauvegarde : {MANIFEST} est introuvable.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{MANIFEST} est illisible : cette sauvegarde est inutilisable.") from None
    if DATABASE_FILE not in files:
        raise BackupError(f"La sauvegarde ne contient pas de base ({DATABASE_FILE}).")
    for name, expected in files.items():
        file = directory / name
        if ".." in Path(name).parts or not file.is_file():
            raise BackupError(f"Fichier manquant dans la sauvegarde : {name}.")
        if file.stat().st_size != expected.get("size") or sha256(file) != expected.get("sha256"):
            raise BackupError(f"Sauvegarde altérée : l'empreinte SHA-256 de {name} ne correspond pas au manifeste.")
    return manifest


def restore(directory: Path, database_uri: str, index_root: Path, overwrite: bool = False,
            files: Storage | None = None) -> RestoreReport:
    """Put a verified backup back in place: its uploaded files into `files` first, then the database
    through the backup API (into the target file, so open connections see the restored content),
    the index as a new generation swapped in atomically. Raises BackupError (see read_manifest;
    existing data without `overwrite`; storage failure)."""
    manifest = read_manifest(directory)
    target = sqlite_path(database_uri)
    if not overwrite and target.exists() and target.stat().st_size > 0:
        raise BackupError(f"La base {target} existe déjà : relancez avec --yes pour la remplacer "
                          "par la sauvegarde (les données actuelles seront perdues).")
    target.parent.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    stored = _restore_files(directory, manifest, files, warnings)
    src = sqlite3.connect(f"file:{directory / DATABASE_FILE}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise BackupError(f"La base restaurée n'est pas intègre ({check}).")
    generation = _restore_index(directory, manifest, index_root)
    if generation is None:
        warnings.append("La sauvegarde ne contient pas d'index : lancez « flask --app forum search reindex ».")
    return RestoreReport(database=target, index_generation=generation, manifest=manifest, warnings=warnings,
                         stored_files=stored)


def _restore_files(directory: Path, manifest: dict, files: Storage | None, warnings: list[str]) -> int:
    """Put the backup's files/ objects into `files` (already checked by read_manifest); objects
    already there are replaced by the same bytes."""
    names = [name for name in manifest["files"] if name.startswith(f"{FILES_DIR}/")]
    if names and files is None:
        warnings.append("La sauvegarde contient des fichiers envoyés, mais aucun stockage n'est configuré : "
                        "ils n'ont pas été restaurés.")
        return 0
    for name in names:
        key = name.rsplit("/", 1)[-1]
        if not KEY_PATTERN.fullmatch(key):
            raise BackupError(f"Nom de fichier inattendu dans la sauvegarde : {name}.")
        try:
            files.put(key, (directory / name).read_bytes(), "application/octet-stream")
        except StorageError as exc:
            raise BackupError(f"Restauration des fichiers envoyés impossible : {exc.message}") from exc
    if manifest.get("stored_files") is None and files is not None and not isinstance(files, LocalStorage):
        warnings.append(S3_NOT_INCLUDED)
    return len(names)


def _restore_index(directory: Path, manifest: dict, index_root: Path) -> str | None:
    saved = manifest.get("search_index_generation")
    if not saved:
        return None
    source = directory / INDEX_DIR / saved
    if not source.is_dir():
        raise BackupError(f"Fichier manquant dans la sauvegarde : {INDEX_DIR}/{saved}.")
    index_root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    generation = index_root / f"{storage.GENERATION_PREFIX}{stamp}-{os.getpid()}-restauration"
    storage.copy_generation(source, generation)
    storage.swap_to(index_root, generation)
    storage.forget_searchers()
    storage.remove_old_generations(index_root)
    return generation.name
