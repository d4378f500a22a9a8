"""Programmes through the web: building one, logging exactly once, bad input, changes shown."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import login
from tests.programmes.conftest import Clinic
from webapp.extensions import db
from webapp.models import Condition
from webapp.models import ExerciseLog
from webapp.models import Prescription
from webapp.models import ProgrammeChange
from webapp.models import User
from webapp.models import now_utc
from webapp.programmes import services


def signed_in(app: Flask, user: User) -> FlaskClient:
    http = app.test_client()
    assert login(http, user).status_code == 302
    return http


def count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def build_from_template(app: Flask, clinic: Clinic) -> FlaskClient:
    therapist = signed_in(app, clinic.physio)
    response = therapist.post(f"/clients/{clinic.client.id}/programme/template")
    assert response.status_code == 302
    return therapist


def current(clinic: Clinic) -> list[Prescription]:
    db.session.expire_all()
    return services.programme_of(db.session, clinic.client).current


def test_template_builds_the_programme_and_the_client_sees_it(app: Flask, clinic: Clinic) -> None:
    therapist = build_from_template(app, clinic)
    again = therapist.post(f"/clients/{clinic.client.id}/programme/template")
    assert again.status_code == 302
    assert [p.exercise_id for p in current(clinic)] == ["N2", "N5", "S5", "S7", "T2"]
    page = therapist.get(f"/clients/{clinic.client.id}/programme").get_data(as_text=True)
    assert "Started the programme" in page and "Your starter programme for phase 2." in page

    client = signed_in(app, clinic.client)
    today = client.get("/today").get_data(as_text=True)
    assert "Chin tuck, sitting" in today
    assert "Your programme has changed" in today
    version = re.search(r'name="version" value="(\d+)"', today).group(1)
    client.post("/programme/seen", data={"version": version})
    assert "Your programme has changed" not in client.get("/today").get_data(as_text=True)


def test_a_double_tap_on_done_logs_once(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    rx = current(clinic)[0]
    client = signed_in(app, clinic.client)
    entry = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            f"/exercises/{rx.id}/log",
            data={"client_entry_id": entry},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert response.get_data(as_text=True).lstrip().startswith(f'<li id="rx-{rx.id}"')
        assert 'id="week" class="card"' in response.get_data(as_text=True)
        assert 'hx-swap-oob="true"' in response.get_data(as_text=True)
    assert count(ExerciseLog) == 1
    body = response.get_data(as_text=True)
    assert "Done for today" in body or "1 of 3 done" in body or "of 2 done" in body


def test_twice_a_day_takes_two_distinct_logs(app: Flask, clinic: Clinic) -> None:
    programme = services.programme_for(db.session, clinic.client, None)
    n1 = clinic.exercise("N1")
    twice = services.prescribe(
        db.session,
        programme,
        n1,
        dose=services.Dose.of(n1),
        note="",
        reason="Start",
        by=clinic.physio,
        now=now_utc(),
    )
    db.session.commit()
    assert twice.times_per_day == 2
    client = signed_in(app, clinic.client)
    for _ in range(2):
        client.post(f"/exercises/{twice.id}/log", data={"client_entry_id": str(uuid.uuid4())})
    assert count(ExerciseLog) == 2


def test_logging_an_exercise_no_longer_in_the_programme(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    rx = current(clinic)[0]
    services.remove(
        db.session,
        db.session.get(Prescription, rx.id),
        reason="Done",
        by=clinic.physio,
        now=now_utc(),
    )
    db.session.commit()
    client = signed_in(app, clinic.client)
    response = client.post(f"/exercises/{rx.id}/log", data={"client_entry_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "no longer in your programme" in response.get_data(as_text=True)
    tapped = client.post(
        f"/exercises/{rx.id}/log",
        data={"client_entry_id": str(uuid.uuid4())},
        headers={"HX-Request": "true"},
    )
    assert tapped.status_code == 422
    assert tapped.get_data(as_text=True).lstrip().startswith(f'<li id="rx-{rx.id}"')
    assert "no longer in your programme" in tapped.get_data(as_text=True)
    assert count(ExerciseLog) == 0


def test_logging_for_another_client_is_not_found(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    rx = current(clinic)[0]
    other = signed_in(app, clinic.other_client)
    response = other.post(f"/exercises/{rx.id}/log", data={"client_entry_id": str(uuid.uuid4())})
    assert response.status_code == 404
    assert other.get(f"/exercises/{rx.id}").status_code == 404
    assert count(ExerciseLog) == 0


def test_a_reused_entry_id_cannot_log_another_exercise(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    first, second = current(clinic)[:2]
    client = signed_in(app, clinic.client)
    entry = str(uuid.uuid4())
    client.post(f"/exercises/{first.id}/log", data={"client_entry_id": entry})
    response = client.post(f"/exercises/{second.id}/log", data={"client_entry_id": entry})
    assert response.status_code == 422
    assert count(ExerciseLog) == 1


def test_a_malformed_entry_id_is_refused(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    rx = current(clinic)[0]
    client = signed_in(app, clinic.client)
    response = client.post(f"/exercises/{rx.id}/log", data={"client_entry_id": "'; drop"})
    assert response.status_code == 422
    assert count(ExerciseLog) == 0


def test_rating_reaches_the_therapist(app: Flask, clinic: Clinic) -> None:
    therapist = build_from_template(app, clinic)
    rx = current(clinic)[0]
    client = signed_in(app, clinic.client)
    entry = str(uuid.uuid4())
    logged = client.post(
        f"/exercises/{rx.id}/log", data={"client_entry_id": entry}, headers={"HX-Request": "true"}
    )
    assert "How was it?" in logged.get_data(as_text=True)
    rated = client.post(
        f"/exercises/logs/{entry}/rating",
        data={"pain_during": "6", "difficulty": "too_hard"},
        headers={"HX-Request": "true"},
    )
    assert "too hard, pain 6/10" in rated.get_data(as_text=True)
    page = therapist.get(f"/clients/{clinic.client.id}/programme").get_data(as_text=True)
    assert "6/10" in page and "Too hard" in page
    bad = client.post(f"/exercises/logs/{entry}/rating", data={"pain_during": "11"})
    assert bad.status_code == 400
    other = signed_in(app, clinic.other_client)
    assert (
        other.post(f"/exercises/logs/{entry}/rating", data={"pain_during": "1"}).status_code == 404
    )
    db.session.expire_all()
    assert db.session.scalar(db.select(ExerciseLog.pain_during)) == 6


def test_absurd_doses_come_back_with_messages_and_nothing_changes(
    app: Flask, clinic: Clinic
) -> None:
    therapist = build_from_template(app, clinic)
    rx = current(clinic)[0]
    versions = count(ProgrammeChange)
    response = therapist.post(
        f"/clients/{clinic.client.id}/programme/{rx.id}/edit",
        data={
            "sets": "0",
            "reps": "500",
            "hold_seconds": "-5",
            "rest_seconds": "30",
            "frequency": "day",
            "how_often": "9",
            "note": "Keep it gentle",
            "reason": "Testing limits",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("Use a number from") >= 3
    assert "Keep it gentle" in body and 'value="500"' in body
    assert count(ProgrammeChange) == versions


def test_prescribing_from_the_library_with_a_note(app: Flask, clinic: Clinic) -> None:
    therapist = signed_in(app, clinic.physio)
    results = therapist.get(
        "/library/",
        query_string={"q": "calf", "client": clinic.client.id},
        headers={"HX-Request": "true", "HX-Target": "results"},
    ).get_data(as_text=True)
    assert results.lstrip().startswith('<section id="results"')
    assert f"/clients/{clinic.client.id}/programme/add/A2" in results
    response = therapist.post(
        f"/clients/{clinic.client.id}/programme/add/A2",
        data={
            "sets": "3",
            "reps": "12",
            "rest_seconds": "45",
            "frequency": "week",
            "how_often": "3",
            "note": "Hold the kitchen counter",
            "reason": "Build calf strength for running",
        },
    )
    assert response.status_code == 302
    [rx] = current(clinic)
    assert (rx.exercise_id, rx.sets, rx.reps, rx.days_per_week, rx.note) == (
        "A2",
        3,
        12,
        3,
        "Hold the kitchen counter",
    )


def test_post_op_progression_asks_for_approval(app: Flask, clinic: Clinic) -> None:
    clinic.client.active_care_plan.condition = Condition.POST_OP
    clinic.client.active_care_plan.phase = 1
    db.session.commit()
    therapist = build_from_template(app, clinic)
    k1 = next(p for p in current(clinic) if p.exercise_id == "K1")
    url = f"/clients/{clinic.client.id}/programme/{k1.id}/change?direction=progress"
    page = therapist.get(url).get_data(as_text=True)
    assert "surgeon&#39;s protocol allows this progression" in page
    refused = therapist.post(url, data={"to": "K2", "reason": "Week 3"})
    assert refused.status_code == 422
    assert "confirm that the surgeon" in refused.get_data(as_text=True)
    approved = therapist.post(url, data={"to": "K2", "reason": "Week 3", "approve_post_op": "y"})
    assert approved.status_code == 302
    assert "K2" in [p.exercise_id for p in current(clinic)]
    assert db.session.scalars(db.select(ProgrammeChange.post_op_approved)).all()[-1] is True


def test_exercise_page_has_steps_drawing_cautions_and_timer(app: Flask, clinic: Clinic) -> None:
    build_from_template(app, clinic)
    rx = current(clinic)[0]
    page = signed_in(app, clinic.client).get(f"/exercises/{rx.id}").get_data(as_text=True)
    assert "How to do it" in page and "Take care" in page
    assert f'src="/library/illustrations/{rx.exercise_id}.svg"' in page
    assert 'id="timer"' in page and f'data-sets="{rx.sets}"' in page
    assert re.search(r'<script src="/static/js/timer\.js\?v=[0-9a-f]{10}" defer></script>', page)
