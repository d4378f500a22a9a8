"""The care team's shared notes and cross-referrals."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import localtime
from .. import policy
from ..audit.capture import audited
from ..diary.measures import BODY_REGIONS
from ..extensions import db
from ..models import Referral
from ..models import Role
from ..models import SessionNote
from ..models import User
from ..models import now_utc
from ..privacy import services as consent
from ..sessions import booking
from . import services
from .forms import AcknowledgeForm
from .forms import AddendumForm
from .forms import NoteForm
from .forms import ReferralForm
from .services import CareTeamError

bp = Blueprint("careteam", __name__)


def _show(form: object, error: CareTeamError) -> None:
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(error.message)  # type: ignore[attr-defined]
    else:
        field.errors = [*field.errors, error.message]


@bp.get("/clients/<int:client_id>/notes")
@policy.roles(Role.THERAPIST)
@policy.client_record("read_notes")
@audited("notes")
def notes(client: User) -> str:
    """Every note on the client from both disciplines, with handovers and addenda."""
    return _notes_page(client, AddendumForm())


def _notes_page(
    client: User, addendum_form: AddendumForm, failed_note_id: int | None = None
) -> str:
    notes = services.notes_for(db.session, client)
    return render_template(
        "careteam/notes.html",
        client=client,
        plan=client.active_care_plan,
        notes=notes,
        withheld=consent.withheld_notes(db.session, client, current_user, notes),
        referrals=services.referrals_for(db.session, client),
        addendum_form=addendum_form,
        failed_note_id=failed_note_id,
        regions=BODY_REGIONS,
    )


@bp.route("/clients/<int:client_id>/notes/new", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST)
@policy.client_record("write_notes")
@audited("notes")
def write_note(client: User) -> Response | str | tuple[str, int]:
    """Write the note of a session, with a handover and, if wanted, a summary for the client."""
    form = NoteForm()
    now = now_utc()
    recent = [
        a for a in booking.past(db.session, client, now, limit=10) if not a.status.is_cancelled
    ]
    timezone = localtime.client_timezone(client)
    form.appointment_id.choices = [(0, "Not tied to a visit")] + [
        (a.id, f"{localtime.wall_clock(a.starts_at, timezone):%a %-d %b %H:%M} · {a.kind.label}")
        for a in recent
    ]
    if request.method == "GET" and recent:
        form.appointment_id.data = recent[0].id
    if form.validate_on_submit():
        appointment = next((a for a in recent if a.id == form.appointment_id.data), None)
        text = services.NoteText(
            treatment=form.treatment.data,
            findings=form.findings.data,
            plan=form.plan.data,
            handover=form.handover.data,
            client_summary=form.client_summary.data,
            client_next_steps=form.client_next_steps.data,
        )
        try:
            services.write_note(
                db.session,
                client,
                current_user,
                text,
                appointment=appointment,
                request_key=form.request_key.data,
                now=now,
            )
            db.session.commit()
            return redirect(url_for("careteam.notes", client_id=client.id))
        except CareTeamError as error:
            db.session.rollback()
            _show(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("careteam/write_note.html", form=form, client=client), status


@bp.post("/notes/<int:note_id>/addenda")
@policy.roles(Role.THERAPIST)
@policy.note_record("write_notes")
@audited("notes")
def add_addendum(note: SessionNote) -> Response | tuple[str, int]:
    """Add a correction to a note; the note itself never changes."""
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            services.add_addendum(
                db.session,
                note,
                current_user,
                form.text.data,
                request_key=form.request_key.data,
                now=now_utc(),
            )
            db.session.commit()
            return redirect(
                url_for("careteam.notes", client_id=note.client_id, _anchor=f"note-{note.id}")
            )
        except CareTeamError as error:
            db.session.rollback()
            _show(form, error)
    return _notes_page(note.client, form, failed_note_id=note.id), 422


@bp.route("/clients/<int:client_id>/referrals/new", methods=["GET", "POST"])
@policy.roles(Role.THERAPIST)
@policy.client_record("refer")
@audited("referrals")
def refer(client: User) -> Response | str | tuple[str, int]:
    """Refer the client to the other discipline on their care team."""
    form = ReferralForm()
    if form.validate_on_submit():
        text = services.ReferralText(
            reason=form.reason.data,
            body_region=form.body_region.data,
            urgency=form.urgency.data,
            focus=form.focus.data,
        )
        try:
            services.refer(
                db.session,
                client,
                current_user,
                text,
                request_key=form.request_key.data,
                now=now_utc(),
            )
            db.session.commit()
            return redirect(url_for("careteam.notes", client_id=client.id, _anchor="referrals"))
        except CareTeamError as error:
            db.session.rollback()
            _show(form, error)
    status = 422 if request.method == "POST" else 200
    receiving = services.other_discipline(current_user.discipline)
    return render_template(
        "careteam/refer.html", form=form, client=client, receiving=receiving
    ), status


@bp.get("/referrals")
@policy.roles(Role.THERAPIST)
@audited("referrals")
def inbox() -> str:
    """Referrals to this therapist's discipline: open ones first, urgent first."""
    return render_template(
        "careteam/inbox.html",
        referrals=services.inbox(db.session, current_user, now_utc()),
        form=AcknowledgeForm(),
        regions=BODY_REGIONS,
        timezone=localtime.staff_timezone(current_user),
    )


@bp.post("/referrals/<int:referral_id>/acknowledge")
@policy.roles(Role.THERAPIST)
@policy.referral_record("read_notes")
@audited("referrals")
def acknowledge(referral: Referral) -> Response | tuple[str, int]:
    """The receiving therapist has seen the referral."""
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            services.acknowledge(db.session, referral, current_user, now_utc())
            db.session.commit()
            return redirect(url_for("careteam.inbox"))
        except CareTeamError as error:
            db.session.rollback()
            return render_template(
                "sessions/problem.html", message=error.message, back=url_for("careteam.inbox")
            ), 403
    return redirect(url_for("careteam.inbox"))
