"""Therapists build and change a client's programme; clients do and log their exercises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from .. import localtime
from .. import policy
from ..audit.capture import audited
from ..extensions import db
from ..extensions import htmx
from ..library import services as library
from ..models import Difficulty
from ..models import Exercise
from ..models import Prescription
from ..models import Role
from ..models import User
from ..models import now_utc
from . import adherence
from . import services
from .forms import DoseForm
from .forms import LogForm
from .forms import MoveForm
from .forms import RatingForm
from .forms import ReasonForm
from .forms import ReplaceForm
from .forms import SeenForm
from .services import ProgrammeError

bp = Blueprint("programmes", __name__)


def _show_error(form: object, error: ProgrammeError, fallback: str) -> None:
    field = getattr(form, error.field, None) or getattr(form, fallback)
    field.errors = [*field.errors, error.message]


def _committed(form: object, fallback: str, change: Callable[[], object]) -> bool:
    """Make a programme change and commit it; if it breaks a rule, show why on the form."""
    try:
        change()
        db.session.commit()
        return True
    except ProgrammeError as error:
        db.session.rollback()
        _show_error(form, error, fallback)
        return False


def _own_prescription(client: User, prescription_id: int) -> Prescription:
    """Find one of this client's prescriptions, or answer 404."""
    found = services.find_prescription(services.programme_of(db.session, client), prescription_id)
    if found is None:
        abort(404)
    return found


def _to_programme(client: User) -> Response:
    return redirect(url_for("programmes.programme", client_id=client.id))


# --- Therapists ------------------------------------------------------------------------------


@bp.get("/clients/<int:client_id>/programme")
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("view")
@audited("programme")
def programme(client: User) -> str:
    """Show the client's programme, adherence and ratings, and what changed when and why."""
    plan = client.active_care_plan
    current = services.programme_of(db.session, client)
    timezone = localtime.client_timezone(client)
    template = None
    if plan is not None:
        template = library.template_for(Path(current_app.config["EXERCISES_DIR"]), plan.condition)
    return render_template(
        "programmes/programme.html",
        client=client,
        plan=plan,
        programme=current,
        adherence=(
            adherence.programme_adherence(db.session, current, timezone, now_utc())
            if current
            else None
        ),
        recent=services.recent_logs(db.session, current, limit=12) if current else [],
        template=template,
        can_edit=policy.may(current_user, "prescribe", client),
        timezone=timezone,
        move_form=MoveForm(),
    )


@bp.post("/clients/<int:client_id>/programme/template")
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def start_from_template(client: User) -> Response:
    """Start an empty programme from the condition's template for the client's phase."""
    plan = client.active_care_plan
    root = Path(current_app.config["EXERCISES_DIR"])
    template = library.template_for(root, plan.condition) if plan else None
    if plan is None or template is None:
        abort(404)
    form = ReasonForm(meta={"csrf": True})
    form.validate()  # only the CSRF token matters here; the reason is the template's
    programme_ = services.programme_for(db.session, client, plan)
    exercises = library.by_ids(db.session, template.phases[plan.phase])
    try:
        services.start_from_template(
            db.session, programme_, template, plan.phase, exercises, by=current_user, now=now_utc()
        )
        db.session.commit()
    except ProgrammeError:
        db.session.rollback()  # already started: a double tap lands on the same programme
    return _to_programme(client)


