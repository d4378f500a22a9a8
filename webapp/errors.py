"""Friendly error pages; nothing internal leaks into them."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {400, 403, 404, 405, 410, 413, 415, 429, 500}

# What a script calling a JSON endpoint is told, in place of a page.
JSON_MESSAGES = {
    400: "That request wasn't right.",
    401: "Sign in again.",
    403: "That isn't for your account.",
    404: "Not found.",
    405: "That method isn't allowed here.",
    413: "That was too large to send.",
    415: "Send JSON, with Content-Type: application/json.",
    429: "Too many requests; wait a few minutes.",
    500: "Something went wrong on our side.",
}
CSRF_MESSAGE = "The security token is missing or expired; reload the page and try again."


def register_errors(app: Flask) -> None:
    """Render our own page for each HTTP error, unexpected exceptions (500) included."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | Response, int]:
        if wants_json():
            return jsonify(error=CSRF_MESSAGE), 400
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int]:
        code = error.code or 500
        if wants_json():
            return jsonify(error=JSON_MESSAGES.get(code, "That didn't work.")), code
        template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
        return render_template(template, error=error), code


def wants_json() -> bool:
    """Answer in JSON to scripts: the sync API, JSON bodies, and callers that ask for it."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
