"""The clinic admin's home and client onboarding."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from .. import policy
from ..audit.capture import about
from ..audit.capture import audited
from ..auth import services as auth_services
from ..erasure import services as erasure
from ..extensions import db
from ..models import Centre
from ..models import ConsentTopic
from ..models import Role
from ..models import User
from ..models import now_utc
from ..pathway.services import CarePlanError
from ..security import record_id
from . import services
from .forms import NewClientForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@policy.roles(Role.ADMIN)
@audited("caseload")
def index() -> str:
    """Show the admin's centres and their staff, and a page of their clients (``q`` searches
    by name or email, ``page`` turns the pages)."""
    centres = services.admin_centres(current_user)
    clients = services.client_page(
        db.session,
        current_user,
        now_utc(),
        search=request.args.get("q", ""),
        page=_page_number(request.args.get("page", "")),
    )
    return render_template(
        "admin/index.html",
        centres=centres,
        staff=services.staff_by_centre(db.session, centres),
        clients=clients,
        now=now_utc(),
        erasures_waiting=erasure.count_open(db.session, current_user),
    )


def _page_number(text: str) -> int:
    """A page number from the query string: anything that isn't one is the first page, and
    one too long to be real is past the last (the service clamps it)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return int(text) if len(text) <= 9 else 10**9


def _new_client_form(**kwargs: object) -> NewClientForm:
    centres = services.admin_centres(current_user)
    therapists = services.therapists_at(db.session, centres)
    return NewClientForm(centres=centres, therapists=therapists, **kwargs)


@bp.route("/clients/new", methods=["GET", "POST"])
@policy.roles(Role.ADMIN)
@audited("record", methods=["POST"])
def new_client() -> tuple[str, int]:
    """Create a client with care plan and care team, then show their invitation link."""
    form = _new_client_form()
    if form.validate_on_submit():
        centre = db.session.get(Centre, form.centre_id.data)
        try:
            client, token = services.invite_client(
                db.session,
                admin=current_user,
                name=form.name.data or "",
                email=form.email.data or "",
                centre=centre,
                condition=form.condition_value,
                phase=form.phase.data,
                team=form.chosen_team,
                goals=form.goals.data or "",
                start_date=form.start_date.data,
                consents={
                    ConsentTopic.NOTE_SHARING: form.shares_notes.data,
                    ConsentTopic.REMINDERS: form.wants_reminders.data,
                },
                now=now_utc(),
                ttl=current_app.config["INVITATION_TTL"],
            )
            about(client)
            db.session.commit()
            return _invitation_page(client, token), 201
        except services.EmailTaken:
            db.session.rollback()
            form.email.errors = ["An account already uses this email address."]
        except CarePlanError as error:
            db.session.rollback()
            field = getattr(form, error.field, form.massage_therapists)
            field.errors = [error.message]
    status = 422 if form.is_submitted() else 200
    return render_template("admin/new_client.html", form=form), status


@bp.get("/care-team-options")
@policy.roles(Role.ADMIN)
def care_team_options() -> str:
    """Return the care-team checkboxes for the chosen centre (an htmx fragment)."""
    centre = db.session.get(Centre, request.args.get("centre_id", type=record_id) or 0)
    if centre is None or not policy.manages_centre(current_user, centre):
        abort(404)
    form = _new_client_form(formdata=None)
    form.centre_id.data = centre.id
    return render_template("admin/_care_team.html", form=form)


@bp.post("/clients/<int:client_id>/invitation")
@policy.roles(Role.ADMIN)
@policy.client_record("invite")
@audited("account")
def reissue_invitation(client: User) -> tuple[str, int]:
    """Give a client who hasn't set a password a fresh link; earlier links stop working."""
    if client.password_hash is not None:
        return render_template("admin/already_active.html", client=client), 409
    token = auth_services.issue_invitation(
        db.session, client, current_user, now_utc(), current_app.config["INVITATION_TTL"]
    )
    db.session.commit()
    return _invitation_page(client, token), 201


def _invitation_page(client: User, token: str) -> str:
    path = url_for("auth.accept_invitation", token=token)
    link = current_app.config["BASE_URL"].rstrip("/") + path
    expires = now_utc() + current_app.config["INVITATION_TTL"]
    return render_template(
        "admin/invitation.html",
        client=client,
        link=link,
        qr=services.qr_svg(link),
        expires=expires,
    )
