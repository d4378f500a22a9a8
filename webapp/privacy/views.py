"""The client's privacy page: what they have agreed to, and their other data rights."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import localtime
from .. import policy
from ..audit.capture import audited
from ..extensions import db
from ..models import ConsentTopic
from ..models import Role
from ..models import now_utc
from . import services
from .forms import DecisionForm

bp = Blueprint("privacy", __name__)


def _page(status: int = 200, form: DecisionForm | None = None) -> tuple[str, int]:
    return render_template(
        "privacy/index.html",
        topics=[
            (topic, text, services.is_given(db.session, current_user, topic))
            for topic, text in services.TOPICS.items()
        ],
        history=services.history(db.session, current_user),
        texts=services.TOPICS,
        tz=localtime.client_timezone(current_user),
        form=form,
    ), status


@bp.get("/settings/privacy")
@policy.roles(Role.CLIENT)
@audited("consent")
def index() -> tuple[str, int]:
    """What the client has agreed to, the history of their decisions, and their data rights."""
    return _page()


@bp.post("/settings/privacy")
@policy.roles(Role.CLIENT)
@audited("consent")
def decide() -> Response | tuple[str, int]:
    """Give or withdraw one consent; it applies at once."""
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(422, form)
    topic = ConsentTopic(form.topic.data)
    granted = form.decision.data == "give"
    services.record(db.session, current_user, topic, granted, by=current_user, now=now_utc())
    db.session.commit()
    text = services.TOPICS[topic]
    effect = text.given if granted else text.withdrawn
    flash(f"{text.title}: {'on' if granted else 'off'}. {effect}", "success")
    return redirect(url_for("privacy.index"))
