"""The client's reminder settings, and their phones' push subscriptions."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
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
from ..security import json_body
from . import planning
from . import services
from .forms import ReminderForm

bp = Blueprint("reminders", __name__, url_prefix="/settings/reminders")


@bp.route("", methods=["GET", "POST"])
@policy.roles(Role.CLIENT)
def settings() -> Response | str | tuple[str, int]:
    """When and how reminders come, quiet hours, pause, or stop them all."""
    saved = planning.settings_for(db.session, current_user)
    form = ReminderForm()
    if request.method == "GET":
        times = sorted(saved.exercise_times)
        form.enabled.data = saved.enabled
        form.first_time.data = planning.clock(times[0]) if times else None
        form.second_time.data = planning.clock(times[1]) if len(times) > 1 else None
        form.days.data = list(saved.exercise_days)
        form.by_push.data, form.by_email.data = saved.by_push, saved.by_email
        form.quiet_start.data = planning.clock(saved.quiet_start)
        form.quiet_end.data = planning.clock(saved.quiet_end)
        db.session.commit()
    elif form.validate_on_submit():
        times = [t.strftime("%H:%M") for t in (form.first_time.data, form.second_time.data) if t]
        choices = services.Choices(
            enabled=form.enabled.data,
            times=times,
            days=form.days.data or [],
            by_push=form.by_push.data,
            by_email=form.by_email.data,
            quiet_start=form.quiet_start.data.strftime("%H:%M"),
            quiet_end=form.quiet_end.data.strftime("%H:%M"),
            pause=form.pause.data or "",
        )
        services.save_choices(db.session, current_user, choices, now_utc())
        db.session.commit()
        return redirect(url_for("reminders.settings", saved=1))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "reminders/settings.html",
        form=form,
        saved=saved,
        vapid_public_key=current_app.config["VAPID_PUBLIC_KEY"],
    ), status


@bp.post("/push")
@policy.roles(Role.CLIENT)
@json_body
def subscribe() -> tuple[Response, int]:
    """Keep this browser's push subscription (sent by the page script as JSON)."""
    data = _object(request.get_json(silent=True))
    endpoint = data.get("endpoint")
    keys = data.get("keys") or {}
    if not _valid(endpoint, keys):
        return jsonify(error="That isn't a push subscription."), 400
    services.subscribe(db.session, current_user, endpoint, keys["p256dh"], keys["auth"])
    db.session.commit()
    return jsonify(status="subscribed"), 201


@bp.post("/push/remove")
@policy.roles(Role.CLIENT)
@json_body
def unsubscribe() -> tuple[Response, int]:
    """Forget this browser's push subscription."""
    data = _object(request.get_json(silent=True))
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str):
        return jsonify(error="Say which subscription."), 400
    services.forget_subscription(db.session, current_user, endpoint)
    db.session.commit()
    return jsonify(status="removed"), 200


def _object(body: object) -> dict[str, object]:
    """The JSON body when it is an object; anything else is treated as empty."""
    return body if isinstance(body, dict) else {}


def _valid(endpoint: object, keys: object) -> bool:
    """A push endpoint is https; a local test endpoint is allowed outside production only."""
    allowed = ("https://",)
    if current_app.config["ENV"] != "production":
        allowed += ("http://127.0.0.1:", "http://localhost:")
    return (
        isinstance(endpoint, str)
        and endpoint.startswith(allowed)
        and len(endpoint) <= 1000
        and isinstance(keys, dict)
        and all(
            isinstance(keys.get(k), str) and 0 < len(keys[k]) <= 200 for k in ("p256dh", "auth")
        )
    )
