"""Frequency → due today, and adherence across weeks, progressions and time zones."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import Flask

from tests.programmes.conftest import Clinic
from webapp.extensions import db
from webapp.models import Prescription
from webapp.programmes import adherence
from webapp.programmes import services
from webapp.programmes.services import Dose

LONDON = "Europe/London"
SYDNEY = "Australia/Sydney"
# Monday 2 November 2026, 09:00 in London (GMT, UTC+0).
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def prescribe(clinic: Clinic, exercise_id: str, when: datetime, **dose: int | None) -> Prescription:
    programme = services.programme_for(db.session, clinic.client, clinic.client.active_care_plan)
    exercise = clinic.exercise(exercise_id)
    chosen = Dose.of(exercise)
    if dose:
        chosen = Dose(**{**chosen.__dict__, **dose})
    rx = services.prescribe(
        db.session,
        programme,
        exercise,
        dose=chosen,
        note="",
        reason="Start",
        by=clinic.physio,
        now=when,
    )
    db.session.flush()
    return rx


def do(clinic: Clinic, rx: Prescription, when: datetime, zone: str = LONDON) -> None:
    services.log_exercise(
        db.session, clinic.client, rx, client_entry_id=str(uuid.uuid4()), now=when, timezone=zone
    )
    db.session.flush()


def statuses(clinic: Clinic, when: datetime, zone: str = LONDON) -> dict[str, str]:
    programme = services.programme_of(db.session, clinic.client)
    return {
        i.prescription.exercise_id: i.status
        for i in adherence.today_items(db.session, programme, zone, when)
    }


def test_twice_a_day_stays_due_until_both_are_done(app: Flask, clinic: Clinic) -> None:
    rx = prescribe(clinic, "N2", MONDAY - timedelta(days=7), times_per_day=2, days_per_week=None)
    assert statuses(clinic, MONDAY) == {"N2": "due"}
    do(clinic, rx, MONDAY)
    programme = services.programme_of(db.session, clinic.client)
    [item] = adherence.today_items(db.session, programme, LONDON, MONDAY)
    assert (item.status, item.done_today, item.target_today) == ("due", 1, 2)
    do(clinic, rx, MONDAY + timedelta(hours=8))
    assert statuses(clinic, MONDAY + timedelta(hours=9)) == {"N2": "done"}
    assert statuses(clinic, MONDAY + timedelta(days=1)) == {"N2": "due"}


def test_three_days_a_week_rests_between_sessions(app: Flask, clinic: Clinic) -> None:
    rx = prescribe(clinic, "S7", MONDAY - timedelta(days=7))  # 3 × a week in the library
    assert rx.days_per_week == 3
    day = [MONDAY + timedelta(days=n) for n in range(7)]
    assert statuses(clinic, day[0]) == {"S7": "due"}
    do(clinic, rx, day[0])
    assert statuses(clinic, day[0]) == {"S7": "done"}
    assert statuses(clinic, day[1]) == {"S7": "rest"}  # a day's rest after strength work
    assert statuses(clinic, day[2]) == {"S7": "due"}
    do(clinic, rx, day[2])
    do(clinic, rx, day[4])
    assert statuses(clinic, day[5]) == {"S7": "rest"}  # the week's three are done
    assert statuses(clinic, day[0] + timedelta(days=7)) == {"S7": "due"}


def test_a_late_week_catches_up_on_consecutive_days(app: Flask, clinic: Clinic) -> None:
    rx = prescribe(clinic, "S7", MONDAY - timedelta(days=7))
    friday, saturday = MONDAY + timedelta(days=4), MONDAY + timedelta(days=5)
    do(clinic, rx, friday)
    # Two sessions left and two days left: no rest day this time.
    assert statuses(clinic, saturday) == {"S7": "due"}


def test_adherence_for_this_week_and_the_last_14_days(app: Flask, clinic: Clinic) -> None:
    start = MONDAY - timedelta(days=14)
    daily = prescribe(clinic, "N2", start, times_per_day=1, days_per_week=None)
    weekly = prescribe(clinic, "S7", start)
    for n in range(0, 14, 2):  # every other day for the last fortnight
        do(clinic, daily, start + timedelta(days=n + 1))
    for n in (0, 2, 4, 7):  # 3 sessions last week, 1 the week before that
        do(clinic, weekly, start + timedelta(days=n + 7))
    programme = services.programme_of(db.session, clinic.client)
    result = adherence.programme_adherence(db.session, programme, LONDON, MONDAY)
    by_id = {s.current.exercise_id: s for s in result.by_exercise}
    assert by_id["N2"].last_14_days.prescribed == 14
    assert by_id["N2"].last_14_days.completed == 7
    assert by_id["N2"].last_14_days.percent == 50
    assert by_id["S7"].last_14_days.prescribed == 6
    assert by_id["S7"].this_week.completed == 1  # Monday's session
    assert by_id["S7"].this_week.prescribed == 3
    assert result.this_week.prescribed == 7 + 3
    assert [d.isoformat() for d, _ in result.days][:2] == ["2026-11-02", "2026-11-03"]


def test_history_carries_across_a_progression(app: Flask, clinic: Clinic) -> None:
    start = MONDAY - timedelta(days=13)
    rx = prescribe(clinic, "N1", start, times_per_day=1, days_per_week=None)
    for n in range(7):
        do(clinic, rx, start + timedelta(days=n, hours=1))
    harder = services.replace_exercise(
        db.session,
        rx,
        clinic.exercise("N5"),
        direction="progress",
        reason="Ready",
        by=clinic.physio,
        now=start + timedelta(days=7),
    )
    db.session.flush()
    for n in range(7, 14):
        do(clinic, harder, start + timedelta(days=n, hours=1))
    programme = services.programme_of(db.session, clinic.client)
    result = adherence.programme_adherence(db.session, programme, LONDON, MONDAY)
    [slot] = result.by_exercise
    assert slot.current.exercise_id == "N5"
    assert slot.last_14_days.completed == 14
    assert slot.last_14_days.percent == 100


def test_days_are_counted_in_the_clients_time_zone(app: Flask, clinic: Clinic) -> None:
    # 23:30 UTC on Sunday 1 November is 10:30 on Monday 2 November in Sydney (AEDT, UTC+11).
    late_sunday_utc = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    rx = prescribe(
        clinic, "N2", late_sunday_utc - timedelta(days=10), times_per_day=1, days_per_week=None
    )
    do(clinic, rx, late_sunday_utc, zone=SYDNEY)
    programme = services.programme_of(db.session, clinic.client)
    sydney = adherence.programme_adherence(db.session, programme, SYDNEY, late_sunday_utc)
    assert sydney.days[0][0].isoformat() == "2026-11-02"
    assert sydney.this_week.completed == 1  # it counts in Sydney's new week
    assert statuses(clinic, late_sunday_utc, SYDNEY) == {"N2": "done"}
    london = adherence.programme_adherence(db.session, programme, LONDON, late_sunday_utc)
    assert london.days[0][0].isoformat() == "2026-10-26"
    assert london.this_week.completed == 0


def test_a_removed_exercise_leaves_today_but_keeps_its_adherence(
    app: Flask, clinic: Clinic
) -> None:
    rx = prescribe(clinic, "N2", MONDAY - timedelta(days=3), times_per_day=1, days_per_week=None)
    do(clinic, rx, MONDAY - timedelta(days=2))
    services.remove(db.session, rx, reason="Done with it", by=clinic.physio, now=MONDAY)
    db.session.flush()
    assert statuses(clinic, MONDAY) == {}
    programme = services.programme_of(db.session, clinic.client)
    result = adherence.programme_adherence(db.session, programme, LONDON, MONDAY)
    assert result.by_exercise == []
    assert result.last_14_days.completed == 1
    assert result.last_14_days.prescribed == 3
