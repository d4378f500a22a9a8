"""Admins onboard a client with care plan, care team and an invitation link."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import login
from webapp.extensions import db
from webapp.models import CarePlan
from webapp.models import Discipline
from webapp.models import Invitation
from webapp.models import Role
from webapp.models import User


@pytest.fixture
def clinic(app: Flask) -> dict:
    london = gen_centre("London", "Europe/London")
    sydney = gen_centre("Sydney", "Australia/Sydney")
    clinic = {
        "london": london,
        "sydney": sydney,
        "admin": gen_user(Role.ADMIN, [london]),
        "massage": gen_therapist(london, Discipline.MASSAGE, name="Tom Massage"),
        "physio": gen_therapist(london, Discipline.PHYSIO, name="Sam Physio"),
        "sydney_physio": gen_therapist(sydney, Discipline.PHYSIO, name="Jack Sydney"),
    }
    db.session.commit()
    return clinic


def form_data(clinic: dict, **overrides: object) -> dict:
    data = {
        "name": "Alex Morgan",
        "email": "alex@example.com",
        "centre_id": clinic["london"].id,
        "condition": "neck_shoulder",
        "phase": "1",
        "massage_therapists": [clinic["massage"].id],
        "physiotherapists": [clinic["physio"].id],
        "goals": "Swim 20 lengths",
        "start_date": date.today().isoformat(),
    }
    data.update(overrides)
    return data


def count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_admin_creates_a_client_and_gets_a_link_and_qr_code(
    app: Flask, client: FlaskClient, clinic: dict
) -> None:
    login(client, clinic["admin"])
    response = client.post("/admin/clients/new", data=form_data(clinic))
    body = response.get_data(as_text=True)
    assert response.status_code == 201, re.findall(r'error-text"[^>]*>([^<]*)', body)
    body = response.get_data(as_text=True)
    link = re.search(r'value="(http://localhost/invite/[^"]+)"', body).group(1)
    assert "<svg" in body and 'class="qr-code"' in body
    assert "style=" not in body

    new = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    assert new.role is Role.CLIENT and new.password_hash is None
    plan = new.active_care_plan
    assert plan.phase == 1 and plan.centre.name == "London"
    assert {m.name for m in plan.team} == {"Tom Massage", "Sam Physio"}
    assert plan.phase_changes[0].from_phase is None
    assert plan.phase_changes[0].changed_by.id == clinic["admin"].id
    # The link itself is never stored; only its hash.
    token = link.rsplit("/", 1)[1]
    assert token not in {i.token_hash for i in db.session.scalars(db.select(Invitation))}


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Enter the client&#39;s name."),
        ({"email": "not-an-email"}, "email", "Enter an email address like"),
        ({"phase": "4"}, "phase", "Not a valid choice"),
        (
            {"massage_therapists": []},
            "massage_therapists",
            "Choose at least one massage therapist.",
        ),
        ({"physiotherapists": []}, "physiotherapists", "Choose at least one physiotherapist."),
        ({"start_date": "2001-01-01"}, "start_date", "within the last year"),
        ({"start_date": "31/02/2026"}, "start_date", "Not a valid date value"),
        ({"condition": "hangnail"}, "condition", "Not a valid choice"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    app: Flask, client: FlaskClient, clinic: dict, overrides: dict, field: str, message: str
) -> None:
    login(client, clinic["admin"])
    before = (count(User), count(CarePlan), count(Invitation))
    response = client.post("/admin/clients/new", data=form_data(clinic, **overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body or f'id="{field}' in body
    assert (count(User), count(CarePlan), count(Invitation)) == before
    # What the admin typed comes back.
    if field != "name":
        assert 'value="Alex Morgan"' in body
    assert "Swim 20 lengths" in body


def test_therapist_from_another_centre_is_refused(
    app: Flask, client: FlaskClient, clinic: dict
) -> None:
    login(client, clinic["admin"])
    data = form_data(clinic, physiotherapists=[clinic["sydney_physio"].id])
    response = client.post("/admin/clients/new", data=data)
    assert response.status_code == 422
    assert "Choose from the people listed." in response.get_data(as_text=True)
    assert count(CarePlan) == 0


def test_other_admins_centre_is_refused(app: Flask, client: FlaskClient, clinic: dict) -> None:
    login(client, clinic["admin"])
    response = client.post(
        "/admin/clients/new", data=form_data(clinic, centre_id=clinic["sydney"].id)
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(User) == 4


def test_admin_of_two_centres_cannot_mix_their_teams(app: Flask, clinic: dict) -> None:
    both = gen_user(Role.ADMIN, [clinic["london"], clinic["sydney"]])
    db.session.commit()
    http = app.test_client()
    login(http, both)
    data = form_data(clinic, physiotherapists=[clinic["sydney_physio"].id])
    response = http.post("/admin/clients/new", data=data)
    assert response.status_code == 422
    assert "Jack Sydney doesn&#39;t work at London." in response.get_data(as_text=True)
    assert count(CarePlan) == 0


def test_email_already_taken_in_any_case(app: Flask, client: FlaskClient, clinic: dict) -> None:
    login(client, clinic["admin"])
    assert client.post("/admin/clients/new", data=form_data(clinic)).status_code == 201
    again = client.post("/admin/clients/new", data=form_data(clinic, email="ALEX@example.com"))
    assert again.status_code == 422
    assert "already uses this email" in again.get_data(as_text=True)
    assert count(CarePlan) == 1


def test_role_and_centre_fields_cannot_be_smuggled_in(
    app: Flask, client: FlaskClient, clinic: dict
) -> None:
    login(client, clinic["admin"])
    data = form_data(clinic, role="admin", discipline="physio", active="false")
    assert client.post("/admin/clients/new", data=data).status_code == 201
    new = db.session.scalar(db.select(User).where(User.email == "alex@example.com"))
    assert new.role is Role.CLIENT and new.discipline is None


def test_care_team_options_follow_the_chosen_centre(
    app: Flask, client: FlaskClient, clinic: dict
) -> None:
    both = gen_user(Role.ADMIN, [clinic["london"], clinic["sydney"]])
    db.session.commit()
    login(client, both)
    response = client.get(
        "/admin/care-team-options",
        query_string={"centre_id": clinic["sydney"].id},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="care-team">')
    assert "Jack Sydney" in body and "Sam Physio" not in body


def test_new_link_replaces_the_old_one(app: Flask, client: FlaskClient, clinic: dict) -> None:
    pending = gen_client(clinic["london"], [clinic["massage"], clinic["physio"]], password=None)
    db.session.commit()
    login(client, clinic["admin"])
    first = client.post(f"/admin/clients/{pending.id}/invitation")
    second = client.post(f"/admin/clients/{pending.id}/invitation")
    assert first.status_code == second.status_code == 201
    links = [
        re.search(r"/invite/([^\"]+)\"", r.get_data(as_text=True)).group(1) for r in (first, second)
    ]
    anonymous = app.test_client()
    assert anonymous.get(f"/invite/{links[0]}").status_code == 410
    assert anonymous.get(f"/invite/{links[1]}").status_code == 200


def test_admin_home_shows_onboarding_status(app: Flask, client: FlaskClient, clinic: dict) -> None:
    gen_client(clinic["london"], [clinic["massage"], clinic["physio"]], name="Active Annie")
    gen_client(
        clinic["london"], [clinic["massage"], clinic["physio"]], name="Pending Pete", password=None
    )
    db.session.commit()
    login(client, clinic["admin"])
    body = client.get("/admin/").get_data(as_text=True)
    assert "Active Annie" in body and "Pending Pete" in body
    assert "Link expired" in body  # Pete has no live link yet
    assert "Tom Massage" in body and "Jack Sydney" not in body
