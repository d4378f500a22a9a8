"""Fixtures: a fresh database per test, on SQLite always and on PostgreSQL when one answers."""

from __future__ import annotations

import contextvars
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db

# Every log record of the run is scanned for health data, passwords and tokens.
pytest_plugins = ["tests.log_scan"]

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "ENV": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "PASSWORD_HASH_PROFILE": "cheapest",
    "WTF_CSRF_ENABLED": False,
    "BASE_URL": "http://localhost",
}


class IsolatedClient(FlaskClient):
    """Run every request in a fresh context, as a real server does.

    Tests hold an app context open for database work; without this, requests
    would share its ``g`` (and so Flask-Login's cached user) and its session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def _postgres_answers() -> bool:
    if os.environ.get("TEST_DATABASE_URL"):
        return True
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _migrate(url: str, instance: Path) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file from empty; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Create a fresh PostgreSQL database for this run, migrated from empty, and drop it after."""
    if not _postgres_answers():
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL answers on 127.0.0.1:5432")
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432 (set TEST_DATABASE_URL)")
    name = f"continuum_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("pg"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build apps on this test's database, with optional config overrides."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        app.instance_path = str(tmp_path)
        app.test_client_class = IsolatedClient
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
