"""Visits, session notes and referrals for the demo clients, made through the real services.

The booking service refuses the past, so past visits are booked as a series "back then" (a
``now`` before the first visit) and each outcome is recorded after its visit; the coming weeks
are booked with the real ``now``. The therapists who saw the client write their own notes after
recent visits, and referrals pass between the two disciplines, so every rule holds.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import localtime
from ..careteam import services as careteam
from ..models import Appointment
from ..models import AppointmentKind
from ..models import AppointmentSlot
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import DiaryEntry
from ..models import Discipline
from ..models import EntryKind
from ..models import Referral
from ..models import SessionNote
from ..models import User
from ..sessions import booking
from .note_text import FLARE_ADVICE
from .note_text import MISSED
from .note_text import REVIEW
from .note_text import Notes
from .note_text import notes_for

NOTES_FOR_DAYS = 42  # therapists write notes for the visits of the last six weeks
OPENING = [time(h, m) for h in range(9, 18) for m in (0, 30)]  # 09:00 to 17:30
KEYS = uuid.UUID("6f1c2a54-3d1e-4a57-9a0b-2f3c4d5e6f70")


@dataclass(frozen=True)
class DemoReferral:
    """A referral from ``by`` to the other discipline, some hours after one of their visits."""

    by: str
    after_visit: int  # after the referrer's n-th latest attended visit (1 = the latest)
    reason: str
    body_region: str
    urgency: str = "routine"
    focus: str = ""
    hours_later: int = 2
    acknowledged_hours_later: int | None = None  # None: still open
    follow_up: str = ""  # what the other discipline found at their next visit


@dataclass(frozen=True)
class Correction:
    """A slip in a note, put right the next day by an addendum from its author."""

    by: str
    visit: int  # the author's n-th latest attended visit (1 = the latest)
    findings: str  # the findings as first written, with the slip
    addendum: str


@dataclass(frozen=True)
class VisitPlan:
    """When a client comes in and what happened: weekly from the start of their care plan."""

    days_from_today: int  # the weekday of their visits, counted from today (Sunday moves to Monday)
    clock: time  # the centre's wall clock; another hour is tried if a therapist is busy
    massage_minutes: int = 30
    physio_minutes: int = 30
    physio_first: bool = False
    cancelled: tuple[int, ...] = ()  # past visits the client called off (1 = the latest)
    missed: tuple[int, ...] = ()  # past visits the client didn't come to (1 = the latest)
    referrals: tuple[DemoReferral, ...] = ()
    correction: Correction | None = None


def seed_sessions(
    session: Session, *, plan: CarePlan, visits: VisitPlan, now: datetime, rng: random.Random
) -> None:
    """Book the client's past and coming visits, record how the past ones went, and write the
    care team's notes and referrals about them."""
    pattern = booking.PATTERNS[booking.CONDITION_PATTERNS[plan.condition]]
    team = booking.Team(
        massage=_member(plan, Discipline.MASSAGE),
        physio=_member(plan, Discipline.PHYSIO),
        massage_minutes=visits.massage_minutes,
        physio_minutes=visits.physio_minutes,
        physio_first=visits.physio_first,
    )
    past, offset = _book_past(session, plan, pattern, team, visits, now)
    _book_coming(session, plan, pattern, team, visits, now, rng, past, offset)
    ended = [a for a in past if a.ends_at <= now]
    _outcomes(session, ended, visits, now)
    attended = [a for a in ended if a.status is AppointmentStatus.ATTENDED]
    referrals = [_when(r, plan, attended, now) for r in visits.referrals]
    notes = _notes(session, plan, ended, visits, referrals, now, rng)
    if visits.correction:
        _correct(session, plan, visits.correction, notes, now)
    for story, created, acknowledged in referrals:
        _refer(session, plan, story, created, acknowledged)


# --- Booking -----------------------------------------------------------------------------------


