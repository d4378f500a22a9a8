"""GET /healthz as the public contract describes it."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.conftest import BASE_CONFIG
from webapp import create_app
from webapp.extensions import db


def test_healthy(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "db": "ok"}


def test_database_down_answers_503_with_a_reason(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "continuum.db"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["db"] == "unreachable"
    with app.app_context():
        db.engine.dispose()


def test_postgres_down_answers_503(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["db"] == "unreachable"
