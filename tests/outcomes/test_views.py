"""The outcomes pages and CSV exports through the test client: who sees what, and bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login
from tests.outcomes.conftest import Clinic
from tests.outcomes.conftest import gen_diary
from tests.outcomes.conftest import gen_plan
from tests.outcomes.conftest import same
from webapp.extensions import db
from webapp.models import Condition
from webapp.models import Role
from webapp.models import User


@pytest.fixture
def histories(clinic: Clinic) -> Clinic:
    """Six neck clients on North's first team, five back clients on its second, and five
    at Harbour: each with a first week of pain 6 and a latest week of 3."""
    today = date.today()
    start = today - timedelta(days=90)
    groups = [
        (clinic.north, [clinic.massage, clinic.physio], Condition.NECK_SHOULDER, 6),
        (clinic.north, [clinic.massage_2, clinic.physio_2], Condition.LOW_BACK, 5),
        (clinic.harbour, [clinic.harbour_massage, clinic.harbour_physio], Condition.POSTURAL, 5),
    ]
    for centre, team, condition, count in groups:
        for _n in range(count):
            plan = gen_plan(centre, team, start=start, condition=condition)
            gen_diary(plan, same(start, 7, 6))
            gen_diary(plan, same(today - timedelta(days=10), 7, 3))
    db.session.commit()
    return clinic


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_an_admin_sees_every_section_with_charts_and_tables(app: Flask, histories: Clinic) -> None:
    response = signed_in(app, histories.admin_north).get("/outcomes/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for heading in (
        "Clients per phase and condition",
        "Change in pain since the start of care",
        "Change in function (PSFS)",
        "Programme adherence",
        "Diary engagement",
        "Phase progression times",
        "Cross-referrals",
        "Attendance and no-shows",
        "Month by month",
    ):
        assert heading in page
    assert "Small groups are withheld" in page
    assert page.count('role="img"') >= 3
    assert '<table class="outcome-table">' in page
    assert "/outcomes/pain.csv?" in page
    assert "Harbour" not in page  # another centre's name never appears
    assert response.headers["Cache-Control"] == "no-store"


def test_an_admin_cannot_name_another_centre(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.admin_north)
    assert http.get(f"/outcomes/?centre={histories.harbour.id}").status_code == 404
    assert http.get(f"/outcomes/pain.csv?centre={histories.harbour.id}").status_code == 404
    assert http.get("/outcomes/?centre=abc").status_code == 404
    assert http.get(f"/outcomes/?centre={histories.north.id}").status_code == 200


def test_an_admin_of_both_centres_can_narrow_to_one(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.admin_both)
    both = rows(http.get("/outcomes/pain.csv"))
    assert both[-1][:2] == ["All conditions", "16"]
    harbour = rows(http.get(f"/outcomes/pain.csv?centre={histories.harbour.id}"))
    assert harbour == [
        both[0],
        ["Postural correction", "5", "6.0", "3.0", "-3.0", "100", "0"],
        ["All conditions", "5", "6.0", "3.0", "-3.0", "100", "0"],
    ]


def test_a_therapist_sees_only_their_own_caseload(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.physio)
    page = http.get("/outcomes/mine")
    assert page.status_code == 200
    assert "Outcomes for my clients" in page.get_data(as_text=True)
    mine = rows(http.get("/outcomes/mine/pain.csv"))
    assert [row[:2] for row in mine[1:]] == [["Neck & shoulder pain", "6"], ["All conditions", "6"]]
    other = rows(signed_in(app, histories.physio_2).get("/outcomes/mine/pain.csv"))
    assert [row[:2] for row in other[1:]] == [["Low back pain", "5"], ["All conditions", "5"]]
    assert http.get("/outcomes/").status_code == 403
    assert http.get("/outcomes/pain.csv").status_code == 403
    assert http.get(f"/outcomes/mine?centre={histories.harbour.id}").status_code == 404


def test_clients_never_reach_outcomes_and_admins_have_no_caseload(
    app: Flask, histories: Clinic
) -> None:
    client = db.session.scalar(db.select(User).where(User.role == Role.CLIENT))
    http = signed_in(app, client)
    for url in ("/outcomes/", "/outcomes/pain.csv", "/outcomes/mine", "/outcomes/mine/pain.csv"):
        assert http.get(url).status_code == 403, url
    admin = signed_in(app, histories.admin_north)
    assert admin.get("/outcomes/mine").status_code == 403
    assert app.test_client().get("/outcomes/").status_code == 302  # to sign in


def test_csv_keeps_the_filters_and_marks_small_groups(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.admin_north)
    response = http.get("/outcomes/phases.csv?condition=neck_shoulder")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert rows(response) == [
        ["condition", "phase_1", "phase_2", "phase_3", "clients"],
        ["Neck & shoulder pain", "6", "0", "0", "6"],
        ["All conditions", "6", "0", "0", "6"],
    ]
    discipline = rows(http.get("/outcomes/attendance.csv?discipline=massage"))
    assert discipline == [discipline[0]]  # no visits at all: just the headers
    pain = rows(http.get("/outcomes/pain.csv"))
    assert pain[1] == ["Neck & shoulder pain", "6", "6.0", "3.0", "-3.0", "100", "0"]


def test_a_group_of_four_is_withheld_in_csv(app: Flask, clinic: Clinic) -> None:
    start = date.today() - timedelta(days=60)
    for _n in range(4):
        plan = gen_plan(clinic.north, [clinic.massage, clinic.physio], start=start)
        gen_diary(plan, same(start, 7, 6))
        gen_diary(plan, same(date.today() - timedelta(days=8), 7, 3))
    db.session.commit()
    pain = rows(signed_in(app, clinic.admin_north).get("/outcomes/pain.csv"))
    assert pain[1:] == [
        ["Neck & shoulder pain"] + ["<5"] * 6,
        ["All conditions"] + ["<5"] * 6,
    ]
    page = signed_in(app, clinic.admin_north).get("/outcomes/").get_data(as_text=True)
    assert "Fewer than 5" in page and "fewer than 5" in page


def test_empty_and_unknown_tables(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.admin_north)
    empty = http.get("/outcomes/pain.csv?condition=post_op")
    assert empty.status_code == 200
    assert empty.get_data(as_text=True) == (
        "condition,clients,mean_first_week,mean_latest_week,mean_change,improved_percent,"
        "worse_percent\r\n"
    )
    assert http.get("/outcomes/patients.csv").status_code == 404
    assert http.get("/outcomes/mine/pain.csv").status_code == 403


def test_a_filter_with_no_data_or_a_future_period_is_a_clear_page(
    app: Flask, histories: Clinic
) -> None:
    http = signed_in(app, histories.admin_north)
    none = http.get("/outcomes/?condition=post_op")
    assert none.status_code == 200
    assert "No clients match these filters" in none.get_data(as_text=True)
    next_year = date.today().year + 1
    future = http.get(f"/outcomes/?from={next_year}-01-01&to={next_year}-03-31")
    assert future.status_code == 200
    assert "This period hasn't started yet" in future.get_data(as_text=True)
    csv_future = http.get(f"/outcomes/monthly.csv?from={next_year}-01-01&to={next_year}-03-31")
    assert csv_future.status_code == 200
    assert len(rows(csv_future)) == 1  # the headers


def test_bad_filters_come_back_with_messages(app: Flask, histories: Clinic) -> None:
    http = signed_in(app, histories.admin_north)
    page = http.get("/outcomes/?from=2026-05-01&to=2026-04-01&condition=gout")
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "The period must end on or after the day it starts." in body
    assert "Choose a condition from the list." in body
    assert 'value="2026-05-01"' in body  # the input comes back
    assert "Check the filters" in body
    bad_csv = http.get("/outcomes/pain.csv?from=yesterday")
    assert bad_csv.status_code == 400
    assert "Enter a date" in bad_csv.get_data(as_text=True)


def test_home_pages_link_to_outcomes(app: Flask, histories: Clinic) -> None:
    admin_home = signed_in(app, histories.admin_north).get("/admin/").get_data(as_text=True)
    assert 'href="/outcomes/"' in admin_home
    caseload = signed_in(app, histories.physio).get("/caseload/").get_data(as_text=True)
    assert 'href="/outcomes/mine"' in caseload
