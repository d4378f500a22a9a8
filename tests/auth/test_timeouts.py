"""Idle timeouts and absolute lifetimes, signing out everywhere, and disabling a user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import gen_centre
from tests.factories import gen_user
from tests.factories import login
from webapp import config
from webapp.auth import services
from webapp.auth.views import describe
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import Role
from webapp.models import User
from webapp.models import UserSession
from webapp.models import now_utc

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/today"}
SYNC = {"X-Continuum-Sync": "1", "Origin": "http://localhost"}


def age_sessions(user: User, idle: timedelta, age: timedelta | None = None) -> None:
    """Make the user's sessions look ``idle`` since last seen and ``age`` old."""
    now = now_utc()
    values = {"last_seen_at": now - idle}
    if age is not None:
        values["created_at"] = now - age
    db.session.execute(db.update(UserSession).where(UserSession.user_id == user.id).values(values))
    db.session.commit()


def live_sessions(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count(UserSession.token_hash)).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
        )
    )


def test_the_defaults_are_stricter_for_staff(app: Flask) -> None:
    limits = services.SessionLimits.from_config(app.config)
    assert limits.for_role(Role.ADMIN) == (timedelta(minutes=30), timedelta(hours=12))
    assert limits.for_role(Role.THERAPIST) == (timedelta(minutes=30), timedelta(hours=12))
    assert limits.for_role(Role.CLIENT) == (timedelta(days=14), timedelta(days=30))


def test_staff_idle_for_30_minutes_are_signed_out_with_a_reason(
    app: Flask, client: FlaskClient
) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    age_sessions(admin, timedelta(minutes=29))
    assert client.get("/admin/").status_code == 200
    age_sessions(admin, timedelta(minutes=31))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page
    assert "Please sign in to continue" not in page
    assert live_sessions(admin) == 0
    # The cookie is spent: coming back doesn't repeat the message or sign anyone in.
    again = client.get("/admin/")
    assert again.status_code == 302
    assert "without activity" not in client.get("/login").get_data(as_text=True)


def test_clients_stay_signed_in_for_longer(app: Flask, client: FlaskClient) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    login(client, client_user)
    age_sessions(client_user, timedelta(days=13))
    assert client.get("/settings/security").status_code == 200
    age_sessions(client_user, timedelta(days=14, minutes=1))
    response = client.get("/settings/security")
    assert "/login" in response.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert "You were signed out after 14 days without activity." in page


def test_a_sign_in_has_an_absolute_lifetime(app: Flask, client: FlaskClient) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    login(client, admin)
    age_sessions(admin, timedelta(minutes=1), age=timedelta(hours=12, minutes=1))
    assert "/login" in client.get("/admin/").headers["Location"]
    assert "a sign-in lasts 12 hours" in client.get("/login").get_data(as_text=True)


def test_htmx_and_the_sync_api_get_a_proper_answer(app: Flask) -> None:
    centre = gen_centre()
    admin = gen_user(Role.ADMIN, [centre])
    client_user = gen_user(Role.CLIENT, [centre])
    db.session.commit()
    staff = app.test_client()
    login(staff, admin)
    age_sessions(admin, timedelta(hours=1))
    fragment = staff.get("/admin/", headers=HX)
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"] == "/login?next=%2Ftoday"
    assert fragment.get_data() == b""  # no sign-in page swapped into a fragment

    phone = app.test_client()
    login(phone, client_user)
    age_sessions(client_user, timedelta(days=15))
    sync = phone.post("/api/sync", json=[], headers=SYNC)
    assert sync.status_code == 401 and "Sign in again" in sync.json["error"]


def test_last_seen_is_written_at_most_once_a_minute(app: Flask) -> None:
    admin = gen_user(Role.ADMIN, [gen_centre()])
    db.session.commit()
    limits = services.SessionLimits.from_config(app.config)
    start = now_utc()
    token = services.start_session(db.session, admin, start)
    db.session.commit()
    row = db.session.get(UserSession, services.digest(token))
    services.resume_session(db.session, token, admin.id, start + timedelta(seconds=50), limits)
    assert row.last_seen_at == start and not db.session.dirty
    later = start + timedelta(seconds=61)
    services.resume_session(db.session, token, admin.id, later, limits)
    assert row.last_seen_at == later
    ended = services.check_session(db.session, token, admin.id, later + timedelta(hours=1), limits)
    assert (ended.user, ended.ended, ended.after) == (None, "idle", timedelta(minutes=30))
    gone = services.check_session(db.session, token, admin.id, later, limits)
    assert (gone.user, gone.ended) == (None, "gone")


