"""A health check for load balancers and uptime monitors."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .. import policy
from ..extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@policy.public
def healthz() -> tuple[Response, int]:
    """Answer 200 when the app can reach its database, 503 with a reason when not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", type(error).__name__)
        return jsonify(status="error", db="unreachable", reason=type(error).__name__), 503
    return jsonify(status="ok", db="ok"), 200
