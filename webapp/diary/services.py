"""The pain diary: validating and storing check-ins and quick logs (online or synced later),
weekly PSFS and red-flag screens, reviews, and the client's history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import available_timezones

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..localtime import week_start
from ..models import CareAlert
from ..models import DiaryEntry
from ..models import EntryKind
from ..models import GlobalRating
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import RedFlagScreen
from ..models import User
from . import measures

NOTES_MAX = 1000
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little fast


class DiaryError(ValueError):
    """Input the diary can't store; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True)
class When:
    """When and where (time zone) the client made an entry, as their device said."""

    recorded_at: datetime
    timezone: str

    @property
    def local(self) -> datetime:
        return self.recorded_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_date(self) -> date:
        return self.local.date()

    @property
    def offset_minutes(self) -> int:
        offset = self.local.utcoffset()
        return int(offset.total_seconds() // 60) if offset is not None else 0


def when_from(recorded_at: Any, timezone: Any, *, now: datetime, plan_start: date | None) -> When:
    """Read and check an entry's time and zone: not in the future, not before care began."""
    errors: dict[str, str] = {}
    if not isinstance(timezone, str) or timezone not in _zones():
        errors["tz"] = "Unknown time zone."
    moment: datetime | None = None
    if isinstance(recorded_at, datetime):
        moment = recorded_at
    elif isinstance(recorded_at, str) and len(recorded_at) <= 40:
        try:
            moment = datetime.fromisoformat(recorded_at)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        errors["recorded_at"] = "Give the time as ISO 8601 with its UTC offset."
    if errors:
        raise DiaryError(errors)
    assert moment is not None
    when = When(moment, timezone)
    if moment > now + CLOCK_SKEW:
        raise DiaryError({"recorded_at": "That time is in the future."})
    if plan_start is not None and when.local_date < plan_start:
        raise DiaryError({"recorded_at": "That day is before your care plan began."})
    return when


def _score(value: Any, name: str, errors: dict[str, str], *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            errors[name] = "Choose a number from 0 to 10."
        return None
    if isinstance(value, bool):
        errors[name] = "Use a whole number from 0 to 10."
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = "Use a whole number from 0 to 10."
        return None
    if isinstance(value, float) and value != number or not 0 <= number <= 10:
        errors[name] = "Use a whole number from 0 to 10."
        return None
    return number


@dataclass(frozen=True)
class CheckIn:
    pain_now: int
    pain_worst: int | None = None
    sleep: int | None = None
    stress: int | None = None
    flare: bool | None = None
    areas: list[str] = field(default_factory=list)
    notes: str = ""


def checkin_from(data: Mapping[str, Any], *, quick: bool = False) -> CheckIn:
    """Check a daily check-in (or a quick pain log) field by field; collect every error."""
    if not isinstance(data, Mapping):
        raise DiaryError({"data": "Expected the entry's fields."})
    errors: dict[str, str] = {}
    pain_now = _score(data.get("pain_now"), "pain_now", errors, required=True)
    if quick:
        if errors:
            raise DiaryError(errors)
        return CheckIn(pain_now=pain_now or 0)
    worst = _score(data.get("pain_worst"), "pain_worst", errors, required=True)
    sleep = _score(data.get("sleep"), "sleep", errors, required=False)
    stress = _score(data.get("stress"), "stress", errors, required=False)
    if worst is not None and pain_now is not None and worst < pain_now:
        errors["pain_worst"] = "Worst pain can't be lower than your pain now."
    flare_raw = data.get("flare")
    flare: bool | None = None
    if flare_raw in (True, "yes", "true", "1", 1):
        flare = True
    elif flare_raw in (False, "no", "false", "0", 0):
        flare = False
    elif flare_raw not in (None, ""):
        errors["flare"] = "Answer yes or no."
    areas_raw = data.get("areas") or []
    if isinstance(areas_raw, str):
        areas_raw = [areas_raw]
    if not isinstance(areas_raw, list) or not all(isinstance(a, str) for a in areas_raw):
        errors["areas"] = "Choose areas from the body map."
        areas_raw = []
    unknown = [a for a in areas_raw if a not in measures.BODY_REGIONS]
    if unknown:
        errors["areas"] = f"Unknown body area: {', '.join(sorted(set(unknown)))[:80]}."
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        errors["notes"] = "Notes must be text."
        notes = ""
    elif len(notes) > NOTES_MAX:
        errors["notes"] = f"Keep notes under {NOTES_MAX} characters."
    if errors:
        raise DiaryError(errors)
    return CheckIn(
        pain_now=pain_now or 0,
        pain_worst=worst,
        sleep=sleep,
        stress=stress,
        flare=flare,
        areas=sorted(set(areas_raw), key=list(measures.BODY_REGIONS).index),
        notes=notes.strip(),
    )


@dataclass(frozen=True)
class Stored:
    entry: DiaryEntry
    status: str  # "stored", "updated" or "duplicate"


def record(
    session: Session,
    client: User,
    *,
    entry_id: str,
    kind: EntryKind,
    checkin: CheckIn,
    when: When,
    now: datetime,
) -> Stored:
    """Store a check-in or quick log exactly once by its entry id.

    A second check-in for the same local day updates the first: one check-in per day.
    """
    existing = session.scalar(select(DiaryEntry).where(DiaryEntry.client_entry_id == entry_id))
    if existing is not None:
        if existing.client_id != client.id or existing.kind is not kind:
            raise DiaryError({"id": "This entry id is already in use."})
        return Stored(existing, "duplicate")
    if kind is EntryKind.CHECKIN:
        same_day = session.scalar(
            select(DiaryEntry).where(
                DiaryEntry.client_id == client.id,
                DiaryEntry.kind == EntryKind.CHECKIN,
                DiaryEntry.local_date == when.local_date,
            )
        )
        if same_day is not None:
            _apply(same_day, checkin, when, now)
            return Stored(same_day, "updated")
    entry = DiaryEntry(client_entry_id=entry_id, client_id=client.id, kind=kind, received_at=now)
    _apply(entry, checkin, when, now)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        # The same entry (or today's check-in) arrived twice at once; keep the first.
        return record(
            session, client, entry_id=entry_id, kind=kind, checkin=checkin, when=when, now=now
        )
    return Stored(entry, "stored")


def _apply(entry: DiaryEntry, checkin: CheckIn, when: When, now: datetime) -> None:
    entry.local_date = when.local_date
    entry.recorded_at = when.recorded_at
    entry.timezone = when.timezone
    entry.utc_offset_minutes = when.offset_minutes
    entry.pain_now = checkin.pain_now
    entry.pain_worst = checkin.pain_worst
    entry.sleep = checkin.sleep
    entry.stress = checkin.stress
    entry.flare = checkin.flare
    entry.areas = list(checkin.areas)
    entry.notes = checkin.notes
    entry.updated_at = now


def todays_checkin(session: Session, client: User, day: date) -> DiaryEntry | None:
    """The client's check-in for a local day, if they made one."""
    return session.scalar(
        select(DiaryEntry).where(
            DiaryEntry.client_id == client.id,
            DiaryEntry.kind == EntryKind.CHECKIN,
            DiaryEntry.local_date == day,
        )
    )


def entries_between(session: Session, client: User, first: date, last: date) -> list[DiaryEntry]:
    """The client's diary entries for local days ``first``..``last``, oldest first."""
    return list(
        session.scalars(
            select(DiaryEntry)
            .where(
                DiaryEntry.client_id == client.id,
                DiaryEntry.local_date >= first,
                DiaryEntry.local_date <= last,
            )
            .order_by(DiaryEntry.local_date, DiaryEntry.recorded_at)
        )
    )


# --- Weekly measures -------------------------------------------------------------------------


def activities(session: Session, client: User) -> list[PsfsActivity]:
    """The client's current PSFS activities, oldest first."""
    return list(
        session.scalars(
            select(PsfsActivity)
            .where(PsfsActivity.client_id == client.id, PsfsActivity.retired_at.is_(None))
            .order_by(PsfsActivity.created_at, PsfsActivity.id)
        )
    )


def add_activity(
    session: Session, client: User, name: str, *, by: User, now: datetime
) -> PsfsActivity:
    """Add an activity the client named (3–5 are rated each week)."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        raise DiaryError({"name": "Describe the activity in 2 to 120 characters."})
    current = activities(session, client)
    if len(current) >= 5:
        raise DiaryError({"name": "Five activities at most; retire one first."})
    if any(a.name.lower() == name.lower() for a in current):
        raise DiaryError({"name": "That activity is already on the list."})
    activity = PsfsActivity(client_id=client.id, name=name, created_by_id=by.id, created_at=now)
    session.add(activity)
    return activity


def record_weekly(
    session: Session,
    client: User,
    *,
    scores: Mapping[int, int],
    ticked: list[str],
    today: date,
    now: datetime,
) -> tuple[RedFlagScreen, CareAlert | None]:
    """Store this week's PSFS ratings and red-flag screen; alert the care team for any flag."""
    errors: dict[str, str] = {}
    own = {a.id: a for a in activities(session, client)}
    for activity_id, score in scores.items():
        if activity_id not in own:
            errors[f"psfs-{activity_id}"] = "That activity isn't on your list."
        elif not 0 <= score <= 10:
            errors[f"psfs-{activity_id}"] = "Rate from 0 to 10."
    unknown = [k for k in ticked if k not in measures.RED_FLAG_KEYS]
    if unknown:
        errors["red_flags"] = "Unknown item in the screen."
    if errors:
        raise DiaryError(errors)
    week = week_start(today)
    for activity_id, score in scores.items():
        row = session.scalar(
            select(PsfsScore).where(
                PsfsScore.activity_id == activity_id, PsfsScore.week_start == week
            )
        )
        if row is None:
            session.add(PsfsScore(activity_id=activity_id, week_start=week, score=score))
        else:
            row.score, row.recorded_at = score, now
    screen = RedFlagScreen(client_id=client.id, local_date=today, ticked=ticked, recorded_at=now)
    session.add(screen)
    alert = None
    urgency = measures.most_urgent(ticked)
    if urgency is not None:
        items = "; ".join(measures.RED_FLAG_KEYS[k].question for k in ticked)
        alert = CareAlert(
            client_id=client.id,
            kind="red_flag",
            urgency=urgency,
            summary=f"Weekly screen: {items}"[:500],
            created_at=now,
        )
        session.add(alert)
    return screen, alert


def record_review(
    session: Session, client: User, score: int, *, today: date, now: datetime
) -> GlobalRating:
    """Store the client's global rating of change (−7 to +7)."""
    if not -7 <= score <= 7:
        raise DiaryError({"score": "Choose from −7 to +7."})
    rating = GlobalRating(client_id=client.id, local_date=today, score=score, recorded_at=now)
    session.add(rating)
    return rating


def open_alerts(session: Session, client_ids: list[int]) -> list[CareAlert]:
    """Alerts nobody on the care team has acknowledged yet, newest first."""
    if not client_ids:
        return []
    return list(
        session.scalars(
            select(CareAlert)
            .where(CareAlert.client_id.in_(client_ids), CareAlert.acknowledged_at.is_(None))
            .order_by(CareAlert.created_at.desc())
        )
    )


def acknowledge(alert: CareAlert, by: User, now: datetime) -> None:
    """Record that a member of the care team has seen an alert and is acting on it."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by_id = by.id


@dataclass(frozen=True)
class TodayPrompts:
    checkin: DiaryEntry | None
    weekly_due: bool
    review_due: bool


def today_prompts(
    session: Session, client: User, plan_start: date | None, today: date
) -> TodayPrompts:
    """What Today should ask for, in one round trip: today's check-in, the weekly check and
    the four-weekly review."""
    screened = (
        select(RedFlagScreen.id)
        .where(RedFlagScreen.client_id == client.id, RedFlagScreen.local_date >= week_start(today))
        .exists()
    )
    last_review = (
        select(func.max(GlobalRating.local_date))
        .where(GlobalRating.client_id == client.id)
        .scalar_subquery()
    )
    row = session.execute(select(screened, last_review)).one()
    since = row[1] or plan_start
    return TodayPrompts(
        checkin=todays_checkin(session, client, today),
        weekly_due=plan_start is not None and not row[0],
        review_due=since is not None and (today - since).days >= measures.GROC_REVIEW_EVERY_DAYS,
    )
