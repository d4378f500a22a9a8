"""Outcomes across centres for admins, and a therapist's own caseload outcomes (issue #8)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
