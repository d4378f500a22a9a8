"""A company-sized data set for load tests, written in bulk into SQLite or PostgreSQL.

By default 20 centres (most in Europe/London, a few in Sydney, Melbourne, New York and Dublin),
300 therapists (15 a centre, physio and massage), an admin or two a centre and one for the
whole company, and 5,000 active clients, each with a care plan and its phase history, a care
team of their centre's physio and massage therapists, a programme of 4-7 library exercises for
their phase, and up to a year of daily check-ins, exercise logs, weekly PSFS ratings and
red-flag screens, GROC reviews, visits (past and booked) with session notes, reminder settings
and now and then a referral: about 7 million rows.

The schema comes from the real migrations, the exercises from ``exercises/``; rows are made a
few clients at a time and written with Core ``insert()`` executemany (SQLite) or ``COPY``
(PostgreSQL), through each column's type, so aware datetimes, enums, JSON and the sealed
authenticator secret are stored as the app stores them. Every account's password is
``PASSWORD``; staff also give a code from an authenticator app holding the demo key. Run it
with the SECRET_KEY the server will use, or the sealed secrets will not open.

Same ``--seed`` and ``--now``: the same rows. Prints rows per table and seconds per stage, then
signs a client, a therapist and an admin in through the app and times a few pages
(``--no-check`` skips that), and writes the sign-ins and every user's id to a JSON file.

Usage: python bench/generate.py --database-url sqlite:///instance/scale.db
       python bench/generate.py --database-url postgresql://postgres@127.0.0.1/continuum_scale
       [--centres 20 --therapists 300 --clients 5000 --days 365 --seed 1 --replace]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections import defaultdict
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import Table
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import make_url
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.engine import Dialect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.signin import sign_in  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.auth.passwords import hash_password  # noqa: E402
from webapp.config import normalise_database_url  # noqa: E402
from webapp.demo.diary import AREAS  # noqa: E402
from webapp.demo.services import DEMO_TOTP_SECRET  # noqa: E402
from webapp.diary import measures  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.library import services as library  # noqa: E402
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
from webapp.models import ExerciseLog  # noqa: E402
from webapp.models import GlobalRating  # noqa: E402
from webapp.models import NoteAddendum  # noqa: E402
from webapp.models import PhaseChange  # noqa: E402
from webapp.models import Prescription  # noqa: E402
from webapp.models import Programme  # noqa: E402
from webapp.models import ProgrammeChange  # noqa: E402
from webapp.models import PsfsActivity  # noqa: E402
from webapp.models import PsfsScore  # noqa: E402
from webapp.models import RedFlagScreen  # noqa: E402
from webapp.models import Referral  # noqa: E402
from webapp.models import ReminderSettings  # noqa: E402
from webapp.models import Role  # noqa: E402
from webapp.models import SessionNote  # noqa: E402
from webapp.models import Urgency  # noqa: E402
from webapp.models import User  # noqa: E402
from webapp.models import UTCDateTime  # noqa: E402
from webapp.models import care_team  # noqa: E402
from webapp.models import centre_membership  # noqa: E402
from webapp.models import now_utc  # noqa: E402

PASSWORD = "scale horse battery staple"
DOMAIN = "scale.continuum.test"
LONDON = "Europe/London"
ELSEWHERE = ["Australia/Sydney", "America/New_York", "Australia/Melbourne", "Europe/Dublin"]
TOWNS = (
    "Islington Hackney Camden Brixton Clapham Richmond Greenwich Ealing Harrow Bromley Croydon "
    "Walthamstow Wimbledon Putney Fulham Chiswick Stratford Highgate Dulwich Battersea Bath "
    "Bristol Leeds York Oxford Cambridge Brighton Norwich Exeter Chester"
).split()
FIRST_NAMES = (
    "Aisha Ben Carla Dev Elif Femi Gita Hugo Ines Jon Kemi Luca Maya Nico Omar Pia Quinn Rosa "
    "Sami Tara Uma Vik Wren Yusuf Zoe Amir Bea Cole Dina Eli Farah Gus Hana Ivo Jade Kai Lena "
    "Milo Nadia Otto Priya Rafi Sofia Theo Una Vera Will Xavi Yara Zane"
).split()
LAST_NAMES = (
    "Ahmed Brown Clarke Davies Evans Fraser Green Hughes Iqbal Jones Khan Lopez Murphy Novak "
    "Okafor Patel Quinn Reid Singh Taylor Usman Vance Walsh Young Zhang Bennett Carter Doyle "
    "Ellis Foster"
).split()
GOALS = {
    Condition.NECK_SHOULDER: "Work a full day at my desk without neck pain.",
    Condition.SPORTS_INJURY: "Run 5 km pain-free and get back to Sunday football.",
    Condition.POSTURAL: "Get through a working day without upper-back ache.",
    Condition.LOW_BACK: "Lift my children without worrying about my back.",
    Condition.REPETITIVE_STRAIN: "Type for an afternoon without forearm pain.",
    Condition.JOINT_STIFFNESS: "Turn my head fully when reversing the car.",
    Condition.POST_OP: "Walk to the shops without a stick.",
}
ACTIVITIES = [
    "Sit at my desk for an hour",
    "Sleep through the night",
    "Carry the shopping home",
    "Walk for 30 minutes",
    "Garden for an hour",
    "Climb the stairs at work",
    "Play with my children",
    "Swim 20 lengths",
]
PHASE_REASONS = {
    (1, 2): "Pain has settled and you're sleeping better: time to build movement and strength.",
    (2, 3): "Moving comfortably and keeping up the exercises; now we build strength to last.",
    (2, 1): "A flare has lasted over a week, so we're stepping back to calm things down.",
    (3, 2): "The load was a bit much this month; back to movement work for a few weeks.",
}
DIARY_NOTES = [
    "Stiff after sitting all afternoon.",
    "Long drive today, sore by the evening.",
    "Slept badly, better after the exercises.",
    "Good day, walked to work.",
    "Busy week at work, more tension than usual.",
]
TREATMENT = {
    Discipline.MASSAGE: [
        "Soft tissue release to the upper trapezius and levator scapulae, 40 minutes.",
        "Deep tissue massage to the lumbar paraspinals and gluteals; trigger points eased.",
        "Sports massage to both calves and the hamstrings before the return to running.",
        "Myofascial release to the forearm flexors and extensors; wrist mobilisations.",
    ],
    Discipline.PHYSIO: [
        "Reassessed range and strength; progressed the home programme and checked form.",
        "Joint mobilisations and motor control work; reviewed pacing for the week ahead.",
        "Loading review: added a set to the strength work, talked through sleep position.",
        "Assessment of the flare: reassured, reduced the dose for a week, taped for support.",
    ],
}
FINDINGS = [
    "Pain 4/10 on arrival, 2/10 after. Range improving.",
    "Tender at the same spot as last week, less so. No neurological signs.",
    "Moving more freely; a little guarding on the last part of the range.",
    "",
]
HANDOVERS = [
    "Sore after lifting at work on Tuesday; go gently on the low back.",
    "Keen to run again: please check the calf before progressing.",
    "Found the last massage too firm on the neck; lighter pressure.",
]
SUMMARIES = [
    "Good progress this week: keep going with the programme.",
    "We eased the tight spots; expect some soreness for a day.",
    "A small step back is normal; we've lowered the dose for a week.",
]
REFERRAL_REASONS = {
    Discipline.PHYSIO: "Pins and needles into the hand the evening after massage, gone by the "
    "morning. Please check before the next massage.",
    Discipline.MASSAGE: "Tight and sore since loading went up; massage would help keep to the "
    "plan.",
}
# Sessions of a days-per-week exercise fall on these weekdays (Monday is 0).
WEEKDAYS = {1: (2,), 2: (1, 4), 3: (0, 2, 4), 4: (0, 1, 3, 5), 5: (0, 1, 2, 3, 4)}
WEEKDAYS.update({6: (0, 1, 2, 3, 4, 5), 7: (0, 1, 2, 3, 4, 5, 6)})
# A therapist's week: Monday to Saturday, 09:00 to 17:00 on the hour, one client each.
SLOTS_A_WEEK = 6 * 9


# --- Time -----------------------------------------------------------------------------------------


class Calendar:
    """One zone's local days from ``days`` ago until two months ahead, by index (today is
    ``days - 1``), each with the UTC instant of its local midnight (at the day's noon offset,
    so any daytime clock time is exact, DST days included) and its offset in minutes."""

    AHEAD = 62

    def __init__(self, zone: str, now: datetime, days: int) -> None:
        tz = ZoneInfo(zone)
        self.zone = zone
        self.today = now.astimezone(tz).date()
        self.first = self.today - timedelta(days=days - 1)
        self.today_index = days - 1
        self.dates: list[date] = []
        self.bases: list[datetime] = []  # the UTC instant of local 00:00 at the day's noon offset
        self.offsets: list[int] = []
        for i in range(days + self.AHEAD):
            day = self.first + timedelta(days=i)
            offset = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
            assert offset is not None
            self.dates.append(day)
            self.offsets.append(int(offset.total_seconds() // 60))
            self.bases.append(datetime(day.year, day.month, day.day, tzinfo=UTC) - offset)
        self.weekdays = [d.weekday() for d in self.dates]

    def at(self, i: int, minutes: int) -> datetime:
        """The instant ``minutes`` after local midnight of day ``i`` (daytime is exact)."""
        return self.bases[i] + timedelta(minutes=minutes)


# --- Rows -----------------------------------------------------------------------------------------


Bound = dict[str, tuple[list[str], list[list[Any]]]]  # table -> (columns, rows of values)
# Ids made before the clients, so never renumbered: a chunk refers to them as they are.
GLOBAL = {"user", "centre"}


class Rows:
    """Rows waiting to be written, by table, numbered from 1 in each table (a chunk's rows are
    renumbered after the chunks before it when written: see ``Writer``)."""

    def __init__(self) -> None:
        self.pending: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        self.ids: Counter[Table] = Counter()
        self.numbered = {t: numbered(t) for t in db.metadata.sorted_tables}

    def add(self, table: Table, row: dict[str, Any]) -> int:
        """Queue a row; give it the table's next id unless it has one (or none is needed)."""
        self.pending[table].append(row)
        if self.numbered[table] and "id" not in row:
            self.ids[table] += 1
            row["id"] = self.ids[table]
        return row.get("id", 0)

    def bind(self, dialect: Dialect) -> Bound:
        """Every row's values in column order, through the columns' bind processors, as an
        INSERT binds them: aware datetimes, enums by value, JSON, sealed secrets."""
        bound: Bound = {}
        for table, rows in self.pending.items():
            names = [c.name for c in table.columns if c.name in rows[0]]  # as INSERT lists them
            # A processor is a function of the value, so each distinct value is bound once: a
            # row's instants are often the same one (recorded, received, updated).
            memos: dict[str, dict[Any, Any]] = defaultdict(dict)
            steps = []
            for i, name in enumerate(names):
                kind = table.c[name].type
                process = kind._cached_bind_processor(dialect)
                if process is not None:
                    memo = memos["utc" if isinstance(kind, UTCDateTime) else name]
                    steps.append((i, process, memo))
            values = []
            for row in rows:
                line = [row[n] for n in names]
                for i, process, memo in steps:
                    value = line[i]
                    key = tuple(value) if type(value) is list else value
                    try:
                        line[i] = memo[key]
                    except KeyError:
                        line[i] = memo[key] = process(value)
                values.append(line)
            bound[table.name] = (names, values)
        self.pending.clear()
        return bound


