"""Downloading stored files: /fichiers/<key>/<safe-name> (the file) and /fichiers/<key>/apercu/<safe-name>
(an image's inline preview). Thin: forum.services.file_access decides who sees what and the headers.
A name that is not the stored one redirects (301) to the canonical address."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from flask_login import current_user

from forum.services import file_access

bp = Blueprint("files", __name__)


@bp.get("/fichiers/<key>/<name>")
def serve(key: str, name: str):
    return _send(key, name, preview=False)


@bp.get("/fichiers/<key>/apercu/<name>")
def preview(key: str, name: str):
    return _send(key, name, preview=True)


def _send(key: str, name: str, *, preview: bool):
    served = file_access.find_file(current_user, key, name, preview=preview)
    attachment = served.attachment
    if not served.name_matches:
        endpoint = "files.preview" if preview else "files.serve"
        return redirect(url_for(endpoint, key=attachment.key, name=attachment.safe_name), 301)
    headers = file_access.headers(served)
    if request.if_none_match.contains(served.etag):
        return Response(status=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    accel = file_access.accel_headers(served)
    if accel is not None:
        return Response(b"", headers={**headers, **accel})
    return Response(file_access.read(served), headers=headers)
