"""Planning reminders: local times across daylight saving, quiet hours, who gets what, once.

Part A calls the planner (and, where the send-time checks matter, one sending pass through the
real local SMTP and push sinks). Part B runs fourteen simulated days in London, Sydney and New
York with two send-due processes racing at every tick, and checks what the sinks received against a
timetable worked out here from the clients' choices, not by asking the planner.
"""

from __future__ import annotations

import re
import time as timer
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import BASE_CONFIG
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import plan_of
from tests.reminders.racers import Racers
from tests.reminders.sinks import PushSink
from tests.reminders.sinks import SmtpSink
from tests.sessions.conftest import Care
from tests.sessions.conftest import visit_for
from webapp.brief.record import gather
from webapp.brief.rules import evaluate
from webapp.diary import services as diary
from webapp.extensions import db
from webapp.library import services as library
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentStatus
from webapp.models import Delivery
from webapp.models import DeliveryStatus
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import Exercise
from webapp.models import Prescription
from webapp.models import Role
from webapp.models import User
from webapp.programmes import services as programmes
from webapp.programmes.services import Dose
from webapp.reminders import planning
from webapp.reminders import services
from webapp.sessions import booking

LONDON = "Europe/London"
SYDNEY = "Australia/Sydney"
NEW_YORK = "America/New_York"
SET_UP_AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def at(zone: str, day: date, clock: str) -> datetime:
    """The UTC instant a wall-clock time names (zoneinfo's fold=0: the first of a repeat)."""
    hours, minutes = clock.split(":")
    local = datetime.combine(day, time(int(hours), int(minutes)), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def wall(moment: datetime, zone: str) -> tuple[date, str]:
    local = moment.astimezone(ZoneInfo(zone))
    return local.date(), f"{local:%H:%M}"


def local_day_window(zone: str, first: date, last: date) -> tuple[datetime, datetime]:
    """From local midnight starting ``first`` to the last minute of ``last``."""
    return at(zone, first, "00:00"), at(zone, last + timedelta(days=1), "00:00") - timedelta(
        minutes=1
    )


def care_team(centre_name: str, zone: str, client_name: str, **client: object) -> Care:
    centre = gen_centre(centre_name, zone)
    massage = gen_therapist(centre, Discipline.MASSAGE, name=f"{centre_name} Masseur")
    physio = gen_therapist(centre, Discipline.PHYSIO, name=f"{centre_name} Physio")
    person = gen_client(centre, [massage, physio], name=client_name, now=SET_UP_AT, **client)
    admin = gen_user(Role.ADMIN, [centre])
    db.session.commit()
    return Care(person, massage, physio, admin)


def choose(client: User, **values: object) -> None:
    settings = planning.settings_for(db.session, client)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.commit()


def dues(start: datetime, end: datetime, who: User | None = None) -> list[planning.Due]:
    found = planning.due_between(db.session, start, end)
    return sorted(
        (d for d in found if who is None or d.recipient_id == who.id),
        key=lambda d: (d.due_at, d.kind, d.channel),
    )


def local_dues(found: list[planning.Due], zone: str, kind: str) -> list[tuple[date, str]]:
    return [wall(d.due_at, zone) for d in found if d.kind == kind]


def pass_settings(smtp: SmtpSink, vapid: dict[str, str]) -> services.Settings:
    return services.Settings(
        base_url="http://localhost",
        smtp_url=smtp.url,
        mail_from="Continuum <reminders@continuum.invalid>",
        vapid_private_key=vapid["private"],
        vapid_contact="mailto:reminders@continuum.invalid",
    )


def deliveries(who: User, kind: str | None = None) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(Delivery.recipient_id == who.id)
        .order_by(Delivery.due_at, Delivery.kind, Delivery.channel)
    )
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    return list(db.session.scalars(query))


def load_library(app: Flask) -> None:
    if db.session.scalar(select(func.count()).select_from(Exercise)) == 0:
        library.load(db.session, Path(app.config["EXERCISES_DIR"]))
        db.session.flush()


def give_programme(app: Flask, care: Care, when: datetime = SET_UP_AT) -> Prescription:
    """One exercise, once a day, so a single log makes today's exercises done."""
    load_library(app)
    plan = care.client.active_care_plan
    programme = programmes.programme_for(db.session, care.client, plan)
    exercise = db.session.get(Exercise, "N2")
    assert exercise is not None
    dose = Dose(**{**Dose.of(exercise).__dict__, "times_per_day": 1, "days_per_week": None})
    rx = programmes.prescribe(
        db.session,
        programme,
        exercise,
        dose=dose,
        note="",
        reason="Your home programme.",
        by=care.physio,
        now=when,
    )
    programmes.mark_changes_seen(programme, programme.version)
    db.session.commit()
    return rx


def change_programme(care: Care, when: datetime) -> int:
    """The therapist changes the dose; returns the new programme version."""
    programme = programmes.programme_of(db.session, care.client)
    assert programme is not None
    [current] = programme.current
    old = Dose.of(current)
    reps = (old.reps or 5) + 1 if (old.reps or 5) < 50 else 5
    programmes.change_dose(
        db.session,
        current,
        dose=Dose(**{**old.__dict__, "reps": reps}),
        note="",
        reason="A little more.",
        by=care.physio,
        now=when,
    )
    db.session.commit()
    return programme.version


def log_exercise(care: Care, when: datetime, zone: str) -> None:
    programme = programmes.programme_of(db.session, care.client)
    assert programme is not None
    [current] = programme.current
    programmes.log_exercise(
        db.session,
        care.client,
        current,
        client_entry_id=str(uuid.uuid4()),
        now=when,
        timezone=zone,
    )
    db.session.commit()


