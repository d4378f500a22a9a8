"""Which reminders are due: computed in each person's zone, stored as UTC instants.

Planning only adds outbox rows; it never sends. Each row's key (recipient, kind, channel, due
instant) is unique, so any number of passes, in any number of processes, plan a reminder once.
Whether it is still wanted (today's exercises done, the visit moved, reminders paused) is
decided when its time comes, by the sender.

Time rules (DESIGN.md, SECURITY.md §3.6): daily reminders are wall-clock times in the client's
zone (their centre's). A time the clocks skip is sent after the gap, a time that happens twice
is sent the first time (``localtime.to_utc``). Appointment reminders are the visit's UTC start
minus 24 h or 2 h. An exercise reminder that falls in the client's quiet hours (default
21:00–08:00) is dropped; anything else moves to the end of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload

from .. import localtime
from ..models import Appointment
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import Delivery
from ..models import DiaryEntry
from ..models import Programme
from ..models import ProgrammeChange
from ..models import PushSubscription
from ..models import ReminderSettings
from ..models import Role
from ..models import User

LOOKBACK = timedelta(hours=3)  # a pass plans what fell due this recently (downtime included)
REPEAT_AFTER = timedelta(hours=3)
# The longest a reminder can wait for quiet hours to end: almost a day, plus a clock change.
QUIET_MAX = timedelta(hours=25)
NUDGE_AFTER_DAYS = 3
DIGEST_AT = time(7, 30)
INSERT_CHUNK = 500
APPOINTMENT_LEADS = {"appointment_24h": timedelta(hours=24), "appointment_2h": timedelta(hours=2)}


@dataclass(frozen=True)
class Due:
    recipient_id: int
    kind: str
    channel: str
    due_at: datetime
    subject: str = ""


def clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(moment: datetime, settings: ReminderSettings, timezone: str) -> bool:
    local = localtime.wall_clock(moment, timezone).time()
    return is_quiet(local, clock(settings.quiet_start), clock(settings.quiet_end))


def is_quiet(local: time, start: time, end: time) -> bool:
    """Whether a local time falls in quiet hours from ``start`` to ``end`` (may span midnight)."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def out_of_quiet_hours(moment: datetime, settings: ReminderSettings, timezone: str) -> datetime:
    """``moment``, or the end of the quiet hours it falls in (the next local morning)."""
    if not in_quiet_hours(moment, settings, timezone):
        return moment
    local = localtime.wall_clock(moment, timezone)
    end = clock(settings.quiet_end)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return localtime.to_utc(day, end, timezone)


def settings_for(session: Session, client: User) -> ReminderSettings:
    """The client's choices (the defaults until they change them).

    The defaults are written by an insert that leaves a row already there alone: two passes
    meeting a new client at the same moment both end up reading the one row, where a plain
    insert would fail the second with a duplicate key.
    """
    found = session.get(ReminderSettings, client.id)
    if found is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(ReminderSettings).values(client_id=client.id).on_conflict_do_nothing()
        )
        found = session.get(ReminderSettings, client.id)
        assert found is not None
    return found


def channels(settings: ReminderSettings, has_push: bool) -> list[str]:
    chosen = []
    if settings.by_push and has_push:
        chosen.append("push")
    if settings.by_email:
        chosen.append("email")
    return chosen


def _days(start: datetime, end: datetime, timezone: str) -> Iterator[date]:
    day = localtime.local_day(start, timezone) - timedelta(days=1)
    last = localtime.local_day(end, timezone)
    while day <= last:
        yield day
        day += timedelta(days=1)


def due_between(session: Session, start: datetime, end: datetime) -> list[Due]:
    """Every reminder whose (quiet-hours-adjusted) instant lies in [start, end]."""
    found: list[Due] = []
    plans = list(
        session.scalars(
            select(CarePlan)
            .where(CarePlan.active)
            .options(joinedload(CarePlan.client), joinedload(CarePlan.centre))
        )
    )
    client_ids = [p.client_id for p in plans]
    # Load everyone's settings at once; settings_for then finds them in the session.
    session.scalars(
        select(ReminderSettings).where(ReminderSettings.client_id.in_(client_ids))
    ).all()
    pushers = set(
        session.scalars(
            select(PushSubscription.user_id).where(PushSubscription.user_id.in_(client_ids))
        )
    )
    last_entries = dict(
        session.execute(
            select(DiaryEntry.client_id, func.max(DiaryEntry.local_date))
            .where(DiaryEntry.client_id.in_(client_ids))
            .group_by(DiaryEntry.client_id)
        ).all()
    )
    for plan in plans:
        client = plan.client
        if not client.is_active or client.password_hash is None:
            continue  # not signed up yet, or disabled
        settings = settings_for(session, client)
        if not settings.enabled:
            continue
        zone = plan.centre.timezone
        ways = channels(settings, client.id in pushers)
        for due_at, kind, subject in _client_moments(settings, plan, last_entries, start, end):
            if kind.startswith("exercise") and in_quiet_hours(due_at, settings, zone):
                continue  # an exercise nudge for today is no use tomorrow morning: drop it
            moved = out_of_quiet_hours(due_at, settings, zone)
            if start <= moved <= end:
                found += [Due(client.id, kind, way, moved, subject) for way in ways]
    found += _appointments(session, start, end, pushers)
    found += _programme_changes(session, start, end, pushers)
    found += _digests(session, start, end)
    return found


