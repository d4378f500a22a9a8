"""The client's pain diary pages, the offline sync endpoint, and the care team's PSFS and
alert pages."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import timedelta

from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import policy
from ..audit.capture import audited
from ..extensions import csrf
from ..extensions import db
from ..localtime import client_timezone
from ..localtime import local_day
from ..models import CareAlert
from ..models import EntryKind
from ..models import PsfsActivity
from ..models import Role
from ..models import User
from ..models import now_utc
from ..security import json_body
from ..sessions import booking
from . import chart
from . import measures
from . import services
from . import sync
from .services import DiaryError

bp = Blueprint("diary", __name__)

HISTORY_WEEKS = (2, 6, 12)
SYNC_HEADER = "X-Continuum-Sync"


def _when_now() -> services.When:
    return services.When(now_utc(), client_timezone(current_user))


def _plan_start() -> date | None:
    plan = current_user.active_care_plan
    return plan.start_date if plan is not None else None


def _when_from_form() -> services.When:
    """The device's time and zone when the page's script sent them, else now at the centre."""
    recorded_at, tz = request.form.get("recorded_at"), request.form.get("tz")
    if not recorded_at or not tz:
        return _when_now()
    return services.when_from(recorded_at, tz, now=now_utc(), plan_start=_plan_start())


@bp.get("/diary")
@policy.roles(Role.CLIENT)
@audited("diary")
def history() -> str:
    """The client's own diary: a chart over 2, 6 or 12 weeks, a table and the entries."""
    weeks = request.args.get("weeks", 2, type=int)
    weeks = weeks if weeks in HISTORY_WEEKS else 2
    timezone = client_timezone(current_user)
    today = local_day(now_utc(), timezone)
    first = today - timedelta(days=7 * weeks - 1)
    entries = services.entries_between(db.session, current_user, first, today)
    plan = current_user.active_care_plan
    marks = []
    if plan is not None:
        for change in plan.phase_changes:
            if change.from_phase is not None:
                marks.append((local_day(change.changed_at, timezone), f"Phase {change.to_phase}"))
    marks += [(day, "Session") for day in booking.attended_days(db.session, current_user, timezone)]
    days = chart.daily(entries, first, today)
    return render_template(
        "diary/history.html",
        weeks=weeks,
        choices=HISTORY_WEEKS,
        chart=chart.build(days, marks),
        entries=list(reversed(entries)),
        regions=measures.BODY_REGIONS,
        timezone=timezone,
    )


def _checkin_page(values: dict, errors: dict[str, str], status: int) -> tuple[str, int]:
    return (
        render_template(
            "diary/checkin.html",
            values=values,
            errors=errors,
            regions=measures.BODY_REGIONS,
            entry_id=values.get("client_entry_id") or str(uuid.uuid4()),
        ),
        status,
    )


@bp.route("/diary/checkin", methods=["GET", "POST"])
@policy.roles(Role.CLIENT)
@audited("diary")
def checkin() -> Response | tuple[str, int]:
    """The daily check-in: pain now and worst, sleep, stress, flare, where it hurts, notes."""
    if request.method == "GET":
        today = _when_now().local_date
        existing = services.todays_checkin(db.session, current_user, today)
        values: dict = {}
        if existing is not None:
            values = {
                "pain_now": existing.pain_now,
                "pain_worst": existing.pain_worst,
                "sleep": existing.sleep,
                "stress": existing.stress,
                "flare": {True: "yes", False: "no"}.get(existing.flare, ""),
                "areas": existing.areas,
                "notes": existing.notes,
                "editing": True,
            }
        return _checkin_page(values, {}, 200)
    values = {
        key: request.form.get(key, "")
        for key in ("pain_now", "pain_worst", "sleep", "stress", "flare", "notes")
    }
    values["areas"] = request.form.getlist("areas")
    values["client_entry_id"] = request.form.get("client_entry_id", "")
    try:
        entry_id = str(uuid.UUID(values["client_entry_id"]))
        stored = services.record(
            db.session,
            current_user,
            entry_id=entry_id,
            kind=EntryKind.CHECKIN,
            checkin=services.checkin_from(values),
            when=_when_from_form(),
            now=now_utc(),
        )
        db.session.commit()
    except ValueError as error:
        db.session.rollback()
        errors = error.errors if isinstance(error, DiaryError) else {"form": "Reload and retry."}
        return _checkin_page(values, errors, 422)
    flash("Check-in updated." if stored.status == "updated" else "Check-in saved.", "success")
    return redirect(url_for("pathway.today"))


@bp.post("/diary/quick")
@policy.roles(Role.CLIENT)
@audited("diary")
def quick() -> Response:
    """Log pain right now in one tap from Today; several a day are fine."""
    try:
        entry_id = str(uuid.UUID(request.form.get("client_entry_id", "")))
        checkin = services.checkin_from({"pain_now": request.form.get("pain_now")}, quick=True)
        services.record(
            db.session,
            current_user,
            entry_id=entry_id,
            kind=EntryKind.QUICK,
            checkin=checkin,
            when=_when_from_form(),
            now=now_utc(),
        )
        db.session.commit()
        flash(f"Pain {checkin.pain_now} out of 10 logged.", "success")
    except ValueError:
        db.session.rollback()
        flash("That pain log didn't save: choose a number from 0 to 10.", "error")
    return redirect(url_for("pathway.today"))