def _book_past(
    session: Session,
    plan: CarePlan,
    pattern: booking.Pattern,
    team: booking.Team,
    visits: VisitPlan,
    now: datetime,
) -> tuple[list[Appointment], int]:
    """Book the visits from the start of care until now as they were booked back then."""
    zone = plan.centre.timezone
    weekday = _weekday(localtime.local_day(now, zone), visits.days_from_today)
    first = plan.start_date + timedelta(days=1)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    weeks = pattern.every_weeks or 2
    # An alternating plan starts with the physiotherapist's assessment.
    offset = 1 if len(set(pattern.kinds)) > 1 and pattern.kinds[0] is AppointmentKind.MASSAGE else 0
    for clock in _clocks(visits.clock):
        days = _days(first, weeks, lambda d, c=clock: localtime.to_utc(d, c, zone) <= now)
        dropped = max(len(days) - booking.MAX_SERIES, 0)  # a longer story starts later
        days = days[dropped:]
        if not days:
            return [], offset
        then = min(plan.created_at, localtime.to_utc(days[0], clock, zone) - timedelta(hours=1))
        turn = offset + dropped
        try:
            series = _series(session, plan, pattern, team, days, clock, turn, "past", then)
        except booking.BookingError:
            continue
        return series, turn + len(days)
    raise RuntimeError(f"no free hour for {plan.client.name}'s past visits")


def _book_coming(
    session: Session,
    plan: CarePlan,
    pattern: booking.Pattern,
    team: booking.Team,
    visits: VisitPlan,
    now: datetime,
    rng: random.Random,
    past: list[Appointment],
    offset: int,
) -> None:
    """Book the next weeks of the series, the first of them within a week."""
    zone = plan.centre.timezone
    today = localtime.local_day(now, zone)
    weeks = pattern.every_weeks or 2
    if past:
        after = localtime.local_day(past[-1].starts_at, zone) + timedelta(weeks=weeks)
    else:
        after = today + timedelta(
            days=(_weekday(today, visits.days_from_today) - today.weekday()) % 7
        )
    count = rng.randint(4, 8)
    for clock in _clocks(visits.clock):
        first = after
        if localtime.to_utc(first, clock, zone) <= now:
            first += timedelta(weeks=weeks)
        days = [first + timedelta(weeks=n * weeks) for n in range(count)]
        try:
            _series(session, plan, pattern, team, days, clock, offset, "coming", now)
        except booking.BookingError:
            continue
        return
    raise RuntimeError(f"no free hour for {plan.client.name}'s coming visits")


def _series(
    session: Session,
    plan: CarePlan,
    pattern: booking.Pattern,
    team: booking.Team,
    days: list[date],
    clock: time,
    turn: int,
    label: str,
    now: datetime,
) -> list[Appointment]:
    """Book visits on ``days`` as one series, its pattern carrying on from visit ``turn``."""
    turn %= len(pattern.kinds)
    series = booking.book_series(
        session,
        plan.client,
        replace(pattern, kinds=pattern.kinds[turn:] + pattern.kinds[:turn]),
        team,
        first_day=days[0],
        clock=clock,
        count=len(days),
        every_weeks=pattern.every_weeks or 2,
        by=plan.phase_changes[0].changed_by or plan.team[0],  # whoever opened the care plan
        request_key=_key(plan, label, clock),
        now=now,
    )
    return list(series.appointments)


def _outcomes(session: Session, ended: list[Appointment], visits: VisitPlan, now: datetime) -> None:
    """Record each visit that has ended: attended, missed, or called off the day before."""
    for back, appointment in enumerate(reversed(ended), start=1):
        if back in visits.cancelled:
            booking.cancel(
                session,
                appointment,
                status=AppointmentStatus.CANCELLED_BY_CLIENT,
                rest_of_series=False,
                now=appointment.starts_at - timedelta(hours=20),
            )
        elif back in visits.missed:
            recorded = min(appointment.starts_at + timedelta(minutes=20), now)
            booking.record_outcome(session, appointment, AppointmentStatus.NO_SHOW, recorded)
        else:
            recorded = min(appointment.ends_at + timedelta(minutes=5), now)
            booking.record_outcome(session, appointment, AppointmentStatus.ATTENDED, recorded)


# --- Notes, corrections and referrals ----------------------------------------------------------


