"""Diary pages: the check-in form keeps what was typed, one tap logs pain, red flags advise."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.diary.conftest import People
from tests.factories import login
from webapp.diary import services
from webapp.extensions import db
from webapp.models import CareAlert
from webapp.models import DiaryEntry
from webapp.models import now_utc


def signed_in(app: Flask, user) -> FlaskClient:  # type: ignore[no-untyped-def]
    http = app.test_client()
    login(http, user)
    return http


def count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_check_in_online_then_edit_the_same_day(app: Flask, people: People) -> None:
    http = signed_in(app, people.client)
    page = http.get("/diary/checkin").get_data(as_text=True)
    entry_id = re.search(r'name="client_entry_id" value="([^"]+)"', page).group(1)
    form = {
        "client_entry_id": entry_id,
        "pain_now": "4",
        "pain_worst": "7",
        "sleep": "5",
        "stress": "6",
        "flare": "yes",
        "areas": ["low_back", "hip_left"],
        "notes": "Gardening",
    }
    response = http.post("/diary/checkin", data=form)
    assert response.status_code == 302
    again = http.post(
        "/diary/checkin", data={**form, "client_entry_id": str(uuid.uuid4()), "pain_now": "3"}
    )
    assert again.status_code == 302
    [entry] = db.session.scalars(db.select(DiaryEntry)).all()
    assert (entry.pain_now, entry.flare, entry.areas) == (3, True, ["hip_left", "low_back"])
    editing = http.get("/diary/checkin").get_data(as_text=True)
    assert "Update today&#39;s check-in" in editing
    assert 'value="hip_left" checked' in editing


def test_bad_check_in_comes_back_with_the_answers_kept(app: Flask, people: People) -> None:
    http = signed_in(app, people.client)
    form = {
        "client_entry_id": str(uuid.uuid4()),
        "pain_now": "6",
        "pain_worst": "3",
        "sleep": "12",
        "areas": ["neck", "elbow_of_doom"],
        "notes": "Stiff after the drive",
    }
    response = http.post("/diary/checkin", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Worst pain can&#39;t be lower" in body
    assert "Unknown body area" in body
    assert 'name="pain_now" value="6" checked' in body
    assert "Stiff after the drive" in body
    assert 'value="neck" checked' in body
    assert count(DiaryEntry) == 0


def test_quick_pain_from_today_is_one_tap(app: Flask, people: People) -> None:
    http = signed_in(app, people.client)
    today = http.get("/today").get_data(as_text=True)
    assert "How's your pain right now?" in today
    entry_id = re.search(
        r'action="/diary/quick".*?name="client_entry_id" value="([^"]+)"', today, re.S
    ).group(1)
    response = http.post("/diary/quick", data={"client_entry_id": entry_id, "pain_now": "5"})
    assert response.status_code == 302
    assert "Pain 5 out of 10 logged." in http.get("/today").get_data(as_text=True)
    http.post("/diary/quick", data={"client_entry_id": entry_id, "pain_now": "5"})
    assert count(DiaryEntry) == 1
    bad = http.post("/diary/quick", data={"client_entry_id": str(uuid.uuid4()), "pain_now": "99"})
    assert bad.status_code == 302
    assert "didn&#39;t save" in http.get("/today").get_data(as_text=True)
    assert count(DiaryEntry) == 1


def test_history_draws_a_chart_and_a_table(app: Flask, people: People) -> None:
    http = signed_in(app, people.client)
    assert "Your first check-in starts the chart" in http.get("/diary").get_data(as_text=True)
    http.post("/diary/quick", data={"client_entry_id": str(uuid.uuid4()), "pain_now": "4"})
    page = http.get("/diary?weeks=6").get_data(as_text=True)
    assert 'class="chart"' in page and "<polyline" in page
    assert "Show as a table" in page and "<td>4.0</td>" in page
    assert http.get("/diary?weeks=999").status_code == 200


def test_a_red_flag_gives_clear_advice_and_alerts_the_team(app: Flask, people: People) -> None:
    services.add_activity(
        db.session, people.client, "Carry shopping", by=people.physio, now=now_utc()
    )
    db.session.commit()
    http = signed_in(app, people.client)
    assert "Your weekly check" in http.get("/today").get_data(as_text=True)
    page = http.get("/diary/weekly").get_data(as_text=True)
    assert "Carry shopping" in page and "losing control of your bladder" in page
    activity_id = re.search(r'name="psfs-(\d+)"', page).group(1)
    missing = http.post("/diary/weekly", data={"red_flags": ["bladder_bowel"]})
    assert missing.status_code == 422
    assert 'value="bladder_bowel" checked' in missing.get_data(as_text=True)
    response = http.post(
        "/diary/weekly", data={f"psfs-{activity_id}": "4", "red_flags": ["bladder_bowel"]}
    )
    advice = http.get(response.headers["Location"]).get_data(as_text=True)
    assert "Get help now" in advice and "Call 999" in advice
    assert count(CareAlert) == 1
    therapist = signed_in(app, people.physio)
    assert "Red flag to review" in therapist.get("/caseload/").get_data(as_text=True)
    client_page = therapist.get(f"/clients/{people.client.id}").get_data(as_text=True)
    assert "Red flag ticked" in client_page
    alert_id = db.session.scalar(db.select(CareAlert.id))
    therapist.post(f"/clients/{people.client.id}/alerts/{alert_id}/acknowledge")
    assert "Red flag to review" not in therapist.get("/caseload/").get_data(as_text=True)


def test_review_rates_change_on_our_own_scale(app: Flask, people: People) -> None:
    http = signed_in(app, people.client)
    page = http.get("/diary/review").get_data(as_text=True)
    assert "Very much better" in page and "About the same" in page
    assert http.post("/diary/review", data={"score": "9"}).status_code == 422
    assert http.post("/diary/review", data={"score": "3"}).status_code == 302


def test_therapists_set_the_weekly_activities(app: Flask, people: People) -> None:
    therapist = signed_in(app, people.physio)
    url = f"/clients/{people.client.id}/psfs"
    assert therapist.post(url, data={"name": "x"}).status_code == 422
    assert therapist.post(url, data={"name": "Lift my toddler"}).status_code == 302
    assert "Lift my toddler" in therapist.get(url).get_data(as_text=True)
