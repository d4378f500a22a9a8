"""The client's "who has looked at my record", and the admin's search of the audit trail."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask_login import current_user

from .. import localtime
from .. import policy
from ..extensions import db
from ..models import Role
from ..models import now_utc
from . import search
from . import services
from .capture import about
from .capture import audited

bp = Blueprint("audit", __name__)


@bp.get("/settings/access")
@policy.roles(Role.CLIENT)
@audited("audit")
def access() -> str:
    """Every time someone on the staff read or changed the client's record, newest first."""
    before = request.args.get("before", type=int)
    page = services.staff_access(db.session, current_user, before=before)
    timezone = localtime.client_timezone(current_user)
    return render_template(
        "audit/access.html",
        days=services.by_day(page.lines, timezone),
        older=page.older,
        latest=before is None,
        today=localtime.local_day(now_utc(), timezone),
        timezone=timezone,
    )


def _scope() -> search.Scope:
    return search.Scope.of(current_user, localtime.staff_timezone(current_user))


def _refuse_other_centres(filters: search.Filters, staff: list) -> None:  # type: ignore[type-arg]
    """A staff filter naming someone outside the admin's centres is a 404, like their records."""
    if filters.staff_id is not None and filters.staff_id not in {s.id for s in staff}:
        abort(404)


@bp.get("/admin/audit")
@policy.roles(Role.ADMIN)
@audited("audit")
def trail() -> tuple[str, int]:
    """Search the trail of the admin's centres by client, staff member and date."""
    scope = _scope()
    chosen = search.read(request.args)
    staff = search.staff_choices(db.session, scope)
    results = None
    if chosen.filters is not None:
        _refuse_other_centres(chosen.filters, staff)
        results = search.search(db.session, scope, chosen.filters)
        if len(results.matched_clients) == 1:
            about(results.matched_clients[0])
    return render_template(
        "audit/trail.html",
        chosen=chosen,
        staff=staff,
        results=results,
        timezone=scope.timezone,
    ), 200 if results is not None else 422


@bp.get("/admin/audit.csv")
@policy.roles(Role.ADMIN)
@audited("audit", action="export")
def trail_csv() -> Response:
    """The filtered trail as CSV, for a breach report or a client's request."""
    scope = _scope()
    chosen = search.read(request.args)
    if chosen.filters is None:
        problems = " ".join(chosen.errors.values())
        return Response(f"These filters can't be used: {problems}\n", 400, mimetype="text/plain")
    _refuse_other_centres(chosen.filters, search.staff_choices(db.session, scope))
    results = search.for_export(db.session, scope, chosen.filters)
    if len(results.matched_clients) == 1:
        about(results.matched_clients[0])
    name = f"audit-trail-{now_utc():%Y-%m-%d}.csv"
    return Response(
        search.csv_text(results.rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
