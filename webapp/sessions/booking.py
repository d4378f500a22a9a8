"""Booking visits: one at a time or as a series from the condition plan, never double-booked.

Times are entered as the centre's wall clock and stored in UTC. A weekly series keeps its
wall-clock time across daylight-saving changes (10:00 stays 10:00), so its UTC instants move
by an hour there; `localtime.to_utc` defines the missing and repeated hours.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .. import localtime
from ..models import Appointment
from ..models import AppointmentKind
from ..models import AppointmentSeries
from ..models import AppointmentSlot
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import Condition
from ..models import Discipline
from ..models import User

MIN_MINUTES = 15
MAX_MINUTES = 180
MAX_SERIES = 26


class BookingError(Exception):
    """A booking that breaks a rule; ``field`` names the form field to show it beside."""

    def __init__(self, message: str, field: str = "starts_on") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Part:
    """One therapist's part of a visit, in the order they see the client."""

    therapist: User
    minutes: int


@dataclass(frozen=True)
class Visit:
    """What a visit is: its kind and who sees the client for how long, in order."""

    kind: AppointmentKind
    parts: tuple[Part, ...]

    @property
    def minutes(self) -> int:
        return sum(part.minutes for part in self.parts)


@dataclass(frozen=True)
class Team:
    """Who sees the client and for how long, from which a visit of any kind is made."""

    massage: User | None
    physio: User | None
    massage_minutes: int = 30
    physio_minutes: int = 30
    physio_first: bool = False

    def visit(self, kind: AppointmentKind) -> Visit:
        if kind is AppointmentKind.MASSAGE:
            return Visit(kind, (self._massage(),))
        if kind in (AppointmentKind.PHYSIO, AppointmentKind.REVIEW):
            return Visit(kind, (self._physio(),))
        order = (self._physio(), self._massage())
        return Visit(kind, order if self.physio_first else order[::-1])

    def _massage(self) -> Part:
        return Part(self._need(self.massage, "massage_id"), self.massage_minutes)

    def _physio(self) -> Part:
        return Part(self._need(self.physio, "physio_id"), self.physio_minutes)

    @staticmethod
    def _need(therapist: User | None, field: str) -> User:
        if therapist is None:
            discipline = "massage therapist" if field == "massage_id" else "physiotherapist"
            raise BookingError(f"Choose the {discipline} for this visit.", field)
        return therapist


@dataclass(frozen=True)
class Pattern:
    """A repeating plan of visits: which kinds, in turn, how many weeks apart."""

    key: str
    label: str
    kinds: tuple[AppointmentKind, ...]
    every_weeks: int | None  # None: the person booking chooses 2, 3 or 4


PATTERNS: dict[str, Pattern] = {
    p.key: p
    for p in (
        Pattern(
            "weekly_combined",
            "Weekly combined visit: massage and physiotherapy together",
            (AppointmentKind.COMBINED,),
            1,
        ),
        Pattern(
            "alternating",
            "Alternating weeks: massage, then physiotherapy",
            (AppointmentKind.MASSAGE, AppointmentKind.PHYSIO),
            1,
        ),
        Pattern(
            "rehab_with_review",
            "Weekly physiotherapy with a review every 4th week",
            (AppointmentKind.PHYSIO,) * 3 + (AppointmentKind.REVIEW,),
            1,
        ),
        Pattern(
            "maintenance",
            "Maintenance: a combined visit every 2–4 weeks",
            (AppointmentKind.COMBINED,),
            None,
        ),
    )
}

# The plan each condition starts with (DESIGN.md §2); staff may pick another.
CONDITION_PATTERNS: dict[Condition, str] = {
    Condition.NECK_SHOULDER: "weekly_combined",
    Condition.SPORTS_INJURY: "rehab_with_review",
    Condition.POSTURAL: "alternating",
    Condition.LOW_BACK: "weekly_combined",
    Condition.REPETITIVE_STRAIN: "alternating",
    Condition.JOINT_STIFFNESS: "alternating",
    Condition.POST_OP: "rehab_with_review",
}


# --- Reading -----------------------------------------------------------------------------------


