"""Server time of the pre-session brief and the caseload at scale, on SQLite and PostgreSQL.

Targets: ``GET /clients/<id>/brief`` p95 ≤ 50 ms for a client two years into care, seen by a
physiotherapist on their care team, and ``GET /caseload/`` p95 ≤ 150 ms for a therapist with
200 active clients. Runs in-process through the WSGI app (no network), like bench/run.py, on a
fresh SQLite file and a fresh PostgreSQL database (skipped with a note when no server answers),
and prints the rows created, the setup time, the SQL queries per request and p50/p95/max.
Usage: make bench   (or python bench/brief_and_caseload.py -n 50 --rounds 3 [--queries])
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import JSON
from sqlalchemy import Enum
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import signin  # noqa: E402
import sync_and_size  # noqa: E402
from flask import Flask  # noqa: E402
from run import cpu_model  # noqa: E402
from run import percentile  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.auth.passwords import hash_password  # noqa: E402
from webapp.brief import rules  # noqa: E402
from webapp.caseload import services as caseload  # noqa: E402
from webapp.demo.services import DEMO_TOTP_SECRET  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.library import services as library  # noqa: E402
from webapp.localtime import local_day  # noqa: E402
from webapp.localtime import to_utc  # noqa: E402
from webapp.localtime import week_start  # noqa: E402
from webapp.models import Appointment  # noqa: E402
from webapp.models import AppointmentKind  # noqa: E402
from webapp.models import AppointmentSlot  # noqa: E402
from webapp.models import AppointmentStatus  # noqa: E402
from webapp.models import CareAlert  # noqa: E402
from webapp.models import CarePlan  # noqa: E402
from webapp.models import Centre  # noqa: E402
from webapp.models import Condition  # noqa: E402
from webapp.models import DiaryEntry  # noqa: E402
from webapp.models import Difficulty  # noqa: E402
from webapp.models import Discipline  # noqa: E402
from webapp.models import EntryKind  # noqa: E402
from webapp.models import Exercise  # noqa: E402
from webapp.models import ExerciseLog  # noqa: E402
from webapp.models import GlobalRating  # noqa: E402
from webapp.models import NoteAddendum  # noqa: E402
from webapp.models import PhaseChange  # noqa: E402
from webapp.models import Prescription  # noqa: E402
from webapp.models import PsfsActivity  # noqa: E402
from webapp.models import PsfsScore  # noqa: E402
from webapp.models import RedFlagScreen  # noqa: E402
from webapp.models import Referral  # noqa: E402
from webapp.models import Role  # noqa: E402
from webapp.models import SessionNote  # noqa: E402
from webapp.models import Urgency  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import now_utc  # noqa: E402
from webapp.pathway import services as pathway  # noqa: E402
from webapp.programmes import services as programmes  # noqa: E402

PASSWORD = "bench horse battery staple"
DOMAIN = "bench.continuum.test"
HEAVY = "Hana Twoyears"
HEAVY_DAYS = 730
CASELOAD = 200
WINDOW = 45  # days of diary and logs for each caseload client (about 6 weeks)
TARGETS = {"brief": 50.0, "caseload": 150.0}
CENTRES = [
    ("Bench Islington", "1 Upper Street, London N1", "Europe/London"),
    ("Bench Surry Hills", "2 Crown Street, Surry Hills NSW 2010", "Australia/Sydney"),
]
AREAS = {
    Condition.NECK_SHOULDER: ["neck", "shoulder_right", "upper_back"],
    Condition.SPORTS_INJURY: ["knee_left", "calf_left"],
    Condition.POSTURAL: ["upper_back", "neck"],
    Condition.LOW_BACK: ["low_back", "buttock_left", "thigh_left"],
    Condition.REPETITIVE_STRAIN: ["arm_right", "hand_right"],
    Condition.JOINT_STIFFNESS: ["neck", "hip_right"],
    Condition.POST_OP: ["knee_right"],
}
FIRST_NAMES = (
    "Aisha Ben Carla Dev Elif Femi Gita Hugo Ines Jon Kemi Luca Maya Nico Omar Pia Quinn Rosa "
    "Sami Tara Uma Vik Wren Xena Yusuf Zoe"
).split()
LAST_NAMES = "Ahmed Brown Clarke Davies Evans Fraser Green Hughes Iqbal Jones Khan Lopez".split()


# --- Stories -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """How a client's diary and exercise logs go; each field makes some flag fire."""

    pain: tuple[float, float] = (6.0, 3.0)  # daily pain at the start and the end of the data
    adherence: float = 0.85  # share of due exercise sessions done
    miss: float = 0.08  # share of days without a check-in
    flares: tuple[tuple[int, int], ...] = ()  # (started days ago, length in days)
    stopped_days_ago: int = 1  # the last day anything was logged
    last_week: float = 0.0  # added to the pain of the last 7 days (P1)
    severe: bool = False  # worst pain 8+ on several days of the last week (P3)
    poor_sleep: bool = False  # S1
    high_stress: bool = False  # S2
    sore_exercise: bool = False  # exercise pain above 5 this week (E1)
    red_flag: bool = False  # a ticked weekly screen and an open alert (R1)


