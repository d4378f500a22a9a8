"""Erasure (GDPR Art. 17) and the retention job that finishes it.

A client asks; an admin of their centre carries it out. What the client made for themselves,
and everything that identifies them, is deleted. The clinical record (the care team's notes,
referrals, the visits that took place, the pathway, the home programme, the red-flag screens
and alerts) is kept for ``RETENTION_YEARS`` after the last visit, pseudonymised: the account
stays as a tombstone with no name, email, password or second factor, and the client's name is
replaced by ``[client]`` in every free text of the kept rows. ``purge_expired`` deletes the
tombstone, and with it (by the foreign keys' cascades) the kept record, once that time is up.
README, "Retention and erasure", says what is kept and why.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Enum
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from .. import policy
from ..audit import services as audit
from ..models import Appointment
from ..models import AppointmentSeries
from ..models import AppointmentStatus
from ..models import CalendarFeed
from ..models import CareAlert
from ..models import CarePlan
from ..models import Consent
from ..models import Delivery
from ..models import DeliveryStatus
from ..models import DiaryEntry
from ..models import ErasureRequest
from ..models import ErasureStatus
from ..models import ExerciseLog
from ..models import GlobalRating
from ..models import Invitation
from ..models import LoginAttempt
from ..models import NoteAddendum
from ..models import PasswordReset
from ..models import PhaseChange
from ..models import Prescription
from ..models import Programme
from ..models import ProgrammeChange
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import PushSubscription
from ..models import RecoveryCode
from ..models import RedFlagScreen
from ..models import Referral
from ..models import ReminderSettings
from ..models import Role
from ..models import SessionNote
from ..models import User
from ..models import UserSession

log = logging.getLogger(__name__)

# UK Records Management Code of Practice (2023): adult health records, 8 years after the
# conclusion of treatment. GDPR Art. 17(3)(c) and (h) let the clinic keep them that long.
RETENTION_YEARS = 8
PLACEHOLDER = "[client]"
TOMBSTONE_DOMAIN = "erased.invalid"  # RFC 2606: never routable, so nothing can be sent there


class ErasureError(ValueError):
    """An erasure that can't go ahead: the request was withdrawn, or isn't this admin's."""


# --- What goes and what stays -------------------------------------------------------------------

Where = Callable[[User, datetime], ColumnElement[bool]]


@dataclass(frozen=True)
class Category:
    """One kind of row about a client: what the review page calls it, and how to find them."""

    label: str
    model: type[Any]
    where: Where


def _visit_not_held(client: User, now: datetime) -> ColumnElement[bool]:
    """Visits that never took place: cancelled ones, and booked ones still to come."""
    return and_(
        Appointment.client_id == client.id,
        or_(
            Appointment.status.in_(
                [AppointmentStatus.CANCELLED_BY_CLIENT, AppointmentStatus.CANCELLED_BY_CLINIC]
            ),
            and_(Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now),
        ),
    )


def _visit_held(client: User, now: datetime) -> ColumnElement[bool]:
    """Visits that took place or were due to: attended, missed, or started with no outcome yet."""
    return and_(
        Appointment.client_id == client.id,
        or_(
            Appointment.status.in_([AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW]),
            and_(Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at <= now),
        ),
    )


def _outbox(recipients: ColumnElement[bool]) -> ColumnElement[bool]:
    """The client's outbox rows, bar one a reminders pass is sending this very moment.

    That one was on its way before the erasure: deleting it under the pass would fail the
    pass's update. The pass finishes it (or, if the pass died, the next one finds the account
    disabled and skips it), and ``sweep_outbox`` deletes it at the next housekeeping pass.
    """
    return and_(recipients, Delivery.status != DeliveryStatus.SENDING)


def _plans(client: User) -> Any:
    return select(CarePlan.id).where(CarePlan.client_id == client.id).scalar_subquery()


def _notes(client: User) -> Any:
    return select(SessionNote.id).where(SessionNote.client_id == client.id).scalar_subquery()


def _programmes(client: User) -> Any:
    return select(Programme.id).where(Programme.client_id == client.id).scalar_subquery()


def _activities(client: User) -> Any:
    return select(PsfsActivity.id).where(PsfsActivity.client_id == client.id).scalar_subquery()