@bp.post("/api/sync")
@csrf.exempt  # replays can come hours later; a custom header and same-origin check instead
@policy.client_api
@json_body
@audited("diary")
def sync_entries() -> tuple[Response, int]:
    """Store diary entries and exercise ticks made offline; the same answer on a replay."""
    if request.headers.get(SYNC_HEADER) != "1" or not _same_origin():
        return jsonify(error="Missing the sync header or from another site."), 400
    payload = request.get_json(silent=True)
    try:
        results = sync.process(db.session, current_user, payload, now_utc())
    except sync.BatchRefused as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    return jsonify(results=results), 200


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") in (None, "same-origin")
    return origin == request.host_url.rstrip("/")


@bp.route("/diary/weekly", methods=["GET", "POST"])
@policy.roles(Role.CLIENT)
@audited("diary")
def weekly() -> Response | tuple[str, int]:
    """The weekly check: rate your PSFS activities and a short red-flag screen."""
    activities = services.activities(db.session, current_user)
    values: dict = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        scores: dict[int, int] = {}
        for activity in activities:
            raw = request.form.get(f"psfs-{activity.id}", "")
            values[f"psfs-{activity.id}"] = raw
            if raw == "":
                errors[f"psfs-{activity.id}"] = "Rate this activity from 0 to 10."
            elif raw.isdigit():
                scores[activity.id] = int(raw)
            else:
                errors[f"psfs-{activity.id}"] = "Rate from 0 to 10."
        ticked = request.form.getlist("red_flags")
        values["red_flags"] = ticked
        if not errors:
            try:
                timezone = client_timezone(current_user)
                now = now_utc()
                _screen, alert = services.record_weekly(
                    db.session,
                    current_user,
                    scores=scores,
                    ticked=ticked,
                    today=local_day(now, timezone),
                    now=now,
                )
                db.session.commit()
                return redirect(url_for("diary.weekly_done", flagged=1 if alert else None))
            except DiaryError as error:
                db.session.rollback()
                errors = error.errors
    return render_template(
        "diary/weekly.html",
        activities=activities,
        red_flags=measures.RED_FLAGS,
        values=values,
        errors=errors,
    ), 422 if errors else 200


@bp.get("/diary/weekly/done")
@policy.roles(Role.CLIENT)
@audited("diary")
def weekly_done() -> str:
    """Thanks, or, when a red flag was ticked, clear advice on whom to contact and how fast."""
    timezone = client_timezone(current_user)
    latest = db.session.scalar(
        db.select(CareAlert)
        .where(CareAlert.client_id == current_user.id, CareAlert.kind == "red_flag")
        .order_by(CareAlert.created_at.desc())
        .limit(1)
    )
    flagged = request.args.get("flagged") == "1" and latest is not None
    urgency = latest.urgency if flagged and latest else None
    advice = measures.ADVICE[urgency][measures.country_of(timezone)] if urgency else None
    return render_template("diary/weekly_done.html", urgency=urgency, advice=advice)


@bp.route("/diary/review", methods=["GET", "POST"])
@policy.roles(Role.CLIENT)
@audited("diary")
def review() -> Response | tuple[str, int]:
    """The global rating of change since starting care, asked every four weeks."""
    error = None
    if request.method == "POST":
        raw = request.form.get("score", "")
        try:
            score = int(raw)
            timezone = client_timezone(current_user)
            now = now_utc()
            services.record_review(
                db.session, current_user, score, today=local_day(now, timezone), now=now
            )
            db.session.commit()
            flash("Thank you. Your therapists will talk it through with you.", "success")
            return redirect(url_for("pathway.today"))
        except ValueError:
            db.session.rollback()
            error = "Choose one of the points on the scale, from −7 to +7."
    return render_template(
        "diary/review.html", anchors=measures.GROC_ANCHORS, error=error
    ), 422 if error else 200


# --- The care team ------------------------------------------------------------------------------


@bp.route("/clients/<int:client_id>/psfs", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("view")
@audited("psfs")
def psfs(client: User) -> Response | tuple[str, int]:
    """The activities the client rates each week, and how their ratings have moved."""
    can_edit = policy.may(current_user, "prescribe", client)
    error, name = None, ""
    if request.method == "POST":
        if not can_edit:
            abort(403)
        name = request.form.get("name", "")
        try:
            services.add_activity(db.session, client, name, by=current_user, now=now_utc())
            db.session.commit()
            return redirect(url_for("diary.psfs", client_id=client.id))
        except DiaryError as problem:
            db.session.rollback()
            error = problem.errors["name"]
    return render_template(
        "diary/psfs.html",
        client=client,
        activities=services.activities(db.session, client),
        can_edit=can_edit,
        error=error,
        name=name,
    ), 422 if error else 200


@bp.post("/clients/<int:client_id>/psfs/<int:activity_id>/retire")
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("psfs")
def retire_activity(client: User, activity_id: int) -> Response:
    """Stop rating an activity; its past ratings stay."""
    activity = db.session.get(PsfsActivity, activity_id)
    if activity is None or activity.client_id != client.id:
        abort(404)
    activity.retired_at = activity.retired_at or now_utc()
    db.session.commit()
    return redirect(url_for("diary.psfs", client_id=client.id))


@bp.post("/clients/<int:client_id>/alerts/<int:alert_id>/acknowledge")
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("alert")
def acknowledge(client: User, alert_id: int) -> Response:
    """A member of the care team has seen the alert and is acting on it."""
    alert = db.session.get(CareAlert, alert_id)
    if alert is None or alert.client_id != client.id:
        abort(404)
    services.acknowledge(alert, current_user, now_utc())
    db.session.commit()
    return redirect(url_for("pathway.client", client_id=client.id))
