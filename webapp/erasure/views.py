"""Erasure: the client asks (or changes their mind), an admin of their centre carries it out."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import localtime
from .. import policy
from ..audit import request_ids
from ..audit.capture import about
from ..audit.capture import audited
from ..auth.forms import ConfirmIdentityForm
from ..auth.views import confirmed_identity
from ..auth.views import signed_in_user
from ..extensions import db
from ..models import ErasureRequest
from ..models import ErasureStatus
from ..models import Role
from ..models import now_utc
from . import services
from .forms import CompleteForm

bp = Blueprint("erasure", __name__)


# --- The client's side --------------------------------------------------------------------------


def _client_page(form: ConfirmIdentityForm | None = None, status: int = 200) -> tuple[str, int]:
    client = signed_in_user()
    form = form or ConfirmIdentityForm()
    if not client.has_second_factor:
        form.answer.label.text = "Your password"
    return render_template(
        "erasure/index.html",
        form=form,
        open_request=services.open_request(db.session, client),
        years=services.RETENTION_YEARS,
        tz=localtime.client_timezone(client),
    ), status


@bp.get("/settings/erasure")
@policy.roles(Role.CLIENT)
def index() -> tuple[str, int]:
    """What erasure deletes and what the clinic must keep; ask for it, or take it back."""
    return _client_page()


@bp.post("/settings/erasure")
@policy.roles(Role.CLIENT)
def ask() -> Response | tuple[str, int]:
    """Ask for erasure, after the password or a current code; asking twice changes nothing."""
    form = ConfirmIdentityForm()
    check = confirmed_identity(form)
    if check is not None and check.throttled:
        return render_template("auth/throttled.html", step="code"), 429
    if check is None or not check.ok:
        return _client_page(form, 422)
    services.request_erasure(db.session, signed_in_user(), now_utc())
    db.session.commit()
    flash("Your request is with your clinic. You can change your mind until it's done.", "success")
    return redirect(url_for("erasure.index"))


@bp.post("/settings/erasure/withdraw")
@policy.roles(Role.CLIENT)
def withdraw() -> Response:
    """Take back an open request; with none open, nothing happens."""
    if services.withdraw(db.session, signed_in_user(), now_utc()) is not None:
        db.session.commit()
        flash("Your request is withdrawn. Nothing has been erased.", "success")
    return redirect(url_for("erasure.index"))


# --- The admin's side ---------------------------------------------------------------------------


@bp.get("/admin/erasure")
@policy.roles(Role.ADMIN)
@audited("erasure")
def requests() -> str:
    """Requests waiting in the admin's centres, and the erasures done lately."""
    return render_template(
        "erasure/requests.html",
        waiting=services.open_requests(db.session, current_user),
        done=services.completed_requests(db.session, current_user),
        tz=localtime.staff_timezone(current_user),
    )


def _review_page(erasure: ErasureRequest, form: CompleteForm, status: int = 200) -> tuple[str, int]:
    client = erasure.client
    waiting = erasure.status is ErasureStatus.REQUESTED
    return render_template(
        "erasure/review.html",
        erasure=erasure,
        client=client,
        form=form,
        inventory=services.inventory(db.session, client, now_utc()) if waiting else None,
        retention_ends=services.retention_ends(db.session, client),
        years=services.RETENTION_YEARS,
        tz=localtime.staff_timezone(current_user),
    ), status


@bp.route("/admin/erasure/<int:request_id>", methods=["GET", "POST"])
@policy.roles(Role.ADMIN)
@policy.erasure_request
@audited("erasure")
def review(erasure: ErasureRequest) -> Response | tuple[str, int]:
    """Who asked and what erasure deletes and keeps; with the box ticked, carry it out.

    One rule for both methods, so a huge id is a 404 for a POST too (with two rules on one
    path, Werkzeug answers 405 when the POST rule's converter refuses the id).
    """
    about(erasure.client_id)
    if request.method == "GET":
        return _review_page(erasure, CompleteForm())
    back = redirect(url_for("erasure.review", request_id=erasure.id), 303)
    if erasure.status is not ErasureStatus.REQUESTED:
        return back  # done already (a retried request), or withdrawn: the page says which
    form = CompleteForm()
    if not form.validate_on_submit():
        return _review_page(erasure, form, 422)
    try:
        services.complete(
            db.session, erasure, signed_in_user(), now_utc(), request_id=request_ids.current()
        )
    except services.ErasureError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    db.session.commit()
    flash("Erased. The kept record has no name on it now.", "success")
    return back