def _notes(
    session: Session,
    plan: CarePlan,
    ended: list[Appointment],
    visits: VisitPlan,
    referrals: list[tuple[DemoReferral, datetime, datetime | None]],
    now: datetime,
    rng: random.Random,
) -> list[tuple[Appointment, SessionNote]]:
    """Each therapist who saw the client writes a note after most of the recent visits."""
    since = now - timedelta(days=NOTES_FOR_DAYS)
    attended = [a for a in ended if a.status is AppointmentStatus.ATTENDED]
    latest = attended[-1] if attended else None
    checkins = _checkins(session, plan.client)
    zone = plan.centre.timezone
    pending = list(referrals)
    seen: dict[tuple[Discipline, int], int] = {}  # visits so far per discipline and stretch
    written: list[tuple[Appointment, SessionNote]] = []
    for appointment in ended:
        day = localtime.local_day(appointment.starts_at, zone)
        recent = appointment.starts_at >= since
        if appointment.status is AppointmentStatus.NO_SHOW and recent:
            slot = appointment.slots[0]
            line, _flare = _diary(checkins, day)
            text = _text(MISSED, 0, (line, False), slot.discipline, summary=False)
            _write(session, plan, slot, text, appointment, "missed", now)
        if appointment.status is not AppointmentStatus.ATTENDED:
            continue
        phase, stint = _phase_at(plan, appointment.starts_at)
        turns = {}
        for slot in appointment.slots:
            key = (slot.discipline, stint)
            turns[slot.id] = seen.get(key, 0)
            if appointment.kind is not AppointmentKind.REVIEW:
                seen[key] = turns[slot.id] + 1
        if not recent:
            continue
        follow_ups = {}
        for item in list(pending):
            story, created, _acknowledged = item
            to = careteam.other_discipline(_named(plan, story.by).discipline)
            slot = next((s for s in appointment.slots if s.discipline is to), None)
            if story.follow_up and slot and slot.starts_at > created:
                follow_ups[slot.id] = story.follow_up
                pending.remove(item)
        correcting = _corrected_slot(plan, visits.correction, attended, appointment)
        if not (appointment is latest or follow_ups or correcting) and rng.random() > 0.85:
            continue
        writers = [
            slot
            for slot in appointment.slots
            if appointment.kind is not AppointmentKind.COMBINED
            or slot.discipline is Discipline.PHYSIO
            or slot.id in follow_ups
            or slot is correcting
            or rng.random() < 0.8
        ]
        with_summary = appointment is latest or rng.random() < 0.5
        for slot in writers:
            if appointment.kind is AppointmentKind.REVIEW:
                notes = REVIEW
            else:
                notes = notes_for(plan.client.name, slot.discipline, phase)
            text = _text(
                notes,
                turns[slot.id],
                _diary(checkins, day),
                slot.discipline,
                summary=with_summary and slot is writers[-1],
                first=follow_ups.get(slot.id, ""),
            )
            if slot is correcting and visits.correction:
                text = replace(text, findings=visits.correction.findings)
            note = _write(session, plan, slot, text, appointment, "note", now, rng)
            written.append((appointment, note))
    return written


def _text(
    notes: Notes,
    turn: int,
    diary: tuple[str, bool],
    discipline: Discipline,
    *,
    summary: bool,
    first: str = "",
) -> careteam.NoteText:
    line, flare = diary
    findings = [first, _pick(notes.findings, turn), line, FLARE_ADVICE[discipline] if flare else ""]
    return careteam.NoteText(
        treatment=_pick(notes.treatment, turn),
        findings=" ".join(part for part in findings if part),
        plan=notes.plan,
        handover=notes.handover,
        client_summary=_pick(notes.summary, turn) if summary else "",
        client_next_steps=notes.next_steps if summary else "",
    )


def _write(
    session: Session,
    plan: CarePlan,
    slot: AppointmentSlot,
    text: careteam.NoteText,
    appointment: Appointment,
    label: str,
    now: datetime,
    rng: random.Random | None = None,
) -> SessionNote:
    later = timedelta(minutes=rng.randint(10, 90) if rng else 30)
    return careteam.write_note(
        session,
        plan.client,
        slot.therapist,
        text,
        appointment=appointment,
        request_key=_key(plan, label, slot.id),
        now=min(slot.ends_at + later, now),
    )


def _correct(
    session: Session,
    plan: CarePlan,
    correction: Correction,
    notes: list[tuple[Appointment, SessionNote]],
    now: datetime,
) -> None:
    author = _named(plan, correction.by)
    note = next(
        (n for _a, n in notes if n.author_id == author.id and n.findings == correction.findings),
        None,
    )
    if note is None:
        return
    careteam.add_addendum(
        session,
        note,
        author,
        correction.addendum,
        request_key=_key(plan, "addendum", note.id),
        now=min(note.written_at + timedelta(hours=18), now),
    )


def _when(
    story: DemoReferral, plan: CarePlan, attended: list[Appointment], now: datetime
) -> tuple[DemoReferral, datetime, datetime | None]:
    """When the referral was made, after the referrer's visit, and when it was acknowledged."""
    referrer = _named(plan, story.by)
    theirs = [slot for a in attended for slot in a.slots if slot.therapist_id == referrer.id]
    base = theirs[-story.after_visit].ends_at if len(theirs) >= story.after_visit else now
    created = min(base + timedelta(hours=story.hours_later), now)
    acknowledged = None
    if story.acknowledged_hours_later is not None:
        acknowledged = min(created + timedelta(hours=story.acknowledged_hours_later), now)
    return story, created, acknowledged