def upcoming(session: Session, client: User, now: datetime, limit: int = 20) -> list[Appointment]:
    """The client's booked visits that have not ended yet, soonest first."""
    query = (
        select(Appointment)
        .where(
            Appointment.client_id == client.id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.ends_at > now,
        )
        .order_by(Appointment.starts_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def past(session: Session, client: User, now: datetime, limit: int = 20) -> list[Appointment]:
    """The client's visits that have ended or were called off, latest first."""
    query = (
        select(Appointment)
        .where(
            Appointment.client_id == client.id,
            (Appointment.ends_at <= now) | (Appointment.status != AppointmentStatus.BOOKED),
        )
        .order_by(Appointment.starts_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def next_visit(session: Session, client: User, now: datetime) -> Appointment | None:
    found = upcoming(session, client, now, limit=1)
    return found[0] if found else None


def schedule(
    session: Session, therapist: User, first: datetime, last: datetime
) -> list[Appointment]:
    """A therapist's visits that start in [first, last), in every centre they work at, with
    what the schedule shows of each (its parts and their therapists, the client) loaded in a
    few queries rather than a few per visit."""
    query = (
        select(Appointment)
        .join(AppointmentSlot)
        .where(
            AppointmentSlot.therapist_id == therapist.id,
            Appointment.starts_at >= first,
            Appointment.starts_at < last,
        )
        .options(
            selectinload(Appointment.slots).selectinload(AppointmentSlot.therapist),
            selectinload(Appointment.client),
        )
        .order_by(Appointment.starts_at)
        .distinct()
    )
    return list(session.scalars(query))


def attended_days(session: Session, client: User, timezone: str) -> list[date]:
    """The local days the client came in, for the diary chart's session markers."""
    query = select(Appointment.starts_at).where(
        Appointment.client_id == client.id, Appointment.status == AppointmentStatus.ATTENDED
    )
    return [localtime.local_day(when, timezone) for when in session.scalars(query)]


# --- Booking -----------------------------------------------------------------------------------


def team_choices(client: User, discipline: Discipline) -> list[User]:
    """The client's care team members of one discipline: the people who may see them."""
    plan = client.active_care_plan
    if plan is None:
        return []
    return [m for m in plan.team if m.discipline is discipline and m.is_active]


def book(
    session: Session,
    client: User,
    visit: Visit,
    *,
    day: date,
    clock: time,
    by: User,
    request_key: str,
    now: datetime,
) -> Appointment:
    """Book one visit at a local day and time; a retried request returns the first booking."""
    already = session.scalar(select(Appointment).where(Appointment.request_key == request_key))
    if already is not None:
        return already
    _open_plan(client)
    _check_team(client, visit)
    appointment = _new(client, visit, day, clock, by, now)
    appointment.request_key = request_key
    _check_free(session, [appointment], now)
    session.add(appointment)
    session.flush()
    return appointment


def book_series(
    session: Session,
    client: User,
    pattern: Pattern,
    team: Team,
    *,
    first_day: date,
    clock: time,
    count: int,
    every_weeks: int | None,
    by: User,
    request_key: str,
    now: datetime,
) -> AppointmentSeries:
    """Book a whole series, or nothing: every visit is checked before any is written."""
    already = session.scalar(
        select(AppointmentSeries).where(AppointmentSeries.request_key == request_key)
    )
    if already is not None:
        return already
    _open_plan(client)
    if not 1 <= count <= MAX_SERIES:
        raise BookingError(f"Book between 1 and {MAX_SERIES} visits at a time.", "count")
    weeks = pattern.every_weeks or every_weeks
    if weeks is None or not 1 <= weeks <= 4:
        raise BookingError("Choose every 2, 3 or 4 weeks.", "every_weeks")
    appointments = []
    for n in range(count):
        visit = team.visit(pattern.kinds[n % len(pattern.kinds)])
        _check_team(client, visit)
        day = first_day + timedelta(weeks=n * weeks)
        appointments.append(_new(client, visit, day, clock, by, now))
    _check_free(session, appointments, now)
    series = AppointmentSeries(
        client_id=client.id,
        pattern=pattern.key,
        request_key=request_key,
        created_by_id=by.id,
        created_at=now,
        appointments=appointments,
    )
    session.add(series)
    session.flush()
    return series


def move(
    session: Session,
    appointment: Appointment,
    *,
    day: date,
    clock: time,
    rest_of_series: bool,
    now: datetime,
) -> list[Appointment]:
    """Move a visit (and, if asked, the later ones in its series by the same number of days)."""
    _check_changeable(appointment, now)
    timezone = appointment.centre.timezone
    old_day = localtime.local_day(appointment.starts_at, timezone)
    shift = day - old_day
    moving = _with_rest(session, appointment) if rest_of_series else [appointment]
    for each in moving:
        new_day = localtime.local_day(each.starts_at, timezone) + shift
        _place(each, localtime.to_utc(new_day, clock, timezone))
        each.sequence += 1
        each.updated_at = now
    _check_free(session, moving, now)
    session.flush()
    return moving


def cancel(
    session: Session,
    appointment: Appointment,
    *,
    status: AppointmentStatus,
    rest_of_series: bool,
    now: datetime,
) -> list[Appointment]:
    """Call off a visit (and, if asked, the later ones in its series); calendars are told."""
    if not status.is_cancelled:
        raise BookingError("Say who cancelled.", "status")
    _check_changeable(appointment, now)
    cancelling = _with_rest(session, appointment) if rest_of_series else [appointment]
    for each in cancelling:
        each.status = status
        each.sequence += 1
        each.updated_at = now
    session.flush()
    return cancelling


def record_outcome(
    session: Session, appointment: Appointment, status: AppointmentStatus, now: datetime
) -> list[Appointment]:
    """Mark a visit that has started as attended or missed (a correction may flip it)."""
    if status not in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW):
        raise BookingError("A visit is either attended or missed.", "status")
    if appointment.status.is_cancelled:
        raise BookingError("This visit was cancelled.", "status")
    if appointment.starts_at > now:
        raise BookingError("You can record how a visit went once it has started.", "status")
    if appointment.status is not status:
        appointment.status = status
        appointment.sequence += 1
        appointment.updated_at = now
    session.flush()
    return [appointment]


# --- Rules -------------------------------------------------------------------------------------


def _open_plan(client: User) -> CarePlan:
    plan = client.active_care_plan
    if plan is None:
        raise BookingError(
            f"{client.first_name}'s care plan is closed, so no visits can be booked. "
            "Open a new care plan first.",
            "starts_on",
        )
    return plan


def _check_team(client: User, visit: Visit) -> None:
    for part in visit.parts:
        field = (
            "massage_minutes"
            if part.therapist.discipline is Discipline.MASSAGE
            else ("physio_minutes")
        )
        if part.minutes <= 0:
            raise BookingError("The visit must end after it starts.", field)
        if not MIN_MINUTES <= part.minutes <= MAX_MINUTES:
            raise BookingError(
                f"Each part lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.", field
            )
        on_team = team_choices(client, part.therapist.discipline or Discipline.MASSAGE)
        if part.therapist not in on_team:
            id_field = "massage_id" if field == "massage_minutes" else "physio_id"
            raise BookingError(
                f"{part.therapist.name} is not on this client's care team.", id_field
            )
    disciplines = [part.therapist.discipline for part in visit.parts]
    if visit.kind is AppointmentKind.COMBINED and len(set(disciplines)) != 2:
        raise BookingError("A combined visit needs a massage therapist and a physiotherapist.")


def _new(
    client: User, visit: Visit, day: date, clock: time, by: User, now: datetime
) -> Appointment:
    plan = client.active_care_plan
    assert plan is not None
    appointment = Appointment(
        uid=str(uuid.uuid4()),
        client_id=client.id,
        care_plan_id=plan.id,
        centre_id=plan.centre_id,
        kind=visit.kind,
        status=AppointmentStatus.BOOKED,
        sequence=0,
        created_by_id=by.id,
        created_at=now,
        updated_at=now,
    )
    appointment.client = client
    appointment.centre = plan.centre
    starts_at = localtime.to_utc(day, clock, plan.centre.timezone)
    for part in visit.parts:
        ends_at = starts_at + timedelta(minutes=part.minutes)
        slot = AppointmentSlot(
            therapist_id=part.therapist.id,
            discipline=part.therapist.discipline,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        slot.therapist = part.therapist
        appointment.slots.append(slot)
        starts_at = ends_at
    appointment.starts_at = appointment.slots[0].starts_at
    appointment.ends_at = appointment.slots[-1].ends_at
    return appointment


def _place(appointment: Appointment, starts_at: datetime) -> None:
    """Put a visit at ``starts_at``, keeping each part's offset and length."""
    offsets = [
        (slot.starts_at - appointment.starts_at, slot.ends_at - appointment.starts_at)
        for slot in appointment.slots
    ]
    for slot, (start, end) in zip(appointment.slots, offsets, strict=True):
        slot.starts_at = starts_at + start
        slot.ends_at = starts_at + end
    appointment.starts_at = starts_at
    appointment.ends_at = max(slot.ends_at for slot in appointment.slots)


def _check_changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status is not AppointmentStatus.BOOKED:
        raise BookingError(f"This visit is {appointment.status.label.lower()}; it can't change.")
    if appointment.starts_at <= now:
        raise BookingError("This visit has already started; record how it went instead.")


def _with_rest(session: Session, appointment: Appointment) -> list[Appointment]:
    """This visit and the later booked ones of its series."""
    if appointment.series_id is None:
        return [appointment]
    query = (
        select(Appointment)
        .where(
            Appointment.series_id == appointment.series_id,
            Appointment.starts_at >= appointment.starts_at,
            Appointment.status == AppointmentStatus.BOOKED,
        )
        .order_by(Appointment.starts_at)
    )
    return list(session.scalars(query))


def _check_free(session: Session, appointments: list[Appointment], now: datetime) -> None:
    """Refuse visits in the past, or that overlap the client's or a therapist's other visits.

    On PostgreSQL the people involved are locked first (in id order), so two bookings made at
    the same moment for the same therapist are checked one after the other; SQLite has a
    single writer anyway.
    """
    people = {a.client_id for a in appointments} | {
        slot.therapist_id for a in appointments for slot in a.slots
    }
    session.execute(
        select(User.id).where(User.id.in_(people)).order_by(User.id).with_for_update()
    ).all()
    timezone = appointments[0].centre.timezone
    ids = [a.id for a in appointments if a.id is not None]
    for appointment in appointments:
        when = localtime.wall_clock(appointment.starts_at, timezone)
        label = f"{when:%a %-d %b at %H:%M}"
        if appointment.starts_at <= now:
            raise BookingError(f"{label} has already passed. Choose a later time.")
        for other in appointments:
            if other is not appointment and _overlaps(other, appointment):
                raise BookingError(f"Two visits in this series overlap on {label}.")
        clash = session.scalar(
            select(Appointment).where(
                Appointment.client_id == appointment.client_id,
                Appointment.id.not_in(ids),
                Appointment.status.in_([AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED]),
                Appointment.starts_at < appointment.ends_at,
                Appointment.ends_at > appointment.starts_at,
            )
        )
        if clash is not None:
            raise BookingError(f"{appointment.client.first_name} already has a visit on {label}.")
        for slot in appointment.slots:
            busy = session.scalar(
                select(AppointmentSlot)
                .join(Appointment)
                .where(
                    AppointmentSlot.therapist_id == slot.therapist_id,
                    Appointment.id.not_in(ids),
                    Appointment.status.in_([AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED]),
                    AppointmentSlot.starts_at < slot.ends_at,
                    AppointmentSlot.ends_at > slot.starts_at,
                )
            )
            if busy is not None:
                raise BookingError(
                    f"{slot.therapist.name} is already booked on {label}.",
                    "massage_id" if slot.discipline is Discipline.MASSAGE else "physio_id",
                )


def _overlaps(a: Appointment, b: Appointment) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at
