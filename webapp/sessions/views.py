"""Visits: the client's sessions and calendar, the therapist's schedule, staff booking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import Blueprint
from flask import Response as FlaskResponse
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import localtime
from .. import policy
from ..audit.capture import about
from ..audit.capture import audited
from ..careteam import services as careteam
from ..extensions import db
from ..models import Appointment
from ..models import AppointmentKind
from ..models import AppointmentStatus
from ..models import Discipline
from ..models import Role
from ..models import User
from ..models import now_utc
from . import booking
from . import calendar
from . import visits
from .booking import BookingError
from .forms import BookingForm
from .forms import CancelForm
from .forms import FeedForm
from .forms import MoveForm
from .forms import OutcomeForm
from .forms import SeriesForm

bp = Blueprint("sessions", __name__)

ICS_TYPE = "text/calendar; charset=utf-8"


# --- Clients -----------------------------------------------------------------------------------


@bp.get("/sessions")
@policy.roles(Role.CLIENT)
@audited("sessions")
def index() -> str:
    """The client's coming and past visits, and their private calendar link."""
    now = now_utc()
    feed = calendar.live_feed(db.session, current_user)
    summaries = {
        note.appointment_id: note
        for note in careteam.summaries_for(db.session, current_user)
        if note.appointment_id
    }
    plan = current_user.active_care_plan
    return render_template(
        "sessions/index.html",
        upcoming=booking.upcoming(db.session, current_user, now),
        past=booking.past(db.session, current_user, now),
        summaries=summaries,
        phase=plan.phase if plan else 1,
        visits=visits,
        feed_url=_feed_url(feed) if feed else None,
        form=FeedForm(),
    )


@bp.get("/sessions/<int:appointment_id>.ics")
@policy.roles(Role.CLIENT)
@policy.appointment_record("view")
@audited("sessions")
def ics(appointment: Appointment) -> FlaskResponse:
    """One visit as a calendar file the phone opens with 'Add to calendar'."""
    body = calendar.calendar(
        [appointment], now_utc(), _sessions_url(), f"Continuum: {appointment.kind.label}"
    )
    response = FlaskResponse(body, mimetype=ICS_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="continuum-{appointment.id}.ics"'
    )
    return response


@bp.post("/sessions/feed")
@policy.roles(Role.CLIENT)
def make_feed() -> Response:
    """Make a new private calendar link; an earlier one stops working."""
    if FeedForm().validate_on_submit():
        calendar.new_feed(db.session, current_user, now_utc())
        db.session.commit()
    return redirect(url_for("sessions.index", _anchor="calendar"))


