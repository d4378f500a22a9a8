"""Routes of the export package: a client downloads everything held about them."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import policy
from ..audit.capture import audited
from ..audit.capture import set_aside
from ..auth.views import confirmed_identity
from ..auth.views import signed_in_user
from ..extensions import db
from ..localtime import client_timezone
from ..localtime import local_day
from ..models import Role
from ..models import now_utc
from . import formats
from . import services
from .forms import ExportForm

bp = Blueprint("export", __name__)


def _page(form: ExportForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "export/index.html",
        form=form,
        formats=formats.CHOICES,
        categories=services.CATEGORIES,
    ), status


@bp.get("/settings/export")
@policy.roles(Role.CLIENT)
def index() -> tuple[str, int]:
    """What each format holds, and the form that asks for a file (no health data shown)."""
    return _page(ExportForm(two_step=current_user.has_second_factor))


@bp.post("/settings/export")
@policy.roles(Role.CLIENT)
@audited("record", action="export")
def download() -> Response | tuple[str, int]:
    """Send everything held about the client as a file, once they've confirmed it's them."""
    client = signed_in_user()
    form = ExportForm(two_step=client.has_second_factor)
    with set_aside():  # the attempt is stored (and throttled) whether or not it's right
        check = confirmed_identity(form)
    if check is not None and check.throttled:
        return render_template("auth/throttled.html", step="code"), 429
    if check is None or not check.ok:
        return _page(form, 422)
    now = now_utc()
    export = services.gather(db.session, client, now)
    file = formats.download(export, form.format.data, local_day(now, client_timezone(client)))
    return Response(
        file.body,
        mimetype=file.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
        },
    )
