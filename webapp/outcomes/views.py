"""Outcomes across centres for admins, and a therapist's own caseload outcomes (issue #8)."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask_login import current_user

from .. import policy
from ..audit.capture import audited
from ..brief.thresholds import DEFAULT
from ..extensions import db
from ..localtime import local_day
from ..localtime import staff_timezone
from ..models import Discipline
from ..models import Role
from ..models import now_utc
from ..pathway.content import CONDITIONS
from . import export
from . import filters
from . import services
from . import snapshots
from .charts import figure
from .tables import MIN_GROUP

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")


def _page(scope: policy.OutcomeScope, csv_endpoint: str) -> tuple[str, int]:
    now = now_utc()
    timezone = staff_timezone(current_user)
    chosen = filters.read(request.args, local_day(now, timezone))
    ttl = current_app.config["OUTCOMES_SNAPSHOT_TTL"]
    report = None
    if chosen.filters is not None:
        report = snapshots.report(db.session, scope, chosen.filters, now, ttl)
    page = render_template(
        "outcomes/index.html",
        scope=scope,
        chosen=chosen,
        timezone=timezone,
        snapshot_minutes=round(ttl.total_seconds() / 60),
        report=report,
        csv_endpoint=csv_endpoint,
        conditions=list(CONDITIONS),
        disciplines=list(Discipline),
        limits=DEFAULT,
        min_group=MIN_GROUP,
        figure=figure,
    )
    if report is not None and report.as_of is None:
        # Keep the snapshot of the figures this request counted; committed once the page is
        # made, as committing expires what the page reads (the user, their centres).
        db.session.commit()
    return page, 200 if report is not None else 422


def _csv(scope: policy.OutcomeScope, table: str) -> Response:
    if table not in services.TABLES:
        abort(404)
    now = now_utc()
    chosen = filters.read(request.args, local_day(now, staff_timezone(current_user)))
    if chosen.filters is None:
        problems = " ".join(chosen.errors.values())
        return Response(f"These filters can't be used: {problems}\n", 400, mimetype="text/plain")
    found = services.table(db.session, scope, chosen.filters, table, now)
    period = chosen.filters.period
    name = f"outcomes-{table}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(
        export.csv_text(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/")
@policy.outcomes(Role.ADMIN)
@audited("outcomes")
def index(scope: policy.OutcomeScope) -> tuple[str, int]:
    """Outcomes across the admin's centres, filtered by centre, condition, discipline, period."""
    return _page(scope, "outcomes.csv")


@bp.get("/<table>.csv")
@policy.outcomes(Role.ADMIN)
@audited("outcomes", action="export")
def csv(scope: policy.OutcomeScope, table: str) -> Response:
    """One outcome table as CSV, with the page's filters."""
    return _csv(scope, table)


@bp.get("/mine")
@policy.outcomes(Role.THERAPIST)
@audited("outcomes")
def mine(scope: policy.OutcomeScope) -> tuple[str, int]:
    """The same outcomes for the clients whose care team the therapist is on."""
    return _page(scope, "outcomes.mine_csv")


@bp.get("/mine/<table>.csv")
@policy.outcomes(Role.THERAPIST)
@audited("outcomes", action="export")
def mine_csv(scope: policy.OutcomeScope, table: str) -> Response:
    """One table of the therapist's own outcomes as CSV."""
    return _csv(scope, table)