@bp.route("/clients/<int:client_id>/programme/add/<id:exercise_id>", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def add(client: User, exercise_id: str) -> Response | tuple[str, int]:
    """Prescribe a library exercise with the dose adjusted and a personal note."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        abort(404)
    form = DoseForm()
    if not form.is_submitted():
        form.fill(services.Dose.of(exercise))
        form.reason.data = f"Added {exercise.name} to build on your progress."
    elif form.validate() and _committed(
        form,
        "sets",
        lambda: services.prescribe(
            db.session,
            services.programme_for(db.session, client, client.active_care_plan),
            exercise,
            dose=form.dose,
            note=form.note.data or "",
            reason=form.reason.data or "",
            by=current_user,
            now=now_utc(),
        ),
    ):
        return _to_programme(client)
    status = 422 if form.is_submitted() else 200
    context = {"client": client, "exercise": exercise, "form": form}
    return render_template("programmes/add.html", **context), status


@bp.route("/clients/<int:client_id>/programme/<int:prescription_id>/edit", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def edit(client: User, prescription_id: int) -> Response | tuple[str, int]:
    """Change an exercise's dose or note; the previous dose stays in the history."""
    prescription = _own_prescription(client, prescription_id)
    form = DoseForm()
    if not form.is_submitted():
        form.fill(services.Dose.of(prescription), prescription.note)
        form.reason.data = ""
    elif form.validate() and _committed(
        form,
        "sets",
        lambda: services.change_dose(
            db.session,
            prescription,
            dose=form.dose,
            note=form.note.data or "",
            reason=form.reason.data or "",
            by=current_user,
            now=now_utc(),
        ),
    ):
        return _to_programme(client)
    status = 422 if form.is_submitted() else 200
    context = {"client": client, "prescription": prescription, "form": form}
    return render_template("programmes/edit.html", **context), status


@bp.route(
    "/clients/<int:client_id>/programme/<int:prescription_id>/change", methods=["GET", "POST"]
)
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def replace(client: User, prescription_id: int) -> Response | tuple[str, int]:
    """Progress or regress an exercise to a linked one in one step."""
    prescription = _own_prescription(client, prescription_id)
    direction = request.args.get("direction", "progress")
    if direction not in ("progress", "regress"):
        abort(404)
    links = (
        prescription.exercise.progression
        if direction == "progress"
        else (prescription.exercise.regression)
    )
    options = library.by_ids(db.session, links)
    plan = client.active_care_plan
    form = ReplaceForm()
    form.to.choices = [SelectChoice(e.id, e.name) for e in options.values()]
    if form.validate_on_submit() and _committed(
        form,
        "to",
        lambda: services.replace_exercise(
            db.session,
            prescription,
            options[form.to.data],
            direction=direction,
            reason=form.reason.data or "",
            by=current_user,
            now=now_utc(),
            post_op_approved=bool(form.approve_post_op.data),
            plan=plan,
        ),
    ):
        return _to_programme(client)
    status = 422 if form.is_submitted() else 200
    context = {
        "client": client,
        "prescription": prescription,
        "form": form,
        "direction": direction,
        "needs_approval": services.needs_post_op_approval(prescription, direction, plan),
    }
    return render_template("programmes/replace.html", **context), status


@bp.route(
    "/clients/<int:client_id>/programme/<int:prescription_id>/remove", methods=["GET", "POST"]
)
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def remove(client: User, prescription_id: int) -> Response | tuple[str, int]:
    """Take an exercise out of the programme, saying why; its history stays."""
    prescription = _own_prescription(client, prescription_id)
    form = ReasonForm()
    if form.validate_on_submit() and _committed(
        form,
        "reason",
        lambda: services.remove(
            db.session, prescription, reason=form.reason.data or "", by=current_user, now=now_utc()
        ),
    ):
        return _to_programme(client)
    status = 422 if form.is_submitted() else 200
    context = {"client": client, "prescription": prescription, "form": form}
    return render_template("programmes/remove.html", **context), status


@bp.post("/clients/<int:client_id>/programme/<int:prescription_id>/move")
@policy.roles(Role.THERAPIST)
@policy.client_record("prescribe")
@audited("programme")
def move(client: User, prescription_id: int) -> Response:
    """Move an exercise up or down the client's list."""
    prescription = _own_prescription(client, prescription_id)
    form = MoveForm()
    if form.validate_on_submit():
        try:
            services.move(
                db.session,
                prescription,
                direction=form.direction.data,
                by=current_user,
                now=now_utc(),
            )
            db.session.commit()
        except ProgrammeError:
            db.session.rollback()  # already at the end of the list: nothing to do
    return _to_programme(client)


# --- Clients ----------------------------------------------------------------------------------


def _today_card(prescription: Prescription, **extra: object) -> str:
    """The exercise's card on Today, plus the week's tally swapped in out of band."""
    timezone = localtime.client_timezone(current_user)
    now = now_utc()
    items, week = adherence.client_week(db.session, prescription.programme, timezone, now)
    item = next((i for i in items if i.prescription.id == prescription.id), None)
    card = render_template(
        "programmes/_today_card.html",
        item=item,
        prescription=prescription,
        new_entry_id=services.new_entry_id,
        **extra,
    )
    tally = render_template(
        "programmes/_week.html", week=week, today=localtime.local_day(now, timezone), oob=True
    )
    return card + tally


@bp.get("/exercises/<int:prescription_id>")
@policy.roles(Role.CLIENT)
@policy.prescription_record("log")
@audited("programme")
def exercise(prescription: Prescription) -> str:
    """Show a prescribed exercise: steps, drawing, cautions, and the follow-along timer."""
    return render_template(
        "programmes/exercise.html",
        prescription=prescription,
        form=LogForm(client_entry_id=services.new_entry_id()),
    )


@bp.post("/exercises/<int:prescription_id>/log")
@policy.roles(Role.CLIENT)
@policy.prescription_record("log")
@audited("programme")
def log(prescription: Prescription) -> Response | tuple[str, int]:
    """Record that the client did the exercise (idempotent per client entry id)."""
    form = LogForm()
    if not form.validate_on_submit():
        return render_template("errors/400.html"), 400
    try:
        entry, _created = services.log_exercise(
            db.session,
            current_user,
            prescription,
            client_entry_id=form.client_entry_id.data,
            now=now_utc(),
            timezone=localtime.client_timezone(current_user),
            with_timer=form.with_timer.data == "1",
        )
        db.session.commit()
    except ProgrammeError as error:
        db.session.rollback()
        if htmx:
            return _today_card(prescription, problem=error.message), 422
        return render_template("programmes/problem.html", message=error.message), 422
    if htmx:
        return _today_card(prescription, logged=entry, rating_form=RatingForm())
    return redirect(url_for("pathway.today", logged=entry.client_entry_id) + "#exercises")


@bp.post("/exercises/logs/<entry_id>/rating")
@policy.roles(Role.CLIENT)
@audited("programme")
def rate(entry_id: str) -> Response | tuple[str, int]:
    """Add pain-during and difficulty to one of the client's own logs."""
    entry = services.find_log(db.session, entry_id)
    if entry is None or not policy.may(current_user, "log", entry.prescription.programme.client):
        abort(404)
    form = RatingForm()
    if not form.validate_on_submit():
        return render_template("errors/400.html"), 400
    try:
        services.rate(
            entry,
            services.Rating(
                pain_during=int(form.pain_during.data) if form.pain_during.data else None,
                difficulty=Difficulty(form.difficulty.data) if form.difficulty.data else None,
            ),
        )
        db.session.commit()
    except ProgrammeError as error:
        db.session.rollback()
        return render_template("programmes/problem.html", message=error.message), 422
    if htmx:
        return _today_card(entry.prescription, rated=entry)
    return redirect(url_for("pathway.today") + "#exercises")


@bp.post("/programme/seen")
@policy.roles(Role.CLIENT)
@audited("programme")
def changes_seen() -> Response | str:
    """The client has read what changed in their programme."""
    form = SeenForm()
    programme_ = services.programme_of(db.session, current_user)
    if programme_ is not None and form.validate_on_submit():
        services.mark_changes_seen(programme_, form.version.data)
        db.session.commit()
    if htmx:
        return ""
    return redirect(url_for("pathway.today"))
