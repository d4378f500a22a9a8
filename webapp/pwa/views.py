"""The web app manifest, served at the root scope."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import policy
from ..models import Role

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#0f5f5c"
BACKGROUND_COLOUR = "#f6f4ef"


def _icon(name: str, size: int, purpose: str) -> dict[str, str]:
    return {
        "src": url_for("static", filename=f"icons/{name}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


@bp.get("/manifest.webmanifest")
@policy.public
def manifest() -> Response:
    """Describe Continuum so a phone can install it to the home screen."""
    response = jsonify(
        {
            "name": "Continuum",
            "short_name": "Continuum",
            "description": "Your care pathway, home exercises and pain diary between visits.",
            "start_url": url_for("pathway.home"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                _icon("icon-192.png", 192, "any"),
                _icon("icon-512.png", 512, "any"),
                _icon("icon-maskable-512.png", 512, "maskable"),
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# The static shell the service worker keeps, so the app opens without signal.
SHELL = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/timer.js",
    "vendor/htmx-2.0.11.min.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)


@cache
def shell_version(static_folder: str) -> str:
    """A hash of the shell's files and the worker itself: a new release gets a new cache."""
    digest = hashlib.sha256()
    for name in SHELL:
        digest.update((Path(static_folder) / name).read_bytes())
    digest.update((Path(__file__).parent.parent / "templates" / "pwa" / "sw.js").read_bytes())
    return digest.hexdigest()[:12]


def offline_key(user_id: int) -> str:
    """An opaque, stable key per user naming their offline copies and queued entries."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


@bp.get("/sw.js")
@policy.public
def service_worker() -> Response:
    """The service worker, at the root scope: precaches the shell, keeps visited client pages
    per user, and sends queued entries in the background where the browser allows."""
    precache = [url_for("static", filename=name) for name in SHELL] + [url_for("pwa.offline")]
    body = render_template(
        "pwa/sw.js",
        version=shell_version(current_app.static_folder or ""),
        precache=precache,
    )
    response = current_app.response_class(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
@policy.public
def offline() -> str:
    """What the app shows for a page it has no copy of while there is no signal."""
    return render_template("pwa/offline.html")


# Client pages a phone may keep a copy of, to open without signal (never staff pages).
OFFLINE_PAGES = frozenset(
    {
        "pathway.today",
        "pathway.timeline",
        "diary.history",
        "diary.checkin",
        "programmes.exercise",
        "sessions.index",
        "brief.progress",
        "learn.index",
        "learn.article",  # any article the client opens is kept, whatever its slug
    }
)


@bp.app_context_processor
def offline_helpers() -> dict[str, object]:
    return {"offline_key": offline_key}


@bp.after_app_request
def mark_offline_copy(response: Response) -> Response:
    """Tell the service worker whose page this is, so only that user's copy is kept."""
    if (
        request.method == "GET"
        and request.endpoint in OFFLINE_PAGES
        and response.status_code == 200
        and current_user.is_authenticated
        and current_user.role is Role.CLIENT
    ):
        response.headers["X-Continuum-Offline"] = offline_key(current_user.id)
    return response
