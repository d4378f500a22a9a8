"""The sync endpoint: each valid entry stored exactly once, the rest refused with a reason,
never a 500, never a duplicate, whatever is sent."""

from __future__ import annotations

import json
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.diary.conftest import People
from tests.factories import login
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import DiaryEntry
from webapp.models import Exercise
from webapp.models import ExerciseLog
from webapp.models import now_utc
from webapp.programmes import services as programmes

HEADERS = {"X-Continuum-Sync": "1", "Origin": "http://localhost"}


def post(http: FlaskClient, payload: object, headers: dict | None = None):  # type: ignore[no-untyped-def]
    return http.post(
        "/api/sync",
        data=json.dumps(payload),
        content_type="application/json",
        headers=HEADERS if headers is None else headers,
    )


def checkin(pain: int = 3, hours_ago: float = 1, **extra: object) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "checkin",
        "recorded_at": (now_utc() - timedelta(hours=hours_ago)).isoformat(),
        "tz": "Europe/London",
        "data": {"pain_now": pain, "pain_worst": max(pain, 5), "sleep": 6, "areas": ["neck"]},
        **extra,
    }


@pytest.fixture
def signed_in(app: Flask, people: People) -> FlaskClient:
    http = app.test_client()
    login(http, people.client)
    return http


def test_a_batch_stores_valid_entries_and_names_the_rest(
    app: Flask, people: People, signed_in: FlaskClient
) -> None:
    good = checkin()
    future = checkin(hours_ago=-5)
    quick = {**checkin(), "type": "quick", "data": {"pain_now": 6}}
    out_of_range = {**checkin(), "type": "quick", "data": {"pain_now": 14}}
    response = post(signed_in, {"entries": [good, future, quick, out_of_range]})
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["stored", "rejected", "stored", "rejected"]
    assert "future" in response.json["results"][1]["error"]
    assert db.session.scalar(db.select(db.func.count(DiaryEntry.id))) == 2
    again = post(signed_in, {"entries": [good, quick]})
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    assert db.session.scalar(db.select(db.func.count(DiaryEntry.id))) == 2


def test_local_time_and_zone_are_kept(app: Flask, people: People, signed_in: FlaskClient) -> None:
    entry = checkin()
    entry["recorded_at"] = "2026-11-20T23:30:00+00:00"
    entry["tz"] = "Australia/Sydney"
    post(signed_in, {"entries": [entry]})
    stored = db.session.scalar(db.select(DiaryEntry))
    assert stored is not None
    assert (stored.timezone, stored.utc_offset_minutes, stored.local_date.isoformat()) == (
        "Australia/Sydney",
        660,
        "2026-11-21",
    )


def test_exercise_ticks_sync_only_for_your_own_programme(
    app: Flask, people: People, signed_in: FlaskClient
) -> None:
    library.load(db.session, Path(app.config["EXERCISES_DIR"]))
    mine = programmes.programme_for(db.session, people.client, None)
    theirs = programmes.programme_for(db.session, people.other, None)
    n2 = db.session.get(Exercise, "N2")
    made = now_utc() - timedelta(days=1)
    rx_mine = programmes.prescribe(
        db.session,
        mine,
        n2,
        dose=programmes.Dose.of(n2),
        note="",
        reason="x",
        by=people.physio,
        now=made,
    )
    rx_theirs = programmes.prescribe(
        db.session,
        theirs,
        n2,
        dose=programmes.Dose.of(n2),
        note="",
        reason="x",
        by=people.physio,
        now=made,
    )
    db.session.commit()
    tick = {
        "id": str(uuid.uuid4()),
        "type": "exercise",
        "prescription_id": rx_mine.id,
        "recorded_at": (now_utc() - timedelta(minutes=30)).isoformat(),
        "tz": "Europe/London",
    }
    foreign = {**tick, "id": str(uuid.uuid4()), "prescription_id": rx_theirs.id}
    response = post(signed_in, {"entries": [tick, foreign, tick]})
    assert [r["status"] for r in response.json["results"]] == ["stored", "rejected", "duplicate"]
    log = db.session.scalar(db.select(ExerciseLog))
    assert log.timezone == "Europe/London"
    assert db.session.scalar(db.select(db.func.count(ExerciseLog.id))) == 1


@pytest.mark.parametrize(
    "payload",
    [None, [], {}, {"entries": "x"}, {"entries": []}, {"entries": [{}] * 101}],
)
def test_a_malformed_payload_is_refused_whole(signed_in: FlaskClient, payload: object) -> None:
    response = post(signed_in, payload)
    assert response.status_code == 400
    assert response.json["error"]


def test_the_endpoint_needs_its_header_and_this_site(signed_in: FlaskClient) -> None:
    payload = {"entries": [checkin()]}
    assert post(signed_in, payload, headers={}).status_code == 400
    foreign = {**HEADERS, "Origin": "https://evil.example"}
    assert post(signed_in, payload, headers=foreign).status_code == 400
    assert db.session.scalar(db.select(db.func.count(DiaryEntry.id))) == 0


def test_signed_out_gets_401_not_a_redirect(app: Flask) -> None:
    response = post(app.test_client(), {"entries": [checkin()]})
    assert response.status_code == 401
    assert response.json["error"]


scores = st.one_of(st.integers(-3, 13), st.sampled_from(["4", "x", None, 2.5, True]))
entries = st.fixed_dictionaries(
    {
        "id": st.one_of(st.uuids().map(str), st.sampled_from(["", "not-a-uuid", 7])),
        "type": st.sampled_from(["checkin", "quick", "exercise", "bogus"]),
        "recorded_at": st.one_of(
            st.integers(-48, 24 * 70).map(
                lambda h: (datetime.now(UTC) - timedelta(hours=h)).isoformat()
            ),
            st.sampled_from(["2026-13-01T00:00:00+00:00", "soon", "2026-11-20T10:00:00"]),
        ),
        "tz": st.sampled_from(["Europe/London", "Australia/Sydney", "Nowhere/Land"]),
        "data": st.fixed_dictionaries(
            {"pain_now": scores, "pain_worst": scores},
            optional={
                "sleep": scores,
                "flare": st.sampled_from(["yes", "no", "perhaps"]),
                "areas": st.lists(st.sampled_from(["neck", "low_back", "tail"]), max_size=3),
            },
        ),
        "prescription_id": st.integers(-1, 5),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(entries, min_size=1, max_size=8))
def test_any_batch_stores_exactly_its_valid_entries(
    app: Flask, people: People, signed_in: FlaskClient, batch: list[dict]
) -> None:
    before = set(db.session.scalars(db.select(DiaryEntry.client_entry_id)))
    response = post(signed_in, {"entries": batch})
    assert response.status_code == 200
    results = response.json["results"]
    assert len(results) == len(batch)
    db.session.expire_all()
    after = set(db.session.scalars(db.select(DiaryEntry.client_entry_id)))
    stored = {r["id"] for r in results if r["status"] == "stored"}
    assert after - before == stored  # exactly the entries reported stored, each once
    for result in results:
        assert result["status"] in {"stored", "updated", "duplicate", "rejected"}
        if result["status"] == "rejected":
            assert result["error"]
    replay = post(signed_in, {"entries": batch})
    assert replay.status_code == 200
    assert all(r["status"] != "stored" for r in replay.json["results"])
    db.session.expire_all()
    assert set(db.session.scalars(db.select(DiaryEntry.client_entry_id))) == after
