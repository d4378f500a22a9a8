"""Routes of the erasure package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("erasure", __name__)