# (weight, name, story) for the caseload clients; the rest of the variety comes from the rng.
ARCHETYPES: list[tuple[int, str, Story]] = [
    (34, "improving", Story(pain=(6.5, 2.5))),
    (18, "steady", Story(pain=(4.0, 4.0), adherence=0.9)),
    (8, "worse", Story(pain=(4.0, 3.5), last_week=2.5)),
    (8, "flare", Story(pain=(5.0, 4.0), flares=((4, 3),))),
    (7, "quiet", Story(pain=(5.0, 4.0), stopped_days_ago=10)),
    (9, "low adherence", Story(pain=(5.0, 4.5), adherence=0.45)),
    (4, "severe", Story(pain=(6.0, 6.0), severe=True)),
    (5, "sleep and stress", Story(pain=(5.0, 4.0), poor_sleep=True, high_stress=True)),
    (5, "sore exercise", Story(pain=(5.0, 4.0), sore_exercise=True)),
    (2, "red flag", Story(pain=(5.0, 5.0), red_flag=True)),
]


# --- Rows ----------------------------------------------------------------------------------------


def _entry_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


def diary_rows(
    client_id: int,
    timezone: str,
    areas: list[str],
    first: date,
    today: date,
    story: Story,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Daily check-ins from ``first`` to the story's last day, and a quick log now and then."""
    zone = ZoneInfo(timezone)
    last = today - timedelta(days=story.stopped_days_ago)
    span = max((last - first).days, 1)
    rows = []
    day = first
    while day <= last:
        ago = (today - day).days
        if rng.random() < story.miss and ago > 1:
            day += timedelta(days=1)
            continue
        start, end = story.pain
        pain = start + (end - start) * (day - first).days / span + rng.uniform(-0.8, 0.8)
        flare = False
        for began, length in story.flares:
            if began - length < ago <= began:
                pain += 3
                flare = ago == began  # ticked on the day it began
        if ago <= 6:
            pain += story.last_week
        pain_now = _clamp(pain)
        worst = min(10, pain_now + rng.randint(1, 2))
        if story.severe and ago <= 6 and rng.random() < 0.6:
            worst = rng.randint(8, 9)
        sleep = _clamp(8 - pain_now * 0.5 + rng.uniform(-1, 1))
        if story.poor_sleep and ago <= 6:
            sleep = rng.randint(1, 3)
        stress = _clamp(3 + rng.uniform(-1, 3))
        if story.high_stress and ago <= 6:
            stress = rng.randint(7, 9)
        recorded = datetime.combine(day, clock(20, rng.randint(0, 59)), zone)
        rows.append(
            {
                "client_entry_id": _entry_id(rng),
                "client_id": client_id,
                "kind": EntryKind.CHECKIN,
                "local_date": day,
                "recorded_at": recorded,
                "timezone": timezone,
                "utc_offset_minutes": int(recorded.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
                "pain_now": pain_now,
                "pain_worst": worst,
                "sleep": sleep,
                "stress": stress,
                "flare": flare,
                "areas": areas[: 1 + int(pain_now > 4) + int(pain_now > 6)],
                "notes": "Stiff after sitting all afternoon." if rng.random() < 0.1 else "",
                "received_at": recorded,
                "updated_at": recorded,
            }
        )
        if rng.random() < 0.15:  # a quick pain log from Today
            quick = datetime.combine(day, clock(13, rng.randint(0, 59)), zone)
            rows.append(
                {
                    "client_entry_id": _entry_id(rng),
                    "client_id": client_id,
                    "kind": EntryKind.QUICK,
                    "local_date": day,
                    "recorded_at": quick,
                    "timezone": timezone,
                    "utc_offset_minutes": int(quick.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
                    "pain_now": _clamp(pain_now + rng.choice((-1, 0, 1, 2))),
                    "pain_worst": None,
                    "sleep": None,
                    "stress": None,
                    "flare": None,
                    "areas": areas[:1],
                    "notes": "",
                    "received_at": quick,
                    "updated_at": quick,
                }
            )
        day += timedelta(days=1)
    return rows


def _sessions_due(rx: Prescription, day: date) -> int:
    if rx.times_per_day:
        return rx.times_per_day
    weekdays = {1: (2,), 2: (1, 4), 3: (0, 2, 4), 4: (0, 1, 3, 5), 5: (0, 1, 2, 3, 4)}
    return int(day.weekday() in weekdays.get(rx.days_per_week or 7, range(7)))


def log_rows(
    client_id: int,
    timezone: str,
    prescriptions: list[Prescription],
    first: date,
    today: date,
    story: Story,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Exercise sessions for every prescription while it was in force, rated now and then."""
    zone = ZoneInfo(timezone)
    last = today - timedelta(days=story.stopped_days_ago)
    rows = []
    for rx in prescriptions:
        day = max(first, local_day(rx.started_at, timezone))
        stop = local_day(rx.ended_at, timezone) if rx.ended_at else last + timedelta(days=1)
        spacing = 14 // (rx.times_per_day or 1)
        while day < stop and day <= last:
            ago = (today - day).days
            # A 3-week lapse every 27 weeks or so, at a different time for each client.
            lapse = 0.5 if ((day.toordinal() + 37 * client_id) // 21) % 9 == 4 else 1.0
            for n in range(_sessions_due(rx, day)):
                if rng.random() > story.adherence * lapse:
                    continue
                hour = min(7 + n * spacing + rng.randint(0, 1), 22)
                performed = datetime.combine(day, clock(hour, rng.randint(0, 59)), zone)
                pain = difficulty = None
                if story.sore_exercise and ago <= 5 and rng.random() < 0.5:
                    pain, difficulty = rng.randint(6, 7), Difficulty.TOO_HARD
                elif rng.random() < 0.3:
                    pain = rng.randint(0, 4)
                    roll = rng.random()
                    difficulty = (
                        Difficulty.ABOUT_RIGHT
                        if roll < 0.7
                        else Difficulty.TOO_EASY
                        if roll < 0.9
                        else Difficulty.TOO_HARD
                    )
                rows.append(
                    {
                        "client_entry_id": _entry_id(rng),
                        "client_id": client_id,
                        "prescription_id": rx.id,
                        "performed_at": performed,
                        "local_date": day,
                        "timezone": timezone,
                        "sets_done": rx.sets if rng.random() < 0.9 else max(rx.sets - 1, 1),
                        "pain_during": pain,
                        "difficulty": difficulty,
                        "with_timer": rng.random() < 0.4,
                        "received_at": performed,
                    }
                )
            day += timedelta(days=1)
    return rows


def measure_rows(
    session: Session,
    client: User,
    physio: User,
    first: date,
    today: date,
    story: Story,
    activities: tuple[str, ...],
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """PSFS scores every week, the weekly red-flag screen, and a GROC every 4 weeks."""
    created = datetime.combine(first, clock(12), ZoneInfo("UTC"))
    named = [
        PsfsActivity(client_id=client.id, name=name, created_by_id=physio.id, created_at=created)
        for name in activities
    ]
    session.add_all(named)
    session.flush()
    last = today - timedelta(days=story.stopped_days_ago)
    weeks = []
    week = week_start(first) + timedelta(days=7)
    while week <= last:
        weeks.append(week)
        week += timedelta(days=7)
    scores, screens, grocs = [], [], []
    for n, week in enumerate(weeks):
        progress = n / max(len(weeks) - 1, 1)
        rated = datetime.combine(week, clock(19), ZoneInfo("UTC"))
        for index, activity in enumerate(named):
            level = 2 + index + 6 * progress + rng.uniform(-1, 1)
            scores.append(
                {
                    "activity_id": activity.id,
                    "week_start": week,
                    "score": _clamp(level),
                    "recorded_at": rated,
                }
            )
        ticked: list[str] = []
        if story.red_flag and n == len(weeks) - 1:
            ticked = ["night_pain"]
        screens.append(
            {"client_id": client.id, "local_date": week, "ticked": ticked, "recorded_at": rated}
        )
        if n and n % 4 == 0:
            grocs.append(
                {
                    "client_id": client.id,
                    "local_date": week,
                    "score": max(-7, min(7, round(6 * progress + rng.uniform(-1.5, 1.5)))),
                    "recorded_at": rated,
                }
            )
    if story.red_flag:
        session.add(
            CareAlert(
                client_id=client.id,
                kind="red_flag",
                urgency="soon",
                summary="Weekly screen: Pain at night that doesn't ease whatever position",
                created_at=now_utc() - timedelta(days=1),
            )
        )
    return scores, screens, grocs


TREATMENTS = [
    "Soft tissue release to the lumbar paraspinals and gluteals, 20 minutes. Reviewed the "
    "home programme: form good on the bridge, reminded to keep the ribs down on the bird dog.",
    "Reassessed: flexion to mid-shin, extension full and pain-free. Progressed the hinge "
    "practice with a light kettlebell and talked through pacing the gardening at the weekend.",
    "Massage to the thoracolumbar fascia and hip flexors; client reports easier mornings "
    "and less stiffness after the school run. Discussed sleep position and a pillow between "
    "the knees.",
]


def visits(
    session: Session,
    plan: CarePlan,
    physio: User,
    massage: User,
    first: date,
    now: datetime,
    rng: random.Random,
    notes: bool,
) -> Counter[str]:
    """Weekly visits from ``first`` until now (mostly attended), the next one booked, and the
    care team's note after each attended visit when ``notes``."""
    made: Counter[str] = Counter()
    timezone = plan.centre.timezone
    day = first + timedelta(days=1)
    written: list[SessionNote] = []
    n = 0
    while True:
        starts = to_utc(day, clock(9 + rng.randint(0, 7), rng.choice((0, 30))), timezone)
        ends = starts + timedelta(minutes=30)
        kind = AppointmentKind.PHYSIO if n % 2 == 0 else AppointmentKind.MASSAGE
        therapist = physio if kind is AppointmentKind.PHYSIO else massage
        past = ends <= now
        roll = rng.random()
        status = AppointmentStatus.BOOKED
        if past:
            status = (
                AppointmentStatus.CANCELLED_BY_CLIENT
                if roll < 0.04
                else AppointmentStatus.NO_SHOW
                if roll < 0.06
                else AppointmentStatus.ATTENDED
            )
        appointment = Appointment(
            uid=f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@{DOMAIN}",
            client_id=plan.client_id,
            care_plan_id=plan.id,
            centre_id=plan.centre_id,
            kind=kind,
            starts_at=starts,
            ends_at=ends,
            status=status,
            created_at=starts - timedelta(days=7),
            updated_at=min(ends, now),
            slots=[
                AppointmentSlot(
                    therapist_id=therapist.id,
                    discipline=therapist.discipline,
                    starts_at=starts,
                    ends_at=ends,
                )
            ],
        )
        session.add(appointment)
        made["appointment"] += 1
        made["appointment_slot"] += 1
        if notes and status is AppointmentStatus.ATTENDED:
            note = SessionNote(
                client_id=plan.client_id,
                appointment=appointment,
                author_id=therapist.id,
                discipline=therapist.discipline,
                treatment=TREATMENTS[n % len(TREATMENTS)],
                findings="Pain 3/10 on arrival, 2/10 after. Lumbar flexion improving.",
                plan="Continue the programme; review the dose next visit.",
                handover="Sore after lifting at work on Tuesday; go gently." if n % 4 == 1 else "",
                client_summary="Good progress this week." if n % 3 == 0 else "",
                request_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                written_at=ends + timedelta(minutes=20),
            )
            session.add(note)
            written.append(note)
            made["session_note"] += 1
        n += 1
        if not past:
            break
        day += timedelta(days=7)
    for note in written[-3::2]:  # a correction to a couple of recent notes
        note.addenda.append(
            NoteAddendum(
                author_id=note.author_id,
                text="Correction: it was the left side, not the right.",
                request_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                written_at=note.written_at + timedelta(days=1),
            )
        )
        made["note_addendum"] += 1
    return made


def bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """A bulk insert: COPY on PostgreSQL (an executemany there is a round trip a row), one
    executemany on SQLite. The rows are plain values, as the columns' types would bind them."""
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    kinds = {name: table.c[name].type for name in names}
    plain = {
        name: (
            json.dumps
            if isinstance(kind, JSON)
            else (lambda v: v.value if v is not None else None)
            if isinstance(kind, Enum)
            else None
        )
        for name, kind in kinds.items()
    }
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([plain[n](row[n]) if plain[n] else row[n] for n in names])


# --- Seeding -------------------------------------------------------------------------------------


def _staff(name: str, discipline: Discipline, centres: list[Centre], profile: str) -> User:
    return User(
        name=name,
        email=f"{name.split()[0].lower()}@{DOMAIN}",
        role=Role.THERAPIST,
        discipline=discipline,
        centres=centres,
        password_hash=hash_password(PASSWORD, profile),
        totp_secret=DEMO_TOTP_SECRET,
        totp_enabled_at=now_utc(),
    )


def _client(name: str, n: int, centre: Centre) -> User:
    # Clients never sign in here, so no password (an invited client before they set one).
    return User(name=name, email=f"client{n:03d}@{DOMAIN}", role=Role.CLIENT, centres=[centre])


@dataclass
class Cast:
    brief_physio: str  # email
    caseload_physio: str
    heavy_id: int


def seed(session: Session, app: Flask, now: datetime) -> Cast:
    """The exercise library, two centres, their therapists, the heavy client and a caseload."""
    root = Path(app.config["EXERCISES_DIR"])
    library.load(session, root)
    session.flush()
    templates = library.library_at(root).templates
    exercises = {e.id: e for e in session.scalars(select(Exercise))}
    profile = app.config["PASSWORD_HASH_PROFILE"]
    centres = [Centre(name=n, address=a, timezone=tz) for n, a, tz in CENTRES]
    session.add_all(centres)
    sam = _staff("Sam Physio", Discipline.PHYSIO, centres[:1], profile)
    tom = _staff("Tom Massage", Discipline.MASSAGE, centres, profile)
    grace = _staff("Grace Physio", Discipline.PHYSIO, centres, profile)
    session.add_all([sam, tom, grace])
    session.flush()
    heavy = seed_heavy(session, centres[0], sam, tom, templates, exercises, now)
    seed_caseload(session, centres, grace, tom, templates, exercises, now)
    return Cast(sam.email, grace.email, heavy.id)


def seed_heavy(session, centre, physio, massage, templates, exercises, now) -> User:  # type: ignore[no-untyped-def]
    """Two years of care for low back pain: phase 1, then phase 2 a year in, 7 exercises now."""
    rng = random.Random("bench:heavy")
    timezone = centre.timezone
    today = local_day(now, timezone)
    first = today - timedelta(days=HEAVY_DAYS)
    started = to_utc(first, clock(10), timezone)
    halfway = started + timedelta(days=HEAVY_DAYS // 2)
    client = _client(HEAVY, 0, centre)
    session.add(client)
    plan = pathway.start_care_plan(
        session,
        client=client,
        centre=centre,
        condition=Condition.LOW_BACK,
        phase=1,
        team=[physio, massage],
        goals="Lift my daughter without worrying; garden all afternoon.",
        start_date=first,
        started_by=None,
        now=started,
    )
    plan.phase_changes.append(
        PhaseChange(
            from_phase=1,
            to_phase=2,
            reason="Pain settled and sleeping through; time to build movement and strength.",
            changed_by=physio,
            changed_at=halfway,
        )
    )
    plan.phase = 2
    session.flush()
    programme = programmes.programme_for(session, client, plan)
    programmes.start_from_template(
        session, programme, templates[Condition.LOW_BACK], 1, exercises, by=physio, now=started
    )
    for exercise_id in ("T5", "H4"):  # prescribed directly at the first review
        exercise = exercises[exercise_id]
        programmes.prescribe(
            session,
            programme,
            exercise,
            dose=programmes.Dose.of(exercise),
            note="Slowly, within comfort.",
            reason="Stiff in the mornings",
            by=physio,
            now=started + timedelta(days=14),
        )
    current = {rx.exercise.id: rx for rx in programme.current}
    programmes.remove(session, current["L1"], reason="No longer needed", by=physio, now=halfway)
    for exercise_id in ("L2", "H1"):  # progressed
        rx = current[exercise_id]
        dose = replace(programmes.Dose.of(rx), sets=min(rx.sets + 1, 10))
        programmes.change_dose(
            session, rx, dose=dose, note="", reason="Easy now", by=physio, now=halfway
        )
    for exercise_id in ("L5", "L6"):
        exercise = exercises[exercise_id]
        programmes.prescribe(
            session,
            programme,
            exercise,
            dose=programmes.Dose.of(exercise),
            note="",
            reason="Phase 2: movement and first strength",
            by=physio,
            now=halfway,
        )
    programme.client_seen_version = programme.version
    session.flush()
    story = Story(
        pain=(6.5, 2.5),
        adherence=0.85,
        flares=tuple((ago, rng.randint(2, 5)) for ago in range(HEAVY_DAYS - 20, 10, -67)),
    )
    areas = AREAS[Condition.LOW_BACK]
    bulk(session, DiaryEntry, diary_rows(client.id, timezone, areas, first, today, story, rng))
    bulk(
        session,
        ExerciseLog,
        log_rows(client.id, timezone, list(programme.prescriptions), first, today, story, rng),
    )
    activities = ("Lift my daughter", "Garden for an hour", "Sit through a film")
    scores, screens, grocs = measure_rows(
        session, client, physio, first, today, story, activities, rng
    )
    screens[len(screens) // 2]["ticked"] = ["new_numbness"]  # one, long ago, since resolved
    bulk(session, PsfsScore, scores)
    bulk(session, RedFlagScreen, screens)
    bulk(session, GlobalRating, grocs)
    visits(session, plan, physio, massage, first, now, rng, notes=True)
    for days_ago, open_ in ((400, False), (120, False), (3, True)):
        session.add(
            Referral(
                client_id=client.id,
                from_id=massage.id,
                to_discipline=Discipline.PHYSIO,
                reason="Tingling into the left thigh after massage; please check before next time.",
                body_region="low_back",
                urgency=Urgency.SOON,
                request_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                created_at=now - timedelta(days=days_ago),
                acknowledged_by_id=None if open_ else physio.id,
                acknowledged_at=None if open_ else now - timedelta(days=days_ago - 1),
            )
        )
    return client


def seed_caseload(session, centres, physio, massage, templates, exercises, now) -> None:  # type: ignore[no-untyped-def]
    """``CASELOAD`` clients on one physiotherapist's care teams, with about 6 weeks of data."""
    rng = random.Random("bench:caseload")
    weights = [w for w, _, _ in ARCHETYPES]
    conditions = list(Condition)
    clients = []
    for n in range(1, CASELOAD + 1):
        centre = centres[0] if n % 4 else centres[1]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n:03d}"
        client = _client(name, n, centre)
        session.add(client)
        condition = conditions[n % len(conditions)]
        today = local_day(now, centre.timezone)
        first = today - timedelta(days=rng.randint(21, 120))
        plan = pathway.start_care_plan(
            session,
            client=client,
            centre=centre,
            condition=condition,
            phase=rng.choice((1, 1, 2, 2, 3)),
            team=[physio, massage],
            goals="Back to normal life.",
            start_date=first,
            started_by=None,
            now=to_utc(first, clock(10), centre.timezone),
        )
        clients.append((client, plan, centre, condition, first, today))
    session.flush()
    diaries, logs, scores, screens, grocs = [], [], [], [], []
    for client, plan, centre, condition, first, today in clients:
        story = rng.choices([s for _, _, s in ARCHETYPES], weights)[0]
        story = replace(
            story,
            adherence=min(story.adherence + rng.uniform(-0.1, 0.1), 1.0),
            pain=(story.pain[0] + rng.uniform(-1, 1), story.pain[1] + rng.uniform(-1, 1)),
            stopped_days_ago=story.stopped_days_ago
            if story.stopped_days_ago == 1
            else rng.randint(8, 20),
        )
        since = max(first, today - timedelta(days=WINDOW))
        programme = programmes.programme_for(session, client, plan)
        programmes.start_from_template(
            session,
            programme,
            templates[condition],
            plan.phase,
            exercises,
            by=physio,
            now=to_utc(since, clock(11), centre.timezone),
        )
        programme.client_seen_version = programme.version
        session.flush()
        diaries += diary_rows(
            client.id, centre.timezone, AREAS[condition], since, today, story, rng
        )
        logs += log_rows(client.id, centre.timezone, programme.current, since, today, story, rng)
        more = measure_rows(
            session, client, physio, since, today, story, ("Sit at work", "Sleep"), rng
        )
        scores += more[0]
        screens += more[1]
        grocs += more[2]
        visits(session, plan, physio, massage, since, now, rng, notes=False)
    bulk(session, DiaryEntry, diaries)
    bulk(session, ExerciseLog, logs)
    bulk(session, PsfsScore, scores)
    bulk(session, RedFlagScreen, screens)
    bulk(session, GlobalRating, grocs)


COUNTED = [
    User,
    CarePlan,
    Prescription,
    DiaryEntry,
    ExerciseLog,
    PsfsScore,
    RedFlagScreen,
    GlobalRating,
    Appointment,
    SessionNote,
]


def row_counts(session: Session) -> str:
    return ", ".join(
        f"{model.__tablename__} {session.scalar(select(func.count()).select_from(model))}"
        for model in COUNTED
    )


def flag_tally(session: Session, email: str) -> str:
    """How many caseload clients have a flag above green, and which flags fired."""
    therapist = session.scalar(select(User).where(User.email == email))
    found, _plans = caseload.rows(session, therapist, now_utc())
    codes = Counter(f.code for row in found for f in row.summary.flags if f.level != rules.GREEN)
    flagged = sum(bool(row.summary.top_flags) or row.alert for row in found)
    listing = ", ".join(f"{code} {n}" for code, n in sorted(codes.items()))
    return f"{flagged} of {len(found)} clients flagged ({listing})"


# --- Measuring -----------------------------------------------------------------------------------


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    """Collect the SQL statements run on ``engine`` inside the block."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def timed(get: Callable[[], Any], n: int, rounds: int) -> tuple[float, float, float]:
    results = []
    for _ in range(rounds):
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            response = get()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        results.append((statistics.median(samples), percentile(samples, 0.95), max(samples)))
    p50, p95, worst = (statistics.median(r[i] for r in results) for i in range(3))
    return p50, p95, worst


def bench(app: Flask, label: str, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    """Seed ``app``'s fresh database, then time both pages; returns table rows."""
    start = time.perf_counter()
    with app.app_context():
        upgrade()
        cast = seed(db.session, app, now_utc())
        db.session.commit()
        counts = row_counts(db.session)
        flagged = flag_tally(db.session, cast.caseload_physio)
        engine = db.engine
    print(f"{label}: set up in {time.perf_counter() - start:.1f} s (migrations included): {counts}")
    print(f"  caseload flags: {flagged}")
    pages = [
        ("brief", cast.brief_physio, f"/clients/{cast.heavy_id}/brief", "2 years, 7 exercises"),
        ("caseload", cast.caseload_physio, "/caseload/", f"{CASELOAD} clients"),
    ]
    table = []
    for key, email, url, about in pages:
        http = app.test_client()
        signin.sign_in(http, email, PASSWORD, DEMO_TOTP_SECRET)
        warm = []
        for _ in range(args.warmup):
            begun = time.perf_counter()
            assert http.get(url).status_code == 200, url
            warm.append(time.perf_counter() - begun)
        gc.collect()
        gc.freeze()  # as gunicorn.conf.py does after a worker starts: startup objects stay put
        with counting(engine) as statements:
            http.get(url)
        if args.queries:
            print(f"  {url}: {len(statements)} statements")
            for text, times in Counter(" ".join(s.split())[:110] for s in statements).items():
                print(f"    {times:3} × {text}")
        # A slow page gets fewer requests (at least 10 a round), so the run stays short.
        fits = int(args.budget / args.rounds / statistics.median(warm[1:] or warm))
        n = max(min(args.n, fits), min(args.n, 10))
        p50, p95, worst = timed(lambda u=url, h=http: h.get(u), n, args.rounds)
        page = url.replace(str(cast.heavy_id), "<id>")
        table.append(
            (f"{page} ({about})", label, n, p50, p95, worst, TARGETS[key], len(statements))
        )
        if key == "caseload":
            # The same page with nothing cached: the first request after a restart, or after
            # every client's data changed at once.
            def cold(h: Any = http, u: str = url) -> Any:
                caseload.forget_cached()
                return h.get(u)

            p50, p95, worst = timed(cold, 10, args.rounds)
            table.append((f"{page} (cold cache)", label, 10, p50, p95, worst, None, None))
    return table


def fresh_app(url: str, instance: Path | None = None) -> Flask:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "BASE_URL": "http://localhost"}
    )
    if instance is not None:
        app.instance_path = str(instance)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="requests per page per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=5, help="requests before timing")
    parser.add_argument(
        "--budget", type=float, default=12.0, help="seconds of timed requests per page at most"
    )
    parser.add_argument("--queries", action="store_true", help="list each page's SQL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{args.rounds} rounds of {args.n} requests per page after {args.warmup} warm-ups"
    )
    folder = Path(tempfile.mkdtemp(prefix="continuum-bench-"))
    table = bench(fresh_app(f"sqlite:///{folder / 'bench.db'}", folder), "SQLite", args)
    pg_url = None if args.no_postgres else sync_and_size.postgres_database()
    if pg_url:
        pg_app = fresh_app(pg_url)
        try:
            table += bench(pg_app, "PostgreSQL", args)
        finally:
            with pg_app.app_context():
                db.engine.dispose()
            sync_and_size.drop_postgres(pg_url)
    elif not args.no_postgres:
        print("PostgreSQL: no server answered on 127.0.0.1:5432, so SQLite only")
    print(
        f"median of {args.rounds} rounds of n requests (fewer than {args.n} for a slow page); "
        "queries = SQL statements in one request"
    )
    print(
        f"{'page':44} {'database':10} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'target':>7} {'queries':>7}"
    )
    for page, label, n, p50, p95, worst, target, queries in table:
        verdict = ""
        if target is not None and p95 > target:
            verdict = f"  missed by {p95 - target:.1f} ms ({p95 / target:.1f}× the target)"
        goal = "≤ " + format(target, ".0f") if target is not None else "–"
        print(
            f"{page:44} {label:10} {n:3} {p50:8.1f} {p95:8.1f} {worst:8.1f} "
            f"{goal:>7} {queries if queries is not None else '–':>7}{verdict}"
        )


if __name__ == "__main__":
    main()
