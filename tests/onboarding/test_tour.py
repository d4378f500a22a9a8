"""The first-run tour: reached after setting a password, skippable, and found again later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from webapp.admin import services as admin
from webapp.extensions import db
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.onboarding import services


@pytest.fixture
def team(app: Flask) -> list[User]:
    centre = gen_centre("Riverside")
    return [
        gen_therapist(centre, Discipline.MASSAGE, name="Tom Kneads"),
        gen_therapist(centre, Discipline.PHYSIO, name="Pia Moves"),
    ]


@pytest.fixture
def client_user(team: list[User]) -> User:
    user = gen_client(team[0].centres[0], team, phase=2)
    db.session.commit()
    return user


def fresh(user: User) -> User:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def test_setting_a_password_leads_into_the_tour(client: FlaskClient, team: list[User]) -> None:
    centre = team[0].centres[0]
    invited, token = admin.invite_client(
        db.session,
        admin=gen_user(Role.ADMIN, [centre]),
        name="Nia New",
        email="nia@example.test",
        centre=centre,
        condition=Condition.LOW_BACK,
        phase=1,
        team=team,
        goals="",
        start_date=now_utc().date(),
        now=now_utc(),
        ttl=timedelta(days=7),
    )
    db.session.commit()
    answer = client.post(f"/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/welcome"
    page = client.get("/welcome").get_data(as_text=True)
    assert "Your account is ready" in page
    assert "Tom Kneads" in page and "Pia Moves" in page
    assert fresh(invited).onboarded_at is None  # reading is not finishing


def test_each_screen_says_its_part_and_leads_to_the_next(
    client: FlaskClient, client_user: User
) -> None:
    login(client, client_user)
    expected = {
        1: ["Your care team", "Riverside", 'href="/welcome/2"', "Skip the tour"],
        2: ["Your phase and plan", "Phase 2", 'href="/welcome/3"', 'href="/welcome"'],
        3: ["Logging takes seconds", "tap <em>Done</em>", 'href="/welcome/4"'],
        4: ["Reminders, if you want them", "21:00–08:00", "Choose my reminders", "Go to Today"],
    }
    for step, phrases in expected.items():
        path = "/welcome" if step == 1 else f"/welcome/{step}"  # step 1's canonical address
        page = client.get(path).get_data(as_text=True)
        for phrase in phrases:
            assert phrase in page, (step, phrase)
        assert "Your account is ready" not in page or step == 1
    assert "Skip the tour" not in client.get("/welcome/4").get_data(as_text=True)
    for missing in (0, 5, 99):
        assert client.get(f"/welcome/{missing}").status_code == 404


def test_skipping_or_finishing_ends_the_offer_on_today_and_the_tour_stays_open(
    client: FlaskClient, client_user: User
) -> None:
    login(client, client_user)
    assert "Take the tour" in client.get("/today").get_data(as_text=True)

    answer = client.post("/welcome/done", data={"then": "today"})
    assert answer.headers["Location"] == "/today"
    finished = fresh(client_user).onboarded_at
    assert finished is not None
    today = client.get("/today").get_data(as_text=True)
    assert "Take the tour" not in today
    assert "How Continuum works" in today  # found again later
    assert client.get("/welcome").status_code == 200

    # Going through it again keeps the first time, and can go on to reminders.
    answer = client.post("/welcome/done", data={"then": "reminders"})
    assert answer.headers["Location"] == "/settings/reminders"
    assert fresh(client_user).onboarded_at == finished


def test_an_unknown_destination_goes_to_today(client: FlaskClient, client_user: User) -> None:
    login(client, client_user)
    answer = client.post("/welcome/done", data={"then": "https://elsewhere.example"})
    assert answer.headers["Location"] == "/today"


def test_a_client_without_a_care_plan_yet_gets_a_kind_tour(app: Flask) -> None:
    centre = gen_centre()
    user = gen_user(Role.CLIENT, [centre])
    db.session.commit()
    tour = services.tour_for(db.session, user, now_utc())
    assert tour.plan is None and tour.massage == [] and tour.exercises == 0
    db.session.commit()  # reading the tour wrote the reminder defaults
    http = app.test_client()
    login(http, user)
    assert "still setting up your care team" in http.get("/welcome").get_data(as_text=True)
    assert "Your therapists will choose where you start" in http.get("/welcome/2").get_data(
        as_text=True
    )
