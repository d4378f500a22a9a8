"""Learn: short articles in our own words, for clients (issue #8)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learn", __name__, url_prefix="/learn")
