"""The client's Today and pathway timeline, and the staff view of a client's pathway."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import localtime
from .. import policy
from ..audit.capture import audited
from ..careteam import services as careteam
from ..diary import services as diary
from ..extensions import db
from ..extensions import htmx
from ..learn import services as learn
from ..models import ExerciseLog
from ..models import Role
from ..models import User
from ..models import now_utc
from ..programmes import adherence
from ..programmes import services as programmes
from ..programmes.forms import RatingForm
from ..sessions import booking
from ..sessions import visits
from . import services
from .forms import PhaseChangeForm

bp = Blueprint("pathway", __name__)

HOMES = {Role.CLIENT: "pathway.today", Role.THERAPIST: "caseload.index", Role.ADMIN: "admin.index"}


@bp.get("/")
@policy.public
def home() -> Response:
    """Send each role to its own home screen, and everyone else to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOMES[current_user.role]))


@bp.get("/today")
@policy.roles(Role.CLIENT)
@audited("programme")
def today() -> str:
    """Show the client where they are on their pathway and who is looking after them."""
    plan = current_user.active_care_plan
    now = now_utc()
    timezone = localtime.client_timezone(current_user)
    programme = programmes.programme_of(db.session, current_user)
    logged = request.args.get("logged")
    items, week = adherence.client_week(db.session, programme, timezone, now)
    today = localtime.local_day(now, timezone)
    return render_template(
        "pathway/today.html",
        plan=plan,
        now=now,
        today=today,
        prompts=diary.today_prompts(
            db.session, current_user, plan.start_date if plan else None, today
        ),
        timezone=timezone,
        items=items,
        week=week,
        changes=programmes.unseen_changes(db.session, programme),
        logged=_own_log(logged),
        rating_form=RatingForm(),
        new_entry_id=programmes.new_entry_id,
        next_visit=booking.next_visit(db.session, current_user, now),
        summary=careteam.latest_summary(db.session, current_user, now),
        visits=visits,
        learn_card=learn.today_card(
            learn.collection_at(Path(current_app.config["LEARN_DIR"]), now.date()), plan, now
        ),
    )


def _own_log(entry_id: str | None) -> ExerciseLog | None:
    """The log just made on this device, to offer its rating; only ever the client's own."""
    entry = programmes.find_log(db.session, entry_id) if entry_id else None
    if entry is None or not policy.may(current_user, "log", entry.prescription.programme.client):
        return None
    return entry


@bp.get("/pathway")
@policy.roles(Role.CLIENT)
@audited("pathway")
def timeline() -> str:
    """Show the client every step of their pathway so far, with the reasons."""
    plan = current_user.active_care_plan
    return render_template("pathway/timeline.html", plan=plan, now=now_utc())


@bp.get("/clients/<int:client_id>")
@policy.roles(Role.THERAPIST, Role.ADMIN)
@policy.client_record("view")
@audited("record")
def client(client: User) -> str:
    """Show staff a client's care plan, care team and pathway."""
    plan = client.active_care_plan
    form = PhaseChangeForm() if plan and policy.may(current_user, "change_phase", client) else None
    return _client_page(client, form)


def _client_page(client: User, form: PhaseChangeForm | None, changed: bool = False) -> str:
    """The staff page for one client: open alerts, pathway, care team and goals."""
    on_team = policy.may(current_user, "read_notes", client)  # only the care team reads notes
    return render_template(
        "pathway/client.html",
        client=client,
        plan=client.active_care_plan,
        form=form,
        changed=changed,
        now=now_utc(),
        alerts=diary.open_alerts(db.session, [client.id]),
        can_acknowledge=policy.may(current_user, "prescribe", client),
        next_visit=booking.next_visit(db.session, client, now_utc()),
        on_team=on_team,
        notes=careteam.notes_for(db.session, client, limit=3) if on_team else [],
        referrals=[r for r in careteam.referrals_for(db.session, client) if r.is_open]
        if on_team
        else [],
    )


@bp.post("/clients/<int:client_id>/phase")
@policy.roles(Role.THERAPIST)
@policy.client_record("change_phase")
@audited("pathway")
def change_phase(client: User) -> Response | tuple[str, int]:
    """Move a client to another phase with a reason the client will see."""
    plan = client.active_care_plan
    if plan is None:
        return render_template("errors/404.html"), 404
    form = PhaseChangeForm()
    changed = False
    if form.validate_on_submit():
        try:
            services.change_phase(
                db.session,
                plan,
                to_phase=form.to_phase.data,
                reason=form.reason.data or "",
                by=current_user,
                now=now_utc(),
            )
            db.session.commit()
            changed = True
        except services.CarePlanError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [error.message]
    if changed and not htmx:
        return redirect(url_for("pathway.client", client_id=client.id))
    if changed:
        form = PhaseChangeForm(formdata=None)
    status = 200 if changed else 422
    if htmx:
        context = {"client": client, "plan": plan, "form": form, "now": now_utc()}
        return render_template("pathway/_phase_panel.html", changed=changed, **context), status
    return _client_page(client, form, changed), status
