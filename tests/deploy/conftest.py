"""A database that several web instances share, seeded with one small care team."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.conftest import BASE_CONFIG
from tests.conftest import IN_CI
from tests.conftest import PG_ADMIN_URL
from tests.conftest import _postgres_answers
from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from webapp import create_app
from webapp.extensions import db
from webapp.models import Discipline

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Seeded:
    url: str
    client_email: str


def seed(url: str) -> Seeded:
    """Migrate the database at ``url`` from empty and add a care team with one client."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        centre = gen_centre("Shared Centre")
        team = [gen_therapist(centre, d) for d in Discipline]
        client = gen_client(centre, team, email="shared.client@example.test")
        db.session.commit()
        email = client.email
        db.session.remove()
        db.engine.dispose()
    return Seeded(url, email)


@pytest.fixture
def shared_database() -> Iterator[Seeded]:
    """A fresh PostgreSQL database on the local server, for instances to share."""
    if not _postgres_answers():
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL answers on 127.0.0.1:5432")
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    name = f"continuum_deploy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield seed(admin.url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(base: str, email: str, password: str = PASSWORD) -> requests.Response:
    """Sign in through the real form on the instance at ``base``; return the last answer."""
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10)
    answer = http.post(
        f"{base}/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(form.text)},
        allow_redirects=False,
        timeout=10,
    )
    answer.session = http  # type: ignore[attr-defined]
    return answer
