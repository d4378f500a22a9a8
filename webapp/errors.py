"""Friendly error pages; nothing internal leaks into them."""

from __future__ import annotations

from flask import Flask
from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {400, 403, 404, 405, 410, 429, 500}


def register_errors(app: Flask) -> None:
    """Render our own page for each HTTP error, unexpected exceptions (500) included."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
        return render_template(template, error=error), code