def _refer(
    session: Session,
    plan: CarePlan,
    story: DemoReferral,
    created: datetime,
    acknowledged: datetime | None,
) -> Referral:
    referral = careteam.refer(
        session,
        plan.client,
        _named(plan, story.by),
        careteam.ReferralText(
            reason=story.reason,
            body_region=story.body_region,
            urgency=story.urgency,
            focus=story.focus,
        ),
        request_key=_key(plan, "referral", story.by, story.after_visit),
        now=created,
    )
    if acknowledged is not None:
        to = careteam.other_discipline(_named(plan, story.by).discipline)
        careteam.acknowledge(session, referral, _member(plan, to), acknowledged)
    return referral


# --- Helpers -----------------------------------------------------------------------------------


def _member(plan: CarePlan, discipline: Discipline) -> User:
    return next(m for m in plan.team if m.discipline is discipline)


def _named(plan: CarePlan, name: str) -> User:
    return next(m for m in plan.team if m.name == name)


def _weekday(today: date, days_from_today: int) -> int:
    """The weekday of a client's visits; the centres are closed on Sundays."""
    day = today + timedelta(days=days_from_today)
    return 0 if day.weekday() == 6 else day.weekday()


def _clocks(preferred: time) -> list[time]:
    """The preferred time first, then the rest of the day from the next half hour on."""
    later = [c for c in OPENING if c > preferred]
    return [preferred] + later + [c for c in OPENING if c < preferred]


def _days(first: date, weeks: int, started: Callable[[date], bool]) -> list[date]:
    days = []
    day = first
    while started(day):
        days.append(day)
        day += timedelta(weeks=weeks)
    return days


def _key(plan: CarePlan, *parts: object) -> str:
    """A request key that is the same on every run, and different for every request."""
    return str(uuid.uuid5(KEYS, ":".join(str(p) for p in (plan.client.email, *parts))))


def _pick(options: tuple[str, ...], turn: int) -> str:
    """The first option for the first visit of a phase, then the others in turn."""
    if not options:
        return ""
    if turn == 0 or len(options) == 1:
        return options[0]
    return options[1 + (turn - 1) % (len(options) - 1)]


def _phase_at(plan: CarePlan, moment: datetime) -> tuple[int, int]:
    """The client's phase at ``moment``, and which stretch of the pathway that was."""
    phase, stint = plan.phase, 0
    for n, change in enumerate(plan.phase_changes):
        if change.changed_at <= moment or n == 0:
            phase, stint = change.to_phase, n
    return phase, stint


def _corrected_slot(
    plan: CarePlan,
    correction: Correction | None,
    attended: list[Appointment],
    appointment: Appointment,
) -> AppointmentSlot | None:
    if correction is None:
        return None
    author = _named(plan, correction.by)
    theirs = [(a, s) for a in attended for s in a.slots if s.therapist_id == author.id]
    if len(theirs) < correction.visit:
        return None
    visit, slot = theirs[-correction.visit]
    return slot if visit is appointment else None


def _checkins(session: Session, client: User) -> dict[date, tuple[int, bool]]:
    query = select(DiaryEntry.local_date, DiaryEntry.pain_now, DiaryEntry.flare).where(
        DiaryEntry.client_id == client.id, DiaryEntry.kind == EntryKind.CHECKIN
    )
    return {day: (pain, bool(flare)) for day, pain, flare in session.execute(query)}


def _diary(checkins: dict[date, tuple[int, bool]], day: date) -> tuple[str, bool]:
    """What the diary of the week before a visit says, and whether it shows a flare."""
    week = [checkins[d] for d in (day - timedelta(days=k) for k in range(1, 8)) if d in checkins]
    if not week:
        before = [d for d in checkins if d < day]
        if before:
            return f"No diary entries since {max(before):%-d %B}.", False
        return "", False
    pains = [pain for pain, _flare in week if pain is not None]
    if not pains:
        return "", False
    if any(flare for _pain, flare in week):
        return f"Diary: a flare this week, pain up to {max(pains)}/10.", True
    return f"Diary: pain about {round(sum(pains) / len(pains))}/10 over the past week.", False