def numbered(table: Table) -> bool:
    return "id" in table.c and isinstance(table.c.id.type, Integer)


class Writer:
    """Bulk writes in foreign-key order: COPY on PostgreSQL, Core ``insert()`` executemany in
    batches on SQLite. Shifts a chunk's ids (and references to them) past earlier chunks'."""

    def __init__(self, connection: Connection, batch: int) -> None:
        self.connection = connection
        self.batch = batch
        self.dialect = connection.dialect
        self.written: Counter[str] = Counter()
        self.offsets: Counter[str] = Counter()  # rows of each numbered table written so far

    def write(self, bound: Bound) -> None:
        if not self.connection.in_transaction():
            self.connection.begin()  # so that commit() commits what the raw cursors wrote
        before = Counter(self.offsets)
        for table in db.metadata.sorted_tables:
            if table.name not in bound:
                continue
            names, values = bound[table.name]
            shifts = [
                (i, before[target])
                for i, name in enumerate(names)
                for target in self._targets(table, name)
                if before[target]
            ]
            for line in values:
                for i, by in shifts:
                    if line[i] is not None:
                        line[i] += by
            if self.dialect.name == "postgresql":
                self._copy(table, names, values)
            else:
                self._executemany(table, names, values)
            self.written[table.name] += len(values)
            if numbered(table) and table.name not in GLOBAL:
                self.offsets[table.name] += len(values)

    @staticmethod
    def _targets(table: Table, name: str) -> list[str]:
        """The chunk-numbered table a column's values are ids of, if any."""
        column = table.c[name]
        found = [fk.column.table.name for fk in column.foreign_keys]
        if name == "id" and numbered(table):
            found.append(table.name)
        return [t for t in found if t not in GLOBAL]

    def _executemany(self, table: Table, names: list[str], values: list[list[Any]]) -> None:
        compiled = insert(table).compile(dialect=self.dialect, column_keys=names)
        order = [names.index(n) for n in compiled.positiontup or ()]
        if order != list(range(len(names))):
            values = [[line[i] for i in order] for line in values]
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(values), self.batch):
                cursor.executemany(compiled.string, values[start : start + self.batch])
        finally:
            cursor.close()

    def _copy(self, table: Table, names: list[str], values: list[list[Any]]) -> None:
        quote = self.dialect.identifier_preparer
        columns = ", ".join(quote.quote(n) for n in names)
        statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(statement) as copy:  # type: ignore[arg-type]
                for line in values:
                    copy.write_row(line)


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID from ``rng``, as a device makes one."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _clamp(value: float, low: int = 0, high: int = 10) -> int:
    return max(low, min(high, round(value)))


