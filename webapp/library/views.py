"""Browse and search the exercise library (therapists), and its illustrations (everyone)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import send_from_directory
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import policy
from ..extensions import db
from ..extensions import htmx
from ..models import Exercise
from ..models import Role
from ..models import User
from ..security import record_id
from . import services

bp = Blueprint("library", __name__, url_prefix="/library")


def _client_context() -> User | None:
    """The client a therapist is choosing exercises for, if they may prescribe for them."""
    client_id = request.args.get("client", type=record_id)
    if client_id is None:
        return None
    client = db.session.get(User, client_id)
    if client is None or not policy.may(current_user, "prescribe", client):
        abort(404)
    return client


@bp.get("/")
@policy.roles(Role.THERAPIST)
def index() -> tuple[str, int, dict[str, str]]:
    """Search the library by name, region, phase and equipment; htmx gets just the results."""
    query = services.Search(
        text=request.args.get("q", "")[:80],
        region=request.args.get("region", ""),
        phase=request.args.get("phase", type=int),
        equipment=request.args.get("equipment", ""),
    )
    library = services.library_at(Path(current_app.config["EXERCISES_DIR"]))
    context = {
        "query": query,
        "results": services.search(db.session, query),
        "regions": library.regions,
        "equipment": library.equipment,
        "client": _client_context(),
    }
    template = (
        "library/_results.html" if htmx and htmx.target == "results" else "library/index.html"
    )
    return render_template(template, **context), 200, {"Vary": "HX-Request"}


@bp.get("/<id:exercise_id>")
@policy.roles(Role.THERAPIST)
def exercise(exercise_id: str) -> str:
    """Show one exercise: steps, dose, cautions and its links."""
    found = db.session.get(Exercise, exercise_id)
    if found is None:
        abort(404)
    linked = services.by_ids(db.session, found.progression + found.regression)
    return render_template(
        "library/exercise.html", exercise=found, linked=linked, client=_client_context()
    )


@bp.get("/illustrations/<id:exercise_id>.svg")
@policy.public
def illustration(exercise_id: str) -> Response:
    """Serve an exercise's line drawing (library content, nothing personal)."""
    found = db.session.get(Exercise, exercise_id)
    if found is None:
        abort(404)
    folder = Path(current_app.config["EXERCISES_DIR"]) / "illustrations"
    response = send_from_directory(folder, found.illustration, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
