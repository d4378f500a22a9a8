"""The pre-session brief, for the client's care team."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from .. import policy
from ..extensions import db
from ..models import Role
from ..models import User
from ..models import now_utc
from . import services

bp = Blueprint("brief", __name__)


@bp.get("/clients/<int:client_id>/brief")
@policy.roles(Role.THERAPIST)
@policy.client_record("read_notes")
def brief(client: User) -> str:
    """Everything since the client's last visit: diary, exercises, function, notes, flags."""
    found = services.build(db.session, client, now_utc())
    return render_template(
        "brief/brief.html", client=client, brief=found, red_flag_text=services.red_flag_text
    )