# Deleted, in this order (children before the rows they point to).
ERASED: tuple[Category, ...] = (
    Category("Diary entries", DiaryEntry, lambda c, _now: DiaryEntry.client_id == c.id),
    Category("Exercise logs", ExerciseLog, lambda c, _now: ExerciseLog.client_id == c.id),
    Category(
        "Weekly activity scores",
        PsfsScore,
        lambda c, _now: PsfsScore.activity_id.in_(_activities(c)),
    ),
    Category("Activities they rate", PsfsActivity, lambda c, _now: PsfsActivity.client_id == c.id),
    Category("Ratings of change", GlobalRating, lambda c, _now: GlobalRating.client_id == c.id),
    Category(
        "Reminder choices", ReminderSettings, lambda c, _now: ReminderSettings.client_id == c.id
    ),
    Category(
        "Phones signed up for reminders",
        PushSubscription,
        lambda c, _now: PushSubscription.user_id == c.id,
    ),
    Category(
        "Reminders, sent and waiting",
        Delivery,
        lambda c, _now: _outbox(Delivery.recipient_id == c.id),
    ),
    Category("Calendar links", CalendarFeed, lambda c, _now: CalendarFeed.client_id == c.id),
    Category("Sign-ins on devices", UserSession, lambda c, _now: UserSession.user_id == c.id),
    Category("Recovery codes", RecoveryCode, lambda c, _now: RecoveryCode.user_id == c.id),
    Category("Password reset links", PasswordReset, lambda c, _now: PasswordReset.user_id == c.id),
    Category("Invitation links", Invitation, lambda c, _now: Invitation.user_id == c.id),
    Category(
        "Sign-in attempts under their email",
        LoginAttempt,
        lambda c, _now: func.lower(LoginAttempt.email) == c.email.lower(),
    ),
    Category("Consent decisions", Consent, lambda c, _now: Consent.client_id == c.id),
    Category("Visits booked or cancelled that did not take place", Appointment, _visit_not_held),
    Category(
        "Booked series", AppointmentSeries, lambda c, _now: AppointmentSeries.client_id == c.id
    ),
)

# Kept for the retention period, every free text in them pseudonymised.
KEPT: tuple[Category, ...] = (
    Category("Care plans and goals", CarePlan, lambda c, _now: CarePlan.client_id == c.id),
    Category("Phase changes", PhaseChange, lambda c, _now: PhaseChange.care_plan_id.in_(_plans(c))),
    Category("Session notes", SessionNote, lambda c, _now: SessionNote.client_id == c.id),
    Category("Note addenda", NoteAddendum, lambda c, _now: NoteAddendum.note_id.in_(_notes(c))),
    Category("Referrals", Referral, lambda c, _now: Referral.client_id == c.id),
    Category("Visits that took place or were missed", Appointment, _visit_held),
    Category("Red-flag screens", RedFlagScreen, lambda c, _now: RedFlagScreen.client_id == c.id),
    Category("Care alerts", CareAlert, lambda c, _now: CareAlert.client_id == c.id),
    Category("Home programme", Programme, lambda c, _now: Programme.client_id == c.id),
    Category(
        "Prescribed exercises",
        Prescription,
        lambda c, _now: Prescription.programme_id.in_(_programmes(c)),
    ),
    Category(
        "Programme changes",
        ProgrammeChange,
        lambda c, _now: ProgrammeChange.programme_id.in_(_programmes(c)),
    ),
)


@dataclass(frozen=True)
class Inventory:
    """How many rows of each kind an erasure deletes and keeps, for the admin's review."""

    erased: list[tuple[str, int]]
    kept: list[tuple[str, int]]


def inventory(session: Session, client: User, now: datetime) -> Inventory:
    """Count what erasing ``client`` now would delete and keep."""

    def count(category: Category) -> tuple[str, int]:
        query = select(func.count()).select_from(category.model)
        return category.label, session.scalar(query.where(category.where(client, now))) or 0

    return Inventory([count(c) for c in ERASED], [count(c) for c in KEPT])


# --- The client's side --------------------------------------------------------------------------


def open_request(session: Session, client: User) -> ErasureRequest | None:
    """The client's request still waiting for an admin, if there is one."""
    return session.scalar(
        select(ErasureRequest)
        .where(
            ErasureRequest.client_id == client.id,
            ErasureRequest.status == ErasureStatus.REQUESTED,
        )
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
        .limit(1)
    )


