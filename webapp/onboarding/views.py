"""The first-run tour: four screens a client can page through, skip, or read again later."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import policy
from ..extensions import db
from ..models import Role
from ..models import now_utc
from . import services

bp = Blueprint("onboarding", __name__, url_prefix="/welcome")

AFTER = {"today": "pathway.today", "reminders": "reminders.settings"}


@bp.get("", defaults={"step": 1})
@bp.get("/<int:step>")
@policy.roles(Role.CLIENT)
def step(step: int) -> str:
    if not 1 <= step <= len(services.STEPS):
        abort(404)
    tour = services.tour_for(db.session, current_user, now_utc())
    db.session.commit()  # the reminder defaults, written the first time they are read
    return render_template(
        "onboarding/step.html",
        step=step,
        name=services.STEPS[step - 1],
        steps=services.STEPS,
        tour=tour,
        first_time=services.needs_tour(current_user),
    )


@bp.post("/done")
@policy.roles(Role.CLIENT)
def done() -> Response:
    """Finish or skip the tour, then go to Today (or straight on to reminder settings)."""
    services.finish(current_user, now_utc())
    db.session.commit()
    return redirect(url_for(AFTER.get(request.form.get("then", ""), "pathway.today")))
