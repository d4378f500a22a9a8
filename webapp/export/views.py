"""Routes of the export package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("export", __name__)
