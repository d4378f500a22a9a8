"""Writing the audit trail, and reading it back for the client it is about.

``record`` is the one way in: every read or change of a client's health data adds one row with
who (id, role and centres at that moment), which client, what (an action and a kind of record,
from the vocabularies below), when (UTC) and the request id. A row holds ids and codes, never a
name or clinical text. Nothing here updates or deletes a row, and nothing anywhere may: on
PostgreSQL a trigger refuses both (migration 0007), on SQLite the app simply has no such path
(a test reads the source to prove it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..models import AuditEvent
from ..models import Centre
from ..models import Role
from ..models import User
from ..models import centre_membership
from ..models import now_utc

# What was done, and the verb a client reads for it.
ACTIONS: dict[str, str] = {
    "read": "read",
    "change": "changed",
    "export": "downloaded",
    "erase": "erased",  # an erasure carried out, or the retention job deleting a kept record
}

# The kinds of record, and what each is called when a client reads who touched it. None: a list
# of many clients (a caseload, a schedule), recorded with no client and never shown to one.
RECORDS: dict[str, str | None] = {
    "record": "your record",
    "pathway": "your care plan",
    "programme": "your home programme",
    "diary": "your diary",
    "psfs": "your activity ratings",
    "alert": "an alert from your weekly check",
    "notes": "your session notes",
    "brief": "your pre-session brief",
    "sessions": "your sessions",
    "referrals": "your referrals",
    "progress": "your progress",
    "account": "your account",
    "consent": "your consent choices",
    "audit": "who has looked at your record",
    "erasure": "your request to erase your data",
    "caseload": None,
    "schedule": None,
    "outcomes": None,
}

# Where "<verb> <record>" reads badly, the client reads this instead.
PHRASES: dict[tuple[str, str], str] = {
    ("read", "record"): "opened your record",
    ("change", "record"): "set up your record",
    ("read", "sessions"): "looked at your sessions",
    ("read", "audit"): "checked who has looked at your record",
    ("change", "account"): "sent you a new sign-in link",
    ("read", "alert"): "read an alert from your weekly check",
    ("change", "alert"): "acknowledged an alert from your weekly check",
    ("read", "erasure"): "reviewed your request to erase your data",
    ("change", "erasure"): "closed your request to erase your data",
    ("erase", "erasure"): "erased your personal data",
}

STAFF_ROLES = (Role.THERAPIST.value, Role.ADMIN.value)
ROLE_LABELS = {"therapist": "Therapist", "admin": "Clinic admin"}


class UnknownKind(ValueError):
    """An action or record kind outside the vocabularies: a typo, caught before any row."""


def check(action: str, record: str) -> None:
    """Refuse an action or record kind the trail has no words for."""
    if action not in ACTIONS:
        raise UnknownKind(f"unknown audit action {action!r}")
    if record not in RECORDS:
        raise UnknownKind(f"unknown audit record kind {record!r}")


def describe(action: str, record: str) -> str:
    """What happened in a client's words: 'read your diary', 'changed your home programme'."""
    noun = RECORDS.get(record) or "your record"
    return PHRASES.get((action, record), f"{ACTIONS.get(action, action)} {noun}")


@dataclass(frozen=True)
class Actor:
    """Who acted, captured as plain values (a view may have committed, expiring the user)."""

    id: int | None
    role: str

    @classmethod
    def of(cls, user: User | None, role: str = "system") -> Actor:
        """The actor for ``user``; None is the system (a scheduled job) or an anonymous link."""
        return cls(None, role) if user is None else cls(user.id, user.role.value)


def _centres_of(actor_id: int | None) -> ColumnElement[str] | str:
    """The actor's centre ids as '1,3', read by the INSERT itself: no extra round trip."""
    if actor_id is None:
        return ""
    centre_id = cast(centre_membership.c.centre_id, String)
    return (
        select(func.substr(func.coalesce(func.aggregate_strings(centre_id, ","), ""), 1, 200))
        .where(centre_membership.c.user_id == actor_id)
        .scalar_subquery()
    )


def record(
    session: Session,
    actor: User | Actor | None,
    client_id: int | None,
    action: str,
    record: str,
    record_id: str | int = "",
    *,
    request_id: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Add one audit row to ``session``; the caller's commit writes it with their own work."""
    check(action, record)
    who = actor if isinstance(actor, Actor) else Actor.of(actor)
    event = AuditEvent(
        at=now or now_utc(),
        actor_id=who.id,
        actor_role=who.role,
        actor_centres=_centres_of(who.id),
        client_id=client_id,
        action=action,
        record=record,
        record_id=str(record_id)[:64],
        request_id=request_id[:64],
    )
    session.add(event)
    return event


def centre_ids(event: AuditEvent) -> list[int]:
    """The actor's centres when the event happened."""
    return [int(part) for part in event.actor_centres.split(",") if part.isdigit()]


def role_label(actor: User | None, role: str) -> str:
    """'Physiotherapist', 'Massage therapist' or 'Clinic admin'."""
    if actor is not None and actor.discipline is not None:
        return actor.discipline.label
    return ROLE_LABELS.get(role, role.title())


# --- The client's "who has looked at my record" ---------------------------------------------


@dataclass(frozen=True)
class AccessLine:
    """One read or change of the client's record by a member of staff."""

    id: int
    at: datetime
    who: str
    role: str
    centres: str
    what: str


@dataclass(frozen=True)
class AccessPage:
    lines: list[AccessLine]
    older: int | None  # the ``before`` value of the next page, if there is one


def staff_access(
    session: Session, client: User, *, before: int | None = None, limit: int = 25
) -> AccessPage:
    """Staff reads and changes of ``client``'s record, newest first, ``limit`` at a time.

    The client's own actions are left out. ``before`` is the id of the last line already shown;
    an id that is not one of this client's events gives an empty page.
    """
    query = (
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.client_id == client.id, AuditEvent.actor_role.in_(STAFF_ROLES))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(_earlier_than(before, client.id))
    found = session.execute(query).all()
    more = len(found) > limit
    found = found[:limit]
    wanted = {c for event, _ in found for c in centre_ids(event)}
    names = _centre_names(session, wanted)
    lines = [
        AccessLine(
            id=event.id,
            at=event.at,
            who=actor.name if actor is not None else "A former member of staff",
            role=role_label(actor, event.actor_role),
            centres=", ".join(names[c] for c in centre_ids(event) if c in names),
            what=describe(event.action, event.record),
        )
        for event, actor in found
    ]
    return AccessPage(lines, lines[-1].id if more and lines else None)


def by_day(lines: list[AccessLine], timezone: str) -> list[tuple[date, list[AccessLine]]]:
    """Group newest-first lines by the client's local day, keeping their order."""
    days: list[tuple[date, list[AccessLine]]] = []
    zone = ZoneInfo(timezone)
    for line in lines:
        day = line.at.astimezone(zone).date()
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(line)
    return days


def _earlier_than(event_id: int, client_id: int) -> ColumnElement[bool]:
    """Rows after event ``event_id`` in newest-first order, within one client's events."""
    at = (
        select(AuditEvent.at)
        .where(AuditEvent.id == event_id, AuditEvent.client_id == client_id)
        .scalar_subquery()
    )
    return or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id))


def _centre_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Centre.id, Centre.name).where(Centre.id.in_(ids))).all())
