"""A bare Flask app for the load test's baseline: one route answering a small page, no
database, no sessions, no templates.

Served by gunicorn with the real app's settings (``gunicorn.conf.py``, the same workers) and
loaded by the same locust settings, it shows what the server, the load generator and this
machine manage on their own; the real app's throughput is reported as a share of it.
"""

from __future__ import annotations

from flask import Flask

PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Today</title>"
    "<h1>Today</h1><p>How's your pain right now?</p></html>"
)


def create_app() -> Flask:
    """The baseline app: ``GET /`` answers a small HTML page."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        return PAGE

    return app