def _client_moments(
    settings: ReminderSettings,
    plan: CarePlan,
    last_entries: dict[int, date],
    start: datetime,
    end: datetime,
) -> Iterator[tuple[datetime, str, str]]:
    zone = plan.centre.timezone
    times = sorted(clock(t) for t in settings.exercise_times)
    for day in _days(start - timedelta(days=1), end, zone):
        if day.weekday() in settings.exercise_days:
            for at in times:
                first = localtime.to_utc(day, at, zone)
                yield first, "exercise", day.isoformat()
            awake = [
                at
                for at in times
                if not in_quiet_hours(localtime.to_utc(day, at, zone), settings, zone)
            ]
            if awake:  # a repeat follows a reminder that was sent, never one dropped at night
                repeat = localtime.to_utc(day, awake[-1], zone) + REPEAT_AFTER
                yield repeat, "exercise_repeat", day.isoformat()
        last = last_entries.get(plan.client_id) or plan.start_date
        if (day - last).days == NUDGE_AFTER_DAYS:
            first_time = times[0] if times else time(10, 0)
            yield localtime.to_utc(day, first_time, zone), "diary_nudge", last.isoformat()


def _appointments(session: Session, start: datetime, end: datetime, pushers: set[int]) -> list[Due]:
    found = []
    latest = max(APPOINTMENT_LEADS.values())
    for appointment in session.scalars(
        select(Appointment).where(
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at > start,
            Appointment.starts_at <= end + latest + timedelta(hours=12),
        )
    ):
        client = appointment.client
        if not client.is_active or client.password_hash is None:
            continue  # not signed up yet, disabled or erased: no settings row made for them
        settings = settings_for(session, client)
        if not settings.enabled:
            continue
        zone = appointment.centre.timezone
        for kind, lead in APPOINTMENT_LEADS.items():
            due = out_of_quiet_hours(appointment.starts_at - lead, settings, zone)
            if start <= due <= end and due < appointment.starts_at:
                subject = f"{appointment.id}@{appointment.starts_at.isoformat()}"
                found += [
                    Due(client.id, kind, way, due, subject)
                    for way in channels(settings, client.id in pushers)
                ]
    return found


def _programme_changes(
    session: Session, start: datetime, end: datetime, pushers: set[int]
) -> list[Due]:
    found = []
    rows = session.execute(
        select(Programme, ProgrammeChange)
        .join(ProgrammeChange, ProgrammeChange.programme_id == Programme.id)
        .where(
            # A change made in quiet hours is told when they end, up to a day later.
            ProgrammeChange.changed_at >= start - QUIET_MAX,
            ProgrammeChange.changed_at <= end,
            ProgrammeChange.version > Programme.client_seen_version,
        )
    ).all()
    latest: dict[int, tuple[Programme, ProgrammeChange]] = {}
    for programme, change in rows:
        if programme.id not in latest or change.version > latest[programme.id][1].version:
            latest[programme.id] = (programme, change)
    for programme, change in latest.values():
        client = programme.client
        if not client.is_active or client.password_hash is None:
            continue
        settings = settings_for(session, client)
        if not settings.enabled:
            continue
        zone = localtime.client_timezone(client)
        due = out_of_quiet_hours(change.changed_at, settings, zone)
        if start <= due <= end:
            found += [
                Due(client.id, "programme_changed", way, due, str(change.version))
                for way in channels(settings, client.id in pushers)
            ]
    return found


def _digests(session: Session, start: datetime, end: datetime) -> list[Due]:
    found = []
    for therapist in session.scalars(select(User).where(User.role == Role.THERAPIST, User.active)):
        zone = localtime.staff_timezone(therapist)
        for day in _days(start, end, zone):
            due = localtime.to_utc(day, DIGEST_AT, zone)
            if start <= due <= end:
                found.append(Due(therapist.id, "digest", "email", due, day.isoformat()))
    return found


def plan(session: Session, now: datetime) -> int:
    """Add the reminders due in the last few hours to the outbox; returns how many were new."""
    wanted = due_between(session, now - LOOKBACK, now)
    if not wanted:
        return 0
    # Insert in key order: two passes planning at once then wait on each other's rows in the
    # same order, never each holding one the other needs (a deadlock on PostgreSQL).
    wanted.sort(key=lambda d: (d.recipient_id, d.kind, d.channel, d.due_at))
    rows = [
        {
            "recipient_id": d.recipient_id,
            "kind": d.kind,
            "channel": d.channel,
            "due_at": d.due_at,
            "subject": d.subject,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": d.due_at,
            "outcome": "",
            "created_at": now,
        }
        for d in wanted
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    added = 0
    for first in range(0, len(rows), INSERT_CHUNK):  # both databases cap bound parameters
        chunk = rows[first : first + INSERT_CHUNK]
        statement = dialect.insert(Delivery).values(chunk).on_conflict_do_nothing()
        # Without preserve_rowcount, SQLAlchemy 2.0 + psycopg 3.3 report -1 for an INSERT.
        result = session.execute(statement.execution_options(preserve_rowcount=True))
        added += max(result.rowcount, 0)
    return added
