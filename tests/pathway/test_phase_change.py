"""Therapists move clients between phases with a reason the client then sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from tests.factories import plan_of
from webapp.extensions import db
from webapp.models import Discipline
from webapp.models import PhaseChange
from webapp.models import User
from webapp.models import now_utc
from webapp.pathway import services
from webapp.pathway.services import CarePlanError


@pytest.fixture
def care(app: Flask) -> dict:
    centre = gen_centre()
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Okafor")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Patel")
    client = gen_client(
        centre, [massage, physio], phase=1, name="Alex Morgan", now=now_utc() - timedelta(days=30)
    )
    db.session.commit()
    return {"massage": massage, "physio": physio, "client": client}


def changes(client: User) -> list[PhaseChange]:
    db.session.expire_all()
    return list(plan_of(db.session.get(User, client.id)).phase_changes)


def test_change_phase_records_who_when_from_to_and_why(app: Flask, care: dict) -> None:
    plan = plan_of(care["client"])
    now = now_utc()
    change = services.change_phase(
        db.session, plan, to_phase=2, reason="  Pain settled.  ", by=care["physio"], now=now
    )
    db.session.commit()
    assert plan.phase == 2
    assert (change.from_phase, change.to_phase, change.reason) == (1, 2, "Pain settled.")
    assert change.changed_by.id == care["physio"].id and change.changed_at == now
    assert services.time_in_phase(plan, now + timedelta(days=15)) == "2 weeks"


def test_a_step_back_is_allowed(app: Flask, care: dict) -> None:
    plan = plan_of(care["client"])
    services.change_phase(
        db.session, plan, to_phase=3, reason="Ready", by=care["physio"], now=now_utc()
    )
    services.change_phase(
        db.session,
        plan,
        to_phase=1,
        reason="Long flare",
        by=care["massage"],
        now=now_utc() + timedelta(minutes=5),
    )
    db.session.commit()
    assert [c.to_phase for c in changes(care["client"])] == [1, 3, 1]


@pytest.mark.parametrize(
    "to_phase, reason, field",
    [
        (1, "Same again", "to_phase"),
        (4, "Too far", "to_phase"),
        (2, "   ", "reason"),
        (2, "x" * 501, "reason"),
    ],
)
def test_invalid_changes_are_refused(
    app: Flask, care: dict, to_phase: int, reason: str, field: str
) -> None:
    with pytest.raises(CarePlanError) as error:
        services.change_phase(
            db.session,
            plan_of(care["client"]),
            to_phase=to_phase,
            reason=reason,
            by=care["physio"],
            now=now_utc(),
        )
    assert error.value.field == field


def test_therapist_moves_client_and_client_sees_it(app: Flask, care: dict) -> None:
    therapist = app.test_client()
    login(therapist, care["physio"])
    url = f"/clients/{care['client'].id}/phase"
    reason = "Your pain has settled, so we will start mobility work."
    response = therapist.post(url, data={"to_phase": "2", "reason": reason})
    assert response.status_code == 302
    page = therapist.get(f"/clients/{care['client'].id}").get_data(as_text=True)
    assert "Phase 2 · Mobility &amp; activation" in page

    client = app.test_client()
    login(client, care["client"])
    today = client.get("/today").get_data(as_text=True)
    assert "Phase 2: Mobility &amp; activation" in today
    timeline = client.get("/pathway").get_data(as_text=True)
    assert reason in timeline
    assert "Decided by Sam Patel, physiotherapist" in timeline


def test_a_double_tap_records_one_change(app: Flask, care: dict) -> None:
    therapist = app.test_client()
    login(therapist, care["physio"])
    url = f"/clients/{care['client'].id}/phase"
    data = {"to_phase": "2", "reason": "Pain settled."}
    assert therapist.post(url, data=data).status_code == 302
    assert therapist.post(url, data=data).status_code == 302
    assert [c.to_phase for c in changes(care["client"])] == [1, 2]


def test_bad_input_comes_back_with_what_was_typed(app: Flask, care: dict) -> None:
    therapist = app.test_client()
    login(therapist, care["massage"])
    url = f"/clients/{care['client'].id}/phase"
    response = therapist.post(url, data={"to_phase": "1", "reason": "Keeping things steady"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "already in phase 1" in body
    assert "Keeping things steady" in body
    missing = therapist.post(url, data={"to_phase": "2", "reason": ""})
    assert missing.status_code == 422
    assert "Say why" in missing.get_data(as_text=True)
    assert '<input checked id="to_phase-1" name="to_phase"' in missing.get_data(as_text=True)
    assert len(changes(care["client"])) == 1


def test_htmx_gets_just_the_panel(app: Flask, care: dict) -> None:
    therapist = app.test_client()
    login(therapist, care["physio"])
    url = f"/clients/{care['client'].id}/phase"
    response = therapist.post(
        url, data={"to_phase": "2", "reason": "Settled"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="phase-panel"')
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    invalid = therapist.post(
        url, data={"to_phase": "2", "reason": ""}, headers={"HX-Request": "true"}
    )
    assert invalid.status_code == 422
    assert "Say why" in invalid.get_data(as_text=True)


def test_client_today_explains_the_phase_and_team(app: Flask, care: dict) -> None:
    http = app.test_client()
    login(http, care["client"])
    body = http.get("/today").get_data(as_text=True)
    assert "Phase 1: Pain relief &amp; relaxation" in body
    assert "4 weeks" in body
    assert "Tom Okafor" in body and "Massage therapist" in body
    assert "Sam Patel" in body and "Physiotherapist" in body
    assert "Nothing booked yet" in body
