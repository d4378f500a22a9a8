"""Signing in and out: sessions that end on the server, safe redirects, throttling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_user
from tests.factories import login
from tests.factories import totp_code
from webapp.auth import services
from webapp.extensions import db
from webapp.models import Role
from webapp.models import UserSession
from webapp.models import now_utc

CSRF_TOKEN = re.compile(r'"X-CSRFToken": "[^"]+"')


def session_cookie(http: FlaskClient, app: Flask) -> str | None:
    cookie = http.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def signed_in(http: FlaskClient) -> bool:
    response = http.get("/")
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def test_sign_in_sends_each_role_home(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    response = login(client, admin)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/admin/"


def test_email_is_matched_whatever_its_case(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()], email="Priya.Shah@Example.test")
    db.session.commit()
    response = client.post(
        "/login", data={"email": "  priya.shah@EXAMPLE.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert admin.email == "Priya.Shah@Example.test"


def test_unknown_email_and_wrong_password_get_the_same_answer(app: Flask) -> None:
    gen_user(Role.ADMIN, [gen_centre()], email="known@example.test")
    db.session.commit()
    answers = []
    for email in ("known@example.test", "nobody@example.test"):
        http = app.test_client()
        response = http.post("/login", data={"email": email, "password": "wrong password!"})
        body = response.get_data(as_text=True).replace(email, "")
        answers.append((response.status_code, CSRF_TOKEN.sub("TOKEN", body)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422
    assert "don&#39;t match an account" in answers[0][1]


def test_failed_sign_in_keeps_the_email_but_not_the_password(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/login", data={"email": "typed@example.test", "password": "s3cret-typed"}
    )
    body = response.get_data(as_text=True)
    assert 'value="typed@example.test"' in body
    assert "s3cret-typed" not in body


def test_passwords_are_hashed_with_argon2id(app: Flask) -> None:
    user = gen_user(Role.ADMIN, [gen_centre()])
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_out_ends_the_session_on_the_server(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    stolen = session_cookie(client, app)
    assert stolen
    response = client.post("/logout")
    assert response.status_code == 302
    assert "cache" in response.headers["Clear-Site-Data"]

    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = replay.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_starts_a_new_session(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    client.get("/login")
    before = session_cookie(client, app)
    login(client, admin)
    after = session_cookie(client, app)
    assert before and after and before != after

    planted = app.test_client()
    planted.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert not signed_in(planted)

    again = app.test_client()
    login(again, admin)
    tokens = db.session.scalars(db.select(UserSession.token_hash)).all()
    assert len(set(tokens)) == 2  # every sign-in gets its own server-side session


def test_deactivating_a_user_ends_their_sessions(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    assert signed_in(client)
    admin.active = False
    db.session.commit()
    assert not signed_in(client)
    assert login(client, admin).status_code == 422


@pytest.mark.parametrize(
    "target, lands_on",
    [
        ("/admin/clients/new", "/admin/clients/new"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_redirects_within_the_site(
    app: Flask, client: FlaskClient, target: str, lands_on: str
) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": admin.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/login/code"  # ``next`` waits for the second step
    response = client.post("/login/code", data={"code": totp_code()})
    assert response.headers["Location"] == lands_on


def test_login_redirect_remembers_where_you_were_going(app: Flask, client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.headers["Location"].startswith("/login?next=")


def test_repeated_failures_throttle_the_account(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for attempt in range(limit):
        http = app.test_client()
        response = http.post("/login", data={"email": admin.email, "password": f"guess {attempt}!"})
        assert response.status_code == 422
    response = app.test_client().post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    # An unknown account is throttled the same way, so throttling reveals nothing.
    for attempt in range(limit):
        app.test_client().post(
            "/login", data={"email": "ghost@example.test", "password": str(attempt)}
        )
    assert (
        app.test_client()
        .post("/login", data={"email": "ghost@example.test", "password": "x"})
        .status_code
        == 429
    )


def test_throttle_lifts_after_the_window(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    throttle = services.Throttle.from_config(app.config)
    start = now_utc()
    for _ in range(throttle.per_account):
        services.authenticate(
            db.session,
            admin.email,
            "nope",
            address="10.0.0.1",
            now=start,
            throttle=throttle,
            hash_profile="cheapest",
        )
    blocked = services.authenticate(
        db.session,
        admin.email,
        PASSWORD,
        address="10.0.0.1",
        now=start,
        throttle=throttle,
        hash_profile="cheapest",
    )
    assert blocked.throttled
    later = start + throttle.window + timedelta(seconds=1)
    result = services.authenticate(
        db.session,
        admin.email,
        PASSWORD,
        address="10.0.0.1",
        now=later,
        throttle=throttle,
        hash_profile="cheapest",
    )
    assert result.user is not None and not result.throttled


def test_idle_and_absolute_limits_end_sessions(app: Flask) -> None:
    therapist_centre = gen_centre()
    admin = gen_user(Role.ADMIN, [therapist_centre])
    client_user = gen_user(Role.CLIENT, [therapist_centre])
    db.session.commit()
    limits = services.SessionLimits.from_config(app.config)
    start = now_utc()
    token = services.start_session(db.session, admin, start)
    db.session.commit()
    just_inside = start + limits.idle_staff - timedelta(seconds=5)
    assert services.resume_session(db.session, token, admin.id, just_inside, limits) is admin
    idle_gap = just_inside + limits.idle_staff + timedelta(seconds=1)
    assert services.resume_session(db.session, token, admin.id, idle_gap, limits) is None

    token = services.start_session(db.session, client_user, start)
    db.session.commit()
    now = start
    # A client who comes back daily still reaches the absolute limit.
    while now < start + limits.absolute_client - timedelta(days=1):
        now += timedelta(days=1)
        assert services.resume_session(db.session, token, client_user.id, now, limits)
    now += timedelta(days=2)
    assert services.resume_session(db.session, token, client_user.id, now, limits) is None


def test_a_session_token_only_works_for_its_own_user(app: Flask) -> None:
    centre = gen_centre()
    one, other = gen_user(Role.ADMIN, [centre]), gen_user(Role.ADMIN, [centre])
    db.session.commit()
    limits = services.SessionLimits.from_config(app.config)
    token = services.start_session(db.session, one, now_utc())
    assert services.resume_session(db.session, token, other.id, now_utc(), limits) is None
    assert services.resume_session(db.session, "forged", one.id, now_utc(), limits) is None


def test_production_cookies_are_hardened(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(TESTING=True, ENV="production")
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-continuum"
    with app.app_context():
        gen_user(Role.ADMIN, [gen_centre()], email="secure@example.test")
        db.session.commit()
    http = app.test_client()
    response = http.post(
        "/login",
        data={"email": "secure@example.test", "password": PASSWORD},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-continuum=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie


def test_production_refuses_a_missing_secret(make_app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(ENV="production", SECRET_KEY="dev-only-not-secret")


def test_throttling_counts_the_real_address_behind_a_proxy(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        gen_user(Role.ADMIN, [gen_centre()], email="staff@example.test")
        db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        app.test_client().post(
            "/login",
            data={"email": f"guess{n}@example.test", "password": "nope"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
    elsewhere = app.test_client().post(
        "/login",
        data={"email": "staff@example.test", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert elsewhere.status_code == 302  # another person behind the same proxy is not locked out
    same = app.test_client().post(
        "/login",
        data={"email": "staff@example.test", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert same.status_code == 429
