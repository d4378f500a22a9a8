"""The pre-session brief, for the client's care team."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask_login import current_user

from .. import policy
from ..audit.capture import audited
from ..diary import chart as diary_chart
from ..extensions import db
from ..models import Role
from ..models import User
from ..models import now_utc
from ..privacy import services as consent
from . import services
from .progress import summarise
from .record import gather

bp = Blueprint("brief", __name__)


@bp.get("/clients/<int:client_id>/brief")
@policy.roles(Role.THERAPIST)
@policy.client_record("read_notes")
@audited("brief")
def brief(client: User) -> str:
    """Everything since the client's last visit: diary, exercises, function, notes, flags."""
    found = services.build(db.session, client, now_utc())
    return render_template(
        "brief/brief.html",
        client=client,
        brief=found,
        withheld=consent.withheld_notes(db.session, client, current_user, found.notes),
        red_flag_text=services.red_flag_text,
    )


@bp.get("/progress")
@policy.roles(Role.CLIENT)
@audited("progress")
def progress() -> str:
    """The client's own progress in plain words: trends and what is going well."""
    plan = current_user.active_care_plan
    if plan is None:
        return render_template("brief/progress.html", summary=None, chart=None)
    record = gather(db.session, [plan], now_utc())[current_user.id]
    days = record.span(record.today, 14)
    marks = [(d, "Session") for d in record.sessions]
    return render_template(
        "brief/progress.html",
        summary=summarise(record, services.psfs_rows(db.session, current_user)),
        chart=diary_chart.build(days, marks),
    )
