"""The trail through the Flask test client: what staff and clients do lands in it, a client sees
who looked at their record, and an admin searches their own centres' trail only."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.audit.conftest import events
from tests.careteam.test_careteam import NOTE
from tests.factories import gen_client
from tests.factories import gen_user
from tests.factories import login
from tests.sessions.conftest import Care
from webapp.audit import services
from webapp.extensions import db
from webapp.models import DiaryEntry
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.sessions import calendar


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def summary(found: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(e.actor_id, e.client_id, e.action, e.record) for e in found]


def listed(body: str) -> list[str]:
    """The record kinds in the admin's results table, leaving out the admin's own searches."""
    kinds = re.findall(r'<td class="record">(\w+)', body)
    return [kind for kind in kinds if kind != "audit"]


# --- What lands in the trail ------------------------------------------------------------------


def test_a_therapist_opening_brief_notes_and_diary_records_exactly_those(
    app: Flask, london: Care
) -> None:
    http = signed_in(app, london.physio)
    client_id = london.client.id
    for page in ("brief", "notes", "psfs"):
        assert http.get(f"/clients/{client_id}/{page}").status_code == 200
    assert http.get("/caseload/").status_code == 200
    me = london.physio.id
    assert summary(events()) == [
        (me, client_id, "read", "brief"),
        (me, client_id, "read", "notes"),
        (me, client_id, "read", "psfs"),
        (me, None, "read", "caseload"),  # one event per caseload view, no client
    ]
    assert {e.actor_role for e in events()} == {"therapist"}
    assert {e.actor_centres for e in events()} == {str(london.physio.centres[0].id)}
    assert len({e.request_id for e in events()}) == 4


def test_a_client_logging_pain_records_a_change_with_the_entry(app: Flask, london: Care) -> None:
    http = signed_in(app, london.client)
    entry = {"client_entry_id": str(uuid.uuid4()), "pain_now": "4"}
    assert http.post("/diary/quick", data=entry).status_code == 302
    me = london.client.id
    assert summary(events()) == [(me, me, "change", "diary")]
    assert db.session.scalar(select(func.count(DiaryEntry.id))) == 1
    # Refused input changes nothing, so records nothing.
    bad = {"client_entry_id": str(uuid.uuid4()), "pain_now": "11"}
    assert http.post("/diary/quick", data=bad).status_code == 302
    assert len(events()) == 1
    # Today reads the client's programme.
    assert http.get("/today").status_code == 200
    assert summary(events())[-1] == (me, me, "read", "programme")


def test_a_phase_change_and_a_note_are_recorded_as_changes(app: Flask, london: Care) -> None:
    http = signed_in(app, london.physio)
    client_id = london.client.id
    moved = http.post(
        f"/clients/{client_id}/phase", data={"to_phase": "2", "reason": "Pain settled"}
    )
    assert moved.status_code == 302
    assert http.post(f"/clients/{client_id}/notes/new", data=NOTE).status_code == 302
    # A form sent back with its errors showed the record and changed nothing: a read.
    assert http.post(f"/clients/{client_id}/notes/new", data={}).status_code == 422
    me = london.physio.id
    assert summary(events()) == [
        (me, client_id, "change", "pathway"),
        (me, client_id, "change", "notes"),
        (me, client_id, "read", "notes"),
    ]


def test_the_calendar_feed_is_recorded_as_read_through_the_link(app: Flask, london: Care) -> None:
    feed = calendar.new_feed(db.session, london.client, now_utc())
    db.session.commit()
    token = calendar.feed_token(feed, app.config["SECRET_KEY"])
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200
    (event,) = events()
    assert (event.actor_id, event.actor_role, event.client_id) == (
        None,
        "calendar-feed",
        london.client.id,
    )
    assert token not in event.record_id + event.request_id  # the secret is never kept
    assert app.test_client().get("/calendar/1-forged.ics").status_code == 404
    assert len(events()) == 1


def test_a_new_client_is_recorded_with_their_new_id(app: Flask, london: Care) -> None:
    http = signed_in(app, london.admin)
    centre = london.client.centres[0]
    form = {
        "name": "Nina New",
        "email": "nina@example.com",
        "centre_id": centre.id,
        "condition": "neck_shoulder",
        "phase": "1",
        "massage_therapists": [london.massage.id],
        "physiotherapists": [london.physio.id],
        "goals": "Garden again",
        "start_date": date.today().isoformat(),
    }
    made = http.post("/admin/clients/new", data=form)
    assert made.status_code == 201, re.findall(
        r"error-text[^>]*>([^<]*)", made.get_data(as_text=True)
    )
    nina = db.session.scalar(select(User).where(User.email == "nina@example.com"))
    assert summary(events()) == [(london.admin.id, nina.id, "change", "record")]
    # A form with errors creates nobody and names nobody: nothing is recorded.
    assert http.post("/admin/clients/new", data={**form, "name": ""}).status_code == 422
    assert len(events()) == 1


def test_a_fresh_invitation_link_is_recorded(app: Flask, london: Care) -> None:
    centre = london.client.centres[0]
    waiting = gen_client(centre, [london.massage, london.physio], password=None)
    db.session.commit()
    http = signed_in(app, london.admin)
    assert http.post(f"/admin/clients/{waiting.id}/invitation").status_code == 201
    assert summary(events()) == [(london.admin.id, waiting.id, "change", "account")]
    # Someone who signed in already gets no new link, and nothing is recorded.
    assert http.post(f"/admin/clients/{london.client.id}/invitation").status_code == 409
    assert len(events()) == 1


# --- "Who has looked at my record" --------------------------------------------------------------


def test_the_client_sees_staff_reads_of_their_record_only(app: Flask, london: Care) -> None:
    centre = london.client.centres[0]
    other = gen_client(centre, [london.massage, london.physio], name="Other Person")
    db.session.commit()
    physio = signed_in(app, london.physio)
    physio.get(f"/clients/{london.client.id}/brief")
    physio.get(f"/clients/{other.id}/notes")  # another client's record
    me = signed_in(app, london.client)
    me.get("/diary")  # the client's own use
    page = me.get("/settings/access")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Who has looked at your record" in body
    assert f"<strong>{london.physio.name}</strong> read your pre-session brief" in body
    assert "Physiotherapist" in body and centre.name in body
    assert "read your session notes" not in body and "Other Person" not in body
    assert "read your diary" not in body  # the client's own reads are not listed
    # Reading the page is recorded too, as the client's own read of the trail.
    assert summary(events())[-1] == (london.client.id, london.client.id, "read", "audit")


def test_times_are_the_clients_local_time(app: Flask, sydney: Care) -> None:
    at = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)  # 09:30 on Sunday 11 January in Sydney
    services.record(db.session, sydney.physio, sydney.client.id, "read", "notes", now=at)
    db.session.commit()
    body = signed_in(app, sydney.client).get("/settings/access").get_data(as_text=True)
    assert "Sunday 11 Jan 2026" in body and ">09:30</time>" in body
    assert "Australia/Sydney" in body


def test_older_events_are_a_page_away(app: Flask, london: Care) -> None:
    start = now_utc() - timedelta(days=200)
    for n in range(30):
        when = start + timedelta(days=n)
        services.record(db.session, london.physio, london.client.id, "read", "diary", now=when)
    db.session.commit()
    http = signed_in(app, london.client)
    first = http.get("/settings/access").get_data(as_text=True)
    assert first.count("read your diary") == 25
    older = re.search(r'href="(/settings/access\?before=\d+)"', first)
    assert older is not None
    second = http.get(older.group(1)).get_data(as_text=True)
    assert second.count("read your diary") == 5
    assert "Back to the latest" in second and "?before=" not in second


def test_another_clients_event_id_pages_to_nothing(app: Flask, london: Care) -> None:
    centre = london.client.centres[0]
    other = gen_client(centre, [london.massage, london.physio])
    theirs = services.record(db.session, london.physio, other.id, "read", "notes")
    services.record(db.session, london.physio, london.client.id, "read", "notes")
    db.session.commit()
    body = signed_in(app, london.client).get(f"/settings/access?before={theirs.id}")
    assert "There is nothing older" in body.get_data(as_text=True)


def test_the_privacy_page_and_reminder_settings_link_to_the_page(app: Flask, london: Care) -> None:
    http = signed_in(app, london.client)
    assert 'href="/settings/privacy"' in http.get("/today").get_data(as_text=True)
    for page in ("/settings/privacy", "/settings/reminders"):
        assert 'href="/settings/access"' in http.get(page).get_data(as_text=True), page


# --- The admin's search ---------------------------------------------------------------------------


def _world(london: Care, sydney: Care) -> User:
    """Reads across both centres; returns a therapist who works at both."""
    london_centre = london.client.centres[0]
    both = london.physio
    both.centres.append(sydney.client.centres[0])
    services.record(db.session, london.physio, london.client.id, "read", "brief")
    services.record(db.session, london.massage, london.client.id, "change", "programme")
    services.record(db.session, sydney.physio, sydney.client.id, "read", "notes")
    services.record(db.session, both, sydney.client.id, "read", "diary")  # ours, about theirs
    assert london_centre.name == "Islington"
    db.session.commit()
    return both


def test_an_admin_sees_their_centres_trail_and_nothing_of_another_centre(
    app: Flask, london: Care, sydney: Care
) -> None:
    _world(london, sydney)
    http = signed_in(app, london.admin)
    page = http.get("/admin/audit")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert london.client.name in body and london.massage.name in body
    assert sydney.client.name not in body and sydney.physio.name not in body
    assert f"#{sydney.client.id}<" not in body
    assert "Another centre's client" in body  # their own physio's read in Sydney, unnamed
    assert listed(body) == ["diary", "programme", "brief"]  # newest first


def test_the_client_filter_finds_only_the_admins_clients(
    app: Flask, london: Care, sydney: Care
) -> None:
    _world(london, sydney)
    http = signed_in(app, london.admin)
    by_name = http.get("/admin/audit?client=islington cli").get_data(as_text=True)
    assert listed(by_name) == ["programme", "brief"] and f"(#{london.client.id})" in by_name
    by_id = http.get(f"/admin/audit?client={london.client.id}").get_data(as_text=True)
    assert listed(by_id) == ["programme", "brief"]
    theirs = http.get(f"/admin/audit?client={sydney.client.id}")
    body = theirs.get_data(as_text=True)
    assert theirs.status_code == 200 and "Nothing matches this search" in body
    assert sydney.client.name not in body


def test_the_staff_and_date_filters(app: Flask, london: Care, sydney: Care) -> None:
    _world(london, sydney)
    http = signed_in(app, london.admin)
    massage = http.get(f"/admin/audit?staff={london.massage.id}").get_data(as_text=True)
    assert listed(massage) == ["programme"]
    assert http.get(f"/admin/audit?staff={sydney.physio.id}").status_code == 404
    today = date.today()
    later = http.get(f"/admin/audit?from={today + timedelta(days=2)}").get_data(as_text=True)
    assert "Nothing matches this search" in later
    span = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    assert len(listed(http.get(f"/admin/audit?{span}").get_data(as_text=True))) == 3
    backwards = http.get(f"/admin/audit?from={today}&to={today - timedelta(days=3)}")
    assert backwards.status_code == 422
    assert "The end date is before the start date." in backwards.get_data(as_text=True)
    assert http.get("/admin/audit?from=yesterday").status_code == 422


def test_reading_the_trail_is_recorded_and_shown_to_the_client(
    app: Flask, london: Care, sydney: Care
) -> None:
    _world(london, sydney)
    http = signed_in(app, london.admin)
    http.get("/admin/audit")
    http.get(f"/admin/audit?client={london.client.id}")
    reads = events(record="audit")
    assert summary(reads) == [
        (london.admin.id, None, "read", "audit"),
        (london.admin.id, london.client.id, "read", "audit"),
    ]
    body = signed_in(app, london.client).get("/settings/access").get_data(as_text=True)
    assert "checked who has looked at your record" in body and "Clinic admin" in body


def test_the_trail_as_csv(app: Flask, london: Care, sydney: Care) -> None:
    _world(london, sydney)
    http = signed_in(app, london.admin)
    response = http.get(f"/admin/audit.csv?client={london.client.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["record"], r["action"]) for r in rows] == [
        ("programme", "change"),
        ("brief", "read"),
    ]
    assert {r["client_id"] for r in rows} == {str(london.client.id)}
    assert all(r["time_utc"].endswith("Z") and r["request_id"] == "" for r in rows)
    assert summary(events(record="audit")) == [
        (london.admin.id, london.client.id, "export", "audit")
    ]
    assert http.get("/admin/audit.csv?to=soon").status_code == 400


def test_the_trail_pages_fifty_at_a_time(app: Flask, london: Care) -> None:
    for _ in range(60):
        services.record(db.session, london.physio, london.client.id, "read", "notes")
    db.session.commit()
    http = signed_in(app, london.admin)
    first = http.get("/admin/audit").get_data(as_text=True)
    assert first.count('<td class="record">') == 50 and "page=2" in first
    second = http.get("/admin/audit?page=2").get_data(as_text=True)
    # 61 rows now: the first page's own read is on top, so 11 are left for the second.
    assert second.count('<td class="record">') == 11
    assert "Newer" in second


def test_any_page_number_gives_a_page(app: Flask, london: Care) -> None:
    http = signed_in(app, london.admin)
    for page in ("9" * 400, str(2**63), "²", "-1", "0", "abc", "999999999"):
        response = http.get("/admin/audit", query_string={"page": page})
        assert response.status_code == 200, page


def test_an_admin_of_two_centres_sees_both(app: Flask, london: Care, sydney: Care) -> None:
    _world(london, sydney)
    both = gen_user(Role.ADMIN, [london.client.centres[0], sydney.client.centres[0]])
    db.session.commit()
    body = signed_in(app, both).get("/admin/audit").get_data(as_text=True)
    assert london.client.name in body and sydney.client.name in body
    assert "Another centre's client" not in body