@bp.post("/sessions/feed/stop")
@policy.roles(Role.CLIENT)
def stop_feed() -> Response:
    """Stop the private calendar link; phones subscribed to it get nothing more."""
    if FeedForm().validate_on_submit():
        calendar.stop_feed(db.session, current_user, now_utc())
        db.session.commit()
    return redirect(url_for("sessions.index", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
@policy.public
@audited("sessions", anonymous_role="calendar-feed")
def feed(token: str) -> FlaskResponse:
    """The private feed: anyone with the secret link reads it, a revoked link is 404."""
    found = calendar.find_feed(db.session, token, current_app.config["SECRET_KEY"])
    if found is None:
        abort(404)
    client = db.session.get(User, found.client_id)
    if client is None or not client.is_active:
        abort(404)
    about(client)
    now = now_utc()
    appointments = calendar.feed_appointments(db.session, client, now)
    body = calendar.calendar(appointments, now, _sessions_url(), "Continuum sessions")
    return FlaskResponse(body, mimetype=ICS_TYPE)


def _sessions_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("sessions.index")


def _feed_url(feed) -> str:  # type: ignore[no-untyped-def]
    token = calendar.feed_token(feed, current_app.config["SECRET_KEY"])
    return current_app.config["BASE_URL"].rstrip("/") + url_for("sessions.feed", token=token)


# --- Therapists' schedule ----------------------------------------------------------------------


@bp.get("/schedule")
@policy.roles(Role.THERAPIST)
@audited("schedule")
def schedule() -> str:
    """A therapist's day or week across all their centres, in each centre's local time."""
    timezone = localtime.staff_timezone(current_user)
    now = now_utc()
    today = localtime.local_day(now, timezone)
    day = _date_arg("day") or today
    week = request.args.get("view") == "week"
    first = localtime.week_start(day) if week else day
    days = [first + timedelta(days=n) for n in range(7 if week else 1)]
    start = localtime.to_utc(days[0], datetime.min.time(), timezone)
    end = localtime.to_utc(days[-1] + timedelta(days=1), datetime.min.time(), timezone)
    appointments = booking.schedule(db.session, current_user, start, end)
    by_day: dict[date, list[Appointment]] = {d: [] for d in days}
    for appointment in appointments:
        local = localtime.local_day(appointment.starts_at, appointment.centre.timezone)
        by_day.setdefault(local, []).append(appointment)
    step = timedelta(days=7 if week else 1)
    return render_template(
        "sessions/schedule.html",
        by_day=by_day,
        today=today,
        day=day,
        week=week,
        previous=first - step,
        following=first + step,
        now=now,
        open_referrals=sum(r.is_open for r in careteam.inbox(db.session, current_user, now)),
    )


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


# --- Staff: a client's visits, booking and changes -----------------------------------------------


@bp.get("/clients/<int:client_id>/appointments")
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("view")
@audited("sessions")
def client_appointments(client: User) -> str:
    """Staff see a client's coming and past visits, and book more."""
    now = now_utc()
    return render_template(
        "sessions/client.html",
        client=client,
        plan=client.active_care_plan,
        upcoming=booking.upcoming(db.session, client, now, limit=100),
        past=booking.past(db.session, client, now, limit=100),
        can_book=policy.may(current_user, "schedule", client),
        outcome_form=OutcomeForm(),
        now=now,
    )


@bp.route("/clients/<int:client_id>/appointments/new", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("schedule")
@audited("sessions")
def book(client: User) -> Response | str | tuple[str, int]:
    """Book one visit."""
    form = BookingForm()
    _team_choices(form, client)
    if form.validate_on_submit():
        booked = _committed(
            form,
            lambda: [
                booking.book(
                    db.session,
                    client,
                    _team(form, client).visit(AppointmentKind(form.kind.data)),
                    day=form.starts_on.data,
                    clock=form.starts_at.data,
                    by=current_user,
                    request_key=form.request_key.data,
                    now=now_utc(),
                )
            ],
        )
        if booked:
            return redirect(_booked_url(client, booked))
    return _form_page("sessions/book.html", form, client)


@bp.route("/clients/<int:client_id>/appointments/series", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("schedule")
@audited("sessions")
def book_series(client: User) -> Response | str | tuple[str, int]:
    """Book a series of visits from the client's condition plan."""
    form = SeriesForm()
    _team_choices(form, client)
    plan = client.active_care_plan
    if request.method == "GET" and plan is not None:
        form.pattern.data = booking.CONDITION_PATTERNS[plan.condition]
    if form.validate_on_submit():
        booked = _committed(
            form,
            lambda: (
                booking.book_series(
                    db.session,
                    client,
                    booking.PATTERNS[form.pattern.data],
                    _team(form, client),
                    first_day=form.starts_on.data,
                    clock=form.starts_at.data,
                    count=form.count.data,
                    every_weeks=form.every_weeks.data,
                    by=current_user,
                    request_key=form.request_key.data,
                    now=now_utc(),
                ).appointments
            ),
        )
        if booked:
            return redirect(_booked_url(client, booked))
    return _form_page("sessions/series.html", form, client)


@bp.route("/appointments/<int:appointment_id>/move", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.appointment_record("schedule")
@audited("sessions")
def move(appointment: Appointment) -> Response | str | tuple[str, int]:
    """Move a visit, or it and the rest of its series."""
    form = MoveForm()
    if request.method == "GET":
        local = localtime.wall_clock(appointment.starts_at, appointment.centre.timezone)
        form.starts_on.data, form.starts_at.data = local.date(), local.time()
    if form.validate_on_submit():
        moved = _committed(
            form,
            lambda: booking.move(
                db.session,
                appointment,
                day=form.starts_on.data,
                clock=form.starts_at.data,
                rest_of_series=form.scope.data == "rest",
                now=now_utc(),
            ),
        )
        if moved:
            return redirect(_booked_url(appointment.client, moved))
    status = 422 if request.method == "POST" else 200
    return render_template("sessions/move.html", form=form, appointment=appointment), status


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.appointment_record("schedule")
@audited("sessions")
def cancel(appointment: Appointment) -> Response | str | tuple[str, int]:
    """Cancel a visit, or it and the rest of its series."""
    form = CancelForm()
    if form.validate_on_submit() and _committed(
        form,
        lambda: booking.cancel(
            db.session,
            appointment,
            status=AppointmentStatus(form.status.data),
            rest_of_series=form.scope.data == "rest",
            now=now_utc(),
        ),
    ):
        return redirect(url_for("sessions.client_appointments", client_id=appointment.client_id))
    status = 422 if request.method == "POST" else 200
    return render_template("sessions/cancel.html", form=form, appointment=appointment), status


@bp.post("/appointments/<int:appointment_id>/outcome")
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.appointment_record("schedule")
@audited("sessions")
def outcome(appointment: Appointment) -> Response | tuple[str, int]:
    """Record that a visit was attended or missed."""
    form = OutcomeForm()
    back = url_for("sessions.client_appointments", client_id=appointment.client_id)
    if form.validate_on_submit() and _committed(
        form,
        lambda: booking.record_outcome(
            db.session, appointment, AppointmentStatus(form.status.data), now_utc()
        ),
    ):
        return redirect(back)
    message = form.status.errors[0] if form.status.errors else "Choose attended or missed."
    return render_template("sessions/problem.html", message=message, back=back), 422


def _team_choices(form: BookingForm | SeriesForm, client: User) -> None:
    for field, discipline in (
        (form.massage_id, Discipline.MASSAGE),
        (form.physio_id, Discipline.PHYSIO),
    ):
        people = booking.team_choices(client, discipline)
        field.choices = [(0, "Choose…")] + [(p.id, p.name) for p in people]
        if request.method == "GET" and len(people) == 1:
            field.data = people[0].id


def _team(form: BookingForm | SeriesForm, client: User) -> booking.Team:
    """The form's choice of therapists; anyone not on the care team is refused by the service."""

    def person(user_id: int | None) -> User | None:
        return db.session.get(User, user_id) if user_id else None

    return booking.Team(
        massage=person(form.massage_id.data),
        physio=person(form.physio_id.data),
        massage_minutes=form.massage_minutes.data,
        physio_minutes=form.physio_minutes.data,
        physio_first=form.order.data == "physio",
    )


def _committed(form: object, change: Callable[[], list[Appointment]]) -> list[Appointment]:
    """Make a booking change and commit it; if it breaks a rule, show why on the form."""
    try:
        changed = change()
        db.session.commit()
        return changed
    except BookingError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) or getattr(form, "starts_on", None)
        field = field or form.status  # type: ignore[attr-defined]
        field.errors = [*field.errors, error.message]
        return []


def _form_page(template: str, form: object, client: User) -> str | tuple[str, int]:
    status = 422 if request.method == "POST" else 200
    plan = client.active_care_plan
    timezone = plan.centre.timezone if plan else "UTC"
    return render_template(template, form=form, client=client, plan=plan, timezone=timezone), status


def _booked_url(client: User, appointments: list[Appointment]) -> str:
    return url_for("sessions.client_appointments", client_id=client.id, booked=len(appointments))
