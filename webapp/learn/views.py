"""Learn: short articles in our own words, for clients (issue #8)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask_login import current_user

from .. import policy
from ..models import Role
from ..models import now_utc
from . import services
from .articles import Collection

bp = Blueprint("learn", __name__, url_prefix="/learn")


def _collection() -> Collection:
    return services.collection_at(Path(current_app.config["LEARN_DIR"]), now_utc().date())


@bp.get("")
@policy.roles(Role.CLIENT)
def index() -> str:
    """Every article, those written for the client's phase first, the rest by topic."""
    plan = current_user.active_care_plan
    return render_template(
        "learn/index.html", plan=plan, groups=services.groups_for(_collection(), plan)
    )


@bp.get("/<slug>")
@policy.roles(Role.CLIENT)
def article(slug: str) -> str | tuple[str, int]:
    """One article, with when and by whom it was reviewed and what to read next."""
    collection = _collection()
    found = collection.articles.get(slug)
    if found is None:
        return render_template("learn/missing.html"), 404
    return render_template(
        "learn/article.html", article=found, related=services.related_to(collection, found)
    )