def test_the_limits_come_from_the_environment(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CONTINUUM_SESSION_IDLE_STAFF", "20m")
    monkeypatch.setenv("CONTINUUM_SESSION_ABSOLUTE_STAFF", "8h")
    monkeypatch.setenv("CONTINUUM_SESSION_IDLE_CLIENT", "604800")
    app = make_app()
    assert app.config["SESSION_IDLE_STAFF"] == timedelta(minutes=20)
    assert app.config["SESSION_ABSOLUTE_STAFF"] == timedelta(hours=8)
    assert app.config["SESSION_IDLE_CLIENT"] == timedelta(days=7)
    assert app.config["SESSION_ABSOLUTE_CLIENT"] == timedelta(days=30)


@pytest.mark.parametrize("value", ["soon", "0", "-5m", "10x", "", True])
def test_a_duration_that_makes_no_sense_is_refused(value: object) -> None:
    with pytest.raises(RuntimeError, match="not a duration"):
        config.duration(value)


def test_durations_read_as_people_say_them() -> None:
    assert describe(timedelta(minutes=30)) == "30 minutes"
    assert describe(timedelta(hours=12)) == "12 hours"
    assert describe(timedelta(days=14)) == "14 days"
    assert describe(timedelta(days=1)) == "1 day"
    assert describe(timedelta(minutes=90)) == "90 minutes"


# --- Signing out everywhere, and disabling a user ---------------------------------------------


@pytest.mark.parametrize("role", [Role.CLIENT, Role.THERAPIST, Role.ADMIN])
def test_sign_out_everywhere_ends_every_session(app: Flask, role: Role) -> None:
    centre = gen_centre()
    discipline = Discipline.PHYSIO if role is Role.THERAPIST else None
    user = gen_user(role, [centre], discipline=discipline)
    bystander = gen_user(role, [centre], discipline=user.discipline)
    db.session.commit()
    name = app.config["SESSION_COOKIE_NAME"]
    phone, laptop, other = app.test_client(), app.test_client(), app.test_client()
    for http, who in ((phone, user), (laptop, user), (other, bystander)):
        assert login(http, who).status_code == 302
    copied = laptop.get_cookie(name).value
    page = phone.get("/settings/security").get_data(as_text=True)
    assert "Sign out everywhere" in page and "data-signout" in page

    response = phone.post("/settings/security/sign-out-everywhere")
    assert response.headers["Location"] == "/login?signed_out=everywhere"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert live_sessions(user) == 0
    for http in (phone, laptop):
        assert "/login" in http.get("/settings/security").headers["Location"]
    replay = app.test_client()
    replay.set_cookie(name, copied)
    assert "/login" in replay.get("/settings/security").headers["Location"]
    assert other.get("/settings/security").status_code == 200  # someone else is untouched
    landing = app.test_client().get("/login?signed_out=everywhere").get_data(as_text=True)
    assert "You have signed out on every device." in landing


def test_disabling_a_user_ends_all_their_sessions_at_once(app: Flask) -> None:
    centre = gen_centre()
    admin = gen_user(Role.ADMIN, [centre])
    db.session.commit()
    devices = [app.test_client() for _ in range(3)]
    for http in devices:
        login(http, admin)
    assert live_sessions(admin) == 3
    services.deactivate_user(db.session, admin, now_utc())
    db.session.commit()
    assert live_sessions(admin) == 0
    for http in devices:
        assert "/login" in http.get("/admin/").headers["Location"]
    # Turning the account back on doesn't bring the old sessions back.
    admin.active = True
    db.session.commit()
    for http in devices:
        assert "/login" in http.get("/admin/").headers["Location"]


def test_disabling_from_the_command_line(app: Flask) -> None:
    client_user = gen_user(Role.CLIENT, [gen_centre()])
    db.session.commit()
    phone = app.test_client()
    login(phone, client_user)
    result = app.test_cli_runner().invoke(args=["auth", "disable", client_user.email])
    assert result.exit_code == 0 and "signed out everywhere" in result.output
    assert live_sessions(client_user) == 0
    assert "/login" in phone.get("/today").headers["Location"]
    assert login(app.test_client(), client_user).status_code == 422
