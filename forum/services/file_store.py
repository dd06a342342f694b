"""The application's file storage: the backend STORAGE_URL names (forum.storage.storage_for), made
once per application on first use and kept in app.extensions, so that pages without files never touch
it (an S3 server down only affects uploads and downloads). Tests may put any Storage there."""
from __future__ import annotations

from flask import current_app

from forum.storage import Storage, storage_for

EXTENSION_KEY = "file_storage"


def current_storage() -> Storage:
    """The current application's storage backend, created on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = storage_for(app.config.get("STORAGE_URL"), app.instance_path)
        app.extensions[EXTENSION_KEY] = storage
    return storage