def write_diary(client: User, when: datetime, zone: str) -> None:
    diary.record(
        db.session,
        client,
        entry_id=str(uuid.uuid4()),
        kind=EntryKind.CHECKIN,
        checkin=diary.CheckIn(pain_now=3, pain_worst=4),
        when=diary.When(when, zone),
        now=when,
    )
    db.session.commit()


def subscribe(user: User, push: PushSink) -> None:
    browser = push.browser(f"u{user.id}")
    services.subscribe(db.session, user, browser.endpoint, browser.p256dh, browser.auth_b64)
    db.session.commit()


# === A. Planning rules ===========================================================================

# The client chose 08:30. Each row: the day the clocks change, and 08:30 on the day before, the
# day itself and the day after, as UTC instants (hand-worked, not computed by the code under test).
DST_CHANGES = [
    pytest.param(
        LONDON,
        date(2027, 3, 28),
        [utc(2027, 3, 27, 8, 30), utc(2027, 3, 28, 7, 30), utc(2027, 3, 29, 7, 30)],
        id="london-spring-forward",
    ),
    pytest.param(
        LONDON,
        date(2027, 10, 31),
        [utc(2027, 10, 30, 7, 30), utc(2027, 10, 31, 8, 30), utc(2027, 11, 1, 8, 30)],
        id="london-fall-back",
    ),
    pytest.param(
        SYDNEY,
        date(2027, 4, 4),
        [utc(2027, 4, 2, 21, 30), utc(2027, 4, 3, 22, 30), utc(2027, 4, 4, 22, 30)],
        id="sydney-fall-back",
    ),
    pytest.param(
        SYDNEY,
        date(2027, 10, 3),
        [utc(2027, 10, 1, 22, 30), utc(2027, 10, 2, 21, 30), utc(2027, 10, 3, 21, 30)],
        id="sydney-spring-forward",
    ),
    pytest.param(
        NEW_YORK,
        date(2027, 3, 14),
        [utc(2027, 3, 13, 13, 30), utc(2027, 3, 14, 12, 30), utc(2027, 3, 15, 12, 30)],
        id="new-york-spring-forward",
    ),
]


@pytest.mark.parametrize(("zone", "change", "expected"), DST_CHANGES)
def test_daily_reminders_keep_their_local_time_across_daylight_saving(
    app: Flask, zone: str, change: date, expected: list[datetime]
) -> None:
    care = care_team("Centre", zone, "Dana Reyes")
    choose(care.client, exercise_times=["08:30"], by_email=True)
    days = [change - timedelta(days=1), change, change + timedelta(days=1)]

    found = dues(*local_day_window(zone, days[0], days[-1]), who=care.client)

    exercise = [d.due_at for d in found if d.kind == "exercise"]
    assert exercise == expected  # the UTC instant moves by an hour...
    assert local_dues(found, zone, "exercise") == [(day, "08:30") for day in days]  # ...not 08:30
    assert abs(exercise[1] - exercise[0] - timedelta(days=1)) == timedelta(hours=1)
    assert exercise[2] - exercise[1] == timedelta(days=1)
    # The one repeat, three hours after the last chosen time, keeps its local time too.
    assert local_dues(found, zone, "exercise_repeat") == [(day, "11:30") for day in days]
    assert {d.channel for d in found} == {"email"}


def plan_through_the_night(zone: str, day: date) -> None:
    """Run the planner every 30 minutes from the evening before to noon on ``day``."""
    now = at(zone, day - timedelta(days=1), "18:00")
    while now <= at(zone, day, "12:00"):
        planning.plan(db.session, now)
        db.session.commit()
        now += HALF_HOUR


@pytest.mark.parametrize(
    ("zone", "day", "chosen", "expected", "shown"),
    [
        pytest.param(
            LONDON, date(2027, 3, 28), "01:30", utc(2027, 3, 28, 1, 30), "02:30", id="lon"
        ),
        pytest.param(
            NEW_YORK, date(2027, 3, 14), "02:30", utc(2027, 3, 14, 7, 30), "03:30", id="nyc"
        ),
        pytest.param(
            SYDNEY, date(2027, 10, 3), "02:30", utc(2027, 10, 2, 16, 30), "03:30", id="syd"
        ),
    ],
)
def test_a_time_the_clocks_skip_is_sent_after_the_gap(
    app: Flask, zone: str, day: date, chosen: str, expected: datetime, shown: str
) -> None:
    care = care_team("Centre", zone, "Dana Reyes")
    choose(
        care.client, exercise_times=[chosen], by_email=True, quiet_start="00:00", quiet_end="00:00"
    )

    plan_through_the_night(zone, day)

    [row] = deliveries(care.client, "exercise")
    assert row.due_at == expected
    assert wall(row.due_at, zone) == (day, shown)  # an hour after the chosen time, same day


@pytest.mark.parametrize(
    ("zone", "day", "chosen", "expected"),
    [
        pytest.param(LONDON, date(2027, 10, 31), "01:30", utc(2027, 10, 31, 0, 30), id="lon-bst"),
        pytest.param(SYDNEY, date(2027, 4, 4), "02:30", utc(2027, 4, 3, 15, 30), id="syd-aedt"),
        pytest.param(NEW_YORK, date(2027, 11, 7), "01:30", utc(2027, 11, 7, 5, 30), id="nyc-edt"),
    ],
)
def test_a_time_that_happens_twice_is_planned_once_the_first_time(
    app: Flask, zone: str, day: date, chosen: str, expected: datetime
) -> None:
    care = care_team("Centre", zone, "Dana Reyes")
    choose(
        care.client, exercise_times=[chosen], by_email=True, quiet_start="00:00", quiet_end="00:00"
    )

    plan_through_the_night(zone, day)

    [row] = deliveries(care.client, "exercise")
    assert row.due_at == expected
    assert wall(row.due_at, zone) == (day, chosen)
    # The second time the clock shows it is an hour later and has no row of its own.
    assert wall(expected + timedelta(hours=1), zone) == (day, chosen)


