"""The therapist's home: their caseload, the most urgent flags first."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request
from flask_login import current_user

from .. import localtime
from .. import policy
from ..audit.capture import audited
from ..extensions import db
from ..models import Role
from ..models import now_utc
from . import services

bp = Blueprint("caseload", __name__, url_prefix="/caseload")


@bp.get("/")
@policy.roles(Role.THERAPIST)
@audited("caseload")
def index() -> str:
    """The therapist's clients with flags, sparklines, last entry and next visit; filterable."""
    filters = services.Filters(
        centre_id=request.args.get("centre", type=int),
        phase=request.args.get("phase", type=int),
        condition=request.args.get("condition") or None,
    )
    now = now_utc()
    rows, plans = services.rows(db.session, current_user, now, filters)
    centres = {p.centre_id: p.centre for p in plans}
    return render_template(
        "caseload/index.html",
        rows=rows,
        total=len(plans),
        filters=filters,
        centres=sorted(centres.values(), key=lambda c: c.name),
        conditions=sorted({p.condition for p in plans}, key=lambda c: c.value),
        today=localtime.local_day(now, localtime.staff_timezone(current_user)),
        since=services.since,
        now=now,
    )
