"""Booking through the forms: series from the plan, errors that keep the input, retries."""

from __future__ import annotations

from datetime import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import login
from tests.sessions.conftest import Care
from tests.sessions.conftest import visit_for
from webapp import localtime
from webapp.extensions import db
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import now_utc


def next_week() -> str:
    return (now_utc() + timedelta(days=7)).date().isoformat()


def series_form(care: Care, **changes: str) -> dict[str, str]:
    form = {
        "pattern": "weekly_combined",
        "count": "4",
        "every_weeks": "3",
        "starts_on": next_week(),
        "starts_at": "10:00",
        "massage_id": str(care.massage.id),
        "physio_id": str(care.physio.id),
        "massage_minutes": "30",
        "physio_minutes": "30",
        "order": "massage",
        "request_key": "11111111-1111-4111-8111-111111111111",
    }
    form.update(changes)
    return form


def appointments() -> int:
    return db.session.scalar(select(func.count(Appointment.id))) or 0


def test_the_series_form_starts_from_the_condition_plan_and_the_care_team(
    app: Flask, london: Care
) -> None:
    http = app.test_client()
    login(http, london.admin)
    page = http.get(f"/clients/{london.client.id}/appointments/series").get_data(as_text=True)
    assert (
        'checked id="pattern-0" name="pattern" required type="radio" value="weekly_combined"'
        in page
    )
    assert f'<option selected value="{london.massage.id}">' in page
    assert "Europe/London" in page


def test_an_admin_books_a_series_and_a_double_submit_books_it_once(
    app: Flask, london: Care
) -> None:
    http = app.test_client()
    login(http, london.admin)
    url = f"/clients/{london.client.id}/appointments/series"
    first = http.post(url, data=series_form(london))
    again = http.post(url, data=series_form(london))
    assert first.status_code == again.status_code == 302
    assert "booked=4" in first.location
    assert appointments() == 4
    page = http.get(first.location).get_data(as_text=True)
    assert page.count("Massage and physiotherapy") >= 4
    assert "10:00–11:00" in page


def test_bad_input_comes_back_with_the_input_kept_and_nothing_written(
    app: Flask, london: Care
) -> None:
    http = app.test_client()
    login(http, london.admin)
    url = f"/clients/{london.client.id}/appointments/series"
    response = http.post(url, data=series_form(london, count="40", starts_at="07:45"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Book between 1 and 26 visits" in body
    assert 'value="07:45"' in body and 'value="40"' in body
    past = (now_utc() - timedelta(days=7)).date().isoformat()
    response = http.post(url, data=series_form(london, starts_on=past))
    assert response.status_code == 422
    assert "has already passed" in response.get_data(as_text=True)
    response = http.post(url, data=series_form(london, massage_id="0"))
    assert "Choose the massage therapist" in response.get_data(as_text=True)
    assert appointments() == 0


def test_a_clash_names_the_day_and_the_therapist(app: Flask, london: Care) -> None:
    http = app.test_client()
    login(http, london.admin)
    url = f"/clients/{london.client.id}/appointments/series"
    http.post(url, data=series_form(london))
    clash = series_form(london, request_key="22222222-2222-4222-8222-222222222222", count="1")
    response = http.post(url, data=clash)
    assert response.status_code == 422
    assert "already" in response.get_data(as_text=True)
    assert appointments() == 4


def test_staff_move_and_cancel_the_rest_of_a_series(app: Flask, london: Care) -> None:
    http = app.test_client()
    login(http, london.physio)
    http.post(
        f"/clients/{london.client.id}/appointments/series",
        data=series_form(london, pattern="alternating"),
    )
    visits = db.session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
    moved = http.post(
        f"/appointments/{visits[1].id}/move",
        data={"starts_on": next_week(), "starts_at": "16:30", "scope": "rest"},
    )
    # Onto the first visit's day, but later: allowed.
    assert moved.status_code == 302
    db.session.expire_all()
    tz = "Europe/London"
    assert [localtime.wall_clock(v.starts_at, tz).time() for v in visits] == [time(10)] + [
        time(16, 30)
    ] * 3
    cancelled = http.post(
        f"/appointments/{visits[2].id}/cancel", data={"status": "cancelled_clinic", "scope": "rest"}
    )
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert [v.status for v in visits] == [AppointmentStatus.BOOKED] * 2 + [
        AppointmentStatus.CANCELLED_BY_CLINIC
    ] * 2


def test_the_therapists_week_lists_their_visits_and_opens_the_client(
    app: Flask, london: Care
) -> None:
    http = app.test_client()
    login(http, london.admin)
    http.post(f"/clients/{london.client.id}/appointments/series", data=series_form(london))
    login(therapist := app.test_client(), london.massage)
    week = therapist.get(f"/schedule?day={next_week()}&view=week").get_data(as_text=True)
    assert london.client.name in week and f"/clients/{london.client.id}" in week
    assert "10:00–10:30" in week  # the massage therapist's own part
    day = therapist.get(f"/schedule?day={next_week()}").get_data(as_text=True)
    assert london.client.name in day
    empty = therapist.get("/schedule?day=not-a-date").get_data(as_text=True)
    assert "No sessions." in empty


def test_the_client_sees_the_next_session_on_today(app: Flask, london: Care) -> None:
    http = app.test_client()
    login(http, london.admin)
    http.post(f"/clients/{london.client.id}/appointments/series", data=series_form(london))
    client = app.test_client()
    login(client, london.client)
    today = client.get("/today").get_data(as_text=True)
    assert "Your next session" in today and "Massage and physiotherapy" in today
    assert "Add to calendar" in today
    sessions = client.get("/sessions").get_data(as_text=True)
    assert sessions.count("Add to calendar") == 4
    assert "What it's for" in sessions and "Bring" in sessions


def test_staff_record_attended_or_missed_once_a_visit_has_started(app: Flask, london: Care) -> None:
    started = now_utc() - timedelta(hours=1)
    visit = visit_for(
        london,
        AppointmentKind.PHYSIO,
        localtime.local_day(started, "Europe/London"),
        localtime.wall_clock(started, "Europe/London").time(),
        started - timedelta(days=1),
    )
    future = visit_for(
        london, AppointmentKind.PHYSIO, (now_utc() + timedelta(days=2)).date(), time(9), now_utc()
    )
    db.session.commit()
    http = app.test_client()
    login(http, london.physio)
    page = http.get(f"/clients/{london.client.id}/appointments").get_data(as_text=True)
    assert "Attended" in page
    assert (
        http.post(f"/appointments/{visit.id}/outcome", data={"status": "attended"}).status_code
        == 302
    )
    early = http.post(f"/appointments/{future.id}/outcome", data={"status": "no_show"})
    assert early.status_code == 422
    assert "once it has started" in early.get_data(as_text=True)
    db.session.expire_all()
    assert visit.status is AppointmentStatus.ATTENDED
    assert future.status is AppointmentStatus.BOOKED