@pytest.mark.parametrize(
    ("quiet", "times", "kept"),
    [
        pytest.param(
            ("21:00", "08:00"),
            ["06:00", "07:30", "08:00", "20:30", "21:00", "23:30"],
            ["08:00", "20:30"],
            id="default-overnight",
        ),
        pytest.param(
            ("13:00", "15:00"),
            ["12:30", "13:00", "14:30", "15:00"],
            ["12:30", "15:00"],
            id="afternoon-nap",
        ),
        pytest.param(
            ("00:00", "00:00"), ["00:00", "03:00", "23:30"], ["00:00", "03:00", "23:30"], id="off"
        ),
    ],
)
def test_an_exercise_reminder_in_quiet_hours_is_dropped(
    app: Flask, quiet: tuple[str, str], times: list[str], kept: list[str]
) -> None:
    care = care_team("Centre", LONDON, "Dana Reyes")
    choose(
        care.client,
        exercise_times=times,
        by_email=True,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
    )
    day = date(2027, 3, 24)

    found = dues(*local_day_window(LONDON, day, day), who=care.client)

    assert local_dues(found, LONDON, "exercise") == [(day, t) for t in kept]


def test_the_one_repeat_comes_three_hours_after_the_last_time_unless_that_is_quiet(
    app: Flask,
) -> None:
    day = date(2027, 3, 24)
    early = care_team("Early", LONDON, "Dana Reyes")
    late = care_team("Late", LONDON, "Eli Brooks")
    choose(early.client, exercise_times=["07:30", "12:00"], by_email=True)
    choose(late.client, exercise_times=["08:30", "20:30"], by_email=True)

    window = local_day_window(LONDON, day, day)
    early_dues, late_dues = dues(*window, who=early.client), dues(*window, who=late.client)

    assert local_dues(early_dues, LONDON, "exercise") == [(day, "12:00")]  # 07:30 is quiet
    assert local_dues(early_dues, LONDON, "exercise_repeat") == [(day, "15:00")]
    assert local_dues(late_dues, LONDON, "exercise") == [(day, "08:30"), (day, "20:30")]
    assert local_dues(late_dues, LONDON, "exercise_repeat") == []  # 23:30 is quiet


def test_appointment_reminders_24_and_2_hours_before_moved_out_of_quiet_hours(app: Flask) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    choose(care.client, exercise_times=[], by_email=True)
    morning = visit_for(care, AppointmentKind.MASSAGE, date(2027, 3, 24), time(9), SET_UP_AT)
    # On the Sunday the clocks go forward: 24 h before 11:00 BST is 10:00 GMT the day before.
    sunday = visit_for(care, AppointmentKind.COMBINED, date(2027, 3, 28), time(11), SET_UP_AT)
    # 2 h before 07:30 is quiet, and the end of quiet hours (08:00) is after the visit: none.
    early = visit_for(care, AppointmentKind.PHYSIO, date(2027, 3, 31), time(7, 30), SET_UP_AT)
    db.session.commit()

    found = dues(utc(2027, 3, 22), utc(2027, 4, 1), who=care.client)

    got = [(d.kind, wall(d.due_at, LONDON), d.subject) for d in found]
    assert got == [
        (
            "appointment_24h",
            (date(2027, 3, 23), "09:00"),
            f"{morning.id}@2027-03-24T09:00:00+00:00",
        ),
        ("appointment_2h", (date(2027, 3, 24), "08:00"), f"{morning.id}@2027-03-24T09:00:00+00:00"),
        ("appointment_24h", (date(2027, 3, 27), "10:00"), f"{sunday.id}@2027-03-28T10:00:00+00:00"),
        ("appointment_2h", (date(2027, 3, 28), "09:00"), f"{sunday.id}@2027-03-28T10:00:00+00:00"),
        ("appointment_24h", (date(2027, 3, 30), "08:00"), f"{early.id}@2027-03-31T06:30:00+00:00"),
    ]