# --- The company ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    centres: int = 20
    therapists: int = 300
    clients: int = 5000
    days: int = 365


@dataclass
class Place:
    """A centre as the generator sees it: ids of its staff, its calendar."""

    id: int
    name: str
    calendar: Calendar
    admins: list[int] = field(default_factory=list)
    physio: list[int] = field(default_factory=list)
    massage: list[int] = field(default_factory=list)


@dataclass
class Company:
    places: list[Place]
    staff: list[dict[str, Any]]  # for the accounts file
    password_hash: str
    exercises: dict[str, dict[str, Any]]
    templates: dict[Condition, dict[int, list[str]]]
    pools: dict[tuple[Condition, int], list[str]]
    now: datetime
    days: int
    seed: int
    first_client_id: int = 0


def zone_of(index: int) -> str:
    """Most centres in London; every fifth, from the second, somewhere else."""
    return ELSEWHERE[(index // 5) % len(ELSEWHERE)] if index % 5 == 1 else LONDON


def staff_rows(rows: Rows, size: Size, now: datetime, password_hash: str) -> Company:
    """Centres, their admins and therapists, and one admin of every centre."""
    places = []
    for k in range(size.centres):
        town = TOWNS[k % len(TOWNS)] + (f" {k // len(TOWNS) + 1}" if k >= len(TOWNS) else "")
        zone = zone_of(k)
        centre_id = rows.add(
            Centre.__table__,
            {
                "name": f"Continuum {town}",
                "address": f"{k + 1} High Street, {town}",
                "timezone": zone,
            },
        )
        places.append(Place(centre_id, f"Continuum {town}", Calendar(zone, now, size.days)))
    staff: list[dict[str, Any]] = []
    joined = now - timedelta(days=size.days + 30)

    def person(name: str, role: Role, discipline: Discipline | None, centres: list[Place]) -> int:
        email = f"{name.lower().replace(' ', '.')}@{DOMAIN}"
        user_id = rows.add(
            User.__table__,
            {
                "email": email,
                "name": name,
                "role": role,
                "discipline": discipline,
                "password_hash": password_hash,
                "active": True,
                "created_at": joined,
                "onboarded_at": None,
                "totp_secret": DEMO_TOTP_SECRET,
                "totp_enabled_at": joined,
            },
        )
        for place in centres:
            rows.add(centre_membership, {"user_id": user_id, "centre_id": place.id})
        staff.append(
            {
                "id": user_id,
                "email": email,
                "name": name,
                "role": role.value,
                "discipline": discipline.value if discipline else None,
                "centre_ids": [p.id for p in centres],
            }
        )
        return user_id

    for k, place in enumerate(places):
        for extra in range(1 + (k % 3 == 0)):
            place.admins.append(
                person(f"Admin {k + 1:02d}{'ab'[extra]}", Role.ADMIN, None, [place])
            )
    person("Admin Company", Role.ADMIN, None, places)
    for t in range(size.therapists):
        place = places[t % size.centres]
        if (t // size.centres) % 2 == 0:
            n = len(place.physio) + 1
            place.physio.append(
                person(f"Physio {t % size.centres + 1:02d}-{n:02d}", Role.THERAPIST,
                       Discipline.PHYSIO, [place])
            )  # fmt: skip
        else:
            n = len(place.massage) + 1
            place.massage.append(
                person(f"Massage {t % size.centres + 1:02d}-{n:02d}", Role.THERAPIST,
                       Discipline.MASSAGE, [place])
            )  # fmt: skip
    return Company(places, staff, password_hash, {}, {}, {}, now, size.days, 0)


def load_library(company: Company, root: Path) -> None:
    """The exercises by id, each condition's template, and per condition and phase the
    exercises that suit it: the template's regions, that phase, post-op only after surgery."""
    found = library.library_at(root)
    company.exercises = found.exercises
    for condition, template in found.templates.items():
        company.templates[condition] = template.phases
        regions = {
            region
            for ids in template.phases.values()
            for i in ids
            for region in found.exercises[i]["regions"]
        }
        for phase in (1, 2, 3):
            company.pools[(condition, phase)] = sorted(
                i
                for i, e in found.exercises.items()
                if phase in e["phases"]
                and set(e["regions"]) & regions
                and (not e["post_op"] or condition is Condition.POST_OP)
            )


@dataclass
class Story:
    """How one client's year goes."""

    first: int  # calendar index of the first day of care
    last: int  # the last day they logged anything (today unless they stopped)
    pain: tuple[float, float]
    miss: float  # share of days without a check-in
    adherence: float  # share of due exercise sessions done, before lapses
    habit: int  # minutes after midnight they usually check in
    flares: list[tuple[int, int]]  # (first day, length)
    lapses: list[tuple[int, int]]  # (first day, length): little logged


def story_for(n: int, rng: random.Random, days: int) -> Story:
    """Half the clients began care ``days`` ago (client 0, the sample, among them), the rest
    since; most get better; about one in eight stopped logging weeks ago."""
    today = days - 1
    span = days if n == 0 or rng.random() < 0.5 else rng.randint(min(14, days), days)
    first = today - span + 1
    last = today
    if n and rng.random() < 0.12 and span > 30:  # stopped logging a while ago
        last = today - rng.randint(5, min(90, span - 10))
    start = rng.uniform(4.5, 8.0)
    end = start * rng.uniform(0.25, 0.8) if rng.random() < 0.85 else start + rng.uniform(-0.5, 1)
    flares = [
        (rng.randint(first, today), rng.randint(2, 6))
        for _ in range(rng.randint(0, span // 90 + 1))
    ]
    lapses = [(rng.randint(first, today), rng.randint(5, 21)) for _ in range(rng.randint(0, 2))]
    return Story(
        first=first,
        last=last,
        pain=(start, end),
        miss=0.03 if n == 0 else rng.uniform(0.02, 0.3),
        adherence=0.85 if n == 0 else rng.uniform(0.3, 0.95),
        habit=rng.choice((8 * 60, 9 * 60, 12 * 60, 19 * 60, 20 * 60, 21 * 60, 21 * 60, 22 * 60)),
        flares=flares,
        lapses=lapses,
    )


def phase_steps(rng: random.Random, story: Story) -> list[tuple[int, int | None, int]]:
    """(day, from, to) moves along the pathway, the start first."""
    phase = 1 if rng.random() < 0.85 else 2
    steps: list[tuple[int, int | None, int]] = [(story.first, None, phase)]
    day = story.first
    while True:
        if phase == 1:
            gap, to = rng.randint(21, 60), 2
        elif phase == 2:
            gap, to = rng.randint(35, 120), 3 if rng.random() < 0.85 else 1
        else:
            if rng.random() < 0.8:
                break
            gap, to = rng.randint(60, 200), 2
        day += gap
        if day > story.last - 3:
            break
        steps.append((day, phase, to))
        phase = to
    return steps


def client_rows(rows: Rows, company: Company, n: int) -> dict[str, Any]:
    """One client and everything of theirs, into ``rows``; returns who they are."""
    rng = random.Random(company.seed * 1_000_003 + n)
    place = company.places[n % len(company.places)]
    # The centre's clients in turn to its physios and massage therapists, so each has a fair
    # caseload and a weekly slot (weekday and hour) of their own for each client.
    k = n // len(company.places)
    physio, massage = place.physio[k % len(place.physio)], place.massage[k % len(place.massage)]
    slots = {
        physio: (k // len(place.physio)) % SLOTS_A_WEEK,
        massage: (k // len(place.massage)) % SLOTS_A_WEEK,
    }
    cal = place.calendar
    now = company.now
    story = story_for(n, rng, company.days)
    today = cal.today_index
    condition = list(Condition)[rng.randrange(len(Condition))]
    team = [physio, massage]
    if rng.random() < 0.2:  # a second physio or massage therapist, who sees them less
        spare = [t for t in place.physio + place.massage if t not in team]
        if spare:
            team.append(rng.choice(spare))
    started = cal.at(story.first, 10 * 60)
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    email = f"client{n + 1:05d}@{DOMAIN}"
    client_id = rows.add(
        User.__table__,
        {
            "id": company.first_client_id + n,
            "email": email,
            "name": name,
            "role": Role.CLIENT,
            "discipline": None,
            "password_hash": company.password_hash,
            "active": True,
            "created_at": started - timedelta(days=1),
            "onboarded_at": started,
            "totp_secret": None,
            "totp_enabled_at": None,
        },
    )
    rows.add(centre_membership, {"user_id": client_id, "centre_id": place.id})

    steps = phase_steps(rng, story)
    phase = steps[-1][2]
    plan_id = rows.add(
        CarePlan.__table__,
        {
            "client_id": client_id,
            "centre_id": place.id,
            "condition": condition,
            "phase": phase,
            "goals": GOALS[condition],
            "start_date": cal.dates[story.first],
            "active": True,
            "created_at": started,
        },
    )
    for therapist in team:
        rows.add(care_team, {"care_plan_id": plan_id, "therapist_id": therapist})
    for day, from_phase, to_phase in steps:
        rows.add(
            PhaseChange.__table__,
            {
                "care_plan_id": plan_id,
                "from_phase": from_phase,
                "to_phase": to_phase,
                "reason": PHASE_REASONS.get((from_phase or 0, to_phase), "Care plan started."),
                "changed_by_id": physio,
                "changed_at": cal.at(day, 11 * 60) if from_phase else started,
            },
        )

    # Engagement by day: the client's adherence, a little less over time, far less in a lapse.
    engage = [0.0] * (today + 1)
    for i in range(story.first, story.last + 1):
        engage[i] = story.adherence * (1 - 0.2 * (i - story.first) / company.days)
    for begin, length in story.lapses:
        for i in range(begin, min(begin + length, story.last + 1)):
            engage[i] *= 0.2

    programme(rows, company, rng, story, cal, client_id, plan_id, physio, condition, steps, engage)
    diary(rows, rng, story, cal, now, client_id, condition, engage)
    measures_rows(rows, rng, story, cal, now, client_id, physio)
    visits(rows, rng, story, cal, now, client_id, plan_id, place, slots, condition)
    rows.add(
        ReminderSettings.__table__,
        {
            "client_id": client_id,
            "enabled": rng.random() < 0.9,
            "exercise_times": rng.choice((["08:30", "18:30"], ["07:30"], ["12:00", "19:00"])),
            "exercise_days": [0, 1, 2, 3, 4, 5, 6] if rng.random() < 0.8 else [0, 1, 2, 3, 4],
            "by_push": rng.random() < 0.8,
            "by_email": rng.random() < 0.3,
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "paused_until": None,
            "updated_at": started,
        },
    )
    return {
        "id": client_id,
        "email": email,
        "name": name,
        "centre_id": place.id,
        "team": team,
        "phase": phase,
        "first_day": cal.dates[story.first].isoformat(),
        "stopped_logging": story.last < today,
    }


def programme(rows, company, rng, story, cal, client_id, plan_id, physio, condition, steps, engage):  # type: ignore[no-untyped-def]
    """A programme for each phase the client has been in (exercises kept across a change stay
    the same prescription), and the sessions they logged."""
    now = company.now
    first_at = cal.at(story.first, 10 * 60 + 30)
    programme_row = {
        "client_id": client_id,
        "care_plan_id": plan_id,
        "version": 0,
        "client_seen_version": 0,
        "created_at": first_at,
    }
    programme_id = rows.add(Programme.__table__, programme_row)
    current: dict[str, list[Any]] = {}  # exercise id -> [prescription row, first day, end day]
    spans: list[list[Any]] = []
    version = 0
    for day, from_phase, to_phase in steps:
        at = first_at if from_phase is None else cal.at(day, 11 * 60 + 5)
        size = rng.randint(4, 7)
        wanted = [
            i
            for i in company.templates[condition][to_phase]
            if to_phase in company.exercises[i]["phases"]
        ][:size]
        spare = [i for i in company.pools[(condition, to_phase)] if i not in wanted]
        wanted += rng.sample(spare, min(len(spare), size - len(wanted)))
        version += 1
        added = [i for i in wanted if i not in current]
        names = ", ".join(company.exercises[i]["name"] for i in added)
        summary = f"Started the programme: {names}" if from_phase is None else f"Added {names}"
        rows.add(
            ProgrammeChange.__table__,
            {
                "programme_id": programme_id,
                "version": version,
                "changed_by_id": physio,
                "changed_at": at,
                "summary": summary[:300] if names else f"Phase {to_phase}: the same exercises",
                "reason": f"Your programme for phase {to_phase}.",
                "post_op_approved": any(company.exercises[i]["post_op"] for i in added),
            },
        )
        for exercise_id in [i for i in current if i not in wanted]:
            span = current.pop(exercise_id)
            span[0].update(ended_at=at, ended_in_version=version, end_reason="removed")
            span[2] = day  # logged until the day before it was removed
        position = max((s[0]["position"] for s in current.values()), default=-1)
        for exercise_id in added:
            dose = company.exercises[exercise_id]["dosage"]
            position += 1
            row = {
                "programme_id": programme_id,
                "exercise_id": exercise_id,
                "slot": uuid.UUID(int=rng.getrandbits(128)).hex,
                "previous_id": None,
                "position": position,
                "sets": dose["sets"],
                "reps": dose.get("reps"),
                "hold_seconds": dose.get("hold_seconds"),
                "rest_seconds": dose["rest_seconds"],
                "times_per_day": dose.get("times_per_day"),
                "days_per_week": dose.get("days_per_week"),
                "each_side": bool(dose.get("each_side")),
                "note": "",
                "started_at": at,
                "started_in_version": version,
                "ended_at": None,
                "ended_in_version": None,
                "end_reason": None,
            }
            rows.add(Prescription.__table__, row)
            current[exercise_id] = [row, day + 1, cal.today_index + 1]
            spans.append(current[exercise_id])
    recent = now - cal.at(steps[-1][0], 11 * 60 + 5) < timedelta(days=3)
    programme_row.update(version=version, client_seen_version=version - recent)

    # Each due session is done with the day's engagement; a day's later sessions less often.
    zone, rand = cal.zone, rng.random
    for row, begin, end in spans:
        per_day, weekdays = row["times_per_day"], WEEKDAYS[row["days_per_week"] or 7]
        sets = row["sets"]
        for i in range(max(begin, story.first), min(end, story.last + 1)):
            p = engage[i]
            due = per_day or (cal.weekdays[i] in weekdays)
            for k in range(due):
                if rand() >= p * 0.8**k:
                    continue
                performed = cal.at(i, 7 * 60 + k * 150 + int(rand() * 180))
                if performed > now:
                    continue
                pain = difficulty = None
                if rand() < 0.3:
                    pain = int(rand() * 6)
                    roll = rand()
                    difficulty = (
                        Difficulty.ABOUT_RIGHT if roll < 0.7
                        else Difficulty.TOO_EASY if roll < 0.9
                        else Difficulty.TOO_HARD
                    )  # fmt: skip
                rows.add(
                    ExerciseLog.__table__,
                    {
                        "client_entry_id": _uuid(rng),
                        "client_id": client_id,
                        "prescription_id": row["id"],
                        "performed_at": performed,
                        "local_date": cal.dates[i],
                        "timezone": zone,
                        "sets_done": sets if rand() < 0.9 else max(sets - 1, 1),
                        "pain_during": pain,
                        "difficulty": difficulty,
                        "with_timer": rand() < 0.4,
                        "received_at": performed,
                    },
                )


def diary(rows, rng, story, cal, now, client_id, condition, engage):  # type: ignore[no-untyped-def]
    """A check-in most days, pain easing with noise and the odd flare; quick logs now and then."""
    areas = AREAS[condition.value]
    start, end = story.pain
    span = max(story.last - story.first, 1)
    flare_days: dict[int, bool] = {}
    for begin, length in story.flares:
        for i in range(begin, begin + length):
            flare_days[i] = flare_days.get(i, False) or i == begin
    zone = cal.zone
    checkin, quick = EntryKind.CHECKIN, EntryKind.QUICK
    for i in range(story.first, story.last + 1):
        lapse = engage[i] < 0.3 * story.adherence
        if i < story.last and rng.random() < story.miss * (2 if lapse else 1):
            continue
        pain = start + (end - start) * (i - story.first) / span + rng.uniform(-0.9, 0.9)
        flare = flare_days.get(i)
        if flare is not None:
            pain += 2.5
        pain_now = _clamp(pain)
        recorded = cal.at(i, story.habit + rng.randint(-40, 50))
        if recorded > now:
            break
        offline = rng.random() < 0.05
        received = (
            min(recorded + timedelta(minutes=rng.randint(5, 600)), now) if offline else recorded
        )
        rows.add(
            DiaryEntry.__table__,
            {
                "client_entry_id": _uuid(rng),
                "client_id": client_id,
                "kind": checkin,
                "local_date": cal.dates[i],
                "recorded_at": recorded,
                "timezone": zone,
                "utc_offset_minutes": cal.offsets[i],
                "pain_now": pain_now,
                "pain_worst": min(10, pain_now + rng.randint(0, 2)),
                "sleep": _clamp(8 - pain_now * 0.5 + rng.uniform(-1.5, 1.5)),
                "stress": _clamp(3 + rng.uniform(-1, 3)),
                "flare": bool(flare),
                "areas": areas[: 1 + (pain_now > 4) + (pain_now > 6)],
                "notes": rng.choice(DIARY_NOTES) if rng.random() < 0.08 else "",
                "received_at": received,
                "updated_at": received,
            },
        )
        if rng.random() < 0.1:
            logged = cal.at(i, 13 * 60 + rng.randint(0, 240))
            if logged <= now:
                rows.add(
                    DiaryEntry.__table__,
                    {
                        "client_entry_id": _uuid(rng),
                        "client_id": client_id,
                        "kind": quick,
                        "local_date": cal.dates[i],
                        "recorded_at": logged,
                        "timezone": zone,
                        "utc_offset_minutes": cal.offsets[i],
                        "pain_now": _clamp(pain_now + rng.choice((-1, 0, 1, 2))),
                        "pain_worst": None,
                        "sleep": None,
                        "stress": None,
                        "flare": None,
                        "areas": areas[:1],
                        "notes": "",
                        "received_at": logged,
                        "updated_at": logged,
                    },
                )


def measures_rows(rows, rng, story, cal, now, client_id, physio):  # type: ignore[no-untyped-def]
    """Weekly PSFS ratings and red-flag screens; a global rating of change every four weeks
    for most clients; an alert for the rare ticked screen."""
    started = cal.at(story.first, 10 * 60 + 45)
    activities = [
        rows.add(
            PsfsActivity.__table__,
            {
                "client_id": client_id,
                "name": name,
                "created_by_id": physio,
                "created_at": started,
                "retired_at": None,
            },
        )  # fmt: skip
        for name in rng.sample(ACTIVITIES, rng.randint(2, 3))
    ]
    levels = [rng.uniform(1.5, 4.5) for _ in activities]
    gains = [rng.uniform(2, 6) for _ in activities]
    grocs = rng.random() < 0.6
    weekday = rng.randrange(7)
    span = max(story.last - story.first, 1)
    week = 0
    for i in range(story.first + 7, story.last + 1):
        if cal.weekdays[i] != weekday:
            continue
        week += 1
        at = cal.at(i, story.habit + rng.randint(0, 30))
        if at > now:
            break
        progress = (i - story.first) / span
        monday = cal.dates[i] - timedelta(days=weekday)
        if rng.random() < 0.85:
            for activity, level, gain in zip(activities, levels, gains, strict=True):
                rows.add(
                    PsfsScore.__table__,
                    {"activity_id": activity, "week_start": monday,
                     "score": _clamp(level + gain * progress + rng.uniform(-1, 1)),
                     "recorded_at": at},
                )  # fmt: skip
        ticked: list[str] = []
        if rng.random() < 0.005:
            ticked = [rng.choice(("night_pain", "night_pain", "new_numbness", "weight_loss"))]
        rows.add(
            RedFlagScreen.__table__,
            {"client_id": client_id, "local_date": cal.dates[i], "ticked": ticked,
             "recorded_at": at},
        )  # fmt: skip
        if ticked:
            items = "; ".join(measures.RED_FLAG_KEYS[k].question for k in ticked)
            recent = cal.today_index - i < 10
            rows.add(
                CareAlert.__table__,
                {
                    "client_id": client_id,
                    "kind": "red_flag",
                    "urgency": measures.most_urgent(ticked),
                    "summary": f"Weekly screen: {items}"[:500],
                    "created_at": at,
                    "acknowledged_by_id": None if recent else physio,
                    "acknowledged_at": None if recent else at + timedelta(hours=rng.randint(1, 30)),
                },
            )
        if grocs and week % 4 == 0:
            rows.add(
                GlobalRating.__table__,
                {"client_id": client_id, "local_date": cal.dates[i],
                 "score": _clamp(-1 + 6 * progress + rng.uniform(-1.5, 1.5), -7, 7),
                 "recorded_at": at},
            )  # fmt: skip


def visits(rows, rng, story, cal, now, client_id, plan_id, place, slots, condition):  # type: ignore[no-untyped-def]
    """Visits in the physio's and the massage therapist's weekly slot for this client, in
    turn: weekly at first, then every two, then every three or four weeks; a note after each
    attended visit; now and then a referral between them."""
    team = list(slots)
    disciplines = {t: Discipline.PHYSIO if t in place.physio else Discipline.MASSAGE for t in team}
    horizon = cal.today_index + 21 if story.last == cal.today_index else story.last
    cursor, j = story.first + 1, 0
    while True:
        therapist = team[j % len(team)]
        weekday, hour = slots[therapist] % 6, 9 + slots[therapist] // 6
        i = cursor + (weekday - cal.weekdays[cursor]) % 7
        if i > horizon:
            break
        discipline = disciplines[therapist]
        starts = cal.at(i, hour * 60)
        ends = starts + timedelta(minutes=60 if discipline is Discipline.MASSAGE else 45)
        status = AppointmentStatus.BOOKED
        if ends <= now:
            roll = rng.random()
            status = (
                AppointmentStatus.NO_SHOW if roll < 0.04
                else AppointmentStatus.CANCELLED_BY_CLIENT if roll < 0.09
                else AppointmentStatus.CANCELLED_BY_CLINIC if roll < 0.11
                else AppointmentStatus.ATTENDED
            )  # fmt: skip
        booked = max(starts - timedelta(days=14), cal.at(story.first, 10 * 60))
        appointment_id = rows.add(
            Appointment.__table__,
            {
                "uid": f"{_uuid(rng)}@{DOMAIN}",
                "client_id": client_id,
                "care_plan_id": plan_id,
                "centre_id": place.id,
                "series_id": None,
                "kind": AppointmentKind(discipline.value),
                "starts_at": starts,
                "ends_at": ends,
                "status": status,
                "sequence": 0,
                "request_key": None,
                "created_by_id": place.admins[0],
                "created_at": booked,
                "updated_at": min(ends, now) if status is not AppointmentStatus.BOOKED else booked,
            },
        )
        rows.add(
            AppointmentSlot.__table__,
            {"appointment_id": appointment_id, "therapist_id": therapist,
             "discipline": discipline, "starts_at": starts, "ends_at": ends},
        )  # fmt: skip
        written = ends + timedelta(minutes=rng.randint(10, 90))
        if status is AppointmentStatus.ATTENDED and written <= now:
            note_id = rows.add(
                SessionNote.__table__,
                {
                    "client_id": client_id,
                    "appointment_id": appointment_id,
                    "author_id": therapist,
                    "discipline": discipline,
                    "treatment": rng.choice(TREATMENT[discipline]),
                    "findings": rng.choice(FINDINGS),
                    "plan": "Continue the programme; review the dose next visit.",
                    "handover": rng.choice(HANDOVERS) if rng.random() < 0.25 else "",
                    "client_summary": rng.choice(SUMMARIES) if rng.random() < 0.5 else "",
                    "client_next_steps": "Keep up the exercises." if rng.random() < 0.3 else "",
                    "request_key": _uuid(rng),
                    "written_at": written,
                },
            )
            later = written + timedelta(days=1)
            if rng.random() < 0.01 and later <= now:
                rows.add(
                    NoteAddendum.__table__,
                    {"note_id": note_id, "author_id": therapist,
                     "text": "Correction: the left side, not the right.",
                     "request_key": _uuid(rng), "written_at": later},
                )  # fmt: skip
        j += 1
        gap = 7 if j < 6 else 14 if i - story.first < 120 else rng.choice((21, 28))
        cursor = i + gap - 3  # the next therapist's weekday: gap ± 3 days
    if rng.random() < 0.06 and story.last - story.first > 10:
        made_day = rng.randint(story.first + 5, story.last)
        made = cal.at(made_day, 17 * 60 + rng.randint(0, 60))
        if made <= now:
            to = rng.choice((Discipline.PHYSIO, Discipline.MASSAGE))
            sender = next(t for t in team if disciplines[t] is not to)
            receiver = next(t for t in team if disciplines[t] is to)
            open_ = cal.today_index - made_day < 7 and rng.random() < 0.6
            region = AREAS[condition.value][0]
            assert region in measures.BODY_REGIONS
            rows.add(
                Referral.__table__,
                {
                    "client_id": client_id,
                    "from_id": sender,
                    "to_discipline": to,
                    "reason": REFERRAL_REASONS[to],
                    "body_region": region,
                    "urgency": rng.choice((Urgency.ROUTINE, Urgency.ROUTINE, Urgency.SOON)),
                    "focus": "",
                    "request_key": _uuid(rng),
                    "created_at": made,
                    "acknowledged_by_id": None if open_ else receiver,
                    "acknowledged_at": None
                    if open_
                    else made + timedelta(hours=rng.randint(2, 60)),
                },
            )


# --- Running --------------------------------------------------------------------------------------


@dataclass
class Result:
    url: str
    written: Counter[str]
    counted: dict[str, int]
    stages: dict[str, float]
    accounts: dict[str, Any]
    accounts_path: Path
    pages: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def stage(name: str, stages: dict[str, float], out: Callable[[str], None]) -> Iterator[None]:
    begun = time.perf_counter()
    yield
    stages[name] = time.perf_counter() - begun
    out(f"{name}: {stages[name]:.1f} s")


def prepare(url: URL, replace: bool) -> None:
    """Make sure the database exists and is empty: a new SQLite file or PostgreSQL database,
    or (``replace``) the old one thrown away first."""
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:":
            raise SystemExit("give SQLite a file: sqlite:///path/to/scale.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        if replace:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"SQLite or PostgreSQL, not {url.get_backend_name()}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = admin.dialect.identifier_preparer.quote(url.database or "")
    with admin.connect() as conn:
        if replace:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()


def check_config(url: URL) -> dict[str, Any]:
    """The app's own config on ``url``, with the test client's forms posting without CSRF."""
    return {
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://localhost",
    }


def default_accounts_path(url: URL, app: Flask) -> Path:
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "scale.db").with_suffix(".accounts.json")
    return Path(app.instance_path) / f"{url.database}.accounts.json"


@contextmanager
def loading(conn: Connection) -> Iterator[None]:
    """Session settings for a bulk load, put back afterwards (the connection is pooled)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB: the UUID indexes stay hot
    else:
        conn.exec_driver_sql("SET synchronous_commit = off")
        # Foreign keys are checked by triggers, one query per row; the rows are made to match
        # (and SQLite, which checks them, gets the same rows), so a superuser skips them.
        conn.exec_driver_sql(
            "DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "THEN SET session_replication_role = replica; END IF; END $$"
        )
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        if sqlite:
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
        else:
            conn.exec_driver_sql("RESET synchronous_commit")
            conn.exec_driver_sql("RESET session_replication_role")
        conn.commit()


def generate(
    database_url: str,
    size: Size = Size(),  # noqa: B008 (frozen)
    *,
    seed: int = 1,
    now: datetime | None = None,
    chunk: int = 50,
    batch: int = 10_000,
    jobs: int = 0,
    replace: bool = False,
    accounts_path: Path | None = None,
    check: bool = True,
    config: dict[str, Any] | None = None,
    out: Callable[[str], None] = print,
) -> Result:
    """Create the schema, load the library and write the company; see the module docstring."""
    if size.therapists < 2 * size.centres:
        raise SystemExit(
            "every centre needs a physio and a massage therapist: --therapists ≥ 2 × --centres"
        )
    url = make_url(normalise_database_url(database_url))
    now = (now or now_utc()).astimezone(UTC)
    begun = time.perf_counter()
    stages: dict[str, float] = {}
    prepare(url, replace)
    app = create_app({**check_config(url), **(config or {})})
    if app.config["ENV"] == "production":
        raise SystemExit("refusing to write accounts with a known password into production")
    shown = url.render_as_string(hide_password=True)
    out(f"{shown}: {size.centres} centres, {size.therapists} therapists, {size.clients} clients, "
        f"{size.days} days, seed {seed}, now {now:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    with app.app_context():
        with stage("schema (migrations)", stages, out):
            upgrade()
        if db.session.scalar(select(func.count()).select_from(User)):
            raise SystemExit(f"{shown} already has accounts: use a new database or --replace")
        with stage("exercise library", stages, out):
            root = Path(app.config["EXERCISES_DIR"])
            library.load(db.session, root)
            db.session.commit()
        with db.engine.connect() as conn, loading(conn):
            writer, rows = Writer(conn, batch), Rows()
            with stage("centres and staff", stages, out):
                company = staff_rows(rows, size, now, hash_password(PASSWORD, "cheapest"))
                company.seed = seed
                company.first_client_id = rows.ids[User.__table__] + 1
                load_library(company, root)
                writer.write(rows.bind(conn.dialect))
                conn.commit()
            clients: list[dict[str, Any]] = []
            with stage("clients", stages, out):
                step = max(size.clients // 10, chunk)
                writing = 0.0
                for bound, made in chunks(company, conn.dialect, size.clients, chunk, jobs):
                    wrote = time.perf_counter()
                    writer.write(bound)
                    conn.commit()
                    writing += time.perf_counter() - wrote
                    clients += made
                    if len(clients) % step < chunk or len(clients) == size.clients:
                        total = sum(writer.written.values())
                        out(f"  {len(clients)} clients, {total:,} rows, "
                            f"{time.perf_counter() - begun:.0f} s")  # fmt: skip
                making = "in this process" if jobs <= 0 else f"in {jobs} other processes"
                out(f"  of which writing {writing:.1f} s, making rows {making}")
            with stage("sequences and statistics", stages, out):
                finish(conn)
        with stage("counting", stages, out):
            counted = {
                name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                for name in writer.written
            }
            db.session.commit()
    written = writer.written
    for name, n in sorted(counted.items(), key=lambda item: -item[1]):
        mark = "" if n == written[name] else f"  (wrote {written[name]:,}!)"
        out(f"  {name:20} {n:>11,}{mark}")
    accounts = accounts_of(company, clients, url, size, seed)
    accounts_path = accounts_path or default_accounts_path(url, app)
    accounts_path.parent.mkdir(parents=True, exist_ok=True)
    accounts_path.write_text(json.dumps(accounts, indent=1) + "\n")
    stages["total"] = time.perf_counter() - begun
    rows_total = sum(counted.values())
    out(f"{rows_total:,} rows in {stages['total']:.1f} s "
        f"({rows_total / stages['total']:,.0f} rows/s) into {url.get_backend_name()}; "
        f"accounts in {accounts_path}")  # fmt: skip
    for role in ("client", "therapist", "admin", "company_admin"):
        sample = accounts["samples"][role]
        out(f"{role}\t{sample['email']}\t{PASSWORD}\t(id {sample['id']})")
    key = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, 32, 4))
    out(f"Staff also give a code from an authenticator app holding {key} "
        "(or `flask --app webapp demo --code`).")  # fmt: skip
    result = Result(shown, written, counted, stages, accounts, accounts_path)
    if check:
        result.pages = check_pages(app, accounts, out)
    with app.app_context():
        db.engine.dispose()
    return result


_WORK: tuple[Company, Dialect] | None = None  # what the forked workers make rows from


def make_chunk(bounds: tuple[int, int]) -> tuple[Bound, list[dict[str, Any]]]:
    """Clients ``bounds[0]`` up to ``bounds[1]`` and all their rows, bound for writing."""
    assert _WORK is not None
    company, dialect = _WORK
    rows = Rows()
    made = [client_rows(rows, company, n) for n in range(*bounds)]
    return rows.bind(dialect), made


def chunks(
    company: Company, dialect: Dialect, clients: int, chunk: int, jobs: int
) -> Iterator[tuple[Bound, list[dict[str, Any]]]]:
    """Every client's rows, ``chunk`` clients at a time and in order, made in this process
    (``jobs`` 0) or by ``jobs`` forked workers a few chunks ahead of the writer. Each client's
    rows depend only on the seed and the client's number, so both ways make the same rows."""
    global _WORK
    _WORK = (company, dialect)
    bounds = [(start, min(start + chunk, clients)) for start in range(0, clients, chunk)]
    if jobs <= 0:
        yield from map(make_chunk, bounds)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        ahead: deque[Any] = deque()
        for bound in bounds:
            ahead.append(pool.apply_async(make_chunk, (bound,)))
            if len(ahead) > 2 * jobs:  # bounded: the writer may be the slower side
                yield ahead.popleft().get()
        while ahead:
            yield ahead.popleft().get()


def finish(conn: Connection) -> None:
    """On PostgreSQL, move each id sequence past the ids written here and gather planner
    statistics, as autovacuum soon would; SQLite needs neither."""
    if conn.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, Integer):
            name = conn.dialect.identifier_preparer.format_table(table)
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                    f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                ),
                {"table": name},
            )
    conn.commit()
    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def accounts_of(
    company: Company, clients: list[dict[str, Any]], url: URL, size: Size, seed: int
) -> dict[str, Any]:
    """Who can sign in, for a load test: samples, then every user with their ids."""
    client = clients[0]
    staff = {s["id"]: s for s in company.staff}
    therapist = staff[next(t for t in client["team"] if staff[t]["discipline"] == "physio")]
    admin = staff[company.places[0].admins[0]]
    company_admin = next(s for s in company.staff if s["name"] == "Admin Company")
    return {
        "database_url": url.render_as_string(hide_password=True),
        "generated_for": company.now.isoformat(),
        "seed": seed,
        "size": size.__dict__,
        "password": PASSWORD,
        "totp_secret": DEMO_TOTP_SECRET,
        "samples": {
            "client": client,
            "therapist": therapist,
            "admin": admin,
            "company_admin": company_admin,
        },
        "centres": [
            {"id": p.id, "name": p.name, "timezone": p.calendar.zone} for p in company.places
        ],
        "staff": company.staff,
        "clients": clients,
    }


# --- Checking -------------------------------------------------------------------------------------


def check_pages(
    app: Flask, accounts: dict[str, Any], out: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Sign the samples in through the real forms and time a few pages: the first request,
    then the median of five, and the SQL statements of one."""
    samples = accounts["samples"]
    client_id = samples["client"]["id"]
    pages = {
        "client": ["/today", "/diary", "/pathway", "/sessions"],
        "therapist": ["/caseload/", f"/clients/{client_id}/brief", f"/clients/{client_id}",
                      "/schedule?view=week", "/referrals"],
        "admin": ["/admin/"],
        "company_admin": ["/admin/", "/outcomes/"],
    }  # fmt: skip
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does in each web worker
    found = []
    out("pages (first request, then the median of 5, SQL statements in one):")
    for role, urls in pages.items():
        http = app.test_client()
        sign_in(http, samples[role]["email"], accounts["password"], accounts["totp_secret"])
        for url in urls:
            begun = time.perf_counter()
            response = http.get(url)
            first = (time.perf_counter() - begun) * 1000
            times = []
            event.listen(engine, "before_cursor_execute", note)
            statements.clear()
            try:
                for _ in range(5):
                    begun = time.perf_counter()
                    http.get(url)
                    times.append((time.perf_counter() - begun) * 1000)
            finally:
                event.remove(engine, "before_cursor_execute", note)
            median = sorted(times)[2]
            queries = len(statements) // 5
            found.append({"role": role, "url": url, "status": response.status_code,
                          "first_ms": first, "median_ms": median, "queries": queries})  # fmt: skip
            out(f"  {role:13} {url:32} {response.status_code} {first:8.1f} ms {median:8.1f} ms "
                f"{queries:4} queries")  # fmt: skip
    gc.unfreeze()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="sqlite:///file or postgresql://…")
    parser.add_argument("--centres", type=int, default=Size.centres)
    parser.add_argument("--therapists", type=int, default=Size.therapists)
    parser.add_argument("--clients", type=int, default=Size.clients)
    parser.add_argument("--days", type=int, default=Size.days, help="days of history")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", type=datetime.fromisoformat, help="ISO instant (default: now)")
    parser.add_argument("--chunk", type=int, default=50, help="clients per transaction")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per executemany")
    parser.add_argument(
        "--jobs",
        type=int,
        default=max((os.cpu_count() or 1) - 1, 1),
        help="processes making rows while this one writes (0: this one does both)",
    )
    parser.add_argument("--replace", action="store_true", help="drop the database first")
    parser.add_argument("--accounts", type=Path, help="where to write the sign-ins (JSON)")
    parser.add_argument("--no-check", action="store_true", help="skip signing in and timing")
    parser.add_argument(
        "--check-only", action="store_true", help="only sign in and time pages (data made before)"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    now = args.now
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if args.check_only:
        url = make_url(normalise_database_url(args.database_url))
        app = create_app(check_config(url))
        path = args.accounts or default_accounts_path(url, app)
        check_pages(app, json.loads(path.read_text()), print)
        return
    generate(
        args.database_url,
        Size(args.centres, args.therapists, args.clients, args.days),
        seed=args.seed,
        now=now,
        chunk=args.chunk,
        batch=args.batch,
        jobs=args.jobs,
        replace=args.replace,
        accounts_path=args.accounts,
        check=not args.no_check,
    )


if __name__ == "__main__":
    main()
