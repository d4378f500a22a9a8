"""The client's reminder settings and push subscriptions, through the Flask test client."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import PushSubscription
from webapp.models import ReminderSettings
from webapp.models import User

FORM = {
    "enabled": "y",
    "first_time": "08:30",
    "second_time": "18:00",
    "days": ["0", "2", "4"],
    "by_push": "y",
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "pause": "",
}


@pytest.fixture
def client_user(app: Flask) -> User:
    centre = gen_centre()
    team = [gen_therapist(centre, d) for d in (Discipline.MASSAGE, Discipline.PHYSIO)]
    user = gen_client(centre, team)
    db.session.commit()
    return user


@pytest.fixture
def http(client: FlaskClient, client_user: User) -> FlaskClient:
    login(client, client_user)
    return client


def saved(user: User) -> ReminderSettings:
    db.session.expire_all()
    found = db.session.get(ReminderSettings, user.id)
    assert found is not None
    return found


def post(http: FlaskClient, **changes: Any) -> Any:
    data = {**FORM, **changes}
    return http.post("/settings/reminders", data={k: v for k, v in data.items() if v is not None})


def test_choices_are_saved_and_shown_again(http: FlaskClient, client_user: User) -> None:
    answer = post(http)
    assert answer.status_code == 302
    settings = saved(client_user)
    assert settings.exercise_times == ["08:30", "18:00"]
    assert settings.exercise_days == [0, 2, 4]
    assert (settings.by_push, settings.by_email) == (True, False)
    page = http.get("/settings/reminders?saved=1").get_data(as_text=True)
    assert 'value="18:00"' in page


def test_a_time_inside_quiet_hours_is_refused_with_the_input_kept(
    http: FlaskClient, client_user: User
) -> None:
    http.get("/settings/reminders")  # the defaults
    before = saved(client_user).exercise_times
    answer = post(http, first_time="07:15", second_time="22:30")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "07:15 is inside your quiet hours (21:00–08:00)" in page
    assert "22:30 is inside your quiet hours (21:00–08:00)" in page
    assert 'value="07:15"' in page and 'value="22:30"' in page
    assert saved(client_user).exercise_times == before  # nothing half-saved

    # Moving the quiet hours makes the same times fine.
    assert post(http, first_time="07:15", quiet_start="23:00", quiet_end="07:00").status_code == 302
    assert saved(client_user).exercise_times == ["07:15", "18:00"]


def test_turning_reminders_off_needs_no_times_or_days(http: FlaskClient, client_user: User) -> None:
    answer = post(http, enabled=None, first_time="", second_time="", days=[])
    assert answer.status_code == 302
    assert saved(client_user).enabled is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_time": "", "second_time": ""}, "Choose at least one time"),
        ({"days": []}, "Choose at least one day, or turn reminders off."),
        ({"quiet_start": ""}, "Choose when quiet hours start."),
        ({"first_time": "25:99"}, "Not a valid time value."),
        ({"pause": "forever"}, "Not a valid choice."),
    ],
)
def test_bad_choices_get_a_clear_error(
    http: FlaskClient, client_user: User, changes: dict[str, Any], message: str
) -> None:
    answer = post(http, **changes)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)


def test_a_push_subscription_is_kept_once_and_removed(http: FlaskClient, client_user: User) -> None:
    body = {
        "endpoint": "https://push.example.org/send/abc",
        "keys": {"p256dh": "BPk", "auth": "c2VjcmV0"},
    }
    assert http.post("/settings/reminders/push", json=body).status_code == 201
    assert http.post("/settings/reminders/push", json=body).status_code == 201  # a retry
    rows = db.session.scalars(select(PushSubscription)).all()
    assert [(r.user_id, r.endpoint) for r in rows] == [(client_user.id, body["endpoint"])]

    for bad in ({}, {"endpoint": "ftp://x", "keys": body["keys"]}, {"endpoint": body["endpoint"]}):
        answer = http.post("/settings/reminders/push", json=bad)
        assert answer.status_code == 400
        assert answer.get_json() == {"error": "That isn't a push subscription."}
    assert http.post("/settings/reminders/push", data="not json").status_code == 415

    answer = http.post("/settings/reminders/push/remove", json={"endpoint": body["endpoint"]})
    assert answer.status_code == 200
    assert db.session.scalars(select(PushSubscription)).all() == []
