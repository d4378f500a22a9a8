"""The web app manifest, served at the root scope."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import url_for
from werkzeug.wrappers import Response

from .. import policy

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
