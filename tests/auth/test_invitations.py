"""A client sets a password from a one-time, expiring invitation link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp.auth import services
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import Invitation
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc

GOOD_PASSWORD = "blue kettle on the hill"


@pytest.fixture
def invited(app: Flask) -> tuple[User, str]:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team, password=None, name="Nina Newcomer")
    admin = gen_user(Role.ADMIN, [centre])
    token = services.issue_invitation(db.session, client, admin, now_utc(), timedelta(days=7))
    db.session.commit()
    return client, token


def test_invited_client_sets_a_password_and_starts_the_tour(
    app: Flask, client: FlaskClient, invited: tuple[User, str]
) -> None:
    user, token = invited
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert "Welcome, Nina" in page.get_data(as_text=True)
    response = client.post(
        f"/invite/{token}", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome"  # the first-run tour
    assert "Your account is ready" in client.get("/welcome").get_data(as_text=True)
    assert "Hello, Nina" in client.get("/today").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "password, confirm, message",
    [
        ("short", "short", "at least 10 characters"),
        ("password123", "password123", "too common"),
        (GOOD_PASSWORD, "something else!", "don&#39;t match"),
        ("", "", "Choose a password."),
    ],
)
def test_weak_or_mismatched_passwords_are_explained(
    app: Flask,
    client: FlaskClient,
    invited: tuple[User, str],
    password: str,
    confirm: str,
    message: str,
) -> None:
    user, token = invited
    response = client.post(f"/invite/{token}", data={"password": password, "confirm": confirm})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    assert client.get(f"/invite/{token}").status_code == 200  # the link still works


def test_a_used_link_gets_a_clear_page(
    app: Flask, client: FlaskClient, invited: tuple[User, str]
) -> None:
    _user, token = invited
    client.post(f"/invite/{token}", data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    again = app.test_client().get(f"/invite/{token}")
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    replay = app.test_client().post(
        f"/invite/{token}",
        data={"password": "another pass phrase", "confirm": "another pass phrase"},
    )
    assert replay.status_code == 410


def test_an_expired_link_gets_a_clear_page(app: Flask, invited: tuple[User, str]) -> None:
    user, _token = invited
    token = services.issue_invitation(
        db.session, user, None, now_utc() - timedelta(days=8), timedelta(days=7)
    )
    db.session.commit()
    response = app.test_client().get(f"/invite/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["forged", "x" * 500, "%00", "%3Cscript%3E", "..%2F..%2Fetc"])
def test_a_forged_link_gets_a_clear_page(app: Flask, client: FlaskClient, token: str) -> None:
    response = client.get(f"/invite/{token}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    # A token with a slash in it never reaches the view: the site's own not-found page answers.
    assert "recognise this link" in body or ("%2F" in token and "find that page" in body)
    assert "<script>" not in body


def test_tokens_are_stored_only_as_hashes(app: Flask, invited: tuple[User, str]) -> None:
    _user, token = invited
    stored = db.session.scalars(db.select(Invitation.token_hash)).all()
    assert token not in stored
    assert services.digest(token) in stored
