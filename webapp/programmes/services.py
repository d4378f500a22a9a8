"""Building and versioning a client's home programme, and logging what the client does.

Every change to a programme bumps its version and records who, when, what and why; rows are
ended, never deleted, so any earlier version can be read back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import fields
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from ..library.loader import Template
from ..models import CarePlan
from ..models import Condition
from ..models import Difficulty
from ..models import Exercise
from ..models import ExerciseLog
from ..models import Prescription
from ..models import Programme
from ..models import ProgrammeChange
from ..models import User

REASON_MAX = 500
NOTE_MAX = 500


class ProgrammeError(ValueError):
    """A change or a log the programme's rules don't allow; ``field`` says where to show it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Dose:
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    times_per_day: int | None
    days_per_week: int | None
    each_side: bool = False

    @classmethod
    def of(cls, source: Exercise | Prescription) -> Dose:
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

    def check(self) -> None:
        """Refuse a dose nobody could or should do."""
        limits = {
            "sets": (1, 10),
            "reps": (1, 50),
            "hold_seconds": (1, 600),
            "rest_seconds": (0, 600),
            "times_per_day": (1, 6),
            "days_per_week": (1, 7),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise ProgrammeError(name, f"Use a number from {low} to {high}.")
        if self.reps is None and self.hold_seconds is None:
            raise ProgrammeError("reps", "Give repetitions, a hold time, or both.")
        if (self.times_per_day is None) == (self.days_per_week is None):
            raise ProgrammeError("frequency", "Choose times a day or days a week.")

    def describe(self) -> str:
        """Say the dose the way a client reads it, e.g. '3 × 10 reps, 3 days a week'."""
        if self.reps and self.reps > 1 and self.hold_seconds:
            work = f"{self.reps} × {self.hold_seconds} s holds"
        elif self.hold_seconds:
            work = _duration(self.hold_seconds)
        elif self.reps:
            work = f"{self.reps} reps"
        else:
            work = _duration(self.hold_seconds or 0)
        if self.sets > 1:
            work = f"{self.sets} sets of {work}"
        if self.each_side:
            work += " each side"
        if self.times_per_day:
            often = {1: "once a day", 2: "twice a day"}.get(
                self.times_per_day, f"{self.times_per_day} times a day"
            )
        else:
            often = "every day" if self.days_per_week == 7 else f"{self.days_per_week} days a week"
        return f"{work}, {often}"


def _duration(seconds: int) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"{seconds} s"


def dose_text(prescription: Prescription) -> str:
    """Describe a prescription's dose in plain words."""
    return Dose.of(prescription).describe()


# --- Reading -----------------------------------------------------------------------------


def programme_of(session: Session, client: User) -> Programme | None:
    """Return the client's programme, if one has been started."""
    return session.scalar(
        select(Programme)
        .where(Programme.client_id == client.id)
        .options(selectinload(Programme.prescriptions).selectinload(Prescription.exercise))
    )


def programme_for(session: Session, client: User, plan: CarePlan | None) -> Programme:
    """Return the client's programme, starting an empty one if needed."""
    programme = programme_of(session, client)
    if programme is None:
        programme = Programme(client=client, care_plan=plan, version=0, client_seen_version=0)
        session.add(programme)
        session.flush()
    return programme


def find_prescription(programme: Programme | None, prescription_id: int) -> Prescription | None:
    """Find a prescription of this programme (current or past) by id."""
    if programme is None:
        return None
    return next((p for p in programme.prescriptions if p.id == prescription_id), None)


def unseen_changes(
    session: Session, programme: Programme | None, limit: int = 5
) -> list[ProgrammeChange]:
    """Return the latest changes the client hasn't seen yet (at most ``limit``), oldest first."""
    if programme is None or programme.version <= programme.client_seen_version:
        return []
    return list(
        session.scalars(
            select(ProgrammeChange)
            .where(
                ProgrammeChange.programme_id == programme.id,
                ProgrammeChange.version > programme.client_seen_version,
            )
            .options(selectinload(ProgrammeChange.changed_by))
            .order_by(ProgrammeChange.version.desc())
            .limit(limit)
        )
    )[::-1]


def mark_changes_seen(programme: Programme, version: int) -> None:
    """Record that the client has seen the programme up to ``version``."""
    programme.client_seen_version = max(
        programme.client_seen_version, min(version, programme.version)
    )


def prescriptions_at(programme: Programme, version: int) -> list[Prescription]:
    """The programme as it stood at ``version``, in order: every earlier state can be read."""
    return sorted(
        (
            p
            for p in programme.prescriptions
            if p.started_in_version <= version
            and (p.ended_in_version is None or p.ended_in_version > version)
        ),
        key=lambda p: p.position,
    )


def slot_history(programme: Programme, slot: str) -> list[Prescription]:
    """Every prescription that has filled this slot, oldest first."""
    return sorted(
        (p for p in programme.prescriptions if p.slot == slot), key=lambda p: p.started_in_version
    )


# --- Changing -----------------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ProgrammeError("reason", "Say why, so the client and the care team know.")
    if len(reason) > REASON_MAX:
        raise ProgrammeError("reason", f"Keep the reason under {REASON_MAX} characters.")
    return reason


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ProgrammeError("note", f"Keep the note under {NOTE_MAX} characters.")
    return note


def _record(
    programme: Programme,
    by: User,
    now: datetime,
    summary: str,
    reason: str,
    post_op_approved: bool = False,
) -> int:
    programme.version += 1
    programme.changes.append(
        ProgrammeChange(
            version=programme.version,
            changed_by=by,
            changed_at=now,
            summary=summary[:300],
            reason=reason,
            post_op_approved=post_op_approved,
        )
    )
    return programme.version


def _start(
    programme: Programme,
    exercise: Exercise,
    dose: Dose,
    note: str,
    now: datetime,
    version: int,
    *,
    slot: str | None = None,
    previous: Prescription | None = None,
    position: int | None = None,
) -> Prescription:
    prescription = Prescription(
        exercise=exercise,
        slot=slot or uuid.uuid4().hex,
        previous=previous,
        position=position if position is not None else _next_position(programme),
        note=note,
        started_at=now,
        started_in_version=version,
        **{f.name: getattr(dose, f.name) for f in fields(Dose)},
    )
    programme.prescriptions.append(prescription)
    return prescription


def _end(prescription: Prescription, now: datetime, version: int, reason: str) -> None:
    prescription.ended_at = now
    prescription.ended_in_version = version
    prescription.end_reason = reason


def _next_position(programme: Programme) -> int:
    return max((p.position for p in programme.current), default=-1) + 1


def _require_current(prescription: Prescription) -> None:
    if prescription.ended_at is not None:
        raise ProgrammeError(
            "prescription", "This exercise changed since the page was opened. Reload to see it."
        )


def prescribe(
    session: Session,
    programme: Programme,
    exercise: Exercise,
    *,
    dose: Dose,
    note: str,
    reason: str,
    by: User,
    now: datetime,
) -> Prescription:
    """Add an exercise to the programme at a dose, with an optional personal note."""
    dose.check()
    reason, note = _clean_reason(reason), _clean_note(note)
    if any(p.exercise_id == exercise.id for p in programme.current):
        raise ProgrammeError("exercise", f"{exercise.name} is already in the programme.")
    version = _record(programme, by, now, f"Added {exercise.name}", reason)
    return _start(programme, exercise, dose, note, now, version)


def start_from_template(
    session: Session,
    programme: Programme,
    template: Template,
    phase: int,
    exercises: dict[str, Exercise],
    *,
    by: User,
    now: datetime,
) -> list[Prescription]:
    """Fill an empty programme with the condition's starter exercises for this phase."""
    if programme.current:
        raise ProgrammeError(
            "template", "The programme already has exercises; add or change them one by one."
        )
    chosen = [exercises[i] for i in template.phases[phase]]
    names = ", ".join(e.name for e in chosen)
    reason = f"Your starter programme for phase {phase}."
    version = _record(programme, by, now, f"Started the programme: {names}", reason)
    return [
        _start(programme, exercise, Dose.of(exercise), "", now, version, position=index)
        for index, exercise in enumerate(chosen)
    ]


def change_dose(
    session: Session,
    prescription: Prescription,
    *,
    dose: Dose,
    note: str,
    reason: str,
    by: User,
    now: datetime,
) -> Prescription:
    """Change an exercise's dose or note; the old row is kept as history."""
    _require_current(prescription)
    dose.check()
    reason, note = _clean_reason(reason), _clean_note(note)
    old = Dose.of(prescription)
    if dose == old and note == prescription.note:
        raise ProgrammeError("sets", "Nothing changed: adjust the dose or the note first.")
    programme = prescription.programme
    summary = f"{prescription.exercise.name}: {old.describe()} → {dose.describe()}"
    if dose == old:
        summary = f"{prescription.exercise.name}: new note"
    version = _record(programme, by, now, summary, reason)
    _end(prescription, now, version, "changed")
    return _start(
        programme,
        prescription.exercise,
        dose,
        note,
        now,
        version,
        slot=prescription.slot,
        previous=prescription,
        position=prescription.position,
    )


def needs_post_op_approval(
    prescription: Prescription, direction: str, plan: CarePlan | None
) -> bool:
    """After surgery a progression needs the therapist's explicit say-so (clinical.md §2.11)."""
    return direction == "progress" and (
        prescription.exercise.post_op or (plan is not None and plan.condition is Condition.POST_OP)
    )


def replace_exercise(
    session: Session,
    prescription: Prescription,
    to: Exercise,
    *,
    direction: str,
    reason: str,
    by: User,
    now: datetime,
    post_op_approved: bool = False,
    plan: CarePlan | None = None,
) -> Prescription:
    """Progress or regress one exercise to a linked one in one step; the slot's history stays."""
    _require_current(prescription)
    reason = _clean_reason(reason)
    current = prescription.exercise
    links = current.progression if direction == "progress" else current.regression
    if direction not in ("progress", "regress") or to.id not in links:
        raise ProgrammeError("to", f"{to.name} isn't a {direction}ion of {current.name}.")
    needs_approval = needs_post_op_approval(prescription, direction, plan)
    if needs_approval and not post_op_approved:
        raise ProgrammeError(
            "approve_post_op",
            "After surgery, confirm that the surgeon's protocol allows this progression.",
        )
    programme = prescription.programme
    if any(p.exercise_id == to.id for p in programme.current):
        raise ProgrammeError("to", f"{to.name} is already in the programme.")
    verb = "Progressed" if direction == "progress" else "Eased"
    version = _record(
        programme, by, now, f"{verb} {current.name} to {to.name}", reason, needs_approval
    )
    _end(prescription, now, version, f"{direction}ed")
    return _start(
        programme,
        to,
        Dose.of(to),
        prescription.note,
        now,
        version,
        slot=prescription.slot,
        previous=prescription,
        position=prescription.position,
    )


def remove(
    session: Session, prescription: Prescription, *, reason: str, by: User, now: datetime
) -> None:
    """Take an exercise out of the programme; its history and logs stay."""
    _require_current(prescription)
    reason = _clean_reason(reason)
    programme = prescription.programme
    version = _record(programme, by, now, f"Removed {prescription.exercise.name}", reason)
    _end(prescription, now, version, "removed")


def move(
    session: Session, prescription: Prescription, *, direction: str, by: User, now: datetime
) -> None:
    """Move an exercise one place up or down the client's list."""
    _require_current(prescription)
    ordered = sorted(prescription.programme.current, key=lambda p: p.position)
    index = ordered.index(prescription)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        raise ProgrammeError("position", "It can't move further that way.")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    word = "earlier" if direction == "up" else "later"
    _record(
        prescription.programme,
        by,
        now,
        f"Moved {prescription.exercise.name} {word} in the list",
        "Reordered the programme.",
    )


# --- Logging --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    pain_during: int | None = None
    difficulty: Difficulty | None = None

    def check(self) -> None:
        if self.pain_during is not None and not 0 <= self.pain_during <= 10:
            raise ProgrammeError("pain_during", "Pain is rated from 0 (none) to 10 (worst).")


def _entry_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ProgrammeError(
            "client_entry_id", "This log has no valid id; reload and try again."
        ) from None


def log_exercise(
    session: Session,
    client: User,
    prescription: Prescription,
    *,
    client_entry_id: str,
    now: datetime,
    timezone: str,
    performed_at: datetime | None = None,
    sets_done: int | None = None,
    with_timer: bool = False,
    rating: Rating | None = None,
) -> tuple[ExerciseLog, bool]:
    """Record one session of an exercise; a repeat of the same entry id returns the first.

    ``performed_at`` is when the client did it (earlier than ``now`` when it was done offline
    and synced later); the exercise must have been in the programme at that moment.
    """
    performed_at = performed_at or now
    entry_id = _entry_id(client_entry_id)
    existing = session.scalar(select(ExerciseLog).where(ExerciseLog.client_entry_id == entry_id))
    if existing is not None:
        if existing.client_id != client.id or existing.prescription_id != prescription.id:
            raise ProgrammeError("client_entry_id", "This log id is already in use.")
        if rating is not None:
            rate(existing, rating)
        return existing, False
    if prescription.programme.client_id != client.id:
        raise ProgrammeError("prescription", "That exercise isn't in your programme.")
    if prescription.ended_at is not None and prescription.ended_at <= performed_at:
        raise ProgrammeError(
            "prescription", "That exercise is no longer in your programme. Reload to see today's."
        )
    if performed_at < prescription.started_at - timedelta(minutes=10):
        raise ProgrammeError("prescription", "That is before the exercise was prescribed.")
    if sets_done is not None and not 0 <= sets_done <= prescription.sets:
        raise ProgrammeError("sets_done", f"Sets done must be 0 to {prescription.sets}.")
    log = ExerciseLog(
        client_entry_id=entry_id,
        client_id=client.id,
        prescription=prescription,
        performed_at=performed_at,
        local_date=performed_at.astimezone(ZoneInfo(timezone)).date(),
        timezone=timezone,
        sets_done=sets_done if sets_done is not None else prescription.sets,
        with_timer=with_timer,
        received_at=now,
    )
    if rating is not None:
        rate(log, rating)
    try:
        with session.begin_nested():
            session.add(log)
    except IntegrityError:
        # A concurrent retry of the same entry won the race; hand back its row.
        existing = session.scalar(
            select(ExerciseLog).where(ExerciseLog.client_entry_id == entry_id)
        )
        if existing is None or existing.client_id != client.id:
            raise ProgrammeError("client_entry_id", "This log id is already in use.") from None
        return existing, False
    return log, True


def rate(log: ExerciseLog, rating: Rating) -> ExerciseLog:
    """Add the client's pain-during and difficulty rating to a log."""
    rating.check()
    if rating.pain_during is not None:
        log.pain_during = rating.pain_during
    if rating.difficulty is not None:
        log.difficulty = rating.difficulty
    return log


def find_log(session: Session, client_entry_id: str) -> ExerciseLog | None:
    """Find a log by the id its device gave it."""
    try:
        entry_id = _entry_id(client_entry_id)
    except ProgrammeError:
        return None
    return session.scalar(select(ExerciseLog).where(ExerciseLog.client_entry_id == entry_id))


def new_entry_id() -> str:
    """Make an id for a log that hasn't happened yet (the page carries it to the device)."""
    return str(uuid.uuid4())


def recent_logs(session: Session, programme: Programme, limit: int = 12) -> list[ExerciseLog]:
    """The client's latest logs across the programme, newest first, with their ratings."""
    ids = [p.id for p in programme.prescriptions]
    if not ids:
        return []
    return list(
        session.scalars(
            select(ExerciseLog)
            .where(ExerciseLog.prescription_id.in_(ids))
            .order_by(ExerciseLog.performed_at.desc())
            .limit(limit)
        )
    )