def request_erasure(session: Session, client: User, now: datetime) -> ErasureRequest:
    """Ask for erasure; asking again while a request is open returns that request."""
    if client.role is not Role.CLIENT or client.erased_at is not None:
        raise ErasureError("Only a client's own data can be erased, once.")
    found = open_request(session, client)
    if found is not None:
        return found
    made = ErasureRequest(client_id=client.id, status=ErasureStatus.REQUESTED, requested_at=now)
    session.add(made)
    session.flush()
    log.info("erasure request %s made by client %s", made.id, client.id)
    return made


def withdraw(session: Session, client: User, now: datetime) -> ErasureRequest | None:
    """Take back an open request (before an admin carries it out); None if none was open."""
    found = open_request(session, client)
    if found is None:
        return None
    found.status = ErasureStatus.WITHDRAWN
    found.closed_at = now
    found.closed_by_id = client.id
    session.flush()
    log.info("erasure request %s withdrawn by client %s", found.id, client.id)
    return found


# --- The admin's side ---------------------------------------------------------------------------


def open_requests(session: Session, admin: User) -> list[ErasureRequest]:
    """Requests waiting for an admin, from clients of ``admin``'s centres, oldest first."""
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(
                ErasureRequest.status == ErasureStatus.REQUESTED,
                ErasureRequest.client_id.in_(policy.centre_clients(admin)),
            )
            .order_by(ErasureRequest.requested_at, ErasureRequest.id)
        )
    )


def completed_requests(session: Session, admin: User, limit: int = 20) -> list[ErasureRequest]:
    """The latest erasures carried out for clients of ``admin``'s centres, newest first."""
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(
                ErasureRequest.status == ErasureStatus.COMPLETED,
                ErasureRequest.client_id.in_(policy.centre_clients(admin)),
            )
            .order_by(ErasureRequest.closed_at.desc(), ErasureRequest.id.desc())
            .limit(limit)
        )
    )


def count_open(session: Session, admin: User) -> int:
    """How many requests wait for ``admin`` (for the admin home page)."""
    query = select(func.count(ErasureRequest.id)).where(
        ErasureRequest.status == ErasureStatus.REQUESTED,
        ErasureRequest.client_id.in_(policy.centre_clients(admin)),
    )
    return session.scalar(query) or 0


def complete(
    session: Session, request: ErasureRequest, admin: User, now: datetime, *, request_id: str = ""
) -> ErasureRequest:
    """Carry out an erasure request; a request already completed is returned as it is.

    The request is claimed with one conditional UPDATE, so two admins (or a double-clicked
    button) erase once: the second finds it completed and changes nothing.
    """
    client = request.client
    if not any(policy.manages_centre(admin, centre) for centre in client.centres):
        raise ErasureError("This request is not from a client of your centres.")
    if request.status is ErasureStatus.COMPLETED:
        return request
    if request.status is ErasureStatus.WITHDRAWN:
        raise ErasureError("The client withdrew this request.")
    claimed = session.execute(
        update(ErasureRequest)
        .where(ErasureRequest.id == request.id, ErasureRequest.status == ErasureStatus.REQUESTED)
        .values(status=ErasureStatus.COMPLETED, closed_at=now, closed_by_id=admin.id)
    ).rowcount
    session.refresh(request)
    if not claimed:
        if request.status is ErasureStatus.WITHDRAWN:
            raise ErasureError("The client withdrew this request.")
        return request
    if client.erased_at is None:  # another open request may have erased them already
        _erase(session, client, now)
        audit.record(
            session,
            admin,
            client.id,
            "erase",
            "erasure",
            request.id,
            request_id=request_id,
            now=now,
        )
    session.flush()
    log.info("erasure request %s completed by admin %s: client %s", request.id, admin.id, client.id)
    return request


def _erase(session: Session, client: User, now: datetime) -> None:
    """Delete what identifies the client, pseudonymise what is kept, leave a tombstone."""
    pattern = name_pattern(client)
    for category in ERASED:
        session.execute(
            delete(category.model).where(category.where(client, now)),
            execution_options={"synchronize_session": "fetch"},
        )
    for category in KEPT:
        for row in session.scalars(select(category.model).where(category.where(client, now))):
            pseudonymise(row, pattern)
    for plan in session.scalars(select(CarePlan).where(CarePlan.client_id == client.id)):
        plan.active = False  # out of every caseload; the care ended with the erasure
    for programme in session.scalars(select(Programme).where(Programme.client_id == client.id)):
        programme.client_seen_version = programme.version  # nothing left to tell them
    client.name = f"Erased client #{client.id}"
    client.email = f"erased-{client.id}@{TOMBSTONE_DOMAIN}"
    client.password_hash = None
    client.totp_secret = None
    client.totp_setup_secret = None
    client.totp_enabled_at = None
    client.totp_last_step = None
    client.active = False
    client.erased_at = now


