"""The therapist's home: their caseload."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask_login import current_user

from .. import policy
from ..diary import services as diary
from ..extensions import db
from ..models import Role
from ..models import now_utc
from . import services

bp = Blueprint("caseload", __name__, url_prefix="/caseload")


@bp.get("/")
@policy.roles(Role.THERAPIST)
def index() -> str:
    """List the clients on the therapist's care teams with condition, phase and centre."""
    plans = services.caseload(db.session, current_user)
    alerts = diary.open_alerts(db.session, [plan.client_id for plan in plans])
    flagged = {alert.client_id for alert in alerts}
    return render_template("caseload/index.html", plans=plans, flagged=flagged, now=now_utc())
