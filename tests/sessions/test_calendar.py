"""Calendar files and the private feed, read back through the icalendar parser."""

from __future__ import annotations

import re
import uuid
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from icalendar import Calendar

from tests.factories import login
from tests.sessions.conftest import Care
from webapp.extensions import db
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import now_utc
from webapp.sessions import booking
from webapp.sessions import calendar


def book_series(care: Care, count: int = 3) -> list[Appointment]:
    first = (now_utc() + timedelta(days=3)).date()
    made = booking.book_series(
        db.session,
        care.client,
        booking.PATTERNS["weekly_combined"],
        care.team,
        first_day=first,
        clock=time(10, 0),
        count=count,
        every_weeks=None,
        by=care.admin,
        request_key=str(uuid.uuid4()),
        now=now_utc(),
    )
    db.session.commit()
    return made.appointments


def events(body: bytes) -> dict[str, dict]:
    parsed = Calendar.from_ical(body)
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"]
    found = {}
    for event in parsed.walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "location": str(event["LOCATION"]),
        }
    return found


def feed_path(app: Flask, care: Care) -> str:
    http = app.test_client()
    login(http, care.client)
    assert http.post("/sessions/feed").status_code == 302
    page = http.get("/sessions").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+/calendar/[^"]+\.ics)"', page).group(1)
    return url.removeprefix(app.config["BASE_URL"])


def test_one_visit_as_an_ics_file_round_trips(app: Flask, london: Care) -> None:
    visit = book_series(london, count=1)[0]
    http = app.test_client()
    login(http, london.client)
    response = http.get(f"/sessions/{visit.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    (event,) = events(response.data).values()
    assert event["start"] == visit.starts_at and event["start"].tzinfo is not None
    assert event["end"] - event["start"] == timedelta(minutes=60)
    assert event["summary"] == "Massage and physiotherapy at Islington"
    assert "1 High Street" in event["location"] or "High Street" in event["location"]
    assert event["sequence"] == 0 and event["status"] == "CONFIRMED"


def test_the_feed_keeps_uids_raises_sequence_and_publishes_cancellations(
    app: Flask, london: Care
) -> None:
    visits = book_series(london, count=3)
    path = feed_path(app, london)
    anyone = app.test_client()  # a phone's calendar: no cookies at all
    first = events(anyone.get(path).data)
    uids = {f"{v.uid}@{calendar.UID_DOMAIN}" for v in visits}
    assert set(first) == uids
    assert all(e["sequence"] == 0 and e["status"] == "CONFIRMED" for e in first.values())

    moved = visits[1]
    new_day = (moved.starts_at + timedelta(days=1)).date()
    booking.move(
        db.session, moved, day=new_day, clock=time(15, 0), rest_of_series=False, now=now_utc()
    )
    booking.cancel(
        db.session,
        visits[2],
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
        rest_of_series=False,
        now=now_utc(),
    )
    db.session.commit()
    second = events(anyone.get(path).data)
    assert set(second) == uids  # same events, updated in place
    moved_uid = f"{moved.uid}@{calendar.UID_DOMAIN}"
    cancelled_uid = f"{visits[2].uid}@{calendar.UID_DOMAIN}"
    assert second[moved_uid]["sequence"] > first[moved_uid]["sequence"]
    assert second[moved_uid]["start"] == moved.starts_at != first[moved_uid]["start"]
    assert second[cancelled_uid]["status"] == "CANCELLED"
    assert second[cancelled_uid]["sequence"] > first[cancelled_uid]["sequence"]

    # A month later the cancellation has done its job and is dropped from the feed.
    later = calendar.feed_appointments(db.session, london.client, now_utc() + timedelta(days=31))
    assert visits[2] not in later and moved in later


def test_the_feed_shows_only_its_own_clients_visits(app: Flask, london: Care, sydney: Care) -> None:
    book_series(london, count=2)
    book_series(sydney, count=2)
    found = events(app.test_client().get(feed_path(app, london)).data)
    assert len(found) == 2
    assert all("Islington" in e["summary"] for e in found.values())


def test_a_new_link_or_stopping_it_kills_the_old_one(app: Flask, london: Care) -> None:
    book_series(london, count=1)
    old = feed_path(app, london)
    anyone = app.test_client()
    assert anyone.get(old).status_code == 200
    new = feed_path(app, london)  # "Make a new link"
    assert new != old
    assert anyone.get(old).status_code == 404
    assert anyone.get(new).status_code == 200
    http = app.test_client()
    login(http, london.client)
    assert http.post("/sessions/feed/stop").status_code == 302
    assert anyone.get(new).status_code == 404
    page = http.get("/sessions").get_data(as_text=True)
    assert "Make my calendar link" in page and "/calendar/" not in page


def test_forged_tokens_are_404(app: Flask, london: Care) -> None:
    path = feed_path(app, london)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed_id, _, secret = token.partition("-")
    anyone = app.test_client()
    for forged in (
        f"{feed_id}-{'0' * len(secret)}",
        f"{int(feed_id) + 1}-{secret}",
        secret,
        "1",
        "99999999999999999999999-abc",
    ):
        assert anyone.get(f"/calendar/{forged}.ics").status_code == 404, forged


def test_a_deactivated_clients_feed_stops(app: Flask, london: Care) -> None:
    path = feed_path(app, london)
    london.client.active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_times_are_utc_so_phones_convert_them(app: Flask, sydney: Care) -> None:
    visit = book_series(sydney, count=1)[0]
    body = calendar.calendar([visit], now_utc(), "http://127.0.0.1:5000/sessions", "test")
    assert re.search(rb"DTSTART:\d{8}T\d{6}Z", body)
    (event,) = events(body).values()
    assert event["start"].utcoffset() == timedelta(0)
    local = event["start"].astimezone(ZoneInfo("Australia/Sydney"))
    assert local.time() == time(10, 0)


def test_no_clinical_detail_in_calendar_events(app: Flask, london: Care) -> None:
    visit = book_series(london, count=1)[0]
    body = calendar.calendar([visit], datetime(2026, 1, 1, tzinfo=UTC), "u", "n").decode()
    for word in ("neck", "pain", "phase", "Carry the shopping"):
        assert word.lower() not in body.lower()
    assert visit.kind is AppointmentKind.COMBINED