def test_a_visit_moved_or_cancelled_after_planning_is_skipped_when_its_time_comes(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    choose(care.client, exercise_times=[], by_email=True)
    subscribe(care.client, push)
    moved = visit_for(care, AppointmentKind.MASSAGE, date(2027, 3, 24), time(11), SET_UP_AT)
    cancelled = visit_for(care, AppointmentKind.PHYSIO, date(2027, 3, 24), time(15), SET_UP_AT)
    db.session.commit()
    settings = pass_settings(smtp, vapid)

    nine = utc(2027, 3, 24, 9)  # 2 h before the 11:00 visit
    assert planning.plan(db.session, nine) >= 2
    db.session.commit()
    booking.move(
        db.session, moved, day=date(2027, 3, 25), clock=time(11), rest_of_series=False, now=nine
    )
    db.session.commit()
    tally = services.send_due(db.session, nine, settings)
    assert (tally.sent, tally.by_kind.get("appointment_2h")) == (2, None)  # the digests only

    one = utc(2027, 3, 24, 13)  # 2 h before the 15:00 visit; 24 h before the moved one
    planning.plan(db.session, one)
    db.session.commit()
    booking.cancel(
        db.session,
        cancelled,
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
        rest_of_series=False,
        now=one,
    )
    db.session.commit()
    services.send_due(db.session, one, settings)

    outcomes = [(r.kind, r.channel, r.status, r.outcome) for r in deliveries(care.client)]
    assert outcomes == [
        ("appointment_2h", "email", DeliveryStatus.SKIPPED, "the visit moved"),
        ("appointment_2h", "push", DeliveryStatus.SKIPPED, "the visit moved"),
        ("appointment_24h", "email", DeliveryStatus.SENT, ""),
        ("appointment_24h", "push", DeliveryStatus.SENT, ""),
        ("appointment_2h", "email", DeliveryStatus.SKIPPED, "the visit was cancelled"),
        ("appointment_2h", "push", DeliveryStatus.SKIPPED, "the visit was cancelled"),
    ]
    # Only the moved visit's new reminder reached the client, naming its new time.
    [mail] = [m for m in smtp.mails if care.client.email in m.to]
    [sent] = push.received
    for body in (mail.body, sent.payload["body"]):
        assert "tomorrow: Thu 25 Mar at 11:00 at Islington" in body


def test_a_diary_nudge_three_days_after_the_last_entry_once_per_gap(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    choose(care.client, exercise_times=["08:30"], by_email=True)
    write_diary(care.client, utc(2027, 3, 22, 12), LONDON)

    found = dues(utc(2027, 3, 22), utc(2027, 3, 29, 7), who=care.client)
    assert [(wall(d.due_at, LONDON), d.subject) for d in found if d.kind == "diary_nudge"] == [
        ((date(2027, 3, 25), "08:30"), "2027-03-22")  # once, not again on the 26th, 27th...
    ]

    write_diary(care.client, utc(2027, 3, 26, 12), LONDON)
    found = dues(utc(2027, 3, 22), utc(2027, 4, 5), who=care.client)
    assert [(wall(d.due_at, LONDON), d.subject) for d in found if d.kind == "diary_nudge"] == [
        ((date(2027, 3, 29), "08:30"), "2027-03-26")  # the next gap (now in BST)
    ]

    # Planned, then the client writes before the pass gets to it: not sent.
    planning.plan(db.session, utc(2027, 3, 29, 7, 30))
    db.session.commit()
    write_diary(care.client, utc(2027, 3, 29, 7, 40), LONDON)
    services.send_due(db.session, utc(2027, 3, 29, 8), pass_settings(smtp, vapid))
    [row] = deliveries(care.client, "diary_nudge")
    assert (row.status, row.outcome) == (DeliveryStatus.SKIPPED, "the diary has an entry since")
    assert not [m for m in smtp.mails if care.client.email in m.to]


def test_programme_changed_unless_the_client_has_seen_it(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    choose(care.client, exercise_times=[], by_email=True)
    give_programme(app, care, SET_UP_AT)
    settings = pass_settings(smtp, vapid)

    afternoon = utc(2027, 3, 23, 15)
    version = change_programme(care, afternoon)
    found = dues(afternoon - timedelta(hours=1), afternoon + timedelta(hours=1), who=care.client)
    assert [(d.kind, d.due_at, d.subject) for d in found] == [
        ("programme_changed", afternoon, str(version))
    ]

    # Changed late in the evening: told at the end of quiet hours, the next morning.
    evening = utc(2027, 3, 23, 22, 30)
    version = change_programme(care, evening)
    assert not [d for d in dues(evening, evening + timedelta(hours=1), care.client)]
    services.send_due(db.session, utc(2027, 3, 24, 8), settings)
    [row] = [r for r in deliveries(care.client, "programme_changed") if r.subject == str(version)]
    assert (row.due_at, row.status) == (utc(2027, 3, 24, 8), DeliveryStatus.SENT)
    [mail] = [m for m in smtp.mails if care.client.email in m.to]
    assert "updated your home programme" in mail.body

    # Planned, then seen in the app before the pass sends it: skipped.
    noon = utc(2027, 3, 24, 12)
    version = change_programme(care, noon)
    planning.plan(db.session, noon)
    programme = programmes.programme_of(db.session, care.client)
    assert programme is not None
    programmes.mark_changes_seen(programme, version)
    db.session.commit()
    services.send_due(db.session, noon, settings)
    [row] = [r for r in deliveries(care.client, "programme_changed") if r.subject == str(version)]
    assert (row.status, row.outcome) == (DeliveryStatus.SKIPPED, "the client has seen the change")

    # Seen before any pass planned it: never planned.
    later = utc(2027, 3, 24, 14)
    version = change_programme(care, later)
    programmes.mark_changes_seen(programme, version)
    db.session.commit()
    assert not dues(later, later + timedelta(hours=4), who=care.client)
    assert len([m for m in smtp.mails if care.client.email in m.to]) == 1


def test_the_therapists_morning_digest_has_times_and_initials_only(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Surry Hills", SYDNEY, "Harriet Quinn")
    other = gen_client(
        care.physio.centres[0],
        [care.massage, care.physio],
        name="Oscar Lee",
        now=SET_UP_AT,
    )
    day = date(2027, 3, 24)
    visit_for(care, AppointmentKind.PHYSIO, day, time(10), SET_UP_AT)
    visit_for(
        Care(other, care.massage, care.physio, care.admin),
        AppointmentKind.PHYSIO,
        day,
        time(14, 30),
        SET_UP_AT,
    )
    db.session.commit()

    # 07:30 in the centre's zone every day, through the change back to standard time.
    found = dues(utc(2027, 4, 1), utc(2027, 4, 6), who=care.physio)
    assert [(d.kind, d.channel) for d in found] == [("digest", "email")] * 5
    assert local_dues(found, SYDNEY, "digest") == [(date(2027, 4, n), "07:30") for n in range(2, 7)]
    assert [d.due_at.hour for d in found] == [20, 20, 21, 21, 21]  # AEDT, then AEST

    morning = at(SYDNEY, day, "07:30")
    services.send_due(db.session, morning, pass_settings(smtp, vapid))

    [mail] = [m for m in smtp.mails if care.physio.email in m.to]
    assert mail.subject == "Continuum: your day"
    lines = mail.body.split("\n\nOpen Continuum:")[0].splitlines()
    assert lines[0] == "You have 2 sessions today; 2 of these clients have flags to review."
    assert re.fullmatch(r"10:00  HQ  \d+ flags? to review", lines[2])
    assert re.fullmatch(r"14:30  OL  \d+ flags? to review", lines[3])
    records = gather(db.session, [plan_of(care.client), plan_of(other)], morning)
    flags = [f for record in records.values() for f in evaluate(record)]
    assert flags  # neither client has written in their diary: there is something to hide
    words = {care.client.name, other.name, care.client.email, other.email}
    words |= {part for name in (care.client.name, other.name) for part in name.split()}
    words |= {f.title for f in flags} | {f.why for f in flags}
    assert not [w for w in words if w in mail.body]
    assert not [m for m in smtp.mails if care.massage.email in m.to and "HQ" in m.body]


def test_pause_for_n_days_then_reminders_resume(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    give_programme(app, care)
    choose(care.client, exercise_times=["12:00"], by_email=True)
    choices = services.Choices(
        enabled=True,
        times=["12:00"],
        days=list(range(7)),
        by_push=False,
        by_email=True,
        quiet_start="21:00",
        quiet_end="08:00",
        pause="3",
    )
    services.save_choices(db.session, care.client, choices, utc(2027, 3, 22, 10))
    db.session.commit()

    for n in range(4):
        services.send_due(db.session, utc(2027, 3, 22 + n, 12), pass_settings(smtp, vapid))

    rows = deliveries(care.client, "exercise")
    assert [(r.due_at.day, r.status, r.outcome) for r in rows] == [
        (22, DeliveryStatus.SKIPPED, "paused by the client"),
        (23, DeliveryStatus.SKIPPED, "paused by the client"),
        (24, DeliveryStatus.SKIPPED, "paused by the client"),
        (25, DeliveryStatus.SENT, ""),
    ]
    assert len([m for m in smtp.mails if care.client.email in m.to]) == 1


def test_exercise_reminders_only_on_days_something_is_left_to_do(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    load_library(app)
    programme = programmes.programme_for(db.session, care.client, care.client.active_care_plan)
    strength = db.session.get(Exercise, "S7")  # three days a week, a day's rest between
    assert strength is not None and strength.days_per_week == 3
    rx = programmes.prescribe(
        db.session,
        programme,
        strength,
        dose=Dose.of(strength),
        note="",
        reason="Strength.",
        by=care.physio,
        now=SET_UP_AT,
    )
    programmes.mark_changes_seen(programme, programme.version)
    db.session.commit()
    choose(care.client, exercise_times=["12:00"], by_email=True)
    monday = date(2027, 3, 22)
    programmes.log_exercise(
        db.session,
        care.client,
        rx,
        client_entry_id=str(uuid.uuid4()),
        now=at(LONDON, monday, "07:00"),
        timezone=LONDON,
    )
    db.session.commit()

    for n in range(3):  # Monday (done), Tuesday (a rest day), Wednesday (due)
        services.send_due(
            db.session, at(LONDON, monday + timedelta(days=n), "12:00"), pass_settings(smtp, vapid)
        )

    rows = deliveries(care.client, "exercise")
    assert [(wall(r.due_at, LONDON)[0].day, r.status) for r in rows] == [
        (22, DeliveryStatus.SKIPPED),
        (23, DeliveryStatus.SKIPPED),  # nothing to do on a rest day: no "time for exercises"
        (24, DeliveryStatus.SENT),
    ]


def test_stop_all_means_nothing_is_planned_and_nothing_planned_is_sent(
    app: Flask, smtp: SmtpSink, push: PushSink, vapid: dict[str, str]
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    give_programme(app, care)
    choose(care.client, exercise_times=["12:00"], by_email=True)
    subscribe(care.client, push)
    visit_for(care, AppointmentKind.MASSAGE, date(2027, 3, 24), time(12), SET_UP_AT)
    db.session.commit()
    noon = utc(2027, 3, 23, 12)
    planning.plan(db.session, noon)  # the exercise and the 24 h reminder, by email and push
    db.session.commit()
    assert len(deliveries(care.client)) == 4

    choose(care.client, enabled=False)
    change_programme(care, noon)
    services.send_due(db.session, noon, pass_settings(smtp, vapid))

    assert {(r.status, r.outcome) for r in deliveries(care.client)} == {
        (DeliveryStatus.SKIPPED, "reminders stopped by the client")
    }
    assert not dues(utc(2027, 3, 22), utc(2027, 4, 5), who=care.client)
    assert not push.received
    assert not [m for m in smtp.mails if care.client.email in m.to]


def test_channels_push_only_with_a_subscription_and_email_only_when_chosen(
    app: Flask, push: PushSink
) -> None:
    care = care_team("Islington", LONDON, "Dana Reyes")
    choose(care.client, exercise_times=["12:00"])  # the defaults: push on, email off
    window = (utc(2027, 3, 24, 11), utc(2027, 3, 24, 13))

    assert not dues(*window, who=care.client)  # push chosen, but no phone subscribed
    subscribe(care.client, push)
    assert [d.channel for d in dues(*window, who=care.client)] == ["push"]
    choose(care.client, by_email=True)
    assert [d.channel for d in dues(*window, who=care.client)] == ["email", "push"]
    choose(care.client, by_push=False)
    assert [d.channel for d in dues(*window, who=care.client)] == ["email"]


def test_clients_never_signed_in_or_disabled_and_disabled_therapists_get_nothing(
    app: Flask, push: PushSink
) -> None:
    newcomer = care_team("Islington", LONDON, "Dana Reyes", password=None)
    disabled = care_team("Camden", LONDON, "Eli Brooks")
    for care in (newcomer, disabled):
        give_programme(app, care)
        choose(care.client, exercise_times=["12:00"], by_email=True)
        subscribe(care.client, push)
        visit_for(care, AppointmentKind.MASSAGE, date(2027, 3, 24), time(12), SET_UP_AT)
        write_diary(care.client, utc(2027, 3, 20, 12), LONDON)
        change_programme(care, utc(2027, 3, 23, 15))
    disabled.client.active = False
    disabled.massage.active = False
    db.session.commit()

    found = dues(utc(2027, 3, 22), utc(2027, 3, 26))

    assert {d.recipient_id for d in found} == {
        newcomer.massage.id,
        newcomer.physio.id,
        disabled.physio.id,
    }
    assert {d.kind for d in found} == {"digest"}


def test_planning_twice_adds_nothing_the_second_time(app: Flask, push: PushSink) -> None:
    for centre, zone, name in [
        ("Islington", LONDON, "Dana Reyes"),
        ("Surry Hills", SYDNEY, "Harriet Quinn"),
        ("Brooklyn", NEW_YORK, "Chen Wei"),
    ]:
        care = care_team(centre, zone, name)
        choose(care.client, exercise_times=["08:30", "12:00", "18:00"], by_email=True)
        subscribe(care.client, push)
    now = utc(2027, 3, 24, 12)  # noon in London, 23:00 in Sydney, 08:00 in New York

    first = planning.plan(db.session, now)
    db.session.commit()
    second = planning.plan(db.session, now)
    db.session.commit()

    assert first > 0
    assert second == 0
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == first
    # Half an hour on, only what fell due in that half hour is new.
    third = planning.plan(db.session, now + HALF_HOUR)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == first + third


# === B. Fourteen days, three zones, two racing passes ============================================

START = utc(2027, 3, 22)
END = utc(2027, 4, 5)
STEP = HALF_HOUR
LOOKBACK = timedelta(hours=3)  # a pass also sends what fell due this recently (a first pass)


@dataclass
class Person:
    """A simulated client: their choices, and what they do."""

    name: str
    centre: str
    zone: str
    times: list[str]
    days: list[int]
    by_push: bool
    by_email: bool
    quiet: tuple[str, str]
    late: str  # when they do the day's exercise on a day they do it late
    diary: list[tuple[date, str]] = field(default_factory=list)
    care: Care | None = None

    @property
    def client(self) -> User:
        assert self.care is not None
        return self.care.client

    def channels(self) -> list[str]:
        return [c for c, on in (("email", self.by_email), ("push", self.by_push)) if on]


def hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_at(moment: datetime, person: Person) -> bool:
    start, end = hhmm(person.quiet[0]), hhmm(person.quiet[1])
    local = moment.astimezone(ZoneInfo(person.zone)).time()
    if start == end:
        return False
    return start <= local < end if start < end else (local >= start or local < end)


def after_quiet(moment: datetime, person: Person) -> datetime:
    if not quiet_at(moment, person):
        return moment
    local = moment.astimezone(ZoneInfo(person.zone))
    end = hhmm(person.quiet[1])
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return at(person.zone, day, person.quiet[1])


def exercise_day(day: date) -> str:
    """What the client does with the day's exercise: before any reminder, late, or not at all."""
    return ("early", "late", "not")[day.toordinal() % 3]


@dataclass
class Visit:
    person: Person
    kind: AppointmentKind
    day: date
    clock: str
    moved_at: tuple[date, str] | None = None  # local time the clinic moves it
    moved_to: tuple[date, str] | None = None
    cancelled_at: tuple[date, str] | None = None
    appointment: Appointment | None = None


Key = tuple[str, str, date, str, str]  # who, kind, local date, local time, channel


def sim_people() -> list[Person]:
    return [
        Person(
            "Alice Hart",
            "Islington",
            LONDON,
            ["07:30", "08:30"],  # 07:30 is in quiet hours: never sent
            list(range(7)),
            by_push=True,
            by_email=True,
            quiet=("21:00", "08:00"),
            late="10:00",
            diary=[(date(2027, 3, 21), "12:00"), (date(2027, 3, 26), "12:00")]
            + [(date(2027, 4, 1), "12:00")],
        ),
        Person(
            "Bruno Silva",
            "Surry Hills",
            SYDNEY,
            ["08:30", "20:30"],  # the repeat (23:30) is in quiet hours: never sent
            [0, 1, 2, 3, 4],
            by_push=True,
            by_email=False,
            quiet=("21:00", "08:00"),
            late="12:00",
            diary=[(date(2027, 3, 20) + timedelta(days=n), "19:00") for n in range(0, 17, 2)],
        ),
        Person(
            "Chen Wei",
            "Brooklyn",
            NEW_YORK,
            ["07:30", "12:00"],
            [0, 2, 4, 5],
            by_push=False,
            by_email=True,
            quiet=("20:00", "09:00"),
            late="13:00",
            diary=[(date(2027, 3, 23), "12:00"), (date(2027, 3, 26), "10:00")],
        ),
    ]


def sim_visits(alice: Person, bruno: Person, chen: Person) -> list[Visit]:
    return [
        Visit(alice, AppointmentKind.MASSAGE, date(2027, 3, 24), "09:00"),
        Visit(alice, AppointmentKind.COMBINED, date(2027, 3, 28), "11:00"),  # clocks changed
        Visit(
            bruno,
            AppointmentKind.PHYSIO,
            date(2027, 3, 30),
            "10:00",
            moved_at=(date(2027, 3, 29), "12:00"),  # after its 24 h reminder went
            moved_to=(date(2027, 4, 4), "15:00"),  # the day Sydney's clocks go back
        ),
        Visit(
            chen,
            AppointmentKind.MASSAGE,
            date(2027, 3, 26),
            "10:00",
            cancelled_at=(date(2027, 3, 25), "12:00"),  # after its 24 h reminder went
        ),
        Visit(chen, AppointmentKind.PHYSIO, date(2027, 4, 1), "16:00"),
    ]


# Programme changes: who, local day, local time, and when the client saw it (local) or None.
Change = tuple[Person, date, str, str | None]


def sim_changes(alice: Person, bruno: Person, chen: Person) -> list[Change]:
    return [
        (alice, date(2027, 3, 30), "15:00", None),
        (bruno, date(2027, 3, 25), "23:00", None),  # in quiet hours: told at 08:00
        (chen, date(2027, 3, 27), "21:00", "22:00"),  # seen before quiet hours end: not told
    ]


def sim_days() -> list[date]:
    return [date(2027, 3, 20) + timedelta(days=n) for n in range(18)]


@dataclass
class Expect:
    """The timetable worked out from the clients' choices and what happens in the fortnight."""

    wanted: Counter[Key] = field(default_factory=Counter)
    last: datetime = END - STEP

    def send_time(self, due: datetime) -> datetime | None:
        """When a pass sends what falls due at ``due`` (passes run every STEP from START)."""
        if not START - LOOKBACK <= due <= self.last:
            return None
        assert (due - START) % STEP == timedelta(0), due
        return max(due, START)

    def add(self, person: Person, kind: str, due: datetime, channels: list[str]) -> None:
        sent = self.send_time(due)
        if sent is None or quiet_at(sent, person):
            return
        day, clock = wall(due, person.zone)
        for channel in channels:
            self.wanted[(person.name, kind, day, clock, channel)] += 1


def expected_timetable(
    people: list[Person],
    visits: list[Visit],
    changes: list[Change],
    therapists: dict[str, str],
) -> Counter[Key]:
    expect = Expect()
    for person in people:
        zone = person.zone

        def done_by(day: date, moment: datetime, person: Person = person) -> bool:
            plan = exercise_day(day)
            done_at = {"early": "07:00", "late": person.late}.get(plan)
            return done_at is not None and at(person.zone, day, done_at) <= moment

        times = sorted(person.times, key=hhmm)
        for day in sim_days():
            if day.weekday() in person.days:
                moments = [(at(zone, day, t), "exercise") for t in times]
                moments.append((at(zone, day, times[-1]) + timedelta(hours=3), "exercise_repeat"))
                for due, kind in moments:
                    sent = expect.send_time(due)
                    if quiet_at(due, person) or sent is None or done_by(day, sent):
                        continue
                    expect.add(person, kind, due, person.channels())
            nudge = after_quiet(at(zone, day, times[0]), person)
            written = [d for d, t in person.diary if at(zone, d, t) <= nudge]
            last = max(written, default=date(2026, 10, 1))
            if (day - last).days == 3:
                expect.add(person, "diary_nudge", nudge, person.channels())
    for visit in visits:
        zone = visit.person.zone
        versions: list[tuple[datetime, datetime | None]] = []
        until = None
        if visit.moved_at and visit.moved_to:
            until = at(zone, *visit.moved_at)
            versions.append((at(zone, *visit.moved_to), None))
        if visit.cancelled_at:
            until = at(zone, *visit.cancelled_at)
        versions.append((at(zone, visit.day, visit.clock), until))
        for starts, valid_until in versions:
            for kind, lead in (("appointment_24h", 24), ("appointment_2h", 2)):
                due = after_quiet(starts - timedelta(hours=lead), visit.person)
                if due >= starts or (valid_until is not None and due >= valid_until):
                    continue
                if valid_until is None and visit.moved_at and due < at(zone, *visit.moved_at):
                    continue
                expect.add(visit.person, kind, due, visit.person.channels())
    for person, day, clock, seen in changes:
        due = after_quiet(at(person.zone, day, clock), person)
        if seen is None or at(person.zone, day, seen) > due:
            expect.add(person, "programme_changed", due, person.channels())
    for name, zone in therapists.items():
        for day in sim_days():
            due = at(zone, day, "07:30")
            if expect.send_time(due) is not None:
                expect.wanted[(name, "digest", day, "07:30", "email")] += 1
    return expect.wanted


def move_visit(appointment: Appointment, when: datetime, day: date, clock: str) -> None:
    booking.move(
        db.session, appointment, day=day, clock=hhmm(clock), rest_of_series=False, now=when
    )
    db.session.commit()


def cancel_visit(appointment: Appointment, when: datetime) -> None:
    booking.cancel(
        db.session,
        appointment,
        status=AppointmentStatus.CANCELLED_BY_CLINIC,
        rest_of_series=False,
        now=when,
    )
    db.session.commit()


def see_changes(client: User) -> None:
    programme = programmes.programme_of(db.session, client)
    assert programme is not None
    programmes.mark_changes_seen(programme, programme.version)
    db.session.commit()


Event = tuple[datetime, Callable[[], None]]


def sim_events(people: list[Person], visits: list[Visit], changes: list[Change]) -> list[Event]:
    """Book the visits now; return what everyone does later, in time order."""
    events: list[Event] = []
    for person in people:
        assert person.care is not None
        for day, clock in person.diary:
            moment = at(person.zone, day, clock)
            events.append((moment, partial(write_diary, person.client, moment, person.zone)))
        for day in sim_days():
            plan = exercise_day(day)
            if plan != "not":
                moment = at(person.zone, day, "07:00" if plan == "early" else person.late)
                events.append((moment, partial(log_exercise, person.care, moment, person.zone)))
    for visit in visits:
        zone, care = visit.person.zone, visit.person.care
        assert care is not None
        appointment = visit_for(care, visit.kind, visit.day, hhmm(visit.clock), SET_UP_AT)
        visit.appointment = appointment
        if visit.moved_at and visit.moved_to:
            moment = at(zone, *visit.moved_at)
            events.append((moment, partial(move_visit, appointment, moment, *visit.moved_to)))
        if visit.cancelled_at:
            moment = at(zone, *visit.cancelled_at)
            events.append((moment, partial(cancel_visit, appointment, moment)))
    db.session.commit()
    for person, day, clock, seen in changes:
        assert person.care is not None
        moment = at(person.zone, day, clock)
        events.append((moment, partial(change_programme, person.care, moment)))
        if seen is not None:
            events.append((at(person.zone, day, seen), partial(see_changes, person.client)))
    return sorted(events, key=lambda e: e[0])


def delivery_id(message_id: str) -> int:
    found = re.fullmatch(r"<delivery-(\d+)@continuum.invalid>", message_id)
    assert found is not None, message_id
    return int(found.group(1))


def test_fourteen_days_across_daylight_saving_in_three_zones_exactly_once(
    app: Flask,
    database_url: str,
    smtp: SmtpSink,
    push: PushSink,
    vapid: dict[str, str],
) -> None:
    people = sim_people()
    therapists: dict[str, str] = {}
    for person in people:
        person.care = care_team(person.centre, person.zone, person.name)
        therapists.update({t.name: person.zone for t in (person.care.massage, person.care.physio)})
        give_programme(app, person.care)
        choose(
            person.client,
            exercise_times=person.times,
            exercise_days=person.days,
            by_push=person.by_push,
            by_email=person.by_email,
            quiet_start=person.quiet[0],
            quiet_end=person.quiet[1],
        )
        if person.by_push:
            subscribe(person.client, push)
    visits = sim_visits(*people)
    changes = sim_changes(*people)
    events = sim_events(people, visits, changes)
    expected = expected_timetable(people, visits, changes, therapists)

    # Everything before the fortnight has happened already.
    while events and events[0][0] <= START - LOOKBACK:
        events.pop(0)[1]()

    # Two send-due processes race at every tick. A tick has a handful of rows due; claimed one
    # at a time, both get some of them.
    config = {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SMTP_URL": smtp.url,
        "VAPID_PRIVATE_KEY": vapid["private"],
        "VAPID_PUBLIC_KEY": vapid["public"],
    }
    tallies: list[tuple[datetime, services.Tally]] = []
    started = timer.perf_counter()
    with Racers(config, count=2, claim_batch=1) as racers:
        now = START
        while now < END:
            while events and events[0][0] <= now:
                events.pop(0)[1]()
            db.session.commit()
            tallies.extend((now, tally) for tally in racers.run(now))
            now += STEP
    elapsed = timer.perf_counter() - started
    db.session.expire_all()

    # What each sink received, keyed back to its outbox row: each exactly once.
    by_message_id = Counter(m.message_id for m in smtp.mails)
    by_topic = Counter(p.topic for p in push.received)
    assert not [k for k, n in by_message_id.items() if n != 1], "an email arrived twice"
    assert not [k for k, n in by_topic.items() if n != 1], "a push arrived twice"
    assert not push.refused
    ids = {delivery_id(m) for m in by_message_id} | {int(t[1:]) for t in by_topic if t}
    rows = {r.id: r for r in db.session.scalars(select(Delivery))}
    sent = {i for i, r in rows.items() if r.status is DeliveryStatus.SENT}
    assert ids == sent
    zones = {p.name: p.zone for p in people} | therapists
    names = {u.id: u.name for u in db.session.scalars(select(User))}

    def key(row: Delivery) -> Key:
        name = names[row.recipient_id]
        day, clock = wall(row.due_at, zones[name])
        return (name, row.kind, day, clock, row.channel)

    received = Counter(key(rows[i]) for i in ids)
    missing = sorted(set(expected) - set(received))
    unexpected = sorted(set(received) - set(expected))
    assert not missing, f"expected but not received: {missing}"
    assert not unexpected, f"received but not expected: {unexpected}"
    assert received == expected

    # None in quiet hours, each on time, and nothing stuck or given up.
    person_of = {p.name: p for p in people}
    for i in sent:
        row = rows[i]
        assert row.sent_at == max(row.due_at, START)
        person = person_of.get(names[row.recipient_id])
        if person is not None:
            assert not quiet_at(row.sent_at, person), (key(row), row.sent_at)
    statuses = Counter(r.status for r in rows.values())
    assert set(statuses) <= {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}, statuses
    outcomes = Counter(r.outcome for r in rows.values() if r.status is DeliveryStatus.SKIPPED)
    assert outcomes["today's exercises are done"] > 10  # reminders skipped once done
    assert sum(t.sent for _, t in tallies) == len(sent)

    # What the messages say: no names, and the moved visit at its new local time.
    client_names = {p.name for p in people} | {part for p in people for part in p.name.split()}
    for mail in smtp.mails:
        assert not [n for n in client_names if n in mail.body]
    for each in push.received:
        assert not [n for n in client_names if n in each.payload["body"]]
    moved = [
        each.payload["body"]
        for each in push.received
        if "session" in each.payload["body"] and "4 Apr" in each.payload["body"]
    ]
    assert len(moved) == 2
    assert all("Sun 4 Apr at 15:00 at Surry Hills" in body for body in moved)

    kinds = Counter(k[1] for k in expected.elements())
    busy = Counter(now for now, t in tallies if t.sent)
    assert any(n == 2 for n in busy.values()), "the two passes never shared a tick's work"
    print(
        f"\n{len(sent)} sent ({dict(kinds)}), {sum(outcomes.values())} skipped, in {elapsed:.1f} s;"
        f" both passes sent at {sum(n == 2 for n in busy.values())} of {len(busy)} busy ticks"
    )
    assert elapsed < 90