# --- Pseudonymising free text -------------------------------------------------------------------


def name_parts(name: str) -> list[str]:
    """The full name, each word of it and each part of a hyphenated word, longest first."""
    full = " ".join(name.split())
    parts = {full}
    for word in full.split():
        parts.add(word)
        parts.update(re.split(r"[-\u2010\u2011'\u2019]", word))
    cleaned = {p.strip(".,") for p in parts}
    return sorted((p for p in cleaned if len(p) >= 2), key=lambda p: (-len(p), p))


def name_pattern(client: User) -> re.Pattern[str]:
    """Match the client's name, any part of it, or their email: whole words, in any case."""
    needles = sorted({client.email, *name_parts(client.name)} - {""}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in needles)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    """Replace the client's name in a text, or in every text inside a JSON value."""
    if isinstance(value, str):
        return pattern.sub(PLACEHOLDER, value)
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, pattern) for key, item in value.items()}
    return value


def pseudonymise(row: Any, pattern: re.Pattern[str]) -> None:
    """Scrub every text and JSON column of a kept row (a new column is covered by itself)."""
    for attribute in inspect(type(row)).column_attrs:
        column_type = attribute.columns[0].type
        is_text = isinstance(column_type, String) and not isinstance(column_type, Enum)
        if not (is_text or isinstance(column_type, JSON)):
            continue
        value = getattr(row, attribute.key)
        cleaned = scrub(value, pattern)
        if cleaned != value:
            setattr(row, attribute.key, cleaned)


def sweep_outbox(session: Session) -> int:
    """Delete outbox rows left for erased clients (on their way while the erasure happened)."""
    erased = select(User.id).where(User.erased_at.is_not(None))
    deleted = session.execute(
        delete(Delivery).where(_outbox(Delivery.recipient_id.in_(erased))),
        execution_options={"synchronize_session": False},
    ).rowcount
    return deleted or 0


# --- Retention ----------------------------------------------------------------------------------


def shift_years(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years on (or back); 29 February becomes the 28th."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def last_contact(client_id: Any) -> tuple[Any, Any]:
    """The client's last attended visit and last note, as correlated subqueries."""
    visit = (
        select(func.max(Appointment.starts_at))
        .where(
            Appointment.client_id == client_id,
            Appointment.status == AppointmentStatus.ATTENDED,
        )
        .scalar_subquery()
    )
    note = (
        select(func.max(SessionNote.written_at))
        .where(SessionNote.client_id == client_id)
        .scalar_subquery()
    )
    return visit, note


def retention_ends(session: Session, client: User) -> datetime | None:
    """When the kept record of an erased client is deleted (None: not erased)."""
    if client.erased_at is None:
        return None
    visit, note = last_contact(client.id)
    found = [t for t in session.execute(select(visit, note)).one() if t is not None]
    return shift_years(max(found) if found else client.erased_at, RETENTION_YEARS)


def purge_expired(session: Session, now: datetime) -> int:
    """Delete erased clients whose kept record is past retention; return how many.

    The clock is the last attended visit or the last note, whichever is later; for a client
    who never had either, the erasure itself. Deleting the tombstone deletes the rest by the
    foreign keys' cascades; the audit trail, which has none, keeps its rows (ids only) and
    gains one saying the system erased the record.
    """
    cutoff = shift_years(now, -RETENTION_YEARS)
    visit, note = last_contact(User.id)
    due = list(
        session.scalars(
            select(User.id).where(
                User.role == Role.CLIENT,
                User.erased_at.is_not(None),
                or_(visit.is_(None), visit < cutoff),
                or_(note.is_(None), note < cutoff),
                or_(visit.is_not(None), note.is_not(None), User.erased_at < cutoff),
            )
        )
    )
    if not due:
        return 0
    session.execute(
        delete(User).where(User.id.in_(due)), execution_options={"synchronize_session": False}
    )
    for client_id in due:
        audit.record(session, None, client_id, "erase", "record", client_id, now=now)
    log.info("retention: deleted %d erased clients past %d years", len(due), RETENTION_YEARS)
    return len(due)
