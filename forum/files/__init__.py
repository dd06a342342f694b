"""Uploaded files, checked and not trusted: type from content, images re-encoded, safe names.

Pure functions, no Flask and no database: `check.check_upload(filename, data, max_bytes)` is the one
entry point the attachment service calls; the other modules are its parts.
"""
