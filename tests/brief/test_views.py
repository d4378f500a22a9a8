"""The brief, the caseload and the client's progress, through the Flask test client."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import login
from webapp.brief import services
from webapp.brief.record import gather
from webapp.diary import services as diary
from webapp.extensions import db
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import User
from webapp.models import now_utc


def log(client: User, days_ago: int, pain: int, tz: str = "Europe/London", **data: object) -> None:
    """A check-in as the client made it ``days_ago`` days ago, through the diary service."""
    when = diary.when_from(
        (now_utc() - timedelta(days=days_ago)).isoformat(), tz, now=now_utc(), plan_start=None
    )
    diary.record(
        db.session,
        client,
        entry_id=str(uuid.uuid4()),
        kind=EntryKind.CHECKIN,
        checkin=diary.checkin_from(
            {"pain_now": pain, "pain_worst": pain, "sleep": 6, "stress": 4, "flare": "no", **data}
        ),
        when=when,
        now=now_utc(),
    )


def world():  # type: ignore[no-untyped-def]
    centre = gen_centre("Islington", "Europe/London")
    massage = gen_therapist(centre, Discipline.MASSAGE, name="Tom Masseur")
    physio = gen_therapist(centre, Discipline.PHYSIO, name="Sam Physio")
    steady = gen_client(centre, [massage, physio], name="Steady Sue", phase=2)
    rising = gen_client(centre, [massage, physio], name="Rising Ray", condition=Condition.LOW_BACK)
    fresh = gen_client(centre, [massage, physio], name="Fresh Fay")
    fresh.active_care_plan.start_date = now_utc().date()  # started today, nothing logged yet
    for days_ago in range(20, -1, -1):
        log(steady, days_ago, 3, sleep=7, stress=3)
        pain = 3 if days_ago > 6 else 3 + (7 - days_ago)  # 4, 5, …, 10 over the last week
        log(rising, days_ago, min(pain, 10), pain_worst=min(pain + 1, 10), flare="no")
    db.session.commit()
    return centre, massage, physio, steady, rising, fresh


def test_rising_pain_tops_the_caseload_with_the_numbers(app: Flask) -> None:
    _centre, _massage, physio, _steady, rising, _fresh = world()
    http = app.test_client()
    login(http, physio)
    body = http.get("/caseload/").get_data(as_text=True)
    assert body.index("Rising Ray") < body.index("Fresh Fay") < body.index("Steady Sue")
    assert "Pain worsening" in body and "7-day mean pain 7.0, up 4.0 from" in body
    assert "Flags support, and do not replace, your clinical judgement." in body
    brief = http.get(f"/clients/{rising.id}/brief").get_data(as_text=True)
    assert "P1 · Pain worsening" in brief
    assert "7-day mean pain 7.0, up 4.0 from a baseline of 3.0" in brief
    assert '<svg class="chart"' in brief and "Show as a table" in brief


def test_the_caseload_filters_by_phase_and_condition(app: Flask) -> None:
    centre, _massage, physio, *_ = world()
    http = app.test_client()
    login(http, physio)
    phase_two = http.get("/caseload/?phase=2").get_data(as_text=True)
    assert "Steady Sue" in phase_two and "Rising Ray" not in phase_two
    low_back = http.get("/caseload/?condition=low_back").get_data(as_text=True)
    assert "Rising Ray" in low_back and "Steady Sue" not in low_back
    nobody = http.get("/caseload/?phase=3").get_data(as_text=True)
    assert "No clients match these filters" in nobody
    junk = http.get(f"/caseload/?phase=x&centre={centre.id}&condition=nonsense")
    assert junk.status_code == 200


def test_a_brand_new_client_gets_a_calm_brief(app: Flask) -> None:
    *_, physio, _steady, _rising, fresh = world()
    http = app.test_client()
    login(http, physio)
    response = http.get(f"/clients/{fresh.id}/brief")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "No diary data yet, so no flags." in body
    assert "No diary entries in the last 4 weeks yet." in body
    assert "No home programme yet." in body
    assert "no data" in body.lower()


def test_a_single_entry_and_a_gap_of_weeks_raise_no_misleading_flags(app: Flask) -> None:
    centre = gen_centre("Harbour", "Australia/Sydney")
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    log(client, 30, 9, tz="Australia/Sydney", pain_worst=10, flare="yes")
    db.session.commit()
    record = gather(db.session, [client.active_care_plan], now_utc())[client.id]
    found = services.build(db.session, client, now_utc())
    assert found is not None
    assert [f.code for f in found.flags] == ["A2"]
    assert "No diary entry for 30 days" in found.flags[0].why
    assert record.mean_pain(record.today, services.DEFAULT) is None


def test_entries_in_two_time_zones_land_on_their_own_local_days(app: Flask) -> None:
    *_, physio, steady, _rising, _fresh = world()
    # On holiday in Sydney for the last two days: the entries keep Sydney's dates.
    log(steady, 1, 4, tz="Australia/Sydney", sleep=6)
    db.session.commit()
    found = services.build(db.session, steady, now_utc())
    assert found is not None and found.has_diary
    http = app.test_client()
    login(http, physio)
    assert http.get(f"/clients/{steady.id}/brief").status_code == 200


def test_the_brief_covers_the_time_since_the_last_visit(app: Flask) -> None:
    *_, steady, _rising, _fresh = world()
    found = services.build(db.session, steady, now_utc())
    assert found.last_visit is None and found.period_days == services.DEFAULT_PERIOD


def test_the_client_sees_friendly_progress_never_flag_wording(app: Flask) -> None:
    *_, steady, rising, _fresh = world()
    for client in (steady, rising):
        http = app.test_client()
        login(http, client)
        body = http.get("/progress").get_data(as_text=True)
        assert "How you're doing" in body
        for clinical in ("Pain worsening", "Amber", "P1", "flag", "threshold", "MCID"):
            assert clinical not in body, (client.name, clinical)
    assert "a bit higher than when you started" in body


def row_of(page: str, name: str) -> str:
    """The caseload row that names this client."""
    rows = page.split('<li class="card caseload-row">')[1:]
    return next(row for row in rows if f">{name}</a>" in row)


def test_the_caseload_cache_never_shows_stale_flags(app: Flask) -> None:
    *_, physio, steady, _rising, _fresh = world()
    http = app.test_client()
    login(http, physio)
    before = http.get("/caseload/").get_data(as_text=True)
    assert "Severe pain" not in row_of(before, "Steady Sue")
    for days_ago in range(2):  # two bad days, logged after the page was first drawn
        log(steady, days_ago, 8, pain_worst=9)
    db.session.commit()
    after = http.get("/caseload/").get_data(as_text=True)
    assert "Severe pain" in row_of(after, "Steady Sue")
    # A rating changed later (no new row) is seen too.
    log(steady, 0, 3, pain_worst=3)  # today's check-in again: it updates the first
    db.session.commit()
    again = http.get("/caseload/").get_data(as_text=True)
    assert "Worst pain 8 or more on 2" not in row_of(again, "Steady Sue")
