"""Versioned static files: every static URL the app writes carries a hash of the file's
content (``/static/css/app.css?v=3f2a9c01b7``), so browsers may keep it for a year without
asking again, and a new release, with new content, has new URLs.

A request with the current hash gets ``Cache-Control: public, max-age=31536000, immutable``;
one without it, or with an old hash, gets the default (revalidate with the ETag), so nothing
stale is ever pinned.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def register_assets(app: Flask) -> None:
    app.url_defaults(add_version)
    app.after_request(cache_versioned)


def add_version(endpoint: str, values: dict[str, Any]) -> None:
    """Give ``url_for("static", filename=...)`` the file's content hash as ``v``."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    version = version_of(current_app.static_folder or "", values["filename"])
    if version:
        values["v"] = version


def version_of(folder: str, filename: str) -> str:
    """The first 10 hex digits of the file's SHA-256, or "" if there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return ""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return ""
    return _digest(path, stamp)


@lru_cache(maxsize=1024)
def _digest(path: str, stamp: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:10]


def cache_versioned(response: Response) -> Response:
    """Let browsers keep a static file for a year when its URL names its current content."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    asked = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    if asked and asked == version_of(current_app.static_folder or "", filename):
        response.headers["Cache-Control"] = IMMUTABLE
    return response
